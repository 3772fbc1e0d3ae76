// Writing routed messages to the outbox, inside the transaction of the incident change that causes
// them: a change folds into its group's message while that still waits (group_wait, group_interval),
// a new message of a group is due by Alertmanager's timers, and a receiver past its rate limit folds
// the message into one summary instead of dropping it. The decisions are routing.ts's pure functions.
//
// The engine's hookup, in its cycle's transaction:
//   await enqueueNotifications(tx.outbox, changes.flatMap((change) => notificationsFor(change, plan)), plan, at);
import type { OutboxWrites } from '../store/types.js';
import { foldInto, groupDueAt, overRateLimit, summaryOf, type NotifyPlan, type RoutedMessage } from './routing.js';
import type { OutboxMessage } from './types.js';

/** Writes (or folds) each routed message; returns the messages newly written. */
export async function enqueueNotifications(outbox: OutboxWrites, messages: readonly RoutedMessage[], plan: NotifyPlan, at: number): Promise<OutboxMessage[]> {
  const written: OutboxMessage[] = [];
  for (const routed of messages) {
    const limit = plan.rateLimits.get(routed.receiver);
    let message = routed;
    if (limit && !plan.oneIncident.has(routed.receiver) && routed.dedupe === null) {
      const recent = await outbox.countSince(routed.receiver, at - limit.perMs);
      if (overRateLimit(limit, recent)) message = summaryOf(routed, limit, at);
    }
    const row = await writeOne(outbox, message, at);
    if (row) written.push(row);
  }
  return written;
}

async function writeOne(outbox: OutboxWrites, routed: RoutedMessage, at: number): Promise<OutboxMessage | null> {
  // An escalation step (deduped) is written once, alone: never folded into another message.
  if (routed.dedupe === null) {
    const waiting = await outbox.openInGroup(routed.receiver, routed.groupKey);
    // A message this Vigil cannot read takes no more changes: the dispatcher records it failed, and these go in a new one.
    if (waiting && waiting.message !== null) {
      const folded = foldInto(waiting.message, routed.message);
      if (await outbox.refold(waiting.id, folded, folded.alerts.map((a) => a.incident.id))) return null;
    }
  }
  const last = await outbox.lastDueInGroup(routed.receiver, routed.groupKey);
  const dueAt = Math.max(routed.dueAt, groupDueAt(at, last, routed));
  const { groupWaitMs: _wait, groupIntervalMs: _interval, ...message } = routed;
  const [row] = await outbox.enqueue([{ ...message, dueAt }]);
  return row ?? null;
}
