// Every receiver kind: its payload's documented shape and size limits, its answer classification, and
// the shared no-secret-leak assertion.
import { describe, expect, it } from 'vitest';
import { builtinReceivers } from '../../notify/index.js';
import { classifyHttp, receiverRegistry, renderMessage, retryAfterMs, type AnyReceiverKind, type HttpAnswer, type OutgoingRequest } from '../../notify/receiver.js';
import { slack, SLACK_LIMITS } from '../../notify/slack.js';
import { DISCORD_LIMITS } from '../../notify/discord.js';
import { pagerDutyDedupKey } from '../../notify/pagerduty.js';
import type { NotificationMessage } from '../../notify/types.js';
import { Secret } from '../../lib/secret.js';
import type { ReportDigest } from '../../reports/digest.js';
import { T0, alertMessage, assertNoSecretLeak, changeMessage, incident, stormMessage } from '../helpers/notify.js';

const HOOK = 'https://hooks.example.com/services/T000/B000/XXXXSECRETXXXX';
const ROUTING_KEY = 'R0UT1NGKEYSECRET0123456789abcdef';
const WHSEC = `whsec_${Buffer.from('a signing secret of 32 bytes!!!!').toString('base64')}`;
const BASE = 'https://vigil.example.com';

/** A config per kind, with the secrets it holds and where a secret may travel besides the URL. */
const CONFIGS: Record<string, { config: Record<string, unknown>; secrets: string[]; allowedIn?: { body?: boolean; headers?: boolean } }> = {
  slack: { config: { url: HOOK }, secrets: [HOOK] },
  teams: { config: { url: HOOK }, secrets: [HOOK] },
  discord: { config: { url: HOOK }, secrets: [HOOK] },
  googlechat: { config: { url: HOOK }, secrets: [HOOK] },
  mattermost: { config: { url: HOOK }, secrets: [HOOK] },
  pagerduty: { config: { routing_key: ROUTING_KEY }, secrets: [ROUTING_KEY], allowedIn: { body: true } },
  webhook: { config: { url: HOOK, secret: WHSEC, headers: { Authorization: 'Bearer T0KENSECRET' } }, secrets: [HOOK, WHSEC, 'T0KENSECRET'], allowedIn: { headers: true } },
  'alertmanager-webhook': { config: { url: HOOK }, secrets: [HOOK] },
  alertmanager: { config: { url: 'http://alertmanager:9093', bearer_token: 'AMT0KENSECRET' }, secrets: ['AMT0KENSECRET'], allowedIn: { headers: true } },
  email: { config: { smtp: 'smtp://vigil:SMTPPASSW0RDSECRET@mail.internal:587', from: 'vigil@example.com', to: ['sre@example.com'] }, secrets: ['SMTPPASSW0RDSECRET', 'smtp://vigil:SMTPPASSW0RDSECRET@mail.internal:587'] },
};

const registry = builtinReceivers();

function render(kind: AnyReceiverKind, message: NotificationMessage, key = 'msg_1'): { request: OutgoingRequest; body: any } {
  const config = kind.schema.parse(CONFIGS[kind.kind]!.config);
  const request = kind.render({ config, receiver: 'test-receiver', message, key, at: T0 + 120_000, baseUrl: BASE });
  return { request, body: JSON.parse(request.body) };
}

/** A report whose service names would break a format that did not escape them. */
const DIGEST: ReportDigest = {
  id: 42, name: 'weekly-sla', from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 12), timezone: 'UTC', generatedAt: Date.UTC(2026, 0, 12, 9),
  availability: 0.99812, previousAvailability: 0.9995, availabilityDelta: 0.99812 - 0.9995, services: 3, servicesMet: 1, servicesMissed: 2, servicesWithoutData: 0,
  worst: [
    { env: 'prod', service: 'api<b>*_', availability: 0.9971, target: 0.999, met: false },
    { env: 'prod', service: 'web', availability: 0.9985, target: 0.999, met: false },
    { env: 'prod', service: 'db', availability: 1, target: 0.999, met: true },
  ],
  incidents: { opened: 4, mttaMs: 7 * 60_000, mttrMs: 52 * 60_000, longestMs: 3 * 3_600_000 },
  noDataMs: 2 * 3_600_000, maintenanceMs: 3_600_000,
  slos: [{ id: 'prod/api/availability', objective: 0.999, budgetRemaining: 0.35, budgetConsumedInPeriod: 0.4 }],
};
const REPORT_MESSAGE: NotificationMessage = { kind: 'report', groupKey: 'report:weekly-sla', groupLabels: {}, alerts: [], folded: 0, escalation: null, report: DIGEST };

