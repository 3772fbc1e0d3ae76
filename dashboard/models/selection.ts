import { computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import type { StatusResponse } from '../../api/types.js';

/** Which service the latency chart shows: the one clicked, else the first in config order. */
export interface SelectionModel {
  /** The service the user picked, or null for the default. */
  readonly picked: Signal<string | null>;
  /** The service shown: the picked one while it still exists, else the first service. */
  readonly service: ReadonlySignal<string | null>;
  select(service: string): void;
}

export function createSelectionModel(status: ReadonlySignal<StatusResponse | null>): SelectionModel {
  const picked = signal<string | null>(null);
  const service = computed(() => {
    const services = status.value?.services ?? [];
    const wanted = picked.value;
    if (wanted !== null && (status.value === null || services.some((entry) => entry.name === wanted))) return wanted;
    return services[0]?.name ?? null;
  });
  return {
    picked,
    service,
    select(name) {
      picked.value = name;
    },
  };
}
