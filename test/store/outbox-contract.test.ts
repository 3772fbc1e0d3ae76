// The outbox concern of the store contract ([N1]), on both engines: messages written with the incident
// change in one transaction, claims with a lease (a crash re-sends with the same key), folding into an
// unclaimed group message, delivery records, dead letters and replay, lists and counts.
import { expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { NewOutboxMessage, NotificationMessage } from '../../notify/types.js';
import type { NewIncident } from '../../store/types.js';
import { describeEachEngine, rawSql } from '../helpers/stores.js';
import { T0, changeMessage } from '../helpers/notify.js';

const SECOND = 1000;

function newMessage(overrides: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  return { receiver: 'oncall-slack', groupKey: '0:{env="prod"}', dueAt: T0, createdAt: T0, dedupe: null, incidentIds: [1], message: changeMessage('opened'), ...overrides };
}

const NEW_INCIDENT: NewIncident = {
  fingerprint: 'fp1', rule: 'CheckDown', severity: 'page', labels: { alertname: 'CheckDown', env: 'prod' }, env: 'prod', service: 'api', check: 'http',
  summary: 'api is down', runbook: null, openedAt: T0, lastValue: 1,
};

describeEachEngine('the outbox', (engine) => {
  it('writes messages with the incident change in one transaction, and none when it rolls back', async () => {
    const store = await engine.open();
    const written = await store.transaction(async (tx) => {
      const incident = await tx.incidents.create(NEW_INCIDENT, { at: T0, kind: 'opened', actor: null, text: null, value: 1 });
      return tx.outbox.enqueue([newMessage({ incidentIds: [incident.id] })]);
    });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ state: 'pending', attempts: 0, receiver: 'oncall-slack', dueAt: T0, ageFrom: T0, claimedUntil: null });
    expect(written[0]!.key).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(await store.outbox.get(written[0]!.id)).toEqual(written[0]);
    await expect(
      store.transaction(async (tx) => {
        await tx.outbox.enqueue([newMessage()]);
        throw new Error('the engine failed mid-cycle');
      }),
    ).rejects.toThrow('mid-cycle');
    expect((await store.outbox.counts()).pending).toBe(1);
  });

  it('writes a message with a dedupe once', async () => {
    const store = await engine.open();
    expect(await store.outbox.enqueue([newMessage({ dedupe: 'escalate:1:0:0:0' })])).toHaveLength(1);
    expect(await store.outbox.enqueue([newMessage({ dedupe: 'escalate:1:0:0:0' }), newMessage({ dedupe: 'escalate:1:0:0:1' })])).toHaveLength(1);
    expect((await store.outbox.counts()).pending).toBe(2);
  });

  it('claims due messages once until their lease runs out, then again with the same key (a crash re-sends)', async () => {
    const store = await engine.open();
    const [due] = await store.outbox.enqueue([newMessage()]);
    await store.outbox.enqueue([newMessage({ dueAt: T0 + 60 * SECOND })]);
    const first = await store.outbox.claim(T0, 30 * SECOND, 10);
    expect(first.map((m) => m.id)).toEqual([due!.id]);
    expect(first[0]!.claimedUntil).toBe(T0 + 30 * SECOND);
    expect(await store.outbox.claim(T0 + 10 * SECOND, 30 * SECOND, 10)).toEqual([]);
    const again = await store.outbox.claim(T0 + 30 * SECOND, 30 * SECOND, 10);
    expect(again.map((m) => [m.id, m.key])).toEqual([[due!.id, due!.key]]);
  });

  it('records a retry (due later, claim released), a delivery and a final state', async () => {
    const store = await engine.open();
    const [message] = await store.outbox.enqueue([newMessage()]);
    await store.outbox.claim(T0, 30 * SECOND, 10);
    await store.outbox.markRetry(message!.id, { at: T0 + SECOND, status: 503, error: 'HTTP 503' }, T0 + 5 * SECOND);
    expect(await store.outbox.get(message!.id)).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503, lastError: 'HTTP 503', dueAt: T0 + 5 * SECOND, claimedUntil: null });
    expect(await store.outbox.claim(T0 + 4 * SECOND, 30 * SECOND, 10)).toEqual([]);
    expect(await store.outbox.claim(T0 + 5 * SECOND, 30 * SECOND, 10)).toHaveLength(1);
    await store.outbox.markDelivered(message!.id, { at: T0 + 6 * SECOND, status: 200, error: null });
    expect(await store.outbox.get(message!.id)).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200, lastError: null, deliveredAt: T0 + 6 * SECOND, key: message!.key });
    const [other] = await store.outbox.enqueue([newMessage()]);
    await store.outbox.markFinal(other!.id, 'suppressed', null, 'silenced by silence 3');
    expect(await store.outbox.get(other!.id)).toMatchObject({ state: 'suppressed', attempts: 0, lastError: 'silenced by silence 3' });
  });

  it('folds into a group\'s message only while no dispatcher has claimed it', async () => {
    const store = await engine.open();
    const [message] = await store.outbox.enqueue([newMessage({ dueAt: T0 + 30 * SECOND })]);
    const open = await store.outbox.openInGroup('oncall-slack', '0:{env="prod"}');
    expect(open?.id).toBe(message!.id);
    const folded: NotificationMessage = { ...message!.message, alerts: [...message!.message.alerts, ...changeMessage('opened', { id: 2 }).alerts] };
    expect(await store.outbox.refold(message!.id, folded, [1, 2])).toBe(true);
    expect(await store.outbox.get(message!.id)).toMatchObject({ incidentIds: [1, 2], message: folded });
    expect(await store.outbox.lastDueInGroup('oncall-slack', '0:{env="prod"}')).toBe(T0 + 30 * SECOND);
    expect(await store.outbox.lastDueInGroup('oncall-slack', 'other')).toBeNull();
    await store.outbox.claim(T0 + 30 * SECOND, 30 * SECOND, 10);
    expect(await store.outbox.openInGroup('oncall-slack', '0:{env="prod"}')).toBeNull();
    expect(await store.outbox.refold(message!.id, folded, [1, 2])).toBe(false);
  });

  it('counts a receiver\'s recent messages, summaries and suppressed ones aside', async () => {
    const store = await engine.open();
    await store.outbox.enqueue([newMessage({ createdAt: T0 - 120 * SECOND }), newMessage(), newMessage(), newMessage({ groupKey: '~summary' }), newMessage({ receiver: 'pager' })]);
    expect(await store.outbox.countSince('oncall-slack', T0 - 60 * SECOND)).toBe(2);
  });

  it('lists newest first with filters and a cursor, replays a dead letter, and refuses to replay a pending one', async () => {
    const store = await engine.open();
    const rows = await store.outbox.enqueue([newMessage({ incidentIds: [1] }), newMessage({ incidentIds: [2, 11], receiver: 'pager' }), newMessage({ incidentIds: [1] })]);
    await store.outbox.markFinal(rows[0]!.id, 'dead', { at: T0 + SECOND, status: 500, error: 'HTTP 500' }, 'older than 24h: HTTP 500');
    const page = await store.outbox.list({ limit: 2 });
    expect(page.messages.map((m) => m.id)).toEqual([rows[2]!.id, rows[1]!.id]);
    expect((await store.outbox.list({ limit: 2, before: page.nextCursor! })).messages.map((m) => m.id)).toEqual([rows[0]!.id]);
    expect((await store.outbox.list({ limit: 10, states: ['dead'] })).messages.map((m) => m.id)).toEqual([rows[0]!.id]);
    expect((await store.outbox.list({ limit: 10, receiver: 'pager' })).messages.map((m) => m.id)).toEqual([rows[1]!.id]);
    expect((await store.outbox.list({ limit: 10, incidentId: 1 })).messages.map((m) => m.id)).toEqual([rows[2]!.id, rows[0]!.id]);
    expect((await store.outbox.list({ limit: 10, incidentId: 11 })).messages.map((m) => m.id)).toEqual([rows[1]!.id]);
    const replayed = await store.outbox.replay(rows[0]!.id, T0 + 3_600_000);
    expect(replayed).toMatchObject({ state: 'pending', dueAt: T0 + 3_600_000, ageFrom: T0 + 3_600_000, key: rows[0]!.key, attempts: 1 });
    await expect(store.outbox.replay(rows[0]!.id, T0)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.outbox.replay(99_999, T0)).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.outbox.counts()).toEqual({ pending: 3, delivered: 0, failed: 0, dead: 0, suppressed: 0 });
  });

  it('prunes finished messages older than a time, never pending ones', async () => {
    const store = await engine.open();
    const rows = await store.outbox.enqueue([newMessage({ createdAt: T0 - 10 }), newMessage({ createdAt: T0 - 10 }), newMessage()]);
    await store.outbox.markDelivered(rows[0]!.id, { at: T0, status: 200, error: null });
    await store.outbox.markDelivered(rows[2]!.id, { at: T0, status: 200, error: null });
    expect(await store.outbox.prune(T0)).toBe(1);
    expect((await store.outbox.list({ limit: 10 })).messages.map((m) => m.id)).toEqual([rows[2]!.id, rows[1]!.id]);
  });

  it('filters by incident whatever the spacing of the stored ids, alike on both engines', async () => {
    const location = await engine.location();
    const store = await engine.open(location);
    const written = await store.outbox.enqueue([newMessage({ incidentIds: [3] }), newMessage({ incidentIds: [3] }), newMessage({ incidentIds: [4] }), newMessage({ incidentIds: [3] })]);
    const [spaced, compact, other, leadingZero] = written.map((m) => m.id) as [number, number, number, number];
    // Not JSON (a leading zero): the row is unreadable, matches no filter, and fails no list.
    await rawSql(engine, location, 'UPDATE notifications SET incident_ids = ? WHERE id = ?', ['[03]', leadingZero]);
    // Valid JSON the way a person or another tool may write it: it reads back, so a filter must find it.
    await rawSql(engine, location, 'UPDATE notifications SET incident_ids = ? WHERE id = ?', [' [ 7 ,\n\t3 ] ', spaced]);
    expect((await store.outbox.get(spaced))?.incidentIds).toEqual([7, 3]);
    expect((await store.outbox.list({ limit: 10, incidentId: 3 })).messages.map((m) => m.id)).toEqual([compact, spaced]);
    expect((await store.outbox.list({ limit: 10, incidentId: 7 })).messages.map((m) => m.id)).toEqual([spaced]);
    expect((await store.outbox.list({ limit: 10, incidentId: 4 })).messages.map((m) => m.id)).toEqual([other]);
  });

  it('claims and lists a row this Vigil cannot read as unreadable with the reason, and the rows beside it as before', async () => {
    const location = await engine.location();
    const store = await engine.open(location);
    const written = await store.outbox.enqueue([newMessage(), newMessage(), newMessage(), newMessage(), newMessage({ incidentIds: [2] })]);
    const [good, newerKind, truncated, badIds, badState] = written.map((m) => m.id) as [number, number, number, number, number];
    const damage = (column: string, value: string, id: number) => rawSql(engine, location, `UPDATE notifications SET ${column} = ? WHERE id = ?`, [value, id]);
    await damage('message', JSON.stringify({ ...changeMessage('opened'), kind: 'page' }), newerKind);
    await damage('message', '{"kind":"alert","groupKey":', truncated);
    await damage('incident_ids', '[1.5]', badIds);
    const opened = changeMessage('opened');
    await damage('message', JSON.stringify({ ...opened, alerts: [{ ...opened.alerts[0], incident: { ...opened.alerts[0]!.incident, state: 'snoozed' } }] }), badState);
    const reasons = {
      [newerKind]: `outbox row ${newerKind}: message.kind is "page", a kind this Vigil does not know (alert, summary, test, report); written by a newer Vigil?`,
      [truncated]: `outbox row ${truncated}: message is not valid JSON`,
      [badIds]: `outbox row ${badIds}: incident_ids[0]: Invalid input: expected int, received number`,
      [badState]: `outbox row ${badState}: message.alerts[0].incident.state: Invalid option: expected one of "open"|"acknowledged"|"resolved"`,
    };

    const claimed = await store.outbox.claim(T0, 30 * SECOND, 10);
    expect(claimed.map((m) => m.id)).toEqual([good, newerKind, truncated, badIds, badState]);
    expect(claimed[0]).toEqual({ ...written[0], claimedUntil: T0 + 30 * SECOND });
    for (const entry of claimed.slice(1)) {
      const { message: _message, incidentIds: _ids, ...record } = written.find((m) => m.id === entry.id)!;
      expect(entry).toEqual({ ...record, claimedUntil: T0 + 30 * SECOND, message: null, incidentIds: entry.id === badIds ? [] : entry.id === badState ? [2] : [1], unreadable: reasons[entry.id] });
    }

    const listed = await store.outbox.list({ limit: 10 });
    expect(listed.messages.map((m) => [m.id, m.message === null ? m.unreadable : 'readable'])).toEqual([
      [badState, reasons[badState]],
      [badIds, reasons[badIds]],
      [truncated, reasons[truncated]],
      [newerKind, reasons[newerKind]],
      [good, 'readable'],
    ]);
    // A row whose ids are damaged just does not match a filter by incident.
    expect((await store.outbox.list({ limit: 10, incidentId: 1 })).messages.map((m) => m.id)).toEqual([truncated, newerKind, good]);
    await store.outbox.markFinal(newerKind, 'failed', null, reasons[newerKind]!);
    expect(await store.outbox.get(newerKind)).toMatchObject({ state: 'failed', lastError: reasons[newerKind], claimedUntil: null, message: null, unreadable: reasons[newerKind] });
    expect(await store.outbox.replay(newerKind, T0 + SECOND)).toMatchObject({ state: 'pending', message: null, unreadable: reasons[newerKind] });
  });
});