describe('the receiver registry', () => {
  it('holds every built-in kind once and refuses a kind registered twice', () => {
    expect(registry.kinds().sort()).toEqual(Object.keys(CONFIGS).sort());
    expect(() => receiverRegistry([slack, slack])).toThrow(/receiver kind "slack" is registered twice/);
  });
});

describe.each(registry.kinds())('the %s receiver', (name) => {
  const kind = registry.get(name);

  it('leaks no secret in its config, its problems or its request', () => {
    const { config, secrets, allowedIn } = CONFIGS[name]!;
    for (const change of ['opened', 'acknowledged', 'resolved'] as const) {
      assertNoSecretLeak(kind, config, secrets, render(kind, changeMessage(change)).request, allowedIn);
    }
  });

  it('carries the runbook link and the incident link in every message (PagerDuty: in its trigger)', () => {
    for (const change of ['opened', 'acknowledged', 'escalated', 'resolved', 'reopened'] as const) {
      // PagerDuty's acknowledge and resolve events hold only the dedup key: the incident has the links.
      if (name === 'pagerduty' && (change === 'acknowledged' || change === 'resolved')) continue;
      const { request } = render(kind, changeMessage(change));
      expect(request.body).toContain('https://runbooks.example.com/api/pg');
      expect(request.body).toContain(`${BASE}/#/incidents/1`);
    }
  });

  it('renders a storm of 200 long alerts within the service limits, as JSON', () => {
    const { request } = render(kind, stormMessage(kind.oneIncidentPerMessage ? 1 : 200));
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    // Teams refuses ~28 KB, Google Chat 32,000 bytes; the others are kept as readable.
    const maxBytes: Record<string, number> = { teams: 28_000, googlechat: 32_000, slack: 40_000, discord: 40_000, mattermost: 40_000, email: 300_000 };
    if (maxBytes[name]) expect(Buffer.byteLength(request.body)).toBeLessThan(maxBytes[name]!);
  });

  it('posts a report as a summary with its link, leaking no secret, or cannot take one at all', () => {
    const { config, secrets, allowedIn } = CONFIGS[name]!;
    const input = { config: kind.schema.parse(config), receiver: 'test-receiver', message: REPORT_MESSAGE, key: 'msg_r', at: T0, baseUrl: BASE };
    if (!kind.renderReport) {
      expect(() => renderMessage(kind, input)).toThrow(`a ${name} receiver cannot take a report`);
      return;
    }
    const request = renderMessage(kind, input);
    assertNoSecretLeak(kind, config, secrets, request, allowedIn);
    const body = JSON.parse(request.body);
    const text = JSON.stringify(body);
    expect(text).toContain(`${BASE}/#/reports/42`);
    // The generic webhook carries the figures as data; the others say them.
    expect(text).toContain(name === 'webhook' ? '"availability":0.99812' : '99.812%');
    expect(text.toLowerCase()).toContain('mttr');
    // Where the service's text is markup, a name cannot inject any.
    if (name === 'slack' || name === 'googlechat') expect(text).toContain('api&lt;b&gt;');
    if (name === 'mattermost') expect(body.text).toContain('api\\<b\\>\\*\\_');
    if (name === 'email') expect(body.html).toContain('api&lt;b&gt;*_');
  });

  it('renders the same request for the same input (pure)', () => {
    expect(render(kind, changeMessage('opened')).request.body).toBe(render(kind, changeMessage('opened')).request.body);
  });
});

