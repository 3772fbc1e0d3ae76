import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationJson } from '../../api/notifications.js';
import type { IncidentDetailResponse, IncidentListResponse } from '../../api/types.js';
import { alertmanagerBinary, startAlertmanager, type AlertmanagerProcess } from '../helpers/alertmanager.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';

/** Alertmanager's webhook_config payload (version 4), as much as the test reads of it. */
interface AlertmanagerWebhook {
  readonly version: string;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Record<string, string>;
  readonly alerts: ReadonlyArray<{
    readonly status: 'firing' | 'resolved';
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
    readonly startsAt: string;
    readonly endsAt: string;
    readonly generatorURL: string;
  }>;
}

const binary = alertmanagerBinary();
const SKIP_REASON = 'skipped: prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager; .ci/run installs it)';
if (!binary) console.warn(`test/e2e/alertmanager.test.ts ${SKIP_REASON}`);

// The `alertmanager` receiver against the real thing (Debian's package): Vigil pushes its incident to
// Alertmanager's /api/v2/alerts; Alertmanager routes it by its own config to a webhook sink, firing and
// then resolved, with Vigil's labels and annotations.
describe.skipIf(!binary)(`Vigil's alerts through a real Alertmanager${binary ? '' : ` (${SKIP_REASON})`}`, () => {
  let target: TestServer;
  let sink: TestServer;
  const forwarded: AlertmanagerWebhook[] = [];
  let alertmanager: AlertmanagerProcess | null = null;
  let vigil: VigilProcess | null = null;
  let dir: string;
  let healthy = true;

  beforeAll(async () => {
    target = await startHttpServer((_req, res) => {
      if (healthy) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else res.writeHead(503, { 'content-type': 'text/plain' }).end('database unreachable');
    });
    sink = await startHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/alertmanager-hook') forwarded.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertmanagerWebhook);
        res.writeHead(200).end();
      });
    });
    alertmanager = await startAlertmanager(
      binary!,
      [
        'route:',
        '  receiver: sink',
        '  group_by: [alertname, env, service]',
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: sink',
        '    webhook_configs:',
        `      - { url: "${sink.url}/alertmanager-hook", send_resolved: true }`,
      ].join('\n'),
    );
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-alertmanager-'));
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      [
        'environments: [prod]',
        'alerting: { evaluation_interval: 1s }',
        'notify:',
        '  receivers:',
        `    am: { alertmanager: { url: "${alertmanager.url}", ttl: 1h } }`,
        '  routes:',
        // Each incident its own group (the default); a resolution follows its opening within a second.
        '    - { to: am, group_interval: 1s }',
        'services:',
        '  shop:',
        '    runbook: https://runbooks.example.com/shop/{{check}}',
        '    checks:',
        `      - http: { url: "http://127.0.0.1:${target.port}/health", every: 1s, timeout: 1s }`,
      ].join('\n'),
    );
    vigil = await startVigil({ args: ['--config', configFile] });
  });
  afterAll(async () => {
    await vigil?.stop();
    await alertmanager?.stop();
    await sink?.close();
    await target?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const api = async <T>(pathname: string): Promise<T> => {
    const res = await fetch(`${vigil!.url}${pathname}`);
    if (!res.ok) throw new Error(`GET ${pathname}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const incidents = () => api<IncidentListResponse>('/api/v1/incidents').then((page) => page.incidents);
  const notifications = () => api<{ notifications: NotificationJson[] }>('/api/v1/notifications').then((page) => page.notifications);

  it('sends the opened incident to Alertmanager, which forwards it by its own route; the resolution follows', async () => {
    await waitFor(() => api<{ cells: Array<{ status: string }> }>('/api/v1/status'), (s) => s.cells[0]?.status === 'up', 15_000, 'the check up');

    healthy = false;
    const [incident] = await waitFor(incidents, (list) => list.length > 0, 20_000, 'an incident to open');
    const expectedLabels = { alertname: 'CheckDown', severity: 'page', env: 'prod', service: 'shop', check: 'http' };
    const incidentUrl = `${vigil!.url}/#/incidents/${incident!.id}`;

    // Alertmanager holds the alert Vigil pushed to /api/v2/alerts…
    const [held] = await waitFor(() => alertmanager!.alerts(), (alerts) => alerts.length > 0, 15_000, 'the alert in Alertmanager');
    expect(held).toMatchObject({ labels: expectedLabels, status: { state: 'active' }, generatorURL: incidentUrl });
    expect(held!.annotations).toMatchObject({ summary: incident!.summary, runbook_url: 'https://runbooks.example.com/shop/http', dashboard_url: incidentUrl });
    expect(Date.parse(held!.startsAt)).toBe(incident!.openedAt);

    // …and forwards it to the webhook its route names, grouped by its own group_by.
    const firing = await waitFor(async () => forwarded.filter((m) => m.status === 'firing'), (list) => list.length > 0, 15_000, 'the firing webhook from Alertmanager');
    expect(firing[0]).toMatchObject({ version: '4', receiver: 'sink', groupLabels: { alertname: 'CheckDown', env: 'prod', service: 'shop' } });
    expect(firing[0]!.alerts).toHaveLength(1);
    expect(firing[0]!.alerts[0]).toMatchObject({ status: 'firing', labels: expectedLabels, generatorURL: incidentUrl });
    expect(firing[0]!.alerts[0]!.annotations).toMatchObject({ summary: incident!.summary, runbook_url: 'https://runbooks.example.com/shop/http' });

    const [opened] = await waitFor(notifications, (list) => list[0]?.state === 'delivered', 10_000, 'the opening delivered');
    expect(opened).toMatchObject({ receiver: 'am', incidents: [incident!.id], lastStatus: 200 });

    // The check recovers: Vigil resolves the incident and sends its end; Alertmanager sends "resolved".
    healthy = true;
    const [resolved] = await waitFor(incidents, (list) => list[0]?.state === 'resolved', 20_000, 'the incident to resolve');
    const ended = await waitFor(async () => forwarded.filter((m) => m.status === 'resolved'), (list) => list.length > 0, 15_000, 'the resolved webhook from Alertmanager');
    expect(ended[0]!.alerts).toHaveLength(1);
    expect(ended[0]!.alerts[0]).toMatchObject({ status: 'resolved', labels: expectedLabels });
    expect(Date.parse(ended[0]!.alerts[0]!.endsAt)).toBe(resolved!.resolvedAt);
    const [gone] = await alertmanager!.alerts().then((alerts) => alerts.filter((a) => a.labels.alertname === 'CheckDown'));
    if (gone) expect(gone.status.state).not.toBe('active');

    const delivered = await waitFor(notifications, (list) => list.length === 2 && list.every((n) => n.state === 'delivered'), 10_000, 'both messages delivered');
    expect(delivered.map((n) => n.receiver)).toEqual(['am', 'am']);
    const detail = await api<IncidentDetailResponse>(`/api/v1/incidents/${incident!.id}`);
    expect(detail.timeline.filter((e) => e.kind === 'notified').map((e) => e.text)).toEqual(['notified am ✓', 'notified am ✓']);
  }, 90_000);
});
