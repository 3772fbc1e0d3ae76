import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusResponse } from '../../api/types.js';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait-for.js';
import { startVigil, VIGIL_CLI, type VigilProcess } from '../helpers/vigil-server.js';

const TOKEN = 'tok-9f8e7d6c5b4a';

describe('vigil serve --config with a user config', () => {
  let target: TestServer;
  let vigil: VigilProcess;
  let dir: string;
  const seenAuthorization = new Set<string>();

  beforeAll(async () => {
    target = await startHttpServer((req, res) => {
      seenAuthorization.add(String(req.headers.authorization));
      if (req.url === '/prod/health') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      else res.writeHead(503).end('maintenance');
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-config-'));
    const configFile = path.join(dir, 'vigil.yaml');
    fs.writeFileSync(
      configFile,
      [
        'environments: [staging, prod]',
        'services:',
        '  shop:',
        '    checks:',
        '      - http:',
        `          url: "http://127.0.0.1:${target.port}/{{env}}/health"`,
        '          every: 1s',
        '          timeout: 1s',
        '          headers: { Authorization: "Bearer ${SHOP_TOKEN}" }',
        '          expect: { json: [ { path: $.status, equals: ok } ] }',
      ].join('\n'),
    );
    vigil = await startVigil({ args: ['--config', configFile], env: { SHOP_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await vigil?.stop();
    await target?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('probes each environment of the config and reports what failed', async () => {
    const status = await waitFor(
      () => fetch(`${vigil.url}/api/v1/status`).then((r) => r.json() as Promise<StatusResponse>),
      (s) => s.cells.every((c) => c.status !== 'unknown'),
      15_000,
      'both environments probed',
    );
    expect(status.cells.map((c) => [c.env, c.service, c.status])).toEqual([
      ['staging', 'shop', 'down'],
      ['prod', 'shop', 'up'],
    ]);
    expect(status.cells[0].checks[0].error).toMatch(/503/);
    expect(seenAuthorization).toEqual(new Set([`Bearer ${TOKEN}`]));
  }, 25_000);

  it('shows the config it runs without the secret', async () => {
    const text = await fetch(`${vigil.url}/api/v1/config`).then((r) => r.text());
    expect(text).toContain('Bearer ***');
    expect(text).not.toContain(TOKEN);
    expect(vigil.output()).not.toContain(TOKEN);
  });

  it('says in one line that the port is in use, without a stack trace', async () => {
    const taken = new URL(vigil.url).port;
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [VIGIL_CLI, 'serve', '--config', path.join(dir, 'vigil.yaml'), '--port', taken, '--host', '127.0.0.1', '--db', path.join(dir, 'other.db')], {
        env: { ...process.env, SHOP_TOKEN: TOKEN, NO_COLOR: '1' },
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.once('exit', (code) => resolve({ code, output }));
    });
    expect(run.code).toBe(1);
    expect(run.output.trim()).toBe(`error: cannot listen on 127.0.0.1:${taken}: the port is in use (choose another with --port or PORT)`);
  }, 20_000);

  it('is found ready by vigil healthcheck, which reads the port from the config as serve does', async () => {
    // The same config with server.port set to where this Vigil listens (it was started on port 0).
    const withPort = path.join(dir, 'with-port.yaml');
    fs.writeFileSync(withPort, `server: { port: ${new URL(vigil.url).port} }\n${fs.readFileSync(path.join(dir, 'vigil.yaml'), 'utf8')}`);
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [VIGIL_CLI, 'healthcheck', '--config', withPort], { env: { PATH: process.env.PATH!, SHOP_TOKEN: TOKEN, HOST: '127.0.0.1' } });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.once('exit', (code) => resolve({ code, output }));
    });
    expect(run).toEqual({ code: 0, output: `ready: ${vigil.url}/health/ready answered 200\n` });
  }, 20_000);

  it('refuses to start on an invalid config, naming the problem', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'environments: [prod]\nservices:\n  shop:\n    checks:\n      - http: { url: "http://127.0.0.1:1/", every: soon }\n');
    await expect(startVigil({ args: ['--config', bad] })).rejects.toThrow(/bad\.yaml:5 services\.shop\.checks\[0\]\.http\.every: expected a duration like "5s"/);
  });
});
