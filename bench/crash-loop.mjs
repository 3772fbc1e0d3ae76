// Crash loop benchmark ([X1] "Crash safety"): the real `vigil serve` under probe, OTLP and notification
// load, killed with SIGKILL at a random moment 50 times per engine (SQLite, then PostgreSQL), restarted on
// the same store each time; prints one JSON line with what survived (test/helpers/crash-harness.ts
// says how each figure is measured). The samples-lost window is compared with the writer's flush
// interval (the in-run baseline: what an instant kill after a flush timer would lose).
//   node bench/crash-loop.mjs [kills]      (after `npm run build`; loopback and the local PostgreSQL only)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { register } from 'tsx/esm/api';

// The harness is the test's (TypeScript, under test/helpers): one module for both.
register();
const { runCrashLoop } = await import('../test/helpers/crash-harness.ts');
const { createSuiteDatabase } = await import('../test/helpers/postgres-db.ts');

const KILLS = Number(process.argv[2] ?? 50);
const log = (line) => process.stderr.write(`crash-loop: ${line}\n`);
const results = {};
for (const engine of ['sqlite', 'postgres']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-crash-'));
  const suite = engine === 'postgres' ? await createSuiteDatabase('vigil_bench_crash') : null;
  const started = Date.now();
  try {
    const figures = await runCrashLoop({
      engine,
      db: suite ? suite.url : path.join(dir, 'vigil.db'),
      dir,
      kills: KILLS,
      upMs: [500, 3_500],
      drainTimeoutMs: 60_000,
      log: (line) => log(`[${engine}] ${line}`),
    });
    results[engine] = {
      ...figures,
      samplesLostMaxToFlushInterval: Number((figures.samplesLostMaxMs / figures.flushIntervalMs).toFixed(2)),
      samplesLostMeanToFlushInterval: Number((figures.samplesLostMeanMs / figures.flushIntervalMs).toFixed(2)),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await suite?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify({ kills: KILLS, ...results }));
