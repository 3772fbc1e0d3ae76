// The email receiver against a real SMTP server on loopback (smtp-server): both parts and the headers
// arrive, the Message-ID stays the same across a retry, an incident's messages share a thread, HTML is
// escaped, SMTP replies are judged (4xx retry, 5xx fail, 535 fail saying so), the password is never
// shown, STARTTLS is required unless told otherwise, and the dispatcher closes its SMTP connections.
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Dispatcher, type DeliveryResult } from '../../notify/dispatcher.js';
import { email, emailSubject, renderEmail, type EmailConfig, type RenderedEmail } from '../../notify/email.js';
import { builtinReceivers } from '../../notify/index.js';
import { enqueueNotifications } from '../../notify/outbox.js';
import { notificationsFor, notifyPlan } from '../../notify/routing.js';
import { classifySmtp, parseSmtpUrl, type SmtpAnswer } from '../../notify/smtp.js';
import { sendTestMessage } from '../../notify/test-message.js';
import { loadConfigText } from '../../config/load.js';
import { describeNotify } from '../../config/describe-notify.js';
import { builtinProbes } from '../../probes/index.js';
import { DEFAULT_DELIVERY, type ChangeKind, type NotifyConfig } from '../../notify/types.js';
import { SecretValues } from '../../lib/secret.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Incident } from '../../store/types.js';
import { T0, assertNoSecretLeak, changeMessage } from '../helpers/notify.js';
import { parseMail, startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../helpers/smtp-sink.js';
import { tempDbPath } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait-for.js';

const registry = builtinReceivers();
const BASE = 'https://vigil.example.com';
/** A password with the characters that break a naive URL parser. */
const PASSWORD = 'S3cret-P@ss/w:rd';

interface Options {
  readonly sink?: SmtpSinkOptions;
  /** The smtp URL (default: the sink, no login). */
  readonly smtp?: (sink: SmtpSink) => string;
  readonly starttls?: 'required' | 'opportunistic';
  readonly timeoutMs?: number;
}

/** A dispatcher with one email receiver `mail` and a route sending every incident to it. */
async function harness(options: Options = {}) {
  const sink = await startSmtpSink(options.sink);
  const store = await openSqliteStore(tempDbPath(), { readers: 0 });
  onTestFinished(() => store.close());
  let now = T0;
  const clock = { now: () => now, set: (at: number) => void (now = at), advance: (ms: number) => void (now += ms) };
  const raw = {
    smtp: options.smtp?.(sink) ?? `smtp://127.0.0.1:${sink.port}`,
    from: 'Vigil <vigil@example.com>',
    to: ['sre@example.com', 'oncall@example.com'],
    starttls: options.starttls ?? 'opportunistic',
  };
  const config: NotifyConfig = {
    receivers: [{ name: 'mail', kind: 'email', config: email.schema.parse(raw), rateLimit: null }],
    routes: [{ index: 0, matchers: [], to: ['mail'], continue: false, groupBy: ['...'], groupWaitMs: 0, groupIntervalMs: 60_000, repeatIntervalMs: 4 * 3_600_000, sendResolved: true, escalate: [] }],
    delivery: { ...DEFAULT_DELIVERY, timeoutMs: options.timeoutMs ?? 2000, breakerFailures: 100 },
  };
  const results: Array<[string, DeliveryResult]> = [];
  const logs: string[] = [];
  const dispatcher = new Dispatcher({ store, clock, receivers: registry, config, baseUrl: BASE, random: () => 0.5, onResult: (r, result) => results.push([r, result]), log: (line) => logs.push(line) });
  onTestFinished(() => dispatcher.stop());
  const plan = notifyPlan(config, registry);
  return {
    sink, store, clock, dispatcher, results, logs, raw, config,
    incident: (overrides: { summary?: string; fingerprint?: string } = {}) =>
      store.incidents.create(
        { fingerprint: overrides.fingerprint ?? 'fp1', rule: 'CheckDown', severity: 'page', labels: { alertname: 'CheckDown', env: 'prod', service: 'api', check: 'http' }, env: 'prod', service: 'api', check: 'http', summary: overrides.summary ?? 'api is down', runbook: 'https://runbooks.example.com/api', openedAt: clock.now(), lastValue: 503 },
        { at: clock.now(), kind: 'opened', actor: null, text: null, value: 1 },
      ),
    change: async (kind: ChangeKind, incident: Incident) => {
      await store.transaction((tx) => enqueueNotifications(tx.outbox, notificationsFor({ kind, incident, at: clock.now() }, plan), plan, clock.now()));
    },
    rows: async () => (await store.outbox.list({ limit: 100 })).messages,
    tickResult: async () => (await dispatcher.tick()).results.map((r) => r.result),
  };
}

describe('the email receiver over SMTP', () => {
  it('delivers a message with a text and an HTML part, its headers, and a Message-ID made from the idempotency key', async () => {
    const h = await harness();
    const incident = await h.incident();
    await h.change('opened', incident);
    expect(await h.tickResult()).toEqual(['delivered']);
    expect(h.sink.received).toHaveLength(1);
    const [mail] = h.sink.received;
    expect(mail!.from).toBe('vigil@example.com');
    expect(mail!.to).toEqual(['sre@example.com', 'oncall@example.com']);
    const { headers, text, html } = parseMail(mail!.raw);
    expect(headers.from).toBe('Vigil <vigil@example.com>');
    expect(headers.to).toBe('sre@example.com, oncall@example.com');
    expect(headers.subject).toBe('[Vigil] PAGE [FIRING] CheckDown prod/api/http: api is down');
    expect(headers['content-type']).toMatch(/^multipart\/alternative/);
    const [row] = await h.rows();
    expect(headers['message-id']).toBe(`<vigil.${row!.key}@example.com>`);
    expect(headers['in-reply-to']).toBe(`<vigil.incident.${incident.id}.${T0}@example.com>`);
    for (const part of [text!, html!]) {
      expect(part).toContain('prod/api/http');
      expect(part).toContain('api is down');
      expect(part).toContain('503');
      expect(part).toContain('page');
      expect(part).toContain('open — opened 2025-01-06 09:00:00 UTC');
      expect(part).toContain('https://runbooks.example.com/api');
      expect(part).toContain(`${BASE}/#/incidents/${incident.id}`);
    }
    expect(html).toContain(`<a href="${BASE}/#/incidents/${incident.id}">`);
    expect(row).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: null });
    expect((await h.store.incidents.events(incident.id)).map((e) => e.text)).toContain('notified mail ✓');
  });

  it('threads an incident\'s messages: each its own Message-ID, all referring to the incident', async () => {
    const h = await harness();
    const incident = await h.incident();
    await h.change('opened', incident);
    await h.dispatcher.tick();
    h.clock.advance(60_000);
    await h.change('resolved', { ...incident, state: 'resolved', resolvedAt: h.clock.now(), resolvedBy: 'alice' });
    expect(await h.tickResult()).toEqual(['delivered']);
    const [opened, resolved] = h.sink.received.map((m) => parseMail(m.raw));
    const thread = `<vigil.incident.${incident.id}.${T0}@example.com>`;
    expect(opened!.headers['message-id']).not.toBe(resolved!.headers['message-id']);
    expect([opened!.headers.references, resolved!.headers.references]).toEqual([thread, thread]);
    expect(resolved!.headers['in-reply-to']).toBe(thread);
    expect(resolved!.headers.subject).toContain('[RESOLVED] CheckDown');
    expect(resolved!.text).toContain('resolved — opened 2025-01-06 09:00:00 UTC · resolved 2025-01-06 09:01:00 UTC by alice');
  });

  it('escapes HTML: a summary with <script> arrives as text in the HTML part', async () => {
    const h = await harness();
    const summary = '<script>alert("x")</script> & <b>bold</b>';
    await h.change('opened', await h.incident({ summary }));
    await h.dispatcher.tick();
    const { html, text, headers } = parseMail(h.sink.received[0]!.raw);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(text).toContain(summary);
    expect(headers.subject).toContain(summary);
  });

  it.each([
    ['451 at DATA', 'data', 451, 'Requested action aborted: local error'],
    ['450 at MAIL FROM', 'mail', 450, 'Mailbox unavailable, try later'],
    ['452 at RCPT TO', 'rcpt', 452, 'Insufficient system storage'],
    ['421 at MAIL FROM', 'mail', 421, 'Service not available, closing channel'],
  ] as const)('retries a %s, with the same Message-ID, then delivers', async (_name, stage, code, said) => {
    const h = await harness();
    await h.change('opened', await h.incident());
    // Every recipient deferred: the message is deferred.
    h.sink.answer(stage, ...(stage === 'rcpt' ? [{ code, text: said }, { code, text: said }] : [{ code, text: said }]));
    expect(await h.tickResult()).toEqual(['retry']);
    const [first] = await h.rows();
    expect(first).toMatchObject({ state: 'pending', attempts: 1 });
    expect(first!.lastError).toContain(String(code));
    h.clock.set(first!.dueAt);
    expect(await h.tickResult()).toEqual(['delivered']);
    const ids = h.sink.received.map((m) => parseMail(m.raw).headers['message-id']);
    expect(ids.at(-1)).toBe(`<vigil.${first!.key}@example.com>`);
    expect(new Set(ids).size).toBe(1);
  });

  it.each([
    ['550 at RCPT TO', 'rcpt', 550, 'No such user here'],
    ['553 at MAIL FROM', 'mail', 553, 'Sender address not allowed'],
    ['554 at DATA', 'data', 554, 'Transaction failed: spam'],
  ] as const)('fails a %s without retrying', async (_name, stage, code, said) => {
    const h = await harness();
    await h.change('opened', await h.incident());
    h.sink.answer(stage, ...(stage === 'rcpt' ? [{ code, text: said }, { code, text: said }] : [{ code, text: said }]));
    expect(await h.tickResult()).toEqual(['failed']);
    const [row] = await h.rows();
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row!.lastError).toContain(`${code} ${said}`);
  });

  it('retries when the server refuses the connection or does not answer in time', async () => {
    const closedPort = await freePort();
    const h = await harness({ smtp: () => `smtp://127.0.0.1:${closedPort}` });
    await h.change('opened', await h.incident());
    expect(await h.tickResult()).toEqual(['retry']);
    expect((await h.rows())[0]!.lastError).toBe('refused: connection refused');

    const slow = await harness({ timeoutMs: 300 });
    await slow.change('opened', await slow.incident());
    slow.sink.answer('data', 'hang');
    const started = Date.now();
    expect(await slow.tickResult()).toEqual(['retry']);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await slow.rows())[0]!.lastError).toBe('timeout: no answer within 300 ms');
  });

  it.each([
    ['not JSON', '{"from":', 'not sent: the rendered email is not valid JSON'],
    ['without recipients', JSON.stringify({ from: 'vigil@example.com', to: 'sre@example.com', subject: 's', messageId: '<m@example.com>', inReplyTo: null, references: [], text: 't', html: 'h' }), 'not sent: the rendered email is malformed at to: Invalid input: expected array, received string'],
  ])('fails a request whose body is %s, with the reason, and sends nothing', async (_name, body, reason) => {
    const h = await harness();
    const transport = email.transport!(h.config.receivers[0]!.config as EmailConfig, { receiver: 'mail', timeoutMs: 1000 });
    onTestFinished(() => transport.close());
    expect(await transport.deliver({ url: h.raw.smtp, method: 'POST', headers: {}, body }, AbortSignal.timeout(1000))).toEqual({ result: 'fail', reason });
    expect(h.sink.received).toHaveLength(0);
  });

  it('logs in with a password from the URL, and never shows the password when the login is refused', async () => {
    const auth = { user: 'vigil', password: PASSWORD, refusal: (given: string) => `Authentication failed for password ${given}` };
    const good = await harness({ sink: { auth }, smtp: (sink) => `smtp://vigil:${PASSWORD}@127.0.0.1:${sink.port}` });
    await good.change('opened', await good.incident());
    expect(await good.tickResult()).toEqual(['delivered']);
    expect(good.sink.received[0]!.user).toBe('vigil');

    const wrong = 'Wr0ng-P@ssword';
    const bad = await harness({ sink: { auth }, smtp: (sink) => `smtp://vigil:${wrong}@127.0.0.1:${sink.port}` });
    await bad.change('opened', await bad.incident());
    expect(await bad.tickResult()).toEqual(['failed']);
    const [row] = await bad.rows();
    // The server quoted the password back: the recorded error shows it as ***.
    expect(row!.lastError).toBe('SMTP authentication failed (check the user and password in notify\'s smtp URL): SMTP 535 Authentication failed for password ***');
    const request = email.render({ config: bad.config.receivers[0]!.config as EmailConfig, receiver: 'mail', message: changeMessage('opened'), key: 'msg_1', at: T0, baseUrl: BASE });
    assertNoSecretLeak(email, bad.raw, [wrong, bad.raw.smtp], request);
    const shown = [row!.lastError, ...bad.logs, JSON.stringify(bad.dispatcher.receiverStates())].join('\n');
    expect(shown).not.toContain(wrong);
    expect(shown).not.toContain(encodeURIComponent(wrong));
  });

  it('requires STARTTLS by default, and sends in plain text to a server without it only when opportunistic', async () => {
    const strict = await harness({ starttls: 'required' });
    await strict.change('opened', await strict.incident());
    expect(await strict.tickResult()).toEqual(['retry']);
    expect((await strict.rows())[0]!.lastError).toMatch(/^tls: STARTTLS failed/);
    expect(strict.sink.received).toHaveLength(0);
    expect(email.schema.parse({ smtp: 'smtp://mail:25', from: 'a@b.c', to: 'd@e.f' })).toMatchObject({ starttls: 'required', to: ['d@e.f'], subject_prefix: '[Vigil]' });

    const relaxed = await harness({ starttls: 'opportunistic' });
    await relaxed.change('opened', await relaxed.incident());
    expect(await relaxed.tickResult()).toEqual(['delivered']);
  });

  it('keeps one pooled SMTP connection for a receiver\'s messages and closes it when the dispatcher stops', async () => {
    const h = await harness();
    for (const fingerprint of ['fp1', 'fp2', 'fp3', 'fp4']) await h.change('opened', await h.incident({ fingerprint }));
    expect(await h.tickResult()).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(h.sink.received).toHaveLength(4);
    expect(h.sink.open).toBeGreaterThan(0);
    expect(h.sink.open).toBeLessThanOrEqual(2);
    await h.dispatcher.stop();
    await waitFor(async () => h.sink.open, (open) => open === 0, 3000, 'the SMTP connections to close');
  });

  it('vigil notify test sends a test email and closes its connection', async () => {
    const h = await harness();
    const result = await sendTestMessage('mail', { config: h.config, receivers: registry, baseUrl: BASE, secrets: SecretValues.none, at: T0 });
    expect(result).toEqual({ ok: true, lines: ['mail (email): ok'] });
    const { headers, text } = parseMail(h.sink.received[0]!.raw);
    expect(headers.subject).toBe('[Vigil] [TEST] Vigil notification test');
    expect(headers['in-reply-to']).toBeUndefined();
    expect(text).toContain('This is a test message from Vigil.');
    await waitFor(async () => h.sink.open, (open) => open === 0, 3000, 'the test message\'s connection to close');
  });
});

