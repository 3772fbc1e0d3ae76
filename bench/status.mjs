// Status benchmark: GET /api/v1/status's work (build the matrix, serialize it, gzip it) at 750 to
// 6,000 cells, next to the quadratic build it replaced (kept here as the in-run baseline: each cell
// filtered every configured check).
//   node bench/status.mjs        (after `npm run build:server`; prints one JSON line)
import { gzipSync } from 'node:zlib';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { buildStatus, statusIndex } = await import(dist('api/status.js'));
const { loadConfigText } = await import(dist('config/load.js'));
const { builtinProbes } = await import(dist('probes/index.js'));

const ENVIRONMENTS = ['dev', 'staging', 'prod'];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

function config(services) {
  const lines = [`environments: [${ENVIRONMENTS.join(', ')}]`, 'services:'];
  for (let s = 0; s < services; s++) {
    lines.push(`  svc-${s}:`, `    runbook: https://runbooks.example.com/svc-${s}/{{check}}`, '    checks:');
    lines.push(`      - tcp: { host: "svc-${s}.{{env}}.internal", port: 5432, every: 10s, timeout: 2s }`);
  }
  return loadConfigText(lines.join('\n'), { file: 'bench.yaml', env: {}, registry: builtinProbes() });
}

function results(cfg, at) {
  const byId = new Map();
  cfg.checks.forEach((check, i) => {
    const failing = i % 97 === 0;
    byId.set(check.id, {
      checkId: check.id, env: check.env, service: check.service, check: check.name, kind: check.kind, ts: at - (i % 10_000),
      success: !failing, degraded: i % 31 === 0, durationSeconds: 0.001 + (i % 50) / 1000,
      error: failing ? `connection refused to ${check.target.host}:5432` : null, detail: null,
    });
  });
  return byId;
}

/** The build this replaced: for every cell, filter every configured check (quadratic in the checks). */
function quadraticStatus(cfg, list, at) {
  const byId = new Map(list.map((r) => [r.checkId, r]));
  const cells = [];
  for (const service of cfg.services) {
    for (const env of cfg.environments) {
      if (!service.environments.includes(env)) continue;
      const checks = cfg.checks
        .filter((c) => c.env === env && c.service === service.name)
        .map((check) => {
          const result = byId.get(check.id);
          const runbook = check.runbook === null ? null : cfg.secrets.scrub(check.runbook);
          const base = { id: check.id, name: check.name, kind: check.kind, runbook };
          if (!result) return { ...base, status: 'unknown', lastRunAt: null, durationSeconds: null, error: null, detail: null };
          const stale = at - result.ts > 3 * check.everyMs + check.timeoutMs;
          return { ...base, status: stale ? 'unknown' : result.success ? (result.degraded ? 'degraded' : 'up') : 'down', lastRunAt: result.ts, durationSeconds: result.durationSeconds, error: result.error, detail: result.detail };
        });
      cells.push({ env, service: service.name, checks });
    }
  }
  return { generatedAt: at, cells };
}

const at = Date.UTC(2026, 10, 23, 12, 0, 0);
const sizes = [];
for (const services of [250, 500, 1000, 2000]) {
  const cfg = config(services);
  const byId = results(cfg, at);
  const list = [...byId.values()];
  const index = statusIndex(cfg);
  const runs = services <= 500 ? 9 : 5;
  const built = [];
  const serialized = [];
  let bytes = 0;
  let gzipBytes = 0;
  for (let run = 0; run < runs; run++) {
    let start = process.hrtime.bigint();
    const status = buildStatus(index, byId, at);
    built.push(ms(start));
    start = process.hrtime.bigint();
    const text = JSON.stringify(status);
    serialized.push(ms(start));
    bytes = Buffer.byteLength(text);
    if (run === 0) gzipBytes = gzipSync(text).length;
  }
  // The old build takes seconds at 6,000 cells: measured once there.
  const before = [];
  for (let run = 0; run < (services >= 1000 ? 1 : 3); run++) {
    const start = process.hrtime.bigint();
    JSON.stringify(quadraticStatus(cfg, list, at));
    before.push(ms(start));
  }
  const afterMs = median(built) + median(serialized);
  sizes.push({
    cells: index.cells.length,
    buildMs: +median(built).toFixed(2),
    serializeMs: +median(serialized).toFixed(2),
    totalMs: +afterMs.toFixed(2),
    bytes,
    gzipBytes,
    quadraticTotalMs: +median(before).toFixed(1),
    speedup: +(median(before) / afterMs).toFixed(1),
  });
  process.stderr.write(`${JSON.stringify(sizes.at(-1))}\n`);
}
console.log(JSON.stringify({ sizes }));
