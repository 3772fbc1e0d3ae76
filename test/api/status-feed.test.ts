import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { StatusFeed, type StatusAnswer } from '../../api/status-feed.js';
import { buildStatus, cellIncidents, discoveredCells, otlpSources, statusCells, statusIndex, type StatusIndex } from '../../api/status.js';
import type { StatusPollResponse } from '../../api/types.js';
import { loadConfigText } from '../../config/load.js';
import { LiveView } from '../../ingest/live-view.js';
import { builtinProbes } from '../../probes/index.js';
import type { CheckResult, Incident } from '../../store/types.js';
import { mulberry32 } from '../store/random.js';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

function configOf(services: number, environments = ['staging', 'prod'], checksPerService = 1) {
  const lines = [`environments: [${environments.join(', ')}]`, 'services:'];
  for (let s = 0; s < services; s++) {
    lines.push(`  svc-${s}:`, ...(s % 3 === 0 ? [`    runbook: https://runbooks.example.com/svc-${s}/{{check}}`] : []), '    checks:');
    for (let c = 0; c < checksPerService; c++) {
      const name = checksPerService === 1 ? '' : `name: c${c}, `;
      lines.push(`      - tcp: { ${name}host: "svc-${s}.{{env}}.internal", port: ${5432 + c}, every: 10s, timeout: 2s }`);
    }
  }
  return loadConfigText(lines.join('\n'), { file: 'vigil.yaml', env: {}, registry: builtinProbes() });
}

function result(checkId: string, ts: number, over: Partial<CheckResult> = {}): CheckResult {
  const [env, service, check] = checkId.split('/');
  return { checkId, env, service, check, kind: 'tcp', ts, success: true, degraded: false, durationSeconds: 0.001, error: null, detail: null, ...over };
}

function setup(services: number, incidents: () => readonly Incident[] = () => [], { checksPerService = 1, maxAgeMs = 1_000 } = {}) {
  const config = configOf(services, undefined, checksPerService);
  const live = new LiveView();
  let now = T0;
  const clock = { now: () => now };
  const index = statusIndex(config);
  const feed = new StatusFeed(index, live, clock, { runId: 'run1', maxAgeMs, incidents });
  const poll = async (since?: string) => JSON.parse(new TextDecoder().decode((await feed.answer(since)).body)) as StatusPollResponse;
  return { config, live, index, feed, poll, advance: (ms: number) => (now += ms), at: () => now };
}

function incident(id: number, env: string | null, service: string | null, severity: Incident['severity'], state: Incident['state'] = 'open'): Incident {
  return {
    id, fingerprint: `fp${id}`, rule: 'CheckDown', severity, labels: {}, env, service, check: null, summary: 'down', runbook: null, state,
    openedAt: T0, acknowledgedAt: null, acknowledgedBy: null, resolvedAt: null, resolvedBy: null, lastValue: null, reopenCount: 0, updatedAt: T0,
  };
}

