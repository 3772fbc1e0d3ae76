import { computed, effect, signal, type ReadonlySignal } from '@preact/signals';
import type { IncidentDetailResponse, IncidentJson } from '../../api/types.js';
import { ApiError, type ApiClient } from '../api-client.js';
import type { IncidentEvent } from '../../store/types.js';
import type { VisibilitySource } from './poller.js';
import { createResource } from './resource.js';
import { describeFailure } from './status.js';
import type { UserModel } from './user.js';

/** What a person may do with an incident in its state. */
export function availableActions(incident: Pick<IncidentJson, 'state'>): { acknowledge: boolean; resolve: boolean; note: boolean } {
  return { acknowledge: incident.state === 'open', resolve: incident.state !== 'resolved', note: true };
}

const EVENT_LABELS: Readonly<Record<IncidentEvent['kind'], string>> = {
  opened: 'Opened',
  acknowledged: 'Acknowledged',
  note: 'Note',
  escalated: 'Escalated',
  resolved: 'Resolved',
  reopened: 'Reopened',
  notified: 'Notified',
};

/** A timeline line as read: `Acknowledged by ana`, `Resolved (the rule recovered)`, `Opened · value 42`. */
export function describeEvent(event: IncidentEvent): { readonly label: string; readonly by: string; readonly detail: string } {
  const by = event.actor ?? 'Vigil';
  const parts = [event.text, event.value === null ? null : `value ${Number.isInteger(event.value) ? event.value : event.value.toPrecision(4)}`];
  return { label: EVENT_LABELS[event.kind] ?? event.kind, by, detail: parts.filter((part) => part !== null && part !== '').join(' · ') };
}

export type IncidentAction = 'acknowledge' | 'resolve' | 'note' | 'postmortem';

/** One incident (`#/incidents/<id>`) with its timeline, and the actions taken on it. */
export interface IncidentDetailModel {
  readonly detail: ReadonlySignal<IncidentDetailResponse | null>;
  readonly error: ReadonlySignal<string | null>;
  /** The action waiting for the API, or null. */
  readonly pending: ReadonlySignal<IncidentAction | null>;
  /** Why the last action failed, or null. */
  readonly actionError: ReadonlySignal<string | null>;
  acknowledge(): Promise<void>;
  resolve(note?: string): Promise<void>;
  addNote(text: string): Promise<boolean>;
  /** Creates the postmortem (or finds the one that exists) and opens it. */
  writePostmortem(): Promise<void>;
  start(): void;
  stop(): void;
}

export interface IncidentDetailOptions {
  readonly api: ApiClient;
  /** The incident the route names, or null on other routes. */
  readonly id: ReadonlySignal<number | null>;
  readonly user: UserModel;
  /** Goes to a hash with a history entry (`location.hash = …`). */
  readonly navigate: (hash: string) => void;
  readonly visibility?: VisibilitySource;
  readonly intervalMs?: number;
}

export function createIncidentDetailModel(options: IncidentDetailOptions): IncidentDetailModel {
  const { api, user } = options;
  const resource = createResource<IncidentDetailResponse | null>({
    load: (signal) => {
      const id = options.id.peek();
      return id === null ? Promise.resolve(null) : api.incident(id, signal);
    },
    intervalMs: options.intervalMs ?? 10_000,
    visibility: options.visibility,
  });
  const pending = signal<IncidentAction | null>(null);
  const actionError = signal<string | null>(null);

  /** Runs one action with the user's name, then reloads the incident; false when it failed. */
  async function act(action: IncidentAction, run: (id: number, by: string) => Promise<unknown>): Promise<boolean> {
    const id = options.id.peek();
    if (id === null || pending.peek() !== null) return false;
    if (!user.known.peek()) {
      actionError.value = 'Enter your name first: the timeline records who did what.';
      return false;
    }
    pending.value = action;
    actionError.value = null;
    try {
      await run(id, user.name.peek());
      resource.poller.refresh();
      return true;
    } catch (failure) {
      actionError.value = describeFailure(failure);
      return false;
    } finally {
      pending.value = null;
    }
  }

  let stopFollowing: (() => void) | undefined;
  return {
    detail: computed(() => {
      const answer = resource.data.value;
      return answer !== null && answer.incident.id === options.id.value ? answer : null;
    }),
    error: resource.error,
    pending,
    actionError,
    acknowledge: async () => void (await act('acknowledge', (id, by) => api.acknowledge(id, by))),
    resolve: async (note) => void (await act('resolve', (id, by) => api.resolve(id, by, note?.trim() || undefined))),
    addNote: (text) => (text.trim() === '' ? Promise.resolve(false) : act('note', (id, by) => api.addNote(id, by, text.trim()))),
    async writePostmortem() {
      const existing = resource.data.peek()?.postmortemId ?? null;
      if (existing !== null) return options.navigate(`#/postmortems/${existing}`);
      await act('postmortem', async (id, by) => {
        try {
          const postmortem = await api.createPostmortem(id, by);
          options.navigate(`#/postmortems/${postmortem.id}`);
        } catch (failure) {
          // Someone else wrote it meanwhile: open theirs.
          if (!(failure instanceof ApiError && failure.httpStatus === 409)) throw failure;
          const fresh = await api.incident(id);
          if (fresh.postmortemId === null) throw failure;
          options.navigate(`#/postmortems/${fresh.postmortemId}`);
        }
      });
    },
    start() {
      let previous = options.id.peek();
      resource.poller.start();
      stopFollowing = effect(() => {
        const id = options.id.value;
        if (id === previous) return;
        previous = id;
        actionError.value = null;
        resource.reset();
      });
    },
    stop() {
      stopFollowing?.();
      resource.poller.stop();
    },
  };
}