describe('an email receiver in vigil.yaml', () => {
  it('takes its password from ${VAR}, logs in with it, and shows it nowhere, even when the login is refused', async () => {
    const sink = await startSmtpSink({ auth: { user: 'vigil', password: PASSWORD, refusal: (given) => `bad password ${given}` } });
    const load = (password: string) =>
      loadConfigText(
        [
          'environments: [prod]',
          'services: { api: { checks: [] } }',
          'notify:',
          '  receivers:',
          `    mail: { email: { smtp: "smtp://vigil:\${SMTP_PASSWORD}@127.0.0.1:${sink.port}", from: vigil@example.com, to: [sre@example.com], starttls: opportunistic } }`,
          '  routes: [ { to: mail } ]',
        ].join('\n'),
        { file: 'vigil.yaml', env: { SMTP_PASSWORD: password }, registry: builtinProbes() },
      );
    const good = load(PASSWORD);
    const sent = await sendTestMessage('mail', { config: good.notify, receivers: registry, baseUrl: BASE, secrets: good.secrets, at: T0 });
    expect(sent).toEqual({ ok: true, lines: ['mail (email): ok'] });
    expect(sink.received[0]!.user).toBe('vigil');

    const wrong = 'An0ther-Secret';
    const bad = load(wrong);
    const refused = await sendTestMessage('mail', { config: bad.notify, receivers: registry, baseUrl: BASE, secrets: bad.secrets, at: T0 });
    expect(refused.ok).toBe(false);
    expect(refused.lines.join('\n')).toContain('SMTP 535 bad password ***');
    const shown = [...refused.lines, JSON.stringify(bad.notify), describeNotify(bad, registry)].join('\n');
    expect(shown).not.toContain(wrong);
  });
});

