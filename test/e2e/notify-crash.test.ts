import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationJson } from '../../api/notifications.js';
import type { IncidentDetailResponse, IncidentListResponse } from '../../api/types.js';
import { freePort } from '../helpers/prometheus.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { startVigil, type VigilProcess } from '../helpers/vigil-server.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A Standard Webhooks verifier written from the spec (https://www.standardwebhooks.com/, "Verifying
 * webhook authenticity"), independent of notify/standard-webhooks.ts: the key is the base64 after
 * `whsec_`; the signed content is `${webhook-id}.${webhook-timestamp}.${body}`; `webhook-signature` is a
 * space-separated list of `v1,<base64 HMAC-SHA256>`; a timestamp more than 5 minutes off is refused.
 */
function verifyStandardWebhook(secret: string, headers: http.IncomingHttpHeaders, body: string, nowMs: number): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > 5 * 60) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest();
  return signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

interface SeenRequest {
  readonly at: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly answer: 'down' | 'hang' | 'ok';
}

/**
 * The webhook consumer: not listening at first (connection refused), then answering 503, then holding
 * a request without answering (the moment to crash Vigil), then up (200). Every request is recorded.
 */
function webhookSink(port: number) {
  const seen: SeenRequest[] = [];
  const state = { mode: 'down' as 'down' | 'hang' | 'ok', onHang: (_: SeenRequest) => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: SeenRequest = { at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answer: state.mode };
      seen.push(request);
      if (state.mode === 'hang') return state.onHang(request);
      if (state.mode === 'down') res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
      else res.writeHead(204).end();
    });
  });
  return {
    seen,
    state,
    listen: () => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve())),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Delivery survives a crash: Vigil opens an incident while the webhook receiver is down, is killed with
