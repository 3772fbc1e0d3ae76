// The demo target's built-in webhook consumer: the embedded demo's `demo-hook` receiver posts its
// notifications here (POST /webhook), and GET /webhook shows how many arrived, how many carried a valid
// Standard Webhooks signature, and the last few, so `npm start` shows notifications flowing end to end.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Clock } from '../lib/clock.js';
import { standardWebhookHeaders } from '../notify/standard-webhooks.js';

/** How many messages GET /webhook lists, newest first. */
export const DEMO_WEBHOOK_KEEP = 50;
/** A bigger body is refused (413): a demo sink keeps little. */
const MAX_BODY_BYTES = 1 << 20;

/** One message as the sink shows it. */
export interface DemoWebhookMessage {
  readonly receivedAt: number;
  readonly webhookId: string | null;
  readonly type: string | null;
  readonly status: string | null;
  /** The `webhook-signature` is a valid v1 HMAC of this body with the demo's secret. */
  readonly verified: boolean;
  readonly alerts: ReadonlyArray<{ readonly change: string; readonly rule: string; readonly env: string | null; readonly service: string | null; readonly state: string; readonly url: string }>;
}

/** What GET /webhook answers. */
export interface DemoWebhookSnapshot {
  readonly received: number;
  readonly verified: number;
  readonly messages: readonly DemoWebhookMessage[];
}

/** A fresh Standard Webhooks secret (`whsec_` + 24 random bytes in base64), made at each start. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** True when `signature` (`v1,<base64> …`) holds a valid signature of `id.timestamp.body`. */
export function signatureValid(secret: string, id: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(standardWebhookHeaders(secret, id, Number(timestamp), body)['webhook-signature']!);
  return signature.split(' ').some((entry) => {
    const given = Buffer.from(entry);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Reads one webhook body into a message (what a consumer would keep of it). */
export function demoWebhookMessage(secret: string, headers: http.IncomingHttpHeaders, body: string, receivedAt: number): DemoWebhookMessage {
  const header = (name: string) => (typeof headers[name] === 'string' ? (headers[name] as string) : null);
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signature = header('webhook-signature');
  const verified = id !== null && timestamp !== null && /^\d+$/.test(timestamp) && signature !== null && signatureValid(secret, id, timestamp, body, signature);
  let payload: { type?: unknown; data?: { status?: unknown; alerts?: unknown } } = {};
  try {
    payload = JSON.parse(body) as typeof payload;
  } catch {
    // Shown with no type: the count still says something arrived.
  }
  const alerts = Array.isArray(payload.data?.alerts) ? (payload.data.alerts as Array<{ change: string; incident: { rule: string; env: string | null; service: string | null; state: string; url: string } }>) : [];
  return {
    receivedAt,
    webhookId: id,
    type: typeof payload.type === 'string' ? payload.type : null,
    status: typeof payload.data?.status === 'string' ? payload.data.status : null,
    verified,
    alerts: alerts.map(({ change, incident }) => ({ change, rule: incident.rule, env: incident.env, service: incident.service, state: incident.state, url: incident.url })),
  };
}

/** The sink: `handle` serves POST and GET /webhook; it keeps counts and the last DEMO_WEBHOOK_KEEP messages. */
export function createWebhookSink(opts: { readonly secret: string; readonly clock: Clock }) {
  let received = 0;
  let verified = 0;
  let messages: DemoWebhookMessage[] = [];
  const snapshot = (): DemoWebhookSnapshot => ({ received, verified, messages });
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(snapshot(), null, 2));
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, POST', 'content-type': 'text/plain' }).end('GET or POST\n');
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (length > MAX_BODY_BYTES) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('too large\n');
        return;
      }
      const message = demoWebhookMessage(opts.secret, req.headers, Buffer.concat(chunks).toString('utf8'), opts.clock.now());
      received += 1;
      if (message.verified) verified += 1;
      messages = [message, ...messages].slice(0, DEMO_WEBHOOK_KEEP);
      // A consumer refuses what it cannot verify; Vigil records the 401 as a failed delivery.
      if (message.verified) res.writeHead(204).end();
      else res.writeHead(401, { 'content-type': 'text/plain' }).end('invalid webhook signature\n');
    });
  };
  return { handle, snapshot };
}
