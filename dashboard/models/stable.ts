import { computed, type ReadonlySignal } from '@preact/signals';

/**
 * A computed that keeps its previous value while `same` says the new one is equal. Signals notify
 * readers only when a value's identity changes, so an equal answer re-renders nothing downstream.
 */
export function stableComputed<T>(compute: () => T, same: (a: T, b: T) => boolean): ReadonlySignal<T> {
  let previous: { readonly value: T } | null = null;
  return computed(() => {
    const next = compute();
    if (previous !== null && same(previous.value, next)) return previous.value;
    previous = { value: next };
    return next;
  });
}