describe('classifying answers', () => {
  const answer = (status: number, headers: Record<string, string> = {}, body = ''): HttpAnswer => ({ status, headers, body });
  it.each([
    ['200', answer(200), 'ok'],
    ['202 (PagerDuty)', answer(202), 'ok'],
    ['204', answer(204), 'ok'],
    ['400', answer(400, {}, 'invalid payload'), 'fail'],
    ['401', answer(401), 'fail'],
    ['404', answer(404), 'fail'],
    ['408', answer(408), 'retry'],
    ['410', answer(410), 'disable'],
    ['429', answer(429, { 'retry-after': '7' }), 'retry'],
    ['500', answer(500), 'retry'],
    ['503', answer(503), 'retry'],
    ['timeout', { error: 'timeout', message: 'no answer within 10s' } as HttpAnswer, 'retry'],
    ['refused', { error: 'refused', message: 'connect ECONNREFUSED' } as HttpAnswer, 'retry'],
  ])('%s → %s', (_name, given, result) => {
    expect(classifyHttp(given).result).toBe(result);
  });

  it('disables a chat receiver whose webhook is gone (404 from Slack and Discord)', () => {
    expect(registry.get('slack').classify(answer(404, {}, 'no_service')).result).toBe('disable');
    expect(registry.get('discord').classify(answer(404, {}, '{"message": "Unknown Webhook"}')).result).toBe('disable');
    expect(registry.get('webhook').classify(answer(404)).result).toBe('fail');
  });

  it('reads Retry-After as seconds or as an HTTP date against the answer\'s date', () => {
    expect(retryAfterMs({ 'retry-after': '7' })).toBe(7000);
    expect(retryAfterMs({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT', date: 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBe(30_000);
    expect(retryAfterMs({ 'retry-after': 'soon' })).toBeNull();
    expect(retryAfterMs({})).toBeNull();
    expect(classifyHttp(answer(429, { 'retry-after': '3' }))).toMatchObject({ result: 'retry', afterMs: 3000 });
  });
});

describe('payload shapes', () => {
  it('Slack: Block Kit with a header, sections of at most 3,000 characters, buttons, at most 50 blocks', () => {
    const { body } = render(slack, stormMessage(200));
    expect(body.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    for (const block of body.blocks) {
      if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(3000);
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'actions') for (const element of block.elements) expect(element).toMatchObject({ type: 'button', url: expect.any(String) });
    }
    expect(body.blocks.at(-1).elements[0].text).toMatch(/and \d+ more/);
    const one = render(slack, changeMessage('opened')).body;
    expect(one.blocks[1].text.text).toContain('severity `page`');
    expect(one.blocks[1].text.text).toContain('prod/api/pg');
    expect(one.blocks[1].text.text).toContain('value 42.12');
    expect(one.blocks[2].elements.map((b: any) => b.text.text)).toEqual(['Incident', 'Runbook']);
  });

  it('Slack: escapes &, < and > so a summary cannot inject links or mentions', () => {
    const { body } = render(slack, changeMessage('opened', { summary: '<!channel> & <https://evil|x>' }));
    expect(body.blocks[1].text.text).toContain('&lt;!channel&gt; &amp; &lt;https://evil|x&gt;');
  });

  it('Teams: a message with one Adaptive Card 1.4 attachment', () => {
    const { body } = render(registry.get('teams'), changeMessage('acknowledged'));
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = body.attachments[0].content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.actions.map((a: any) => a.type)).toEqual(['Action.OpenUrl', 'Action.OpenUrl']);
    expect(JSON.stringify(card.body)).toContain('acknowledged by alice');
  });

  it('Discord: content at most 2,000 characters, at most 10 embeds of at most 6,000 characters in all, no mentions', () => {
    const { body } = render(registry.get('discord'), stormMessage(200));
    expect(body.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(body.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embeds);
    const total = body.embeds.reduce((n: number, e: any) => n + e.title.length + e.description.length + e.footer.text.length + e.fields.reduce((m: number, f: any) => m + f.name.length + f.value.length, 0), 0);
    expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
    for (const embed of body.embeds) {
      expect(embed.title.length).toBeLessThanOrEqual(256);
      expect(embed.description.length).toBeLessThanOrEqual(4096);
    }
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('Google Chat: cardsV2 with a header, sections and link buttons', () => {
    const { body } = render(registry.get('googlechat'), changeMessage('opened'));
    expect(body.cardsV2[0].card.header.title).toContain('[FIRING] ReplicaLagHigh');
    const buttons = body.cardsV2[0].card.sections[0].widgets[1].buttonList.buttons;
    expect(buttons.map((b: any) => b.onClick.openLink.url)).toEqual([`${BASE}/#/incidents/1`, 'https://runbooks.example.com/api/pg']);
  });

  it('Mattermost: Slack-compatible attachments with a colour and a title link', () => {
    const { body } = render(registry.get('mattermost'), changeMessage('resolved'));
    expect(body.attachments[0]).toMatchObject({ color: '#2eb67d', title_link: `${BASE}/#/incidents/1` });
  });

  it.each([
    ['opened', 'trigger'],
    ['reopened', 'trigger'],
    ['escalated', 'trigger'],
    ['acknowledged', 'acknowledge'],
    ['resolved', 'resolve'],
  ] as const)('PagerDuty: %s → %s with the incident\'s dedup key', (change, action) => {
    const { body, request } = render(registry.get('pagerduty'), changeMessage(change));
    expect(String(request.url)).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(body).toMatchObject({ routing_key: ROUTING_KEY, event_action: action, dedup_key: pagerDutyDedupKey(incident()) });
    if (action === 'trigger') {
      expect(body.payload).toMatchObject({ severity: 'critical', source: 'prod/api/pg', component: 'api', group: 'prod', class: 'ReplicaLagHigh' });
      expect(body.payload.summary.length).toBeLessThanOrEqual(1024);
      expect(body.links).toContainEqual({ href: 'https://runbooks.example.com/api/pg', text: 'Runbook' });
    } else {
      expect(body.payload).toBeUndefined();
    }
  });

  it('Alertmanager webhook: version 4 payload', () => {
    const message = alertMessage([
      { change: 'opened', at: T0, incident: incident({ id: 1 }) },
      { change: 'resolved', at: T0, incident: incident({ id: 2, state: 'resolved', resolvedAt: T0 + 5000 }) },
    ]);
    const { body } = render(registry.get('alertmanager-webhook'), message);
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'test-receiver', groupLabels: { env: 'prod' }, externalURL: BASE, truncatedAlerts: 0 });
    expect(body.groupKey).toBe('{}:{env="prod"}');
    expect(body.commonLabels).toMatchObject({ alertname: 'ReplicaLagHigh', env: 'prod' });
    expect(body.alerts[0]).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z', startsAt: new Date(T0).toISOString(), fingerprint: 'fp000001' });
    expect(body.alerts[0].annotations).toMatchObject({ summary: expect.any(String), runbook_url: 'https://runbooks.example.com/api/pg', dashboard_url: `${BASE}/#/incidents/1` });
    expect(body.alerts[1]).toMatchObject({ status: 'resolved', endsAt: new Date(T0 + 5000).toISOString() });
  });

  it('Alertmanager: alerts to /api/v2/alerts, firing ones ending a ttl ahead', () => {
    const { body, request } = render(registry.get('alertmanager'), changeMessage('opened'));
    expect(request.url).toBe('http://alertmanager:9093/api/v2/alerts');
    expect(request.headers.authorization).toBe('Bearer AMT0KENSECRET');
    expect(body[0]).toMatchObject({ labels: { alertname: 'ReplicaLagHigh', severity: 'page' }, generatorURL: `${BASE}/#/incidents/1` });
    expect(body[0].endsAt).toBe(new Date(T0 + 120_000 + 24 * 3_600_000).toISOString());
  });

  it('a chat webhook URL stays a Secret in the request', () => {
    for (const name of ['slack', 'teams', 'discord', 'googlechat', 'mattermost', 'webhook', 'alertmanager-webhook']) {
      expect(render(registry.get(name), changeMessage('opened')).request.url).toBeInstanceOf(Secret);
    }
  });
});