describe('the status feed', () => {
  it('says in every answer, partial ones too, which cells have open incidents and the most urgent severity', async () => {
    let open: Incident[] = [incident(1, 'prod', 'svc-1', 'ticket'), incident(2, 'prod', 'svc-1', 'page'), incident(3, 'staging', 'svc-0', 'info', 'acknowledged')];
    const { config, live, poll, advance, at } = setup(2, () => open);
    for (const check of config.checks) live.recordCheck(result(check.id, at()));
    const first = await poll();
    expect(first.incidents).toEqual([
      { env: 'staging', service: 'svc-0', open: 1, severity: 'info' },
      { env: 'prod', service: 'svc-1', open: 2, severity: 'page' },
    ]);
    // An incident resolves while no check changes: the next partial answer says so.
    open = [incident(3, 'staging', 'svc-0', 'info', 'acknowledged'), incident(4, null, null, 'page'), incident(5, 'dev', 'svc-0', 'page')];
    advance(1_000);
    const delta = await poll(first.cursor);
    expect(delta).toMatchObject({ partial: true, cells: [], incidents: [{ env: 'staging', service: 'svc-0', open: 1, severity: 'info' }] });
  });

  it('answers a poll with a cursor with only the cells whose checks have a newer result', async () => {
    const { config, live, poll, advance, at } = setup(3);
    for (const check of config.checks) live.recordCheck(result(check.id, at() - 1_000));
    const first = await poll();
    expect(first.partial).toBe(false);
    expect(first.cells).toHaveLength(6);

    advance(1_000);
    expect(await poll(first.cursor)).toMatchObject({ partial: true, cells: [] });
    advance(1_000);
    live.recordCheck(result('prod/svc-1/tcp', at(), { success: false, error: 'connection refused' }));
    const delta = await poll(first.cursor);
    expect(delta.partial).toBe(true);
    expect(delta.cells.map((c) => [c.env, c.service, c.status])).toEqual([['prod', 'svc-1', 'down']]);
    advance(1_000);
    expect((await poll(delta.cursor)).cells).toEqual([]);
  });

  it('sends a cell again at every poll while one of its checks has no fresh result, its detail counting the seconds', async () => {
    const { config, live, poll, advance, at } = setup(2);
    for (const check of config.checks) live.recordCheck(result(check.id, at()));
    const first = await poll();
    // Stale after three intervals plus the timeout: 32 s.
    advance(20_000);
    live.recordCheck(result('staging/svc-0/tcp', at()));
    advance(20_000);
    const delta = await poll(first.cursor);
    expect(delta.cells.map((c) => [c.env, c.service, c.status, c.checks[0]!.detail])).toEqual([
      ['staging', 'svc-0', 'up', null],
      ['prod', 'svc-0', 'unknown', 'no result for 40s'],
      ['staging', 'svc-1', 'unknown', 'no result for 40s'],
      ['prod', 'svc-1', 'unknown', 'no result for 40s'],
    ]);
    advance(1_000);
    expect((await poll(delta.cursor)).cells.map((c) => c.checks[0]!.detail)).toEqual(['no result for 41s', 'no result for 41s', 'no result for 41s']);
  });

  it.each([
    ['another run', 'run0.3'],
    ['a cursor ahead of this run', 'run1.99'],
    ['a malformed cursor', 'nonsense'],
  ])('answers a poll with %s with the whole status', async (_name, since) => {
    const { config, live, poll, at } = setup(2);
    for (const check of config.checks) live.recordCheck(result(check.id, at()));
    const answer = await poll(since);
    expect(answer.partial).toBe(false);
    expect(answer.cells).toHaveLength(4);
  });

  it('hands one answer to every poll of a window and builds a fresh one after it', async () => {
    const { config, live, feed, poll, advance, at } = setup(2);
    live.recordCheck(result(config.checks[0]!.id, at()));
    const a = await feed.answer(undefined);
    live.recordCheck(result(config.checks[1]!.id, at()));
    advance(999);
    const b = await feed.answer(undefined);
    expect(b).toBe(a);
    expect(await b.gzipped()).toBe(await a.gzipped());
    advance(1);
    const fresh = await poll();
    expect(fresh.cells.filter((c) => c.status === 'up')).toHaveLength(2);
    expect(gunzipSync(await a.gzipped()).equals(Buffer.from(a.body))).toBe(true);
  });

  it('builds a matrix of thousands of checks slice by slice into the same answer as in one piece', async () => {
    const { config, live, index, poll, at } = setup(1_100);
    config.checks.forEach((check, i) => live.recordCheck(result(check.id, at() - (i % 50_000), { success: i % 7 !== 0, error: i % 7 === 0 ? 'refused' : null })));
    const answer = await poll();
    const whole = buildStatus(index, live.checkResultsById(), at());
    expect(answer.partial).toBe(false);
    if (answer.partial) return;
    expect({ environments: answer.environments, services: answer.services, cells: answer.cells }).toEqual({
      environments: whole.environments,
      services: whole.services,
      cells: whole.cells,
    });
  });

  it('answers byte for byte what serializing the pure status gives, through results changing, going stale and OTLP sources appearing', async () => {
    const random = mulberry32(20261202);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    let open: Incident[] = [];
    // 10,000 checks: several slices of cells, and more pieces than one write of the body takes.
    const { config, live, index, feed, advance, at } = setup(1_250, () => open, { checksPerService: 4, maxAgeMs: 1 });
    const texts = ['connection refused', 'timeout after 2s', 'café ☕ "quoted"\nnext line', 'TLS: certificate expired', null];
    const randomResult = (checkId: string, env: string, service: string, kind: string, ts: number): CheckResult => {
      const success = random() < 0.7;
      return {
        checkId, env, service, check: kind === 'otlp' ? 'otlp' : checkId.split('/')[2]!, kind, ts, success, degraded: success && random() < 0.2,
        durationSeconds: Math.round(random() * 5_000) / 1_000, error: success ? null : pick(texts), detail: pick(texts),
      };
    };
    const recordAny = (check: (typeof config.checks)[number], ts: number) => live.recordCheck(randomResult(check.id, check.env, check.service, check.kind, ts));
    // A tenth of the checks never run.
    const ran = config.checks.filter((_, i) => i % 10 !== 0);
    for (const check of ran) recordAny(check, at() - Math.floor(random() * 10_000));
    const cursors: string[] = [];

    for (let step = 0; step < 40; step++) {
      const roll = random();
      if (roll < 0.15) advance(35_000 + Math.floor(random() * 3_000)); // many checks go stale
      else advance(pick([1, 300, 499, 501, 1_000, 1_700, 4_000]));
      const changes = Math.floor(random() * 1_200);
      for (let c = 0; c < changes; c++) {
        const check = pick(ran);
        const last = live.checkResultsById().get(check.id);
        // Now and then a new result with the same time as the last one: only its content tells them apart.
        recordAny(check, last && random() < 0.2 ? last.ts : at() - Math.floor(random() * 2_000));
      }
      if (random() < 0.5) {
        // An OTLP source (a few, exporting again and again): in a configured cell, or in a cell of its own
        // (a new service or environment).
        const [env, service] = random() < 0.7 ? [pick(['staging', 'prod']), `svc-${Math.floor(random() * 4)}`] : [pick(['staging', 'dev']), `new-svc-${Math.floor(random() * 4)}`];
        live.recordCheck(randomResult(`otlp:${env}/${service}`, env, service, 'otlp', at() - Math.floor(random() * 700_000)));
      }
      if (random() < 0.2) open = [incident(step, 'prod', `svc-${Math.floor(random() * 1_250)}`, pick(['page', 'ticket', 'info'] as const))];
      const since = random() < 0.5 ? undefined : pick([...cursors.slice(-3), 'nonsense']);
      // Two answers built at once, one a second later (its stale checks' seconds moved): they share the kept JSON.
      const polls: { answer: Promise<StatusAnswer>; at: number; since: string | undefined }[] = [{ answer: feed.answer(since), at: at(), since }];
      if (random() < 0.3) {
        advance(1_000);
        const alsoSince = random() < 0.5 ? undefined : cursors.at(-1);
        polls.push({ answer: feed.answer(alsoSince), at: at(), since: alsoSince });
      }
      for (const poll of polls) {
        const text = Buffer.from((await poll.answer).body).toString('utf8');
        const { cursor, partial } = JSON.parse(text) as StatusPollResponse;
        // Partial only after a cursor of this run whose discovered cells are still the same.
        const sameGeneration = poll.since?.startsWith(cursor.slice(0, cursor.lastIndexOf('.') + 1)) ?? false;
        expect(partial).toBe(sameGeneration);
        expectSameText(text, pureAnswer(index, live, poll.at, cursor, partial ? poll.since! : null, open));
        cursors.push(cursor);
      }
    }
  });
});

/** The answer as the pure functions give it, serialized in one piece: what a cache of any part must not change. */
function pureAnswer(index: StatusIndex, live: LiveView, at: number, cursor: string, since: string | null, incidents: readonly Incident[]): string {
  const results = live.checkResultsById();
  if (since === null) {
    const whole = buildStatus(index, results, at, incidents);
    const { generatedAt, environments, services, cells } = whole;
    return JSON.stringify({ partial: false, generatedAt, cursor, environments, services, cells, incidents: whole.incidents });
  }
  const otlp = otlpSources(results, index.cellAt);
  const changed = { since: Number(since.slice(since.lastIndexOf('.') + 1)), changesById: live.checkChangesById() };
  const cells = [...statusCells(index, results, at, 0, index.cells.length, changed, otlp), ...discoveredCells(otlp, at)];
  return JSON.stringify({ partial: true, generatedAt: at, cursor, cells, incidents: cellIncidents(index, incidents, otlp) });
}

/** Compares two long texts showing where they first differ, not megabytes of both. */
function expectSameText(actual: string, expected: string): void {
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  expect({ at: i, actual: actual.slice(i - 300, i + 300), length: actual.length }).toEqual({ at: i, actual: expected.slice(i - 300, i + 300), length: expected.length });
}
