import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentJson, IncidentListResponse } from '../../api/types.js';
import { serve, type RunningVigil } from '../../cli/serve.js';
import { waitFor } from '../helpers/wait-for.js';

const MINUTE = 60_000;
const CYCLE = 30 * MINUTE;
/**
 * Where in the demo's half-hour schedule the test starts: 20m05s is inside both staging's outage
 * (20:00–21:30, every 6 minutes) and prod's cache failure (19:00–21:00, every 15 minutes), so both end
 * within the test and nothing else fails meanwhile. The demo target alone runs on this shifted clock;
 * Vigil keeps real time.
 */
const START_IN_CYCLE = 20 * MINUTE + 5_000;

// The embedded demo, unchanged, as `npm start` runs it: with no rule written by the user, incidents
// open and resolve on their own, each with its runbook and timeline, and each change is notified to the
// demo target's webhook sink.
describe('the embedded demo opens and resolves incidents on its own', () => {
  let vigil: RunningVigil;
  let dir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-demo-incidents-'));
    const now = Date.now();
    const offset = START_IN_CYCLE - (now % CYCLE);
    vigil = await serve({
      port: 0,
      host: '127.0.0.1',
      db: path.join(dir, 'vigil.db'),
      env: {},
      log: (line) => lines.push(line),
      demoClock: { now: () => Date.now() + offset },
    });
  });
  afterAll(async () => {
    await vigil?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const incidents = async (): Promise<readonly IncidentJson[]> => {
    const res = await fetch(`${vigil.url}/api/v1/incidents?limit=100`);
    return ((await res.json()) as IncidentListResponse).incidents;
  };
  const find = (list: readonly IncidentJson[], rule: string, env: string, service: string) =>
    list.find((i) => i.rule === rule && i.env === env && i.service === service);

  it('opens incidents for staging\'s outage and prod\'s cache failure, then resolves them', async () => {
    const opened = await waitFor(
      incidents,
      (list) =>
        find(list, 'CheckDown', 'staging', 'api') !== undefined &&
        find(list, 'CheckDown', 'staging', 'edge') !== undefined &&
        find(list, 'ComponentDown', 'prod', 'db') !== undefined,
      60_000,
      "staging's outage and prod's cache failure to open incidents",
    );
    // Staging's DNS record goes missing with its database (the demo target's zone answers NXDOMAIN).
    expect(find(opened, 'CheckDown', 'staging', 'edge')).toMatchObject({ check: 'dns', runbook: 'https://runbooks.example.com/edge/dns' });
    expect(find(opened, 'CheckDown', 'staging', 'api')).toMatchObject({ severity: 'page', runbook: 'https://runbooks.example.com/api/http' });
    expect(find(opened, 'ComponentDown', 'prod', 'db')).toMatchObject({
      severity: 'ticket',
      summary: 'cache is down in prod (db reports it unhealthy)',
      runbook: 'https://runbooks.example.com/db/component-down',
    });
    // Prod's web and api stay up through the cache failure: no incident for them.
    expect(opened.filter((i) => i.env === 'prod' && i.rule === 'CheckDown')).toEqual([]);

    // Others may open meanwhile (staging's replica lag once its database is back; a burn-rate ticket on
    // the few minutes of data a fresh install has); these two must end with what caused them.
    const resolved = await waitFor(
      incidents,
      (list) => find(list, 'CheckDown', 'staging', 'api')?.state === 'resolved' && find(list, 'ComponentDown', 'prod', 'db')?.state === 'resolved',
      150_000,
      "staging's outage and prod's cache failure incidents to resolve once they end",
    );
    const outage = find(resolved, 'CheckDown', 'staging', 'api')!;
    expect(outage.resolvedBy).toBeNull();
    // Its opening and its resolution reach the demo's webhook sink (a resolution waits up to the
    // route's 30 s group_interval after the message before it).
    const detail = await waitFor(
      () => fetch(`${vigil.url}/api/v1/incidents/${outage.id}`).then((r) => r.json() as Promise<{ timeline: Array<{ kind: string; text: string | null }> }>),
      (d) => d.timeline.filter((e) => e.kind === 'notified').length === 2,
      60_000,
      "the outage's resolution notified",
    );
    expect(detail.timeline.map((e) => e.kind)).toEqual(['opened', 'notified', 'resolved', 'notified']);
    expect(detail.timeline.filter((e) => e.kind === 'notified').map((e) => e.text)).toEqual(['notified demo-hook ✓', 'notified demo-hook ✓']);

    const deliveries = (await fetch(`${vigil.url}/api/v1/notifications?incident=${outage.id}`).then((r) => r.json())) as { notifications: Array<{ receiver: string; state: string }> };
    expect(deliveries.notifications.map((n) => [n.receiver, n.state])).toEqual([['demo-hook', 'delivered'], ['demo-hook', 'delivered']]);
    const sinkUrl = /see what arrived at (\S+)/.exec(lines.join('\n'))?.[1];
    expect(sinkUrl).toBeDefined();
    const sink = (await fetch(sinkUrl!).then((r) => r.json())) as { received: number; verified: number; messages: Array<{ alerts: Array<{ rule: string; env: string; service: string; change: string }> }> };
    expect(sink.received).toBeGreaterThanOrEqual(2);
    expect(sink.verified).toBe(sink.received);
    const outageAlerts = sink.messages.flatMap((m) => m.alerts).filter((a) => a.rule === 'CheckDown' && a.env === 'staging' && a.service === 'api');
    expect(outageAlerts.map((a) => a.change).sort()).toEqual(['opened', 'resolved']);
    expect(lines.join('\n')).not.toMatch(/error|failed/i);
  }, 300_000);

  it("finds the demo target's DNS record and certificate good in prod", async () => {
    type Status = { cells: Array<{ env: string; service: string; checks: Array<{ name: string; status: string; detail: string | null }> }> };
    const status = await waitFor(
      async () => (await fetch(`${vigil.url}/api/v1/status`).then((r) => r.json())) as Status,
      (body) => body.cells.find((c) => c.env === 'prod' && c.service === 'edge')?.checks.every((check) => check.status === 'up') === true,
      30_000,
      "prod's dns and tls checks to report up",
    );
    const edge = status.cells.find((c) => c.env === 'prod' && c.service === 'edge')!;
    expect(edge.checks.map((check) => [check.name, check.status])).toEqual([['dns', 'up'], ['tls', 'up']]);
    expect(edge.checks[0]!.detail).toBe('127.0.0.1');
  });

  it("has the demo app's backup job beat on each environment's heartbeat URL", async () => {
    type Listed = { heartbeats: Array<{ checkId: string; path: string; lastStatus: string | null; lastMessage: string | null }> };
    const listed = await waitFor(
      async () => (await fetch(`${vigil.url}/api/v1/heartbeats`).then((r) => r.json())) as Listed,
      (body) => body.heartbeats.find((h) => h.checkId === 'prod/db/backup')?.lastStatus === 'ok',
      30_000,
      "prod's backup job to beat",
    );
    expect(listed.heartbeats.map((h) => h.checkId)).toEqual(['dev/db/backup', 'staging/db/backup', 'prod/db/backup']);
    expect(listed.heartbeats[2]!.lastMessage).toMatch(/^dumped orders_prod in \d\.\ds$/);
    expect(listed.heartbeats[2]!.path).toMatch(/^\/api\/v1\/heartbeat\/[A-Za-z0-9_-]{43}$/);
    // The token is in what the API lists (the job needs it), never in the server log.
    const token = listed.heartbeats[2]!.path.split('/').pop()!;
    expect(lines.join('\n')).not.toContain(token);
  });
});
