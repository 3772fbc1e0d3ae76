// The secrets contract: a value that came from a `${VAR}` in the config never appears in any API
// answer, /metrics, the process's log or an error, however a probe stumbles over it. Every later
// source and receiver adds its own case to SECRET_CASES.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../api/types.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait-for.js';
import { startVigil, VIGIL_CLI, type VigilProcess } from '../helpers/vigil-server.js';

const TOKEN = 'Tok3n_9f8e7d6c5b4a';
const PASSWORD = 'pw-7c6b5a4d3e';
const API_KEY = 'key-1a2b3c4d5e6f';

/** Checks that each trip over a secret in their own way (each a line of a `checks:` list). */
function secretCases(targetPort: number): string[] {
  const base = `http://127.0.0.1:${targetPort}`;
  return [
    // DNS error naming the host that holds the secret.
    `      - tcp: { name: dns, host: "\${TOK}.invalid", port: 443, every: 1s, timeout: 1s }`,
    // A redirect to a URL the probe refuses, quoting the secret query.
    `      - http: { name: redirect, url: "${base}/redirect?token=\${TOK}", follow_redirects: true, every: 1s, timeout: 1s }`,
    // A health body that echoes the Authorization header back.
    `      - health: { name: echo, url: "${base}/echo", headers: { Authorization: "Bearer \${TOK}" }, every: 1s, timeout: 1s }`,
    // Credentials in the URL, and a secret header, against an endpoint that fails.
    `      - http: { name: userinfo, url: "http://admin:\${PW}@127.0.0.1:${targetPort}/fail", headers: { X-Api-Key: "\${KEY}" }, every: 1s, timeout: 1s }`,
    // A JSON expectation that fails on a value holding the secret.
    `      - http: { name: json, url: "${base}/json", expect: { json: [ { path: $.token, equals: "\${TOK}-not" } ] }, every: 1s, timeout: 1s }`,
  ];
}

describe('secrets from the config', () => {
  let target: TestServer;
  let vigil: VigilProcess;
  let dir: string;
  let configFile: string;

  beforeAll(async () => {
    target = await startHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/redirect') res.writeHead(302, { location: `ftp://files.example/?token=${url.searchParams.get('token')}` }).end();
      else if (url.pathname === '/echo') res.writeHead(200, { 'content-type': 'application/json' }).end(String(req.headers.authorization));
      else if (url.pathname === '/json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: TOKEN }));
      else res.writeHead(500).end(`failed for ${String(req.headers.authorization)} ${String(req.headers['x-api-key'])}`);
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-secrets-'));
    configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(configFile, ['environments: [prod]', 'services:', '  shop:', '    runbook: "https://runbooks.example.com/{{check}}?k=${TOK}"', '    checks:', ...secretCases(target.port)].join('\n'));
    vigil = await startVigil({ args: ['--config', configFile], env: { TOK: TOKEN, PW: PASSWORD, KEY: API_KEY } });
  });
  afterAll(async () => {
    await vigil?.stop();
    await target?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const expectNoSecret = (where: string, text: string) => {
    for (const secret of [TOKEN, PASSWORD, API_KEY, encodeURIComponent(TOKEN)]) {
      expect(text.includes(secret), `${where} shows ${secret}:\n${text.slice(0, 3000)}`).toBe(false);
    }
  };

  it('never shows them in the status, config, series, /metrics or the log, while every check trips over them', async () => {
    const status = await waitFor(
      () => fetch(`${vigil.url}/api/v1/status`).then((r) => r.json() as Promise<StatusResponse>),
      (s) => s.cells[0]?.checks.every((c) => c.status === 'down') ?? false,
      20_000,
      'every check failed once',
    );
    const errors = status.cells[0].checks.map((c) => `${c.name}: ${c.error}`);
    // Each failed for a reason that involves the secret: the errors say so, with *** in its place.
    expect(errors.join('\n')).toMatch(/dns: DNS lookup of \*\*\*\.invalid failed/);
    expect(errors.join('\n')).toMatch(/redirect: .*token=\*\*\*/);
    expect(errors.join('\n')).toMatch(/echo: .*Bearer \*\*\*/);
    expectNoSecret('/api/v1/status', JSON.stringify(status));
    for (const route of [
      '/api/v1/config',
      '/metrics',
      '/api/v1/series?metric=probe_success&from=now-5m&step=1s',
      '/api/v1/series?metric=probe_http_status_code&from=now-5m&step=1m',
      '/api/v1/nope',
    ]) {
      expectNoSecret(route, await fetch(vigil.url + route).then((r) => r.text()));
    }
    expectNoSecret('the log', vigil.output());
  }, 30_000);

  it('never shows them in vigil check', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [VIGIL_CLI, 'check', '--config', configFile], {
      env: { ...process.env, TOK: TOKEN, PW: PASSWORD, KEY: API_KEY, NO_COLOR: '1' },
    });
    expect(stdout).toContain('shop');
    expectNoSecret('vigil check', stdout);
  });
});
