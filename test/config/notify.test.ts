// `notify:` in vigil.yaml: receivers by kind with `${VAR}` secrets, routes checked against receivers,
// and every problem located, never quoting a secret.
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { ConfigError } from '../../lib/errors.js';
import { Secret } from '../../lib/secret.js';
import { builtinProbes } from '../../probes/index.js';
import type { VigilConfig } from '../../config/types.js';

const registry = builtinProbes();
const SLACK = 'https://hooks.slack.com/services/T0/B0/SLACKSECRET123';
const env = { SLACK_WEBHOOK_URL: SLACK, PD_ROUTING_KEY: 'pdkey-0123456789', WEBHOOK_SECRET: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=' };
const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const BASE = ['environments: [staging, prod]', 'server: { port: 8080, public_url: "https://vigil.example.com/" }', 'services:', '  api:', '    checks: []'];

function load(text: string, vars: Record<string, string> = env): VigilConfig {
  return loadConfigText(text, { file: 'vigil.yaml', env: vars, registry });
}

function problems(text: string, vars: Record<string, string> = env): string[] {
  try {
    load(text, vars);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const VALID = yaml(
  ...BASE,
  'notify:',
  '  receivers:',
  '    oncall-slack: { slack: { url: "${SLACK_WEBHOOK_URL}" }, rate_limit: { max: 10, per: 1m } }',
  '    pager:        { pagerduty: { routing_key: "${PD_ROUTING_KEY}" } }',
  '    hook:         { webhook: { url: "https://ops.example.com/hook", secret: "${WEBHOOK_SECRET}" } }',
  '  routes:',
  '    - { match: { severity: page, env: prod }, to: [oncall-slack, pager], group_by: [env, service], repeat: 4h,',
  '        escalate: [ { after: 15m, to: pager } ] }',
  '    - { match: { env: staging }, to: hook, send_resolved: false }',
  '    - { to: hook }',
);

describe('the notify config', () => {
  it('compiles receivers, routes with their defaults, and delivery settings', () => {
    const config = load(VALID);
    expect(config.server.publicUrl).toBe('https://vigil.example.com');
    expect(config.notify.receivers.map((r) => [r.name, r.kind, r.rateLimit])).toEqual([
      ['oncall-slack', 'slack', { max: 10, perMs: 60_000 }],
      ['pager', 'pagerduty', null],
      ['hook', 'webhook', null],
    ]);
    expect((config.notify.receivers[0]!.config as { url: Secret }).url).toBeInstanceOf(Secret);
    expect((config.notify.receivers[0]!.config as { url: Secret }).url.reveal()).toBe(SLACK);
    expect(config.notify.routes[0]).toMatchObject({
      index: 0,
      matchers: [
        { label: 'severity', op: '=', value: 'page' },
        { label: 'env', op: '=', value: 'prod' },
      ],
      to: ['oncall-slack', 'pager'],
      continue: false,
      groupBy: ['env', 'service'],
      groupWaitMs: 0,
      groupIntervalMs: 60_000,
      repeatIntervalMs: 4 * 3_600_000,
      sendResolved: true,
      escalate: [{ afterMs: 15 * 60_000, to: ['pager'] }],
    });
    expect(config.notify.routes[1]).toMatchObject({ to: ['hook'], sendResolved: false, groupBy: ['...'] });
    expect(config.notify.delivery).toMatchObject({ timeoutMs: 10_000, maxAgeMs: 86_400_000, breakerFailures: 5 });
  });

  it('counts every secret field among the config\'s secrets, also one written literally', () => {
    const config = load(VALID);
    expect(config.secrets.contains(SLACK)).toBe(true);
    expect(config.secrets.contains('https://ops.example.com/hook')).toBe(true);
    expect(config.secrets.contains(env.WEBHOOK_SECRET)).toBe(true);
  });

  it('is optional', () => {
    expect(load(yaml(...BASE)).notify).toMatchObject({ receivers: [], routes: [] });
  });

  it.each([
    [
      'an unknown receiver in a route, with a suggestion',
      ['    - { to: [oncall-slak] }'],
      'vigil.yaml:10 notify.routes[0].to[0]: unknown receiver "oncall-slak" (did you mean "oncall-slack"?); receivers are oncall-slack',
    ],
    ['an unknown receiver as a plain name', ['    - { to: nobody }'], 'vigil.yaml:10 notify.routes[0].to: unknown receiver "nobody"; receivers are oncall-slack'],
    ['an unknown escalation receiver', ['    - { to: oncall-slack, escalate: [ { after: 5m, to: pagr } ] }'], 'vigil.yaml:10 notify.routes[0].escalate[0].to: unknown receiver "pagr"'],
    ['a bad duration', ['    - { to: oncall-slack, group_wait: soon }'], 'vigil.yaml:10 notify.routes[0].group_wait: expected a duration like "5s"'],
    ['a bad matcher regex', ['    - { to: oncall-slack, match: { env: "=~(prod" } }'], 'vigil.yaml:10 notify.routes[0].match.env: invalid regular expression'],
    ['an unknown route key', ['    - { to: oncall-slack, gruop_by: [env] }'], 'vigil.yaml:10 notify.routes[0].gruop_by: unknown key "gruop_by" (did you mean "group_by"?)'],
  ])('locates %s', (_name, routes, expected) => {
    const text = yaml(...BASE, 'notify:', '  receivers:', '    oncall-slack: { slack: { url: "${SLACK_WEBHOOK_URL}" } }', '  routes:', ...routes);
    expect(problems(text).join('\n')).toContain(expected);
  });

  it.each([
    ['an unknown kind, with a suggestion', '    x: { slak: { url: "https://a.example.com/h" } }', 'vigil.yaml:8 notify.receivers.x.slak: unknown receiver kind "slak" (did you mean "slack"?)'],
    ['no kind', '    x: { rate_limit: { max: 1, per: 1m } }', 'vigil.yaml:8 notify.receivers.x: expected one receiver kind'],
    ['two kinds', '    x: { slack: { url: "https://a.example.com/h" }, teams: { url: "https://a.example.com/h" } }', 'expected one receiver kind, got slack and teams'],
    ['a missing variable', '    x: { slack: { url: "${NOPE}" } }', 'vigil.yaml:8 notify.receivers.x.slack.url: environment variable NOPE is not set'],
    ['a missing field', '    x: { pagerduty: {} }', 'vigil.yaml:8 notify.receivers.x.pagerduty: missing required key "routing_key"'],
    ['an unknown field', '    x: { slack: { url: "https://a.example.com/h", chanel: x } }', 'notify.receivers.x.slack.chanel: unknown key "chanel" (did you mean "channel"?)'],
  ])('locates a receiver with %s', (_name, line, expected) => {
    expect(problems(yaml(...BASE, 'notify:', '  receivers:', line)).join('\n')).toContain(expected);
  });

  it('never quotes a secret in a problem', () => {
    const text = yaml(...BASE, 'notify:', '  receivers:', '    x: { slack: { url: "${SLACK_WEBHOOK_URL}" } }', '    y: { webhook: { url: "${BAD_URL}" } }');
    const shown = problems(text, { ...env, BAD_URL: 'not-a-url-TOPSECRET' }).join('\n');
    expect(shown).toContain('notify.receivers.y.webhook.url: expected an http:// or https:// URL');
    expect(shown).not.toContain('TOPSECRET');
    expect(shown).not.toContain(SLACK);
  });
});