// SIGKILL in the middle of an attempt (sent, not yet recorded), and after a restart on the same database
// delivers the message with the same idempotency key, once the attempt's lease runs out.
describe('a notification survives kill -9 while its receiver is down', () => {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  let target: TestServer;
  let sink: ReturnType<typeof webhookSink>;
  let vigil: VigilProcess | null = null;
  let dir: string;
  let configFile: string;
  let dbPath: string;
  let healthy = true;

  beforeAll(async () => {
    target = await startHttpServer((_req, res) => {
      if (healthy) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else res.writeHead(503, { 'content-type': 'text/plain' }).end('database unreachable');
    });
    const sinkPort = await freePort();
    sink = webhookSink(sinkPort);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-notify-crash-'));
    dbPath = path.join(dir, 'vigil.db');
    configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      [
        'environments: [prod]',
        'alerting: { evaluation_interval: 1s }',
        'notify:',
        '  receivers:',
        `    hook: { webhook: { url: "http://127.0.0.1:${sinkPort}/hooks/vigil", secret: "\${HOOK_SECRET}" } }`,
        '  routes:',
        '    - { to: hook }',
        // Quick retries and a circuit that stays closed: the test is about the crash, not the breaker.
        // A lease is twice the timeout plus 5 s: 11 s here before a killed attempt is sent again.
        '  delivery: { timeout: 3s, backoff: { initial: 300ms, max: 1s }, breaker: { failures: 1000, cooldown: 1s } }',
        'services:',
        '  shop:',
        '    runbook: https://runbooks.example.com/shop/{{check}}',
        '    checks:',
        `      - http: { url: "http://127.0.0.1:${target.port}/health", every: 1s, timeout: 1s }`,
      ].join('\n'),
    );
    vigil = await startVigil({ args: ['--config', configFile], db: dbPath, env: { HOOK_SECRET: secret } });
  });
  afterAll(async () => {
    await vigil?.stop();
    await sink?.close();
    await target?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const api = async <T>(pathname: string): Promise<T> => {
    const res = await fetch(`${vigil!.url}${pathname}`);
    if (!res.ok) throw new Error(`GET ${pathname}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const incidents = () => api<IncidentListResponse>('/api/v1/incidents').then((page) => page.incidents);
  const notifications = () => api<{ notifications: NotificationJson[] }>('/api/v1/notifications').then((page) => page.notifications);

  it('verifies the spec\'s signature and refuses a tampered one (the verifier is not vacuous)', () => {
    const id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = '{"type":"incident.opened"}';
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const signature = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,bm90IGl0 ${signature}` };
    expect(verifyStandardWebhook(secret, headers, body, Date.now())).toBe(true);
    expect(verifyStandardWebhook(secret, headers, body.replace('opened', 'resolved'), Date.now())).toBe(false);
    expect(verifyStandardWebhook(secret, { ...headers, 'webhook-id': 'msg_other' }, body, Date.now())).toBe(false);
    expect(verifyStandardWebhook(secret, headers, body, Date.now() + 10 * 60_000)).toBe(false);
  });

  it('delivers the incident\'s message after the crash and a restart, once, with one webhook-id on every attempt', async () => {
    await waitFor(() => api<{ cells: Array<{ status: string }> }>('/api/v1/status'), (s) => s.cells[0]?.status === 'up', 15_000, 'the check up');

    // The receiver refuses connections: the incident opens and its message waits in the outbox.
    healthy = false;
    const [incident] = await waitFor(incidents, (list) => list.length > 0, 20_000, 'an incident to open');
    const refused = await waitFor(notifications, (list) => (list[0]?.attempts ?? 0) >= 1, 15_000, 'a refused attempt');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ receiver: 'hook', kind: 'alert', incidents: [incident!.id], state: 'pending', lastStatus: null });
    expect(refused[0]!.lastError).toMatch(/refused/);

    // Up but failing: 503s are retried.
    await sink.listen();
    await waitFor(notifications, (list) => list[0]?.lastStatus === 503 && sink.seen.length >= 2, 15_000, 'two attempts answered 503');

    // The next attempt reaches the receiver and gets no answer: kill Vigil while it is in flight, so the
    // attempt is sent but never recorded.
    const hung = new Promise<SeenRequest>((resolve) => (sink.state.onHang = resolve));
    sink.state.mode = 'hang';
    await hung;
    const beforeKill = await notifications();
    expect(beforeKill).toHaveLength(1);
    expect(beforeKill[0]).toMatchObject({ state: 'pending', lastStatus: 503 });
    await vigil!.kill();
    expect(vigil!.output()).not.toMatch(/stopping|stopped/i);

    sink.state.mode = 'ok';
    vigil = await startVigil({ args: ['--config', configFile], db: dbPath, env: { HOOK_SECRET: secret } });
    const [delivered] = await waitFor(notifications, (list) => list[0]?.state === 'delivered', 30_000, 'the message delivered after the restart');

    // The attempt lost in the crash is sent again: one more attempt recorded than before the kill.
    expect(delivered).toMatchObject({ id: beforeKill[0]!.id, key: beforeKill[0]!.key, receiver: 'hook', incidents: [incident!.id], lastStatus: 204, lastError: null });
    expect(delivered!.attempts).toBe(beforeKill[0]!.attempts + 1);
    expect(await notifications()).toHaveLength(1);
    expect((await incidents()).map((i) => [i.id, i.state])).toEqual([[incident!.id, 'open']]);

    // Every attempt the receiver saw carried the same webhook-id (the outbox key) and a valid signature.
    const answers = sink.seen.map((request) => request.answer);
    expect(answers.filter((a) => a === 'hang')).toHaveLength(1);
    expect(answers.at(-1)).toBe('ok');
    expect(new Set(sink.seen.map((request) => request.headers['webhook-id']))).toEqual(new Set([delivered!.key]));
    for (const request of sink.seen) {
      expect(verifyStandardWebhook(secret, request.headers, request.body, request.at), `attempt at ${request.at}`).toBe(true);
      expect(request.body).not.toContain(secret);
    }
    const body = JSON.parse(sink.seen.at(-1)!.body) as { type: string; data: { alerts: Array<{ incident: { id: number; rule: string; runbook: string } }> } };
    expect(body.type).toBe('incident.opened');
    expect(body.data.alerts.map((a) => a.incident)).toMatchObject([{ id: incident!.id, rule: 'CheckDown', runbook: 'https://runbooks.example.com/shop/http' }]);

    const detail = await api<IncidentDetailResponse>(`/api/v1/incidents/${incident!.id}`);
    const notified = detail.timeline.filter((event) => event.kind === 'notified');
    expect(notified.map((event) => event.text)).toEqual(['notified hook ✓']);
    expect(detail.timeline.filter((event) => event.kind === 'opened')).toHaveLength(1);
    expect(vigil!.output()).not.toContain(secret);
    healthy = true;
  }, 90_000);
});
