// SLA reports in the store contract, on both engines: a scheduled report is stored once per (name,
// period start) however many instances or restarts try, in the transaction that writes its messages;
// ad-hoc reports may repeat a period; lists read newest first without bodies, a page at a time.
import { expect, it } from 'vitest';
import type { NewReport } from '../../store/types.js';
import { describeEachEngine } from '../helpers/stores.js';
import { T0, changeMessage } from '../helpers/notify.js';

const DAY = 86_400_000;

function newReport(overrides: Partial<NewReport> = {}): NewReport {
  return {
    name: 'weekly-sla',
    kind: 'scheduled',
    periodStart: T0 - 7 * DAY,
    periodEnd: T0,
    generatedAt: T0 + 9 * 3_600_000,
    createdBy: null,
    availability: 0.9991,
    slaMissed: 1,
    incidents: 3,
    body: '{"version":1}',
    ...overrides,
  };
}

describeEachEngine('the reports', (engine) => {
  it('stores a scheduled report once per name and period start, and keeps it across a reopen', async () => {
    const location = await engine.location();
    const store = await engine.open(location);
    const first = await store.reports.insertIfAbsent(newReport());
    expect(first).toMatchObject({ name: 'weekly-sla', kind: 'scheduled', periodStart: T0 - 7 * DAY, availability: 0.9991, slaMissed: 1, incidents: 3 });
    // A restart (or a second instance) computing the same report finds it there and sends nothing.
    expect(await store.reports.insertIfAbsent(newReport({ generatedAt: T0 + 10 * 3_600_000, body: '{"version":2}' }))).toBeNull();
    // Another schedule, or the next period, is a report of its own.
    expect(await store.reports.insertIfAbsent(newReport({ name: 'daily' }))).not.toBeNull();
    expect(await store.reports.insertIfAbsent(newReport({ periodStart: T0, periodEnd: T0 + 7 * DAY }))).not.toBeNull();
    await store.close();
    const reopened = await engine.open(location);
    expect(await reopened.reports.get(first!.id)).toEqual(first);
    expect((await reopened.reports.get(first!.id))!.body).toBe('{"version":1}');
    expect(await reopened.reports.get(first!.id + 1000)).toBeNull();
  });

  it('keeps every ad-hoc report, even of the same period', async () => {
    const store = await engine.open();
    const adHoc = newReport({ name: 'ad-hoc', kind: 'ad-hoc', createdBy: 'alice' });
    const one = await store.reports.insertIfAbsent(adHoc);
    const two = await store.reports.insertIfAbsent(adHoc);
    expect(one && two && two.id > one.id).toBe(true);
    expect(two).toMatchObject({ createdBy: 'alice', kind: 'ad-hoc' });
  });

  it('stores a report and its messages together, and neither when the transaction fails', async () => {
    const store = await engine.open();
    const message = (receiver: string) => ({ receiver, groupKey: 'report:weekly-sla', dueAt: T0, createdAt: T0, dedupe: null, incidentIds: [], message: changeMessage('opened') });
    await expect(
      store.transaction(async (tx) => {
        await tx.reports.insertIfAbsent(newReport());
        await tx.outbox.enqueue([message('team-chat')]);
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect((await store.reports.list({ limit: 10 })).reports).toEqual([]);
    expect((await store.outbox.counts()).pending).toBe(0);
    const sent = await store.transaction(async (tx) => {
      const report = await tx.reports.insertIfAbsent(newReport());
      return report === null ? [] : tx.outbox.enqueue([message('team-chat')]);
    });
    expect(sent).toHaveLength(1);
    // The second try inserts nothing, so it writes no message either.
    const again = await store.transaction(async (tx) => {
      const report = await tx.reports.insertIfAbsent(newReport());
      return report === null ? [] : tx.outbox.enqueue([message('team-chat')]);
    });
    expect(again).toEqual([]);
    expect((await store.outbox.counts()).pending).toBe(1);
  });

  it('lists newest first without bodies, a page at a time, by name when asked', async () => {
    const store = await engine.open();
    for (let week = 0; week < 5; week++) {
      await store.reports.insertIfAbsent(newReport({ periodStart: T0 + week * 7 * DAY, periodEnd: T0 + (week + 1) * 7 * DAY }));
    }
    await store.reports.insertIfAbsent(newReport({ name: 'ad-hoc', kind: 'ad-hoc' }));
    const first = await store.reports.list({ limit: 4 });
    expect(first.reports.map((r) => r.name)).toEqual(['ad-hoc', 'weekly-sla', 'weekly-sla', 'weekly-sla']);
    expect(first.reports[1]).not.toHaveProperty('body');
    expect(first.reports[1]!.periodStart).toBe(T0 + 4 * 7 * DAY);
    const second = await store.reports.list({ limit: 4, before: first.nextCursor! });
    expect(second.reports.map((r) => r.periodStart)).toEqual([T0 + 7 * DAY, T0]);
    expect(second.nextCursor).toBeNull();
    expect((await store.reports.list({ name: 'weekly-sla', limit: 10 })).reports).toHaveLength(5);
  });
});
