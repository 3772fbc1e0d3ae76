import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { StatusFeed } from '../../api/status-feed.js';
import { buildStatus, statusIndex } from '../../api/status.js';
import type { StatusPollResponse } from '../../api/types.js';
import { loadConfigText } from '../../config/load.js';
import { LiveView } from '../../ingest/live-view.js';
import { builtinProbes } from '../../probes/index.js';
import type { CheckResult, Incident } from '../../store/types.js';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

function configOf(services: number, environments = ['staging', 'prod']) {
  const lines = [`environments: [${environments.join(', ')}]`, 'services:'];
  for (let s = 0; s < services; s++) {
    lines.push(`  svc-${s}:`, '    checks:', `      - tcp: { host: "svc-${s}.{{env}}.internal", port: 5432, every: 10s, timeout: 2s }`);
  }
  return loadConfigText(lines.join('\n'), { file: 'vigil.yaml', env: {}, registry: builtinProbes() });
}

function result(checkId: string, ts: number, over: Partial<CheckResult> = {}): CheckResult {
  const [env, service, check] = checkId.split('/');
  return { checkId, env, service, check, kind: 'tcp', ts, success: true, degraded: false, durationSeconds: 0.001, error: null, detail: null, ...over };
}

function setup(services: number, incidents: () => readonly Incident[] = () => []) {
  const config = configOf(services);
  const live = new LiveView();
  let now = T0;
  const clock = { now: () => now };
  const index = statusIndex(config);
  const feed = new StatusFeed(index, live, clock, { runId: 'run1', maxAgeMs: 1_000, incidents });
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
});
