import { computed, signal, type ReadonlySignal } from '@preact/signals';

/** Where the name is kept between visits (localStorage, handed in by main.tsx). */
export interface NameStorage {
  read(): string | null;
  write(name: string): void;
}

/** How the dashboard signs in ([X1]): a token is traded for a session cookie and never kept. */
export interface SessionControl {
  /** Signs in with `token`; resolves to the token's name. */
  signIn(token: string): Promise<string>;
  /** The name of the session the browser already has, or null. */
  current(): Promise<string | null>;
}

/** The name incident actions and postmortems are recorded under, typed once and remembered. */
export interface UserModel {
  readonly name: ReadonlySignal<string>;
  /** True once a name is given: actions that record who did them wait for one. */
  readonly known: ReadonlySignal<boolean>;
  setName(name: string): void;
  /** The API token being pasted ([X1]): cleared once it has signed in; never stored. */
  readonly token: ReadonlySignal<string>;
  setToken(token: string): void;
  /** The token name the session acts under, or null when not signed in. */
  readonly signedInAs: ReadonlySignal<string | null>;
  /** Why the last sign-in failed, or null. */
  readonly signInError: ReadonlySignal<string | null>;
  /** Asks the server whether the browser has a session already (at start). */
  refresh(): Promise<void>;
}

/** One line of at most 100 characters, as the API accepts for an actor. */
export function cleanName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 100);
}

/** `session` signs a pasted token in; absent, the token field does nothing (tests of the name alone). */
export function createUserModel(storage: NameStorage, session?: SessionControl): UserModel {
  const name = signal(cleanName(storage.read() ?? ''));
  const token = signal('');
  const signedInAs = signal<string | null>(null);
  const signInError = signal<string | null>(null);
  return {
    token,
    signedInAs,
    signInError,
    setToken(next) {
      const cleaned = next.trim();
      if (cleaned === token.peek()) return;
      token.value = cleaned;
      if (!session || !/^vgl_[A-Za-z0-9_-]{20,}$/.test(cleaned)) return;
      session.signIn(cleaned).then(
        (who) => {
          signedInAs.value = who;
          signInError.value = null;
          if (token.peek() === cleaned) token.value = '';
        },
        (error: unknown) => {
          signInError.value = error instanceof Error ? error.message : String(error);
        },
      );
    },
    async refresh() {
      signedInAs.value = (await session?.current().catch(() => null)) ?? null;
    },
    name,
    known: computed(() => name.value !== ''),
    setName(next) {
      const cleaned = cleanName(next);
      if (cleaned === name.peek()) return;
      name.value = cleaned;
      storage.write(cleaned);
    },
  };
}
