import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './prometheus.js';

/** Where Debian's `prometheus-alertmanager` package puts the binary; null when it is not installed. */
export function alertmanagerBinary(): string | null {
  for (const candidate of ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

export interface AlertmanagerProcess {
  readonly url: string;
  /** GET /api/v2/alerts: the alerts Alertmanager holds (active, and resolved ones not yet collected). */
  alerts(): Promise<Array<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string; status: { state: string } }>>;
  stop(): Promise<void>;
}

/**
 * Starts the real Alertmanager on a free loopback port with clustering off and its storage in a temp
 * directory; `config` is its alertmanager.yml. Resolves once /-/ready answers.
 */
export async function startAlertmanager(binary: string, config: string): Promise<AlertmanagerProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-am-'));
  fs.writeFileSync(path.join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      // Clustering off: no gossip port, and no settle wait before the first notification.
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`alertmanager exited with ${child.exitCode}:\n${log}`);
    }
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager not ready within 30s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
      return (await res.json()) as Awaited<ReturnType<AlertmanagerProcess['alerts']>>;
    },
    stop,
  };
}
