// The reports as `vigil serve` runs them: at start it makes the latest run's report (Vigil was not
// running then), posts it to the configured receiver through the outbox, serves it over the API, and
// a restart on the same database makes and posts nothing again. Stopping waits for a report in the making.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serve } from '../../cli/serve.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { startReceiverSink } from '../helpers/receiver-sink.js';
import { waitFor } from '../helpers/wait-for.js';

describe('vigil serve with reports', () => {
  it('makes and posts the latest missed report at start, once across a restart', async () => {
    const sink = await startReceiverSink();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-reports-serve-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'vigil.db');
    const config = path.join(dir, 'vigil.yaml');
    // Every day at 00:00 UTC: the latest run is always within the last day.
    fs.writeFileSync(
      config,
      `environments: [prod]
services:
  api:
    checks:
      - tcp: { host: 127.0.0.1, port: 1, every: 1h }
notify:
  receivers:
    hook: { webhook: { url: "${sink.url}/hook" } }
reports:
  - { name: daily, schedule: "0 0 * * *", period: 1d, receivers: [hook] }
`,
    );
    const start = () => serve({ configFile: config, port: 0, host: '127.0.0.1', db, env: {}, log: () => {} });
    const first = await start();
    try {
      const posted = await waitFor(async () => sink.received.filter((r) => r.path === '/hook'), (found) => found.length > 0, 15_000, 'the report posted');
      const body = JSON.parse(posted[0]!.body);
      expect(body.type).toBe('report.generated');
      expect(body.data.report).toMatchObject({ name: 'daily', services: 1, servicesWithoutData: 1 });
      const list = (await (await first.app.request('/api/v1/reports')).json()) as { reports: Array<{ id: number; name: string }> };
      expect(list.reports.map((r) => r.name)).toEqual(['daily']);
      expect(body.data.url).toBe(`${first.url}/#/reports/${list.reports[0]!.id}`);
      const metrics = await (await first.app.request('/metrics')).text();
      expect(metrics).toContain('vigil_reports_total{report="daily",result="made"} 1');
      expect(metrics).toContain('vigil_reports_total{report="daily",result="failed"} 0');
      const made = /vigil_report_last_made_timestamp_seconds\{report="daily"\} (\S+)/.exec(metrics);
      expect(Math.abs(Number(made?.[1]) - Date.now() / 1000)).toBeLessThan(60);
    } finally {
      await first.stop();
    }
    // A restart: its start-up pass finds the report stored; stop waits for that pass.
    const second = await start();
    await second.stop();
    const store = await openSqliteStore(db, { readers: 0 });
    try {
      expect((await store.reports.list({ limit: 10 })).reports).toHaveLength(1);
      expect((await store.outbox.list({ limit: 10 })).messages.map((m) => [m.receiver, m.state])).toEqual([['hook', 'delivered']]);
    } finally {
      await store.close();
    }
    expect(sink.received.filter((r) => r.path === '/hook')).toHaveLength(1);
  });
});
