import { computed, signal, type ReadonlySignal } from '@preact/signals';
import type { ServiceStatus, StatusPollResponse, StatusResponse } from '../../api/types.js';
import type { ApiClient } from '../api-client.js';
import { createPoller, isCancelled, type Poller, type VisibilitySource } from './poller.js';

export interface StatusModelOptions {
  readonly api: Pick<ApiClient, 'status'>;
  readonly now: () => number;
  readonly visibility?: VisibilitySource;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

/** The status matrix, polled; the last good answer stays on screen when the API stops answering. */
export interface StatusModel {
  /** The last successful answer, or null before the first one. */
  readonly status: ReadonlySignal<StatusResponse | null>;
  /** When the last successful answer arrived (the browser's clock). */
  readonly receivedAt: ReadonlySignal<number | null>;
  /** Why the latest attempt failed, or null when it succeeded. */
  readonly error: ReadonlySignal<string | null>;
  /** True while the latest attempt failed: the screen shows old data. */
  readonly stale: ReadonlySignal<boolean>;
  readonly poller: Poller;
}

export function createStatusModel(options: StatusModelOptions): StatusModel {
  const status = signal<StatusResponse | null>(null);
  const receivedAt = signal<number | null>(null);
  const error = signal<string | null>(null);
  let cursor: string | undefined;

  const poller = createPoller({
    intervalMs: options.intervalMs ?? 5_000,
    timeoutMs: options.timeoutMs ?? 4_000,
    visibility: options.visibility,
    async run(abortSignal) {
      try {
        const answer = await options.api.status(abortSignal, status.peek() === null ? undefined : cursor);
        status.value = mergeStatus(status.peek(), answer);
        cursor = answer.cursor;
        receivedAt.value = options.now();
        error.value = null;
      } catch (failure) {
        if (isCancelled(abortSignal)) return;
        error.value = describeFailure(failure, abortSignal);
      }
    },
  });

  return { status, receivedAt, error, stale: computed(() => error.value !== null), poller };
}

/**
 * The status after a poll: a whole answer as it is, a partial one (the cells changed since the previous
 * poll) laid over the previous status. Cells the answer does not name stay the same objects.
 */
export function mergeStatus(previous: StatusResponse | null, answer: StatusPollResponse): StatusResponse {
  if (!answer.partial) {
    return { generatedAt: answer.generatedAt, environments: answer.environments, services: answer.services, cells: answer.cells, incidents: answer.incidents };
  }
  if (previous === null) throw new Error('a partial status answer needs a previous one');
  const changed = new Map<string, ServiceStatus>();
  for (const cell of answer.cells) changed.set(`${cell.env}\u0000${cell.service}`, cell);
  const cells = changed.size === 0 ? previous.cells : previous.cells.map((cell) => changed.get(`${cell.env}\u0000${cell.service}`) ?? cell);
  // The cells' incidents come whole in every answer.
  return { ...previous, generatedAt: answer.generatedAt, cells, incidents: answer.incidents };
}

/** A one-line reason for a failed request, for the stale banner. */
export function describeFailure(failure: unknown, abortSignal?: AbortSignal): string {
  if (abortSignal?.aborted) return (abortSignal.reason as Error | undefined)?.message ?? 'Request aborted';
  if (failure instanceof TypeError) return 'API unreachable';
  return failure instanceof Error ? failure.message : String(failure);
}
