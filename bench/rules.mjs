// Rules benchmark: one evaluation cycle of 10,000 threshold rules over 5,000 series (two rules a
// series: max and avg over 5 minutes of a sample every 15 s; 1 % of them firing), on a SQLite store,
// next to the in-run baseline: a plain loop that only reads the same samples of the same windows (no
// matching, no state machine, no persistence). Then the breach-to-incident latency of a running engine
// with a 1 s interval on the wall clock.
//   node bench/rules.mjs        (after `npm run build:server`; prints one JSON line)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { AlertingEngine } = await import(dist('rules/engine.js'));
const { openSqliteStore } = await import(dist('store/sqlite/sqlite-store.js'));

const SERIES = 5_000;
const RULES = 10_000;
const STEP_MS = 15_000;
const OVER_MS = 5 * 60_000;
const INTERVAL_MS = 5_000;
const CYCLES = 30;
const METRIC = 'replica_lag_seconds';
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const p95 = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.95)];
const now = () => performance.now();

class Feed {
  listeners = new Set();
  onSamples(listener) { this.listeners.add(listener); return () => this.listeners.delete(listener); }
  writeSamples() { return { refused: 0, refusal: null }; }
  push(samples) { for (const listener of this.listeners) listener(samples); }
}

const labelsOf = (i) => Object.freeze({ env: ['dev', 'staging', 'prod'][i % 3], instance: `db-${i}`, service: `svc-${Math.floor(i / 5)}` });
const seriesLabels = Array.from({ length: SERIES }, (_, i) => labelsOf(i));
// 1 % of the series breach the threshold (30) and stay there: their rules fire once, then hold.
const valueOf = (i, ts) => (i % 100 === 0 ? 45 : 5 + ((i * 7 + ts / STEP_MS) % 20));
function rules() {
  const list = [];
  for (let r = 0; r < RULES; r++) {
    const i = r % SERIES;
    const labels = seriesLabels[i];
    list.push({
      kind: 'threshold', name: r < SERIES ? 'LagMaxHigh' : 'LagAvgHigh', severity: 'page', forMs: 0, keepFiringForMs: 60_000, summary: null, runbook: null, labels: {}, origin: 'config',
      metric: METRIC, matchers: [{ label: 'service', op: '=', value: labels.service }, { label: 'instance', op: '=', value: labels.instance }],
      aggregate: r < SERIES ? 'max' : 'avg', overMs: OVER_MS, op: 'above', threshold: 30, recover: 20,
    });
  }
  return list;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-rules-'));
const store = await openSqliteStore(path.join(dir, 'vigil.db'));
let at = Date.UTC(2026, 0, 5, 12, 0, 0);
const clock = { now: () => at };
const feed = new Feed();
const alerting = { evaluationIntervalMs: INTERVAL_MS, reopenWindowMs: 30 * 60_000, rules: rules(), slos: [], inhibit: [], maintenance: [] };
const engine = new AlertingEngine({ alerting, checks: [], store, clock, feed, log: (line) => process.stderr.write(`${line}\n`) });
// Cycles are driven by hand on the simulated clock: load and subscribe as start() does, without its timer.
await engine.load();
feed.onSamples((samples) => engine.ingest(samples));

const samplesAt = (ts) => seriesLabels.map((labels, i) => ({ name: METRIC, labels, ts, value: valueOf(i, ts) }));
for (let ts = at - OVER_MS + STEP_MS; ts <= at; ts += STEP_MS) feed.push(samplesAt(ts));

// The baseline: for each rule, read its series' window and reduce it, with the series found by index.
const windows = seriesLabels.map(() => ({ times: [], values: [] }));
for (let ts = at - OVER_MS + STEP_MS; ts <= at; ts += STEP_MS) samplesAt(ts).forEach((s, i) => { windows[i].times.push(s.ts); windows[i].values.push(s.value); });
function baseline(now) {
  let acc = 0;
  for (let r = 0; r < RULES; r++) {
    const w = windows[r % SERIES];
    for (let k = 0; k < w.times.length; k++) if (w.times[k] > now - OVER_MS) acc = Math.max(acc, w.values[k]);
  }
  return acc;
}

let start = now();
await engine.evaluate();
const firstCycleMs = now() - start;
const firing = engine.rules().reduce((n, rule) => n + rule.alerts.length, 0);

const cycles = [];
const ingest = [];
const base = [];
for (let c = 0; c < CYCLES; c++) {
  at += INTERVAL_MS;
  if (at % STEP_MS < INTERVAL_MS) {
    start = now();
    feed.push(samplesAt(at));
    ingest.push(now() - start);
  }
  start = now();
  await engine.evaluate();
  cycles.push(now() - start);
  start = now();
  baseline(at);
  base.push(now() - start);
}
process.stderr.write(`cycles ${cycles.map((c) => c.toFixed(0)).join(" ")}\n`);
await store.close();

// Breach to incident on the wall clock: a running engine, one rule, a 1 s interval.
const latencyDir = path.join(dir, 'latency.db');
const latencyStore = await openSqliteStore(latencyDir);
const liveFeed = new Feed();
const live = new AlertingEngine({
  alerting: { ...alerting, evaluationIntervalMs: 1_000, rules: alerting.rules.slice(0, 1) }, checks: [], store: latencyStore, clock: { now: () => Date.now() }, feed: liveFeed, log: () => {},
});
await live.start();
await new Promise((resolve) => setTimeout(resolve, 1_100));
const breachAt = Date.now();
liveFeed.push([{ name: METRIC, labels: seriesLabels[0], ts: breachAt, value: 99 }]);
while (live.activeIncidents().length === 0 && Date.now() - breachAt < 10_000) await new Promise((resolve) => setTimeout(resolve, 5));
const breachToIncidentMs = Date.now() - breachAt;
await live.stop();
await latencyStore.close();
rmSync(dir, { recursive: true, force: true });

const cycleMs = median(cycles);
const baselineMs = median(base);
console.log(JSON.stringify({
  rules: RULES,
  series: SERIES,
  samplesPerSeries: OVER_MS / STEP_MS,
  firingAlerts: firing,
  firstCycleMs: +firstCycleMs.toFixed(1),
  cycleMs: +cycleMs.toFixed(2),
  cycleP95Ms: +p95(cycles).toFixed(2),
  perRuleUs: +((cycleMs * 1000) / RULES).toFixed(2),
  ingest5000SamplesMs: +median(ingest).toFixed(2),
  baselineReadMs: +baselineMs.toFixed(2),
  ratioToBaseline: +(cycleMs / baselineMs).toFixed(1),
  targetMs: 200,
  breachToIncidentMs,
  breachToIncidentIntervalMs: 1_000,
}));
