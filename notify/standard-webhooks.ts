// Signing per Standard Webhooks (https://www.standardwebhooks.com/, spec "Signature scheme"): the
// signature is HMAC-SHA256 over `${id}.${timestamp}.${body}` keyed with the secret's bytes, sent as
// `v1,<base64>` in `webhook-signature`, with `webhook-id` and `webhook-timestamp` (seconds).
import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** The key bytes of a secret: base64 after a `whsec_` prefix, else the text's UTF-8 bytes. */
export function webhookSecretBytes(secret: string): Buffer {
  return secret.startsWith(SECRET_PREFIX) ? Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The three headers of a signed message; `timestampSeconds` is when it is sent. */
export function standardWebhookHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  const signature = createHmac('sha256', webhookSecretBytes(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}