describe('email rendering and SMTP answers (pure)', () => {
  const config = email.schema.parse({ smtp: 'smtps://mail.example.com', from: 'vigil@example.com', to: 'sre@example.com', subject_prefix: '' }) as EmailConfig;
  const rendered = (key: string): RenderedEmail => renderEmail(config, changeMessage('acknowledged'), key, BASE);

  it('renders the same Message-ID for the same key, and a subject with severity and summary on one line', () => {
    expect(rendered('msg_a').messageId).toBe(rendered('msg_a').messageId);
    expect(rendered('msg_a').messageId).not.toBe(rendered('msg_b').messageId);
    expect(emailSubject(changeMessage('opened', { summary: 'lag\r\nBcc: evil@example.com' }), '[Vigil]')).toBe('[Vigil] PAGE [FIRING] ReplicaLagHigh prod/api/pg: lag Bcc: evil@example.com');
    expect(rendered('msg_a').text).toContain('Status: acknowledged — opened 2025-01-06 09:00:00 UTC · acknowledged 2025-01-06 09:01:00 UTC by alice');
  });

  it.each([
    ['smtp://mail.internal', { secure: false, host: 'mail.internal', port: 587, user: null, password: null }],
    ['smtps://mail.internal', { secure: true, host: 'mail.internal', port: 465, user: null, password: null }],
    ['smtp://u:p%40ss@[::1]:2525', { secure: false, host: '::1', port: 2525, user: 'u', password: 'p@ss' }],
    [`smtp://vigil:${PASSWORD}@mail:25`, { secure: false, host: 'mail', port: 25, user: 'vigil', password: PASSWORD }],
    ['https://mail.internal', null],
    ['smtp://mail.internal:99999', null],
    ['smtp://mail.internal/path?tls.rejectUnauthorized=false', null],
  ])('reads %s', (url, expected) => {
    expect(parseSmtpUrl(url)).toEqual(expected);
  });

  it.each([
    [{ reply: 250, text: '250 queued', command: 'DATA' }, 'ok'],
    [{ reply: 421, text: '421 closing', command: 'CONN' }, 'retry'],
    [{ reply: 451, text: '451 local error', command: 'DATA' }, 'retry'],
    [{ reply: 454, text: '454 try auth later', command: 'AUTH PLAIN' }, 'retry'],
    [{ reply: 550, text: '550 no such user', command: 'RCPT TO' }, 'fail'],
    [{ reply: 535, text: '535 invalid credentials', command: 'AUTH PLAIN' }, 'fail'],
    [{ error: 'timeout', message: 'no answer within 10000 ms' }, 'retry'],
    [{ error: 'refused', message: 'connection refused' }, 'retry'],
    [{ error: 'tls', message: 'STARTTLS failed' }, 'retry'],
    [{ error: 'auth', message: 'Missing credentials for "PLAIN"' }, 'fail'],
  ] as Array<[SmtpAnswer, string]>)('%j → %s', (answer, result) => {
    expect(classifySmtp(answer).result).toBe(result);
  });

  it('refuses a config with a bad URL or address without quoting the URL', () => {
    const result = email.schema.safeParse({ smtp: 'smtp://vigil:SECRETPW@', from: 'not an address', to: [] });
    expect(result.success).toBe(false);
    const messages = JSON.stringify(result.error!.issues.map((i) => [i.path, i.message]));
    expect(messages).not.toContain('SECRETPW');
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['smtp', 'from', 'to']);
  });
});

/** A port nothing listens on (one just released). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
