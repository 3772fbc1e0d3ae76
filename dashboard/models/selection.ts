import { computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import type { ServiceInfo } from './matrix.js';

/** Which service the latency chart shows: the one clicked, else the first the matrix shows. */
export interface SelectionModel {
  /** The service the user picked, or null for the default. */
  readonly picked: Signal<string | null>;
  /** The service shown: the picked one while it still exists, else the matrix's first row, else the first service. */
  readonly service: ReadonlySignal<string | null>;
  select(service: string): void;
}

export interface SelectionSources {
  /** Every service in config order; empty before the first answer. */
  readonly services: ReadonlySignal<readonly ServiceInfo[]>;
  /** The services the matrix shows, in its order: at scale the worst comes first, and is what the chart should show. */
  readonly ordered: ReadonlySignal<readonly string[]>;
  /** False until the first answer: a picked service is kept until it can be checked. */
  readonly known: ReadonlySignal<boolean>;
}

export function createSelectionModel(sources: SelectionSources): SelectionModel {
  const picked = signal<string | null>(null);
  const pickedExists = computed(() => {
    const wanted = picked.value;
    return wanted !== null && (!sources.known.value || sources.services.value.some((entry) => entry.name === wanted));
  });
  const service = computed(() => {
    if (pickedExists.value) return picked.value;
    return sources.ordered.value[0] ?? sources.services.value[0]?.name ?? null;
  });
  return {
    picked,
    service,
    select(name) {
      picked.value = name;
    },
  };
}
