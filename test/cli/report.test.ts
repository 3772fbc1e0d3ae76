// `vigil report`: an SLA report of a period from the store, printed in the format asked for; wrong
// options are refused, each named.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Sample } from '../../store/types.js';
import { tempDbPath } from '../helpers/temp-db.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'vigil.js');
const MINUTE = 60_000;
const FROM = Date.UTC(2026, 0, 5);

function vigil(args: string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH! }, timeout: 15_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function storeAndConfig(): Promise<{ db: string; config: string }> {
  const db = tempDbPath();
  const config = path.join(path.dirname(db), 'vigil.yaml');
  fs.writeFileSync(config, 'environments: [prod]\nservices:\n  api:\n    checks:\n      - http: { url: "http://127.0.0.1:1/", every: 1m }\n');
  const store = await openSqliteStore(db, { readers: 0 });
  const samples: Sample[] = [];
  for (let ts = FROM; ts < FROM + 1440 * MINUTE; ts += MINUTE) samples.push({ name: 'probe_success', labels: { env: 'prod', service: 'api', check: 'http' }, ts, value: ts < FROM + 144 * MINUTE ? 0 : 1 });
  await store.samples.append(samples);
  await store.close();
  return { db, config };
}

describe('vigil report', () => {
  it('prints the report of a period from the store, as CSV', async () => {
    const { db, config } = await storeAndConfig();
    const { code, stdout, stderr } = vigil(['report', '--config', config, '--db', db, '--from', '2026-01-05T00:00:00Z', '--to', '2026-01-06T00:00:00Z', '--format', 'csv', '--sla', '99']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [header, row, ...rest] = stdout.trimEnd().split('\r\n');
    expect(header).toMatch(/^period_start,period_end,env,service,check,availability,/);
    expect(row).toMatch(/^2026-01-05T00:00:00\.000Z,2026-01-06T00:00:00\.000Z,prod,api,http,0\.9,0\.9,0\.99,false,1440,144,/);
    expect(rest).toEqual([]);
  });

  it('refuses wrong options, naming each', async () => {
    const { db, config } = await storeAndConfig();
    const { code, stderr } = vigil(['report', '--config', config, '--db', db, '--format', 'pdf', '--envs', 'prd', '--sla', '100']);
    expect(code).toBe(1);
    expect(stderr).toContain('--format: expected one of json, md, html, csv, got "pdf"');
    expect(stderr).toContain('--envs: unknown environment "prd"; environments are prod');
    expect(stderr).toContain('--sla: expected a target in percent above 0 and below 100');
  });
});
