import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDetailResponse, IncidentListResponse } from '../../api/types.js';
import { issueToken } from '../../auth/tokens.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';

// The real CLI against a target the test turns off and on: with no rule written, the default `down`
// rule opens an incident, keeps it across a restart, resolves it, and reopens it.
describe('incidents from the default rules, end to end', () => {
  let target: TestServer;
  let vigil: VigilProcess | null = null;
  let dir: string;
  let configFile: string;
  let dbPath: string;
  let healthy = true;
  let aliceToken: string;

  beforeAll(async () => {
    target = await startHttpServer((_req, res) => {
      if (healthy) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else res.writeHead(503, { 'content-type': 'text/plain' }).end('database unreachable');
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-incidents-'));
    dbPath = path.join(dir, 'vigil.db');
    configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      [
        'environments: [prod]',
        'alerting: { evaluation_interval: 1s }',
        'services:',
        '  shop:',
        '    runbook: https://runbooks.example.com/shop/{{check}}',
        '    checks:',
        `      - http: { url: "http://127.0.0.1:${target.port}/health", every: 1s, timeout: 1s }`,
      ].join('\n'),
    );
    // Mutations need a token ([X1]): alice's, made in the store before Vigil starts.
    const store = await openSqliteStore(dbPath, { readers: 0 });
    aliceToken = (await issueToken(store, { name: 'alice', role: 'responder', createdBy: 'test' }, Date.now())).text;
    await store.close();
    vigil = await startVigil({ args: ['--config', configFile], db: dbPath });
  });
  afterAll(async () => {
    await vigil?.stop();
    await target?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const api = async <T>(pathname: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${vigil!.url}${pathname}`, init);
    if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${pathname}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const incidents = () => api<IncidentListResponse>('/api/v1/incidents').then((page) => page.incidents);

  it('opens one incident with its runbook when the check fails, and keeps it through acknowledge and a restart', async () => {
    await waitFor(() => api<{ cells: Array<{ status: string }> }>('/api/v1/status'), (s) => s.cells[0]?.status === 'up', 15_000, 'the check up');
    expect(await incidents()).toEqual([]);

    healthy = false;
    const [opened] = await waitFor(incidents, (list) => list.length > 0, 20_000, 'an incident to open');
    expect(opened).toMatchObject({
      rule: 'CheckDown',
      severity: 'page',
      state: 'open',
      env: 'prod',
      service: 'shop',
      check: 'http',
      runbook: 'https://runbooks.example.com/shop/http',
    });
    expect(opened!.summary).toMatch(/shop/);

    const acknowledged = await api<{ state: string; acknowledgedBy: string }>(`/api/v1/incidents/${opened!.id}/acknowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${aliceToken}` },
      body: JSON.stringify({}),
    });
    expect(acknowledged).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'alice' });
    const metrics = await fetch(`${vigil!.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^vigil_incidents_open\{severity="page"\} 1$/m);

    // Restart while the target is still down: the firing alert is restored, no second incident opens.
    await vigil!.stop();
    vigil = await startVigil({ args: ['--config', configFile], db: dbPath });
    const restartedAt = Date.now();
    await waitFor(
      () => api<{ rules: Array<{ name: string; alerts: Array<{ state: string; incidentId: number | null }> }> }>('/api/v1/rules'),
      (body) => body.rules.some((rule) => rule.name === 'CheckDown' && rule.alerts.some((a) => a.state === 'firing' && a.incidentId === opened!.id)),
      20_000,
      'the restored alert firing with its incident',
    );
    // Several more evaluations with the check still failing.
    await waitFor(() => api<{ cells: Array<{ checks: Array<{ lastRunAt: number }> }> }>('/api/v1/status'), (s) => (s.cells[0]?.checks[0]?.lastRunAt ?? 0) > restartedAt, 10_000, 'a run after the restart');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const afterRestart = await incidents();
    expect(afterRestart.map((i) => [i.id, i.state])).toEqual([[opened!.id, 'acknowledged']]);
  });

  it('resolves the incident when the check recovers, and reopens the same one when it fails again', async () => {
    const [current] = await incidents();
    healthy = true;
    const [resolved] = await waitFor(incidents, (list) => list[0]?.state === 'resolved', 20_000, 'the incident to resolve');
    expect(resolved).toMatchObject({ id: current!.id, resolvedBy: null });
    expect(resolved!.mttrSeconds).toBeGreaterThan(0);

    healthy = false;
    const [reopened] = await waitFor(incidents, (list) => list[0]?.state === 'open', 20_000, 'the incident to reopen');
    expect(reopened).toMatchObject({ id: current!.id, reopenCount: 1 });
    expect(await incidents()).toHaveLength(1);

    const detail = await api<IncidentDetailResponse>(`/api/v1/incidents/${current!.id}`);
    expect(detail.timeline.map((event) => event.kind)).toEqual(['opened', 'acknowledged', 'resolved', 'reopened']);
    expect(detail.timeline[1]).toMatchObject({ actor: 'alice' });
    healthy = true;
  });
});
