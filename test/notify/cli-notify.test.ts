// `vigil notify test` and `vigil check`'s routes, through their functions (the CLI only prints them).
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../config/load.js';
import { describeNotify } from '../../config/describe-notify.js';
import { builtinReceivers } from '../../notify/index.js';
import { sendTestMessage } from '../../notify/test-message.js';
import { builtinProbes } from '../../probes/index.js';
import { startReceiverSink } from '../helpers/receiver-sink.js';

function config(url: string) {
  const text = [
    'environments: [staging, prod]',
    'services: { api: { checks: [] }, web: { environments: [prod], checks: [] } }',
    'notify:',
    '  receivers:',
    '    chat: { slack: { url: "${SLACK_URL}" } }',
    '    pager: { pagerduty: { routing_key: "${PD_KEY}" } }',
    '  routes:',
    '    - { match: { severity: page, env: prod }, to: [chat, pager], escalate: [ { after: 15m, to: pager } ] }',
    '    - { match: { env: staging }, to: chat }',
  ].join('\n');
  return loadConfigText(text, { file: 'vigil.yaml', env: { SLACK_URL: `${url}/services/SECRETPATH`, PD_KEY: 'pd-secret-key' }, registry: builtinProbes() });
}

describe('vigil notify test', () => {
  it('sends a test message and prints the answer, never the webhook URL', async () => {
    const sink = await startReceiverSink({ status: 200, body: 'ok' });
    const loaded = config(sink.url);
    const result = await sendTestMessage('chat', { config: loaded.notify, receivers: builtinReceivers(), baseUrl: 'https://vigil.example.com', secrets: loaded.secrets, at: Date.now() });
    expect(result).toEqual({ ok: true, lines: ['chat (slack): ok', 'HTTP 200: ok'] });
    expect(sink.received[0]!.path).toBe('/services/SECRETPATH');
    expect(JSON.parse(sink.received[0]!.body).blocks[0].text.text).toBe('[TEST] Vigil notification test');
  });

  it('says what went wrong, secrets scrubbed', async () => {
    const sink = await startReceiverSink();
    sink.setFallback({ status: 404, body: `no_service at ${sink.url}/services/SECRETPATH` });
    const loaded = config(sink.url);
    const result = await sendTestMessage('chat', { config: loaded.notify, receivers: builtinReceivers(), baseUrl: 'https://vigil.example.com', secrets: loaded.secrets, at: Date.now() });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).not.toContain('SECRETPATH');
    expect(result.lines[0]).toMatch(/^chat \(slack\): disable — the receiver is gone: HTTP 404/);
    expect((await sendTestMessage('nope', { config: loaded.notify, receivers: builtinReceivers(), baseUrl: '', secrets: loaded.secrets, at: 0 })).lines).toEqual([
      'no receiver "nope" in notify.receivers (receivers: chat, pager)',
    ]);
  });
});

describe('vigil check', () => {
  it('prints which route each service\'s incidents take, per environment and severity', () => {
    const text = describeNotify(config('https://hooks.example.com'), builtinReceivers());
    expect(text).toContain('notify: chat (slack), pager (pagerduty); 2 routes');
    expect(text).toContain('  prod/api: page → chat, pager (route 1, after 15m pager) · ticket → nobody · info → nobody');
    expect(text).toContain('  staging/api: page → chat (route 2) · ticket → chat (route 2) · info → chat (route 2)');
    expect(text).toContain('  prod/web: page → chat, pager');
    expect(text).not.toContain('hooks.example.com');
  });
});
