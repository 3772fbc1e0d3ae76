import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { GzipThread } from '../../api/gzip-thread.js';
import { createVigilMetrics } from '../../api/metrics.js';
import { LiveExposition, escapeHelp, escapeLabelValue, exposedName, formatValue } from '../../api/exposition.js';
import { LiveView } from '../../ingest/live-view.js';
import { readThreadSchedule } from '../../lib/thread-schedule.js';
import type { Labels, Sample } from '../../store/types.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const STALE_AFTER_MS = 60_000;
const PROMTOOL = '/usr/bin/promtool';

// ---- A strict reader of the text exposition format (version 0.0.4), to parse what /metrics writes. ----

interface Family {
  type: string | null;
  help: string | null;
  samples: Map<string, number>;
}

/** Every line parsed; throws on the first line that is not HELP, TYPE or a well-formed sample. */
function parseExposition(text: string): Map<string, Family> {
  expect(text.endsWith('\n')).toBe(true);
  const families = new Map<string, Family>();
  const finished = new Set<string>();
  let current: string | null = null;
  const familyOf = (name: string) => {
    if (current !== name) {
      if (current !== null) finished.add(current);
      if (finished.has(name)) throw new Error(`family ${name} is split`);
      current = name;
    }
    let family = families.get(name);
    if (!family) families.set(name, (family = { type: null, help: null, samples: new Map() }));
    return family;
  };
  text.slice(0, -1).split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    let m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      const family = familyOf(m[1]);
      if (family.help !== null) throw new Error(`second HELP, ${where}`);
      family.help = unescape(m[2], false, where);
      return;
    }
    m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (m) {
      const family = familyOf(m[1]);
      if (family.type !== null || family.samples.size > 0) throw new Error(`TYPE repeated or after samples, ${where}`);
      family.type = m[2];
      return;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not HELP, TYPE or a sample, ${where}`);
    const [, sampleName, labelText, valueText] = m;
    const base = families.has(sampleName) ? sampleName : sampleName.replace(/_(bucket|sum|count)$/, '');
    const family = familyOf(base);
    if (family.type === null) throw new Error(`sample before its TYPE, ${where}`);
    // Go's ParseFloat, which Prometheus uses, takes NaN and Inf in any case (prom-client writes `Nan`).
    if (!/^([nN][aA][nN]|[+-]?[iI][nN][fF]|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/.test(valueText)) throw new Error(`bad value, ${where}`);
    const key = seriesKey(sampleName, parseLabels(labelText ?? '', sampleName.startsWith('vigil_'), where));
    if (family.samples.has(key)) throw new Error(`repeated series, ${where}`);
    family.samples.set(key, /^nan$/i.test(valueText) ? NaN : /^\+?inf$/i.test(valueText) ? Infinity : /^-inf$/i.test(valueText) ? -Infinity : Number(valueText));
  });
  return families;
}

/** `sorted`: Vigil's own families write their label names sorted (prom-client's process metrics do not). */
function parseLabels(text: string, sorted: boolean, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*="/.exec(text.slice(i));
    if (!name) throw new Error(`bad label name at ${i}, ${where}`);
    const label = name[0].slice(0, -2);
    i += name[0].length;
    let value = '';
    for (;;) {
      if (i >= text.length) throw new Error(`unterminated label value, ${where}`);
      const c = text[i++];
      if (c === '"') break;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const escaped = text[i++];
      if (escaped === '\\' || escaped === '"') value += escaped;
      else if (escaped === 'n') value += '\n';
      else throw new Error(`bad escape \\${escaped}, ${where}`);
    }
    if (label in labels) throw new Error(`repeated label ${label}, ${where}`);
    labels[label] = value;
    if (i < text.length && text[i++] !== ',') throw new Error(`expected a comma at ${i - 1}, ${where}`);
  }
  const names = Object.keys(labels);
  if (sorted && names.join() !== [...names].sort().join()) throw new Error(`labels not sorted, ${where}`);
  return labels;
}

function unescape(text: string, quotes: boolean, where: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (quotes && c === '"') return '"';
    throw new Error(`bad escape \\${c}, ${where}`);
  });
}

const seriesKey = (name: string, labels: Labels) => `${name}${JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))))}`;

// ---- Fixtures. ----

const ENVS = ['prod', 'staging', 'dev'];

/**
 * Checks as probes report them, each its own source (the live view bounds series per source): every
 * check has success and duration; some add a queue depth or a component's health.
 */
function admitChecks(live: LiveView, count: number, at: number, valueOf: (i: number) => number = (i) => i % 2): void {
  for (let i = 0; i < count; i++) {
    const labels = Object.freeze({ check: `c${i}`, env: ENVS[i % ENVS.length], service: `svc-${i % 17}` });
    const samples: Sample[] = [
      { name: 'probe_success', labels, ts: at, value: valueOf(i) },
      { name: 'probe_duration_seconds', labels, ts: at, value: 0.001 * (i + 1) },
    ];
    if (i % 10 === 0) samples.push({ name: 'queue_depth', labels: Object.freeze({ ...labels, queue: `q${i % 3}` }), ts: at, value: i });
    if (i % 7 === 0) samples.push({ name: 'health_component_up', labels: Object.freeze({ ...labels, component: i % 2 ? 'db' : 'cache' }), ts: at, value: 1 });
    live.admit(samples, `check c${i}`, at, STALE_AFTER_MS);
  }
}

function setUp(): { live: LiveView; metrics: ReturnType<typeof createVigilMetrics> } {
  const live = new LiveView();
  const metrics = createVigilMetrics(new Registry(), ['http', 'tcp'], live);
  return { live, metrics };
}

/** What the live view holds, keyed as the parser keys what /metrics says. */
function expectedFromLiveView(live: LiveView): Map<string, Map<string, number>> {
  const expected = new Map<string, Map<string, number>>();
  for (const name of live.metricNames()) {
    const samples = new Map<string, number>();
    for (const series of live.seriesOf(name)) samples.set(seriesKey(exposedName(name), series.labels), series.value);
    expected.set(exposedName(name), samples);
  }
  return expected;
}

function liveFamilies(families: Map<string, Family>): Map<string, Map<string, number>> {
  const own = new Set(['vigil_probe_runs_total', 'vigil_scheduler_lag_seconds', 'vigil_store_samples_appended_total', 'vigil_store_write_errors_total', 'vigil_ingest_series_refused_total', 'vigil_ingest_live_series', 'vigil_event_loop_cpu_seconds_total', 'vigil_event_loop_cpu_wait_seconds_total']);
  return new Map([...families].filter(([name]) => name.startsWith('vigil_') && !own.has(name)).map(([name, family]) => [name, family.samples]));
}

function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the /metrics exposition', () => {
  it('writes every live series with its value, as the live view holds it, in valid families', async () => {
    const { live, metrics } = setUp();
    admitChecks(live, 150, NOW);
    admitChecks(live, 150, NOW + 1, (i) => (i % 3 === 0 ? 0 : 1));
    expect(live.stats().series).toBeGreaterThan(300);

    const families = parseExposition(await metrics.render());
    expect(liveFamilies(families)).toEqual(expectedFromLiveView(live));
    for (const name of liveFamilies(families).keys()) expect(families.get(name)).toMatchObject({ type: 'gauge', help: expect.stringMatching(/\w/) });
    expect(families.get('vigil_probe_success')!.help).toBe('Whether the last run of the check succeeded (1) or failed (0).');
    // Vigil's own metrics and the process metrics are still there, from prom-client.
    expect(families.get('vigil_probe_runs_total')!.samples.get(seriesKey('vigil_probe_runs_total', { kind: 'tcp', result: 'timeout' }))).toBe(0);
    expect(families.get('vigil_ingest_live_series')!.samples.get('vigil_ingest_live_series{}')).toBe(live.stats().series);
    expect(families.get('process_cpu_user_seconds_total')!.type).toBe('counter');
  });

  it.each([
    ['a double quote', 'say "hi"', 'say \\"hi\\"'],
    ['a backslash', 'C:\\temp\\', 'C:\\\\temp\\\\'],
    ['a line feed', 'two\nlines', 'two\\nlines'],
    ['all three together', '\\"\n', '\\\\\\"\\n'],
    ['UTF-8 and a tab, which stay as they are', 'zürich\t東京', 'zürich\t東京'],
    ['nothing special', 'prod', 'prod'],
  ])('escapes a label value with %s', async (_name, value, written) => {
    const { live, metrics } = setUp();
    live.admit([{ name: 'probe_success', labels: { env: value, check: 'http' }, ts: NOW, value: 1 }], 'probes', NOW, STALE_AFTER_MS);
    const text = await metrics.render();
    expect(text).toContain(`\nvigil_probe_success{check="http",env="${written}"} 1\n`);
    expect(escapeLabelValue(value)).toBe(written);
    const families = parseExposition(text);
    expect([...families.get('vigil_probe_success')!.samples.keys()]).toEqual([seriesKey('vigil_probe_success', { check: 'http', env: value })]);
  });

  it('escapes backslashes and line feeds in HELP text and leaves quotes alone', () => {
    expect(escapeHelp('a \\ b\nc "d"')).toBe('a \\\\ b\\nc "d"');
    expect(escapeHelp('Last value of queue_depth.')).toBe('Last value of queue_depth.');
  });

  it.each([
    [1, '1'],
    [0.25, '0.25'],
    [-3, '-3'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [0.1 + 0.2, '0.30000000000000004'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ])('writes the value %s as %s', async (value, written) => {
    expect(formatValue(value)).toBe(written);
    const { live, metrics } = setUp();
    live.admit([{ name: 'replica_lag_seconds', labels: { check: 'pg' }, ts: NOW, value }], 'probes', NOW, STALE_AFTER_MS);
    const text = await metrics.render();
    expect(text).toContain(`\nvigil_replica_lag_seconds{check="pg"} ${written}\n`);
    expect(parseExposition(text).get('vigil_replica_lag_seconds')!.samples.get(seriesKey('vigil_replica_lag_seconds', { check: 'pg' }))).toBe(value);
  });

  it('drops a series that went stale, and a metric whose series all did', async () => {
    const { live, metrics } = setUp();
    live.admit([{ name: 'probe_success', labels: { check: 'old' }, ts: NOW, value: 1 }, { name: 'heartbeat_age_seconds', labels: { check: 'old' }, ts: NOW, value: 5 }], 'old', NOW, STALE_AFTER_MS);
    live.admit([{ name: 'probe_success', labels: { check: 'new' }, ts: NOW, value: 1 }], 'new', NOW + 30_000, STALE_AFTER_MS);
    const before = await metrics.render();
    expect(before).toContain('vigil_probe_success{check="old"} 1');
    expect(before).toContain('# TYPE vigil_heartbeat_age_seconds gauge');

    live.prune(NOW + STALE_AFTER_MS);
    const after = await metrics.render();
    expect(after).not.toContain('check="old"');
    expect(after).not.toContain('vigil_heartbeat_age_seconds');
    expect(after).toContain('vigil_probe_success{check="new"} 1');
    parseExposition(after);
  });

  it('writes a metric that gains a label later, with each series\' labels sorted whatever order a source used', async () => {
    const { live, metrics } = setUp();
    live.admit([{ name: 'queue_depth', labels: { service: 'api', env: 'prod', check: 'health' }, ts: NOW, value: 7 }], 'a', NOW, STALE_AFTER_MS);
    expect(await metrics.render()).toContain('vigil_queue_depth{check="health",env="prod",service="api"} 7');
    live.admit([{ name: 'queue_depth', labels: { service: 'api', queue: 'exports', env: 'prod', check: 'health' }, ts: NOW, value: 42 }], 'a', NOW, STALE_AFTER_MS);
    const text = await metrics.render();
    expect(text).toContain('vigil_queue_depth{check="health",env="prod",service="api"} 7');
    expect(text).toContain('vigil_queue_depth{check="health",env="prod",queue="exports",service="api"} 42');
    expect(text.match(/^# TYPE vigil_queue_depth /gm)).toHaveLength(1);
    expect(parseExposition(text).get('vigil_queue_depth')!.samples.size).toBe(2);
  });

  it('leaves out label names the format does not allow, and writes series that become the same once only', async () => {
    const { live, metrics } = setUp();
    live.admit(
      [
        { name: 'probe_success', labels: { check: 'a', env: 'prod' }, ts: NOW, value: 1 },
        { name: 'probe_success', labels: { check: 'a', env: 'prod', 'service.name': 'x' }, ts: NOW, value: 0 },
        { name: 'probe_success', labels: { check: 'b', 'service.name': 'x' }, ts: NOW, value: 1 },
        { name: 'probe_success', labels: { check: 'b', 'service.name': 'y' }, ts: NOW, value: 0 },
      ],
      'otlp',
      NOW,
      STALE_AFTER_MS,
    );
    for (let scrape = 0; scrape < 2; scrape++) {
      const text = await metrics.render();
      expect(text).not.toContain('service.name');
      expect(text.match(/^vigil_probe_success\{/gm)).toHaveLength(2);
      expect(text).toContain('vigil_probe_success{check="a",env="prod"} 1\n');
      expect(text).toContain('vigil_probe_success{check="b"} 1\n');
      parseExposition(text);
    }
  });

  it('keeps Vigil\'s own metric when a live metric would take the same name', async () => {
    const { live, metrics } = setUp();
    live.admit([{ name: 'probe_runs_total', labels: { check: 'x' }, ts: NOW, value: 99 }], 'otlp', NOW, STALE_AFTER_MS);
    const text = await metrics.render();
    expect(text.match(/^# TYPE vigil_probe_runs_total /gm)).toEqual(['# TYPE vigil_probe_runs_total ']);
    expect(text).toMatch(/^# TYPE vigil_probe_runs_total counter$/m);
    expect(text).not.toContain('check="x"');
  });

  it.runIf(process.platform === 'linux')("counts the event-loop thread's CPU time and its wait for a CPU, growing as the thread works", async () => {
    const { metrics } = setUp();
    const read = async () => {
      const families = parseExposition(await metrics.render());
      const value = (name: string) => {
        const family = families.get(name);
        expect(family?.type, name).toBe('counter');
        return family!.samples.get(`${name}{}`)!;
      };
      return { cpu: value('vigil_event_loop_cpu_seconds_total'), wait: value('vigil_event_loop_cpu_wait_seconds_total') };
    };
    const before = await read();
    // Work on this thread (the one that scrapes) until the kernel has counted 50 ms more of it.
    const start = readThreadSchedule()!.cpuSeconds;
    let sink = 0;
    while (readThreadSchedule()!.cpuSeconds - start < 0.05) for (let i = 0; i < 1e5; i++) sink += Math.sqrt(i);
    expect(sink).toBeGreaterThan(0);
    const after = await read();
    expect(before.cpu).toBeGreaterThan(0);
    expect(after.cpu - before.cpu).toBeGreaterThanOrEqual(0.05);
    expect(after.wait).toBeGreaterThanOrEqual(before.wait);
  });

  it('never writes half a line or a series twice while samples arrive and series go stale between chunks', () => {
    const live = new LiveView();
    admitChecks(live, 400, NOW);
    live.admit([{ name: 'heartbeat_age_seconds', labels: { check: 'cron' }, ts: NOW, value: 1 }], 'cron', NOW - 50_000, STALE_AFTER_MS);
    const exposition = new LiveExposition(live, 37);
    // A scrape before: its series are known, so that every chunk of the next one holds 37 of them.
    parseExposition([...exposition.chunks()].join(''));
    const chunks: string[] = [];
    let step = 0;
    for (const chunk of exposition.chunks()) {
      chunks.push(chunk);
      step++;
      // Values change, new series and a new metric arrive, one source goes stale, one series comes back.
      admitChecks(live, 400 + step, NOW + step, () => step);
      live.admit([{ name: 'replica_lag_bytes', labels: { check: `pg${step}` }, ts: NOW, value: step }], `pg${step}`, NOW + step, STALE_AFTER_MS);
      if (step === 1) live.prune(NOW + 10_000);
      if (step === 4) live.admit([{ name: 'heartbeat_age_seconds', labels: { check: 'cron' }, ts: NOW + 4, value: 0 }], 'cron', NOW + 4, STALE_AFTER_MS);
    }
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true);
    const families = parseExposition(chunks.join(''));
    // Families come in name order, each read when its turn comes: series that arrived before then are in it.
    expect(families.get('vigil_probe_success')!.samples.size).toBeGreaterThan(400);
    expect(families.get('vigil_heartbeat_age_seconds')).toBeUndefined();
    // A metric that appeared during the scrape is in the next one.
    expect(families.get('vigil_replica_lag_bytes')).toBeUndefined();
    const next = parseExposition([...exposition.chunks()].join(''));
    expect(next.get('vigil_replica_lag_bytes')!.samples.size).toBe(step);
    expect(next.get('vigil_heartbeat_age_seconds')!.samples.size).toBe(1);
  });

  it("never writes a series that went stale mid-scrape with another series' value", () => {
    const live = new LiveView();
    const queues = (prefix: string, value: number) => Array.from({ length: 50 }, (_, i) => ({ name: 'queue_depth', labels: { queue: `${prefix}-${i}` }, ts: NOW, value }));
    live.admit(queues('old', 1), 'old', NOW, 60_000);
    const exposition = new LiveExposition(live, 10);
    parseExposition([...exposition.chunks()].join(''));
    const chunks: string[] = [];
    for (const chunk of exposition.chunks()) {
      chunks.push(chunk);
      if (chunks.length > 1) continue;
      // After the first chunk: every series written so far goes stale, and new ones take their room.
      live.prune(NOW + 60_000);
      live.admit(queues('new', 999), 'new', NOW + 60_000, 60_000);
    }
    const lines = chunks.join('').split('\n').filter((line) => line.startsWith('vigil_queue_depth{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^vigil_queue_depth\{queue="old-\d+"\} 1$/);
  });

  it('writes every series right while series come and go, keeping the line prefixes of about the live ones only', () => {
    const live = new LiveView({ perSource: 10_000, perMetric: 200_000 });
    const exposition = new LiveExposition(live, 1_000);
    let liveBytes = 0;
    let most = 0;
    for (let round = 0; round < 20; round++) {
      // Each round 2,000 new series (a source inventing label values); the last round's have gone stale.
      const at = NOW + round * 120_000;
      live.prune(at);
      live.admit(Array.from({ length: 2_000 }, (_, i) => ({ name: 'queue_depth', labels: { queue: `r${round}-q${i}` }, ts: at, value: round })), `round ${round}`, at, 60_000);
      const text = [...exposition.chunks()].join('');
      expect(liveFamilies(parseExposition(text))).toEqual(expectedFromLiveView(live));
      const lines = text.split('\n').filter((line) => line.startsWith('vigil_queue_depth{'));
      expect(lines).toHaveLength(2_000);
      liveBytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line.slice(0, line.lastIndexOf(' ') + 1)), 0);
      most = Math.max(most, exposition.prefixBytes);
    }
    // Kept for every series ever seen, 20 rounds would hold 20 times the live prefixes.
    expect(most).toBeLessThan(4 * liveBytes + 64 * 1024);
  });

  it('makes smaller chunks of series it has not written before (rendering them costs more)', () => {
    const live = new LiveView();
    admitChecks(live, 500, NOW);
    const exposition = new LiveExposition(live, 100);
    const lines = (chunk: string) => chunk.split('\n').filter((line) => line && !line.startsWith('#')).length;
    const first = [...exposition.chunks()];
    const second = [...exposition.chunks()];
    expect(first.join('')).toBe(second.join(''));
    expect(Math.max(...first.map(lines))).toBeLessThanOrEqual(10);
    expect(second.slice(0, -1).map(lines)).toEqual(second.slice(0, -1).map(() => 100));
  });

  it('streams a large scrape in chunks and lets other work run between them, even while samples arrive', async () => {
    const { live, metrics } = setUp();
    admitChecks(live, 10_000, NOW);
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const reader = metrics.scrape().getReader();
    const decoder = new TextDecoder();
    let text = '';
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += decoder.decode(value, { stream: true });
      admitChecks(live, 10, NOW + chunks, () => chunks);
    }
    ticking = false;
    expect(chunks).toBeGreaterThan(5);
    expect(turns).toBeGreaterThanOrEqual(chunks - 1);
    const families = parseExposition(text);
    expect(families.get('vigil_probe_success')!.samples.size).toBe(10_000);
    // The last run's duration is vigil_probe_last_duration_seconds since [G1] (the histogram took the name).
    expect(families.get('vigil_probe_last_duration_seconds')!.samples.size).toBe(10_000);
  });

  it('gzipped by the gzip thread, which renders the histogram lines itself, is the plain text at every scrape', async () => {
    const live = new LiveView();
    const checks = Array.from({ length: 6_000 }, (_, i) => ({ id: `prod/svc-${i % 17}/c${i}`, env: 'prod', service: `svc-${i % 17}`, name: `c${i}`, kind: 'http', everyMs: 10_000, timeoutMs: 5_000 }));
    const metrics = createVigilMetrics(new Registry(), ['http'], live, checks);
    admitChecks(live, 6_000, NOW);
    const run = (i: number, seconds: number, ts = NOW + i) => {
      const check = checks[i]!;
      live.recordCheck({ checkId: check.id, env: check.env, service: check.service, check: check.name, kind: check.kind, ts, success: true, degraded: false, durationSeconds: seconds, error: null, detail: null });
      metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: check.id, durationSeconds: seconds });
    };
    // Every other check has run (a last-run line each), every check has counts.
    checks.forEach((_, i) => (i % 2 === 0 ? run(i, 0.001 * i) : metrics.observeRun({ kind: 'http', success: true, lagSeconds: 0, timedOut: false, checkId: checks[i]!.id, durationSeconds: 0.002 })));
    // Vigil's own metrics (process CPU, memory) change from one scrape to the next: the rest does not.
    const fromChecks = (text: string) => text.slice(text.indexOf('# HELP vigil_check_info'));
    const gzip = new GzipThread();
    try {
      const gzipped = async (format: 'text' | 'openmetrics') => {
        const reader = gzip.streamParts(metrics.scrapeParts(format, gzip), 1).getReader();
        const out: Uint8Array[] = [];
        for (let read = await reader.read(); !read.done; read = await reader.read()) out.push(read.value);
        return fromChecks(gunzipSync(Buffer.concat(out)).toString('utf8'));
      };
      const first = fromChecks(await metrics.render());
      expect(first.length).toBeGreaterThan(2_000_000);
      expect(first.split('\n').filter((line) => line.startsWith('vigil_probe_last_run_timestamp_seconds{'))).toHaveLength(3_000);
      expect(await gzipped('text')).toBe(first);
      // Some checks run between scrapes, one with a sum many digits longer: the thread's kept lines follow.
      for (let i = 0; i < 6_000; i += 7) run(i, 123.456789, NOW + 60_000 + i);
      run(5, 1e-7, NOW + 61_234);
      const second = fromChecks(await metrics.render());
      expect(second).not.toBe(first);
      expect(await gzipped('text')).toBe(second);
      expect(await gzipped('openmetrics')).toBe(fromChecks(await metrics.render('openmetrics')));

      // What the thread is handed: chunks in at most 4 buffers, and two arrays instead of 84,000 lines.
      const reader = metrics.scrapeParts('text', gzip).getReader();
      const buffers = new Set<ArrayBufferLike>();
      const sections: unknown[] = [];
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        if (read.value instanceof Uint8Array) buffers.add(read.value.buffer);
        else sections.push(read.value);
      }
      expect(buffers.size).toBeLessThanOrEqual(4);
      expect(sections).toEqual([{ kind: 'checks', layout: expect.any(Number), counts: expect.any(Float64Array), lastRuns: expect.any(Float64Array) }]);
      expect((sections[0] as { counts: Float64Array }).counts).toHaveLength(6_000 * 12);
      expect((sections[0] as { lastRuns: Float64Array }).lastRuns).toHaveLength(6_000);
    } finally {
      await gzip.close();
    }
  });

  it('stops making chunks when the reader goes away', async () => {
    const { live, metrics } = setUp();
    admitChecks(live, 10_000, NOW);
    const reader = metrics.scrape().getReader();
    await reader.read();
    await reader.cancel();
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });

  const hasPromtool = fs.existsSync(PROMTOOL);
  it.skipIf(!hasPromtool)(
    hasPromtool ? 'passes promtool check metrics' : `passes promtool check metrics — SKIPPED: ${PROMTOOL} is absent (install Debian's prometheus package)`,
    async () => {
      const { live, metrics } = setUp();
      admitChecks(live, 300, NOW);
      live.admit([{ name: 'probe_success', labels: { check: 'odd', env: 'a "quoted"\\ value\nwith a line feed' }, ts: NOW, value: NaN }], 'odd', NOW, STALE_AFTER_MS);
      const text = await metrics.render();
      // The live view's part alone: no problem at all.
      const live_part = text.slice(text.indexOf('# HELP vigil_health_component_up'));
      expect(live_part.length).toBeGreaterThan(1_000);
      expect(promtool(live_part)).toEqual({ status: 0, output: '' });
      // The whole answer, prom-client's process metrics included, has no remark either.
      expect(promtool(text)).toEqual({ status: 0, output: '' });
    },
  );
});
