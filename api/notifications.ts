// Notifications over HTTP: every delivery (receiver, incidents, attempts, last status and error, state),
// filtered and paged, and a replay of a failed, dead or suppressed one; plus each receiver's circuit.
// Mounted at /api/v1 (deps.mounts). No secret is in what is shown: recorded errors are scrubbed when
// written, and a receiver is shown by name and kind only.
import { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import { NotFoundError } from '../lib/errors.js';
import { DELIVERY_STATES, type DeliveryState, type MessageKind, type OutboxEntry } from '../notify/types.js';
import { messageTitle } from '../notify/text.js';
import type { Store } from '../store/types.js';
import { actorOf, readBody } from './mutations.js';
import { idParam, parseQuery } from './params.js';

export interface NotificationRoutesDeps {
  readonly store: Pick<Store, 'outbox'>;
  readonly clock: Clock;
  /** The dispatcher's receivers and their circuits (Dispatcher.receiverStates), when it runs. */
  readonly receivers?: () => ReadonlyArray<{ name: string; kind: string; circuit: string; disabled: string | null }>;
  /** Where a replay is recorded (the actor and the id), e.g. the server log. */
  readonly log?: (line: string) => void;
}

const MAX_PAGE = 500;
const single = z.array(z.string()).optional().transform((values) => values?.[values.length - 1]);
const query = z.strictObject({
  state: z
    .array(z.string())
    .optional()
    .transform((values, ctx) => {
      const items = (values ?? []).flatMap((v) => v.split(',')).filter(Boolean);
      for (const item of items) {
        if (!(DELIVERY_STATES as readonly string[]).includes(item)) {
          ctx.addIssue({ code: 'custom', message: `unknown state "${item.slice(0, 50)}"; expected one of ${DELIVERY_STATES.join(', ')}` });
          return z.NEVER;
        }
      }
      return items.length ? (items as DeliveryState[]) : undefined;
    }),
  receiver: single,
  incident: single.pipe(z.string().regex(/^\d{1,15}$/, 'expected an incident id').transform(Number).optional()),
  cursor: single.pipe(z.string().regex(/^\d{1,15}$/, 'expected the nextCursor of the previous page').transform(Number).optional()),
  limit: single.pipe(z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(MAX_PAGE)).optional()),
});

/** A delivery as the API shows it. */
export interface NotificationJson {
  readonly id: number;
  readonly key: string;
  readonly receiver: string;
  /** Null for a message this Vigil cannot read. */
  readonly kind: MessageKind | null;
  readonly title: string;
  readonly incidents: readonly number[];
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly createdAt: number;
  readonly dueAt: number;
  readonly lastAttemptAt: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deliveredAt: number | null;
  /** Only on a message this Vigil cannot read (a newer Vigil's kind, a damaged row): why. */
  readonly unreadable?: string;
}

/** A delivery as the API shows it; one this Vigil cannot read is listed with why, not left out. */
export function notificationJson(message: OutboxEntry): NotificationJson {
  return {
    id: message.id,
    key: message.key,
    receiver: message.receiver,
    kind: message.message?.kind ?? null,
    title: message.message === null ? '[UNREADABLE] a message this Vigil cannot read' : messageTitle(message.message),
    incidents: message.incidentIds,
    state: message.state,
    attempts: message.attempts,
    createdAt: message.createdAt,
    dueAt: message.dueAt,
    lastAttemptAt: message.lastAttemptAt,
    lastStatus: message.lastStatus,
    lastError: message.lastError,
    deliveredAt: message.deliveredAt,
    ...(message.message === null ? { unreadable: message.unreadable } : {}),
  };
}

/** The routes, to mount at /api/v1. */
export function notificationRoutes(deps: NotificationRoutesDeps): Hono {
  const app = new Hono();
  app.get('/notifications', async (c) => {
    const q = parseQuery(c, query);
    const page = await deps.store.outbox.list({ states: q.state, receiver: q.receiver, incidentId: q.incident, before: q.cursor, limit: q.limit ?? 50 });
    return c.json({ notifications: page.messages.map(notificationJson), nextCursor: page.nextCursor, receivers: deps.receivers?.() ?? [] });
  });
  app.get('/notifications/:id', async (c) => {
    const id = idParam(c);
    const message = await deps.store.outbox.get(id);
    if (!message) throw new NotFoundError(`there is no notification ${id}`);
    return c.json(notificationJson(message));
  });
  app.post('/notifications/:id/replay', async (c) => {
    const id = idParam(c);
    const body = await readBody(c, z.strictObject({ by: z.string().optional() }));
    const actor = actorOf(c, body.by);
    const message = await deps.store.outbox.replay(id, deps.clock.now());
    deps.log?.(`notifications: ${actor} replayed notification ${id} to ${message.receiver}`);
    return c.json(notificationJson(message));
  });
  return app;
}
