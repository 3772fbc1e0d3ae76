import { computed, signal, type ReadonlySignal } from '@preact/signals';

/** Where the name is kept between visits (localStorage, handed in by main.tsx). */
export interface NameStorage {
  read(): string | null;
  write(name: string): void;
}

/** The name incident actions and postmortems are recorded under, typed once and remembered. */
export interface UserModel {
  readonly name: ReadonlySignal<string>;
  /** True once a name is given: actions that record who did them wait for one. */
  readonly known: ReadonlySignal<boolean>;
  setName(name: string): void;
  /** The API token pasted by the user ([X1]), sent with every request; empty when none. */
  readonly token: ReadonlySignal<string>;
  setToken(token: string): void;
}

/** One line of at most 100 characters, as the API accepts for an actor. */
export function cleanName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 100);
}

/** `tokens` keeps the API token (the same kind of storage as the name); absent: the token lasts for the visit. */
export function createUserModel(storage: NameStorage, tokens?: NameStorage): UserModel {
  const name = signal(cleanName(storage.read() ?? ''));
  const token = signal((tokens?.read() ?? '').trim());
  return {
    token,
    setToken(next) {
      const cleaned = next.trim();
      if (cleaned === token.peek()) return;
      token.value = cleaned;
      tokens?.write(cleaned);
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
