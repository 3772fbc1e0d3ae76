// What people do to incidents through the API: acknowledge, resolve by hand, annotate. Each is one
// store transaction, queued behind the engine's evaluation cycle (one writer of incidents at a time, so
// the engine's in-memory view of active incidents never goes back in time).
import { ConflictError, NotFoundError } from '../lib/errors.js';
import type { SerialQueue } from '../lib/serial.js';
import type { Incident, IncidentEvent, Store, StoreTx } from '../store/types.js';
import { formatValue } from './incidents.js';
import type { IncidentActions, IncidentChangeSink } from './types.js';

/** What the actions need of the engine. */
export interface IncidentActionsHost {
  readonly store: Pick<Store, 'transaction'>;
  /** The queue the evaluation cycles run on. */
  readonly queue: SerialQueue;
  /** The alert's value when the alert with this fingerprint is firing now, else undefined. */
  firingValue(fingerprint: string): number | null | undefined;
  /** An incident changed (the engine keeps active ones in memory). */
  changed(incident: Incident): void;
  /** Writes what commits with a change (notifications) in its transaction. */
  readonly onChanges?: IncidentChangeSink;
}

/**
 * A manual resolve of an alert that still fires resolves the incident (resolvedBy = who), says so in the
 * `resolved` event, and opens no new incident while the alert keeps firing: the alert stays attached to
 * the resolved incident until it stops firing. If it fires again within the reopen window, that
 * reopens this incident; later, a new one opens.
 */
export function createIncidentActions(host: IncidentActionsHost): IncidentActions {
  const inTransaction = <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => host.queue.run(() => host.store.transaction(fn));
  return {
    async acknowledge(id, by, at) {
      const incident = await inTransaction(async (tx) => {
        const current = await existing(await tx.incidents.get(id), id);
        if (current.state === 'resolved') throw new ConflictError(`incident ${id} is resolved; it cannot be acknowledged`);
        if (current.state === 'acknowledged') return current;
        const acknowledged = await tx.incidents.update(id, { state: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by }, { at, kind: 'acknowledged', actor: by, text: null, value: null }, at);
        await host.onChanges?.(tx, [{ kind: 'acknowledged', incident: acknowledged, at }]);
        return acknowledged;
      });
      host.changed(incident);
      return incident;
    },

    async resolve(id, by, at, note) {
      const incident = await inTransaction(async (tx) => {
        const current = await existing(await tx.incidents.get(id), id);
        if (current.state === 'resolved') throw new ConflictError(`incident ${id} is already resolved`);
        const firing = host.firingValue(current.fingerprint);
        const stillFiring =
          firing === undefined
            ? null
            : `resolved by hand while ${current.rule} still fires${firing === null ? '' : ` (value ${formatValue(firing)})`}; no new incident opens until it stops firing`;
        const text = [note, stillFiring].filter((part): part is string => part !== null && part !== '').join(' — ') || null;
        const resolved = await tx.incidents.update(
          id,
          { state: 'resolved', resolvedAt: at, resolvedBy: by },
          { at, kind: 'resolved', actor: by, text, value: firing ?? null },
          at,
        );
        await host.onChanges?.(tx, [{ kind: 'resolved', incident: resolved, at }]);
        return resolved;
      });
      host.changed(incident);
      return incident;
    },

    async addNote(id, by, text, at): Promise<IncidentEvent> {
      return inTransaction(async (tx) => {
        await existing(await tx.incidents.get(id), id);
        return tx.incidents.addEvent(id, { at, kind: 'note', actor: by, text, value: null });
      });
    },
  };
}

async function existing(incident: Incident | null, id: number): Promise<Incident> {
  if (incident === null) throw new NotFoundError(`no incident ${id}`);
  return incident;
}
