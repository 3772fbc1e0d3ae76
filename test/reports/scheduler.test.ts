// Scheduled reports end to end below the HTTP API: the scheduler makes the latest missed report at
// start (once, however often it restarts), queues a message per receiver in the same transaction, the
// dispatcher delivers them to real loopback receivers, and two instances on one database send once.
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import type { VigilConfig } from '../../config/types.js';
import { Dispatcher } from '../../notify/dispatcher.js';
import { builtinReceivers } from '../../notify/index.js';
import { messageTitle } from '../../notify/text.js';
import { builtinProbes } from '../../probes/index.js';
import { ReportScheduler } from '../../reports/scheduler.js';
import type { Sample, Store } from '../../store/types.js';
import { startReceiverSink } from '../helpers/receiver-sink.js';
import { describeEachEngine } from '../helpers/stores.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2026-01-12 09:00 UTC: the run of "0 9 * * MON" that covers Jan 5 – Jan 11. */
const RUN = Date.UTC(2026, 0, 12, 9);
const WEEK_START = Date.UTC(2026, 0, 5);

function configWith(sinkUrl: string): VigilConfig {
  const text = `
environments: [prod]
services:
  api:
    checks:
      - http: { url: "http://127.0.0.1:1/health", every: 1m }
notify:
  receivers:
    team-chat: { slack: { url: "${sinkUrl}/slack" } }
    hook: { webhook: { url: "${sinkUrl}/hook" } }
reports:
  - { name: weekly-sla, schedule: "0 9 * * MON", period: 7d, sla: 99.9, receivers: [team-chat, hook] }
`;
  return loadConfigText(text, { file: 'vigil.yaml', env: {}, registry: builtinProbes() });
}

/** A week of api probes, one a minute, with 30 failed minutes on Wednesday. */
async function writeWeek(store: Store): Promise<void> {
  const samples: Sample[] = [];
  for (let ts = WEEK_START; ts < WEEK_START + 7 * DAY; ts += MINUTE) {
    const failed = ts >= WEEK_START + 2 * DAY + 10 * HOUR && ts < WEEK_START + 2 * DAY + 10 * HOUR + 30 * MINUTE;
    samples.push({ name: 'probe_success', labels: { env: 'prod', service: 'api', check: 'http' }, ts, value: failed ? 0 : 1 });
  }
  for (let i = 0; i < samples.length; i += 5000) await store.samples.append(samples.slice(i, i + 5000));
  while ((await store.samples.rollUp(RUN)).more);
}

function scheduler(store: Store, config: VigilConfig, clock: { now(): number }, logs: string[] = []): ReportScheduler {
  const made = new ReportScheduler({
    reports: config.reports,
    sources: { store, checks: config.checks, services: config.services, alerting: config.alerting, retention: config.retention, log: (line) => logs.push(line) },
    store,
    clock,
    log: (line) => logs.push(line),
  });
  onTestFinished(() => made.stop());
  return made;
}

