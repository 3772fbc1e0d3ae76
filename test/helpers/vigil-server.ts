import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
/** The built CLI (`npm run build` first). */
export const VIGIL_CLI = path.join(ROOT, 'dist', 'cli', 'vigil.js');
const CLI = VIGIL_CLI;

export interface VigilProcess {
  readonly url: string;
  readonly dbPath: string;
  /** Everything the process printed so far. */
  output(): string;
  /** Kills the process with SIGKILL (no graceful stop: what a crash or the OOM killer does) and waits for it. */
  kill(): Promise<void>;
  /** Sends SIGTERM and waits for the exit (SIGKILL after 15 s): its exit code (null when killed). */
  terminate(): Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts the built Vigil (`npm run build` first) as a real process on a free loopback port with a
 * temporary database (or `db`: a file or postgres:// URL), and resolves once it prints the URL it listens on.
 */
export async function startVigil(
  opts: { args?: string[]; env?: Record<string, string>; db?: string; /** default 20 s */ startTimeoutMs?: number } = {},
): Promise<VigilProcess> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" before the end-to-end tests`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-e2e-'));
  const dbPath = opts.db ?? path.join(dir, 'vigil.db');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', dbPath, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const listening = new Promise<string>((resolve, reject) => {
    const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
    const timer = setTimeout(() => reject(new Error(`Vigil did not start within ${startTimeoutMs / 1000}s:\n${output}`)), startTimeoutMs);
    const onData = () => {
      const m = /Vigil listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Vigil exited with code ${code} before listening:\n${output}`));
    });
  });

  let url: string;
  try {
    url = await listening;
  } catch (error) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    dbPath,
    output: () => output,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async terminate() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      return child.exitCode;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
