import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTarget, type DemoTarget } from '../../demo/target.js';
import { DEMO_WEBHOOK_KEEP, type DemoWebhookSnapshot } from '../../demo/webhook-sink.js';
import { webhook } from '../../notify/webhook.js';
import { Secret } from '../../lib/secret.js';
import { changeMessage, T0 } from '../helpers/notify.js';

// The demo target's webhook consumer, fed by the real `webhook` receiver kind's requests.
describe('the demo target\'s webhook sink', () => {
  let demo: DemoTarget;
  beforeAll(async () => {
    demo = await startDemoTarget();
  });
  afterAll(async () => {
    await demo?.close();
  });

  const post = (secret: string, key: string, at = Date.now()) => {
    const request = webhook.render({
      config: { url: new Secret(demo.webhookUrl), secret: new Secret(secret) },
      receiver: 'demo-hook',
      message: changeMessage('opened'),
      key,
      at,
      baseUrl: 'http://127.0.0.1:8080',
    });
    return fetch(demo.webhookUrl, { method: request.method, headers: request.headers, body: request.body });
  };
  const snapshot = () => fetch(demo.webhookUrl).then((r) => r.json() as Promise<DemoWebhookSnapshot>);

  it('makes a fresh whsec_ secret at each start', async () => {
    expect(demo.webhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const other = await startDemoTarget();
    expect(other.webhookSecret).not.toBe(demo.webhookSecret);
    await other.close();
  });

  it('accepts a message signed with its secret and shows it at GET /webhook', async () => {
    const res = await post(demo.webhookSecret, 'msg_1');
    expect(res.status).toBe(204);
    const seen = await snapshot();
    expect(seen).toMatchObject({ received: 1, verified: 1 });
    expect(seen.messages[0]).toMatchObject({
      webhookId: 'msg_1',
      type: 'incident.opened',
      status: 'firing',
      verified: true,
      alerts: [{ change: 'opened', rule: 'ReplicaLagHigh', env: 'prod', service: 'api', state: 'open', url: 'http://127.0.0.1:8080/#/incidents/1' }],
    });
    expect(seen.messages[0]!.receivedAt).toBeGreaterThan(T0);
  });

  it('refuses a message signed with another secret (401), and counts it unverified', async () => {
    const res = await post('whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==', 'msg_forged');
    expect(res.status).toBe(401);
    const seen = await snapshot();
    expect(seen).toMatchObject({ received: 2, verified: 1 });
    expect(seen.messages[0]).toMatchObject({ webhookId: 'msg_forged', verified: false });
  });

  it(`keeps the last ${DEMO_WEBHOOK_KEEP} messages, newest first`, async () => {
    for (let i = 0; i < DEMO_WEBHOOK_KEEP + 5; i++) await post(demo.webhookSecret, `msg_many_${i}`);
    const seen = await snapshot();
    expect(seen.received).toBe(DEMO_WEBHOOK_KEEP + 7);
    expect(seen.messages).toHaveLength(DEMO_WEBHOOK_KEEP);
    expect(seen.messages[0]!.webhookId).toBe(`msg_many_${DEMO_WEBHOOK_KEEP + 4}`);
  });

  it('still serves the demo environments', async () => {
    const res = await fetch(`${demo.url}/prod/health/live`);
    expect([200, 503]).toContain(res.status);
  });
});
