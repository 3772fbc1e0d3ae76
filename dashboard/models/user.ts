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
}

/** One line of at most 100 characters, as the API accepts for an actor. */
export function cleanName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 100);
}

export function createUserModel(storage: NameStorage): UserModel {
  const name = signal(cleanName(storage.read() ?? ''));
  return {
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
