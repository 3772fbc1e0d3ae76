// `vigil healthcheck`, the Docker image's HEALTHCHECK, run as the built CLI against real loopback servers
// standing in for `vigil serve` (the real one is asked in test/e2e/serve-config.test.ts).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localUrl } from '../../cli/healthcheck.js';
import { closeAfterEach, closedPort, startHttpServer, startSilentServer } from '../helpers/servers.js';
import { VIGIL_CLI } from '../helpers/vigil-server.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Runs the CLI without blocking this process, whose servers must answer it; only PATH and `env` from the environment. */
function healthcheck(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VIGIL_CLI, 'healthcheck', ...args], { cwd: ROOT, env: { PATH: process.env.PATH!, NO_COLOR: '1', ...env }, timeout: 15_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: unknown }).code as number | null) : 0, stdout, stderr }),
    );
  });
}

const answering = (status: number, body: object) =>
  startHttpServer((req, res) => {
    if (req.url === '/health/ready') res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    else res.writeHead(404).end();
  });

describe('vigil healthcheck', () => {
  const use = closeAfterEach();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-healthcheck-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** A valid config whose server.port is `port`. */
  const configWithPort = (port: number) => {
    const file = path.join(dir, `vigil-${port}.yaml`);
    fs.writeFileSync(file, ['environments: [prod]', `server: { port: ${port} }`, 'services:', '  api:', '    checks:', '      - tcp: { host: 127.0.0.1, port: 1 }', ''].join('\n'));
    return file;
  };

  it.each([
    { name: 'every IPv4 address, through loopback', host: '0.0.0.0', url: 'http://127.0.0.1:8080' },
    { name: 'every address, through loopback', host: '::', url: 'http://127.0.0.1:8080' },
    { name: 'one IPv4 address, that address', host: '10.0.0.7', url: 'http://10.0.0.7:8080' },
    { name: 'one IPv6 address, bracketed', host: '::1', url: 'http://[::1]:8080' },
    { name: 'a host name, that name', host: 'localhost', url: 'http://localhost:8080' },
  ])('asks a server listening on $name', ({ host, url }) => {
    expect(localUrl(host, 8080)).toBe(url);
  });

  it('exits 0 when /health/ready answers 200', async () => {
    const vigil = await use(answering(200, { status: 'ok', problems: [] }));
    const run = await healthcheck(['--port', String(vigil.port)]);
    expect(run).toEqual({ code: 0, stdout: `ready: http://127.0.0.1:${vigil.port}/health/ready answered 200\n`, stderr: '' });
  });

  it('exits 1 naming the problems when /health/ready answers 503', async () => {
    const vigil = await use(answering(503, { status: 'unavailable', problems: ['store is not writable', 'scheduler is not running'] }));
    const run = await healthcheck([], { PORT: String(vigil.port), HOST: '127.0.0.1' });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`not ready: http://127.0.0.1:${vigil.port}/health/ready answered 503: store is not writable, scheduler is not running\n`);
  });

  it('exits 1 when nothing listens on the port', async () => {
    const port = await closedPort();
    const run = await healthcheck(['--port', String(port)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`not ready: http://127.0.0.1:${port}/health/ready: ECONNREFUSED\n`);
  });

  it('exits 1 after 2 s when the server accepts but never answers', async () => {
    const silent = await use(startSilentServer());
    const run = await healthcheck(['--port', String(silent.port)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`not ready: http://127.0.0.1:${silent.port}/health/ready: no answer within 2s\n`);
  });

  it('asks the port of the config (--config or VIGIL_CONFIG) when neither --port nor PORT is set', async () => {
    const vigil = await use(answering(200, { status: 'ok', problems: [] }));
    const config = configWithPort(vigil.port);
    expect(await healthcheck(['--config', config])).toMatchObject({ code: 0, stdout: `ready: http://127.0.0.1:${vigil.port}/health/ready answered 200\n` });
    expect(await healthcheck([], { VIGIL_CONFIG: config })).toMatchObject({ code: 0 });
  });

  it('asks PORT over the config, as serve listens on it', async () => {
    const vigil = await use(answering(200, { status: 'ok', problems: [] }));
    const run = await healthcheck(['--config', configWithPort(await closedPort())], { PORT: String(vigil.port) });
    expect(run.code).toBe(0);
  });

  it('exits 1 with the config problem, located, when the config it reads the port from is invalid', async () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'environments: [prod]\nserver: { port: eighty }\nservices: {}\n');
    const run = await healthcheck(['--config', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:2 server\\.port: `));
  });

  it('refuses port 0 and a port that is not a number', async () => {
    expect(await healthcheck(['--port', '0'])).toMatchObject({ code: 1, stderr: expect.stringContaining('with port 0 it picks a free one') });
    expect(await healthcheck([], { PORT: 'http' })).toMatchObject({ code: 1, stderr: 'error: --port: expected a port number 0-65535, got "http"\n' });
  });
});