describeEachEngine('scheduled reports', (engine) => {
  it('make the latest missed report at start, once across restarts, and the next one at its run', async () => {
    const sink = await startReceiverSink();
    const config = configWith(sink.url);
    const location = await engine.location();
    const store = await engine.open(location);
    await writeWeek(store);
    // Vigil was down at Monday 09:00 and at the Monday before; it starts on Wednesday.
    const wednesday = RUN + 2 * DAY;
    expect(await scheduler(store, config, { now: () => wednesday }).runDue(wednesday)).toEqual(['weekly-sla']);
    const { reports } = await store.reports.list({ limit: 10 });
    expect(reports.map((r) => [r.name, r.kind, r.periodStart, r.periodEnd])).toEqual([['weekly-sla', 'scheduled', WEEK_START, WEEK_START + 7 * DAY]]);
    expect(reports[0]!.availability).toBeCloseTo(1 - 30 / (7 * 1440), 6);
    expect(reports[0]!.slaMissed).toBe(1);
    const queued = (await store.outbox.list({ limit: 10 })).messages;
    expect(messageTitle(queued[0]!.message!)).toBe('[REPORT] weekly-sla 2026-01-05 – 2026-01-11 (UTC): 99.702%');
    expect(queued.map((m) => [m.receiver, m.message?.kind, m.state]).sort()).toEqual([
      ['hook', 'report', 'pending'],
      ['team-chat', 'report', 'pending'],
    ]);

    // A restart (a new scheduler, the same database) finds it stored and sends nothing.
    await store.close();
    const reopened = await engine.open(location);
    const restarted = scheduler(reopened, config, { now: () => wednesday + HOUR });
    expect(await restarted.runDue(wednesday + HOUR)).toEqual([]);
    expect((await reopened.outbox.counts()).pending).toBe(2);

    // It sleeps until the next Monday's run (an hour at most at a time), which makes the next week's report.
    expect(restarted.nextWakeAt(wednesday + HOUR)).toBe(wednesday + 2 * HOUR);
    expect(restarted.nextWakeAt(RUN + 7 * DAY - 30 * MINUTE)).toBe(RUN + 7 * DAY);
    expect(await restarted.runDue(RUN + 7 * DAY - MINUTE)).toEqual([]);
    expect(await restarted.runDue(RUN + 7 * DAY)).toEqual(['weekly-sla']);
    expect((await reopened.reports.list({ limit: 10 })).reports.map((r) => r.periodStart)).toEqual([WEEK_START + 7 * DAY, WEEK_START]);
  });

  it('stop a report being made at a stop: nothing is stored or sent, and the next start makes it', async () => {
    const sink = await startReceiverSink();
    const config = configWith(sink.url);
    const location = await engine.location();
    const store = await engine.open(location);
    await writeWeek(store);
    const logs: string[] = [];
    const stopping = scheduler(store, config, { now: () => RUN }, logs);
    const made = stopping.runDue(RUN);
    await stopping.stop();
    expect(await made).toEqual([]);
    expect((await store.reports.list({ limit: 10 })).reports).toEqual([]);
    expect((await store.outbox.counts()).pending).toBe(0);
    expect(logs).toEqual([]);
    expect(await scheduler(store, config, { now: () => RUN + 1 }).runDue(RUN + 1)).toEqual(['weekly-sla']);
  });

  it('are sent once when two instances share the database', async () => {
    const sink = await startReceiverSink();
    const config = configWith(sink.url);
    const location = await engine.location();
    const one = await engine.open(location);
    const two = await engine.open(location);
    await writeWeek(one);
    const clock = { now: () => RUN };
    const made = await Promise.all([scheduler(one, config, clock).runDue(RUN), scheduler(two, config, clock).runDue(RUN)]);
    expect(made.flat()).toEqual(['weekly-sla']);
    expect((await one.reports.list({ limit: 10 })).reports).toHaveLength(1);
    expect((await two.outbox.counts()).pending).toBe(2);
  });
});

describe('a report message', () => {
  it('reaches a chat receiver as a short summary with a link, and a webhook as JSON', async () => {
    const { openSqliteStore } = await import('../../store/sqlite/sqlite-store.js');
    const { tempDbPath } = await import('../helpers/temp-db.js');
    const sink = await startReceiverSink();
    const config = configWith(sink.url);
    const store = await openSqliteStore(tempDbPath(), { readers: 0 });
    onTestFinished(() => store.close());
    await writeWeek(store);
    expect(await scheduler(store, config, { now: () => RUN }).runDue(RUN)).toEqual(['weekly-sla']);
    const dispatcher = new Dispatcher({ store, clock: { now: () => RUN }, receivers: builtinReceivers(), config: config.notify, baseUrl: 'https://vigil.example.com', log: () => {} });
    const { results } = await dispatcher.tick();
    expect(results.map((r) => r.result)).toEqual(['delivered', 'delivered']);
    const id = (await store.reports.list({ limit: 1 })).reports[0]!.id;

    const slack = JSON.parse(sink.received.find((r) => r.path === '/slack')!.body);
    expect(slack.text).toBe('[REPORT] weekly-sla 2026-01-05 – 2026-01-11 (UTC): 99.702%');
    const section = slack.blocks[1].text.text as string;
    expect(section).toContain('Fleet availability 99.702%');
    expect(section).toContain('prod/api: 99.702% (target 99.9%)');
    expect(section).toContain('Incidents: 0');
    expect(slack.blocks[2].elements[0].url).toBe(`https://vigil.example.com/#/reports/${id}`);

    const hook = sink.received.find((r) => r.path === '/hook')!;
    const body = JSON.parse(hook.body);
    expect(body.type).toBe('report.generated');
    expect(body.data.report).toMatchObject({ id, name: 'weekly-sla', from: '2026-01-05T00:00:00.000Z', to: '2026-01-12T00:00:00.000Z', servicesMissed: 1 });
    expect(body.data.report.worst[0]).toMatchObject({ env: 'prod', service: 'api', met: false });
    expect(hook.headers['webhook-id']).toMatch(/.+/);
  });
});
