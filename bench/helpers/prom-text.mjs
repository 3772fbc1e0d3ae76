// Reading the parts of a /metrics answer a benchmark needs: parse the text exposition format for a set
// of metric families, and estimate quantiles from the bucket deltas of a histogram between scrapes.
import zlib from 'node:zlib';

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** `name{labels} value` lines of the families whose name starts with one of `prefixes`, as { name, labels, value }. */
export function parseSamples(text, prefixes) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !prefixes.some((p) => line.startsWith(p))) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of every series of a metric (0 when absent). */
export function sumOf(samples, name) {
  return samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
}

/** The value of a metric with one series, or null. */
export function valueOf(samples, name) {
  return samples.find((s) => s.name === name)?.value ?? null;
}

/** A histogram's cumulative buckets as [[le, count], …] in order of le (+Inf last). */
export function bucketsOf(samples, name) {
  return samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => [s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), s.value])
    .sort((a, b) => a[0] - b[0]);
}

/** Bucket counts observed between two scrapes: after − before, bucket by bucket. */
export function bucketDelta(before, after) {
  return after.map(([le, count], i) => [le, count - (before[i]?.[1] ?? 0)]);
}

/** Two bucket deltas of the same histogram added (two windows taken as one). */
export function addBuckets(a, b) {
  return a.map(([le, count], i) => [le, count + (b[i]?.[1] ?? 0)]);
}

/**
 * What a histogram observed in a window (cumulative bucket deltas): count, the quantiles (linear inside
 * a bucket, as PromQL's histogram_quantile; Infinity for one in the +Inf bucket: past the largest
 * finite bound), the share at or under `threshold` (a bucket bound), and `maxAtMost`, the bound of the highest
 * non-empty bucket (the largest observation is at most this; Infinity past the last bound).
 */
export function summariseBuckets(deltas, { quantiles = [0.5, 0.99], threshold } = {}) {
  const total = deltas.at(-1)?.[1] ?? 0;
  const out = { count: total };
  for (const q of quantiles) out[`p${Math.round(q * 100)}`] = total === 0 ? null : quantileOf(deltas, q * total);
  if (threshold !== undefined) {
    const under = deltas.find(([le]) => le === threshold)?.[1];
    out.shareAtMostThreshold = total === 0 || under === undefined ? null : +(under / total).toFixed(5);
  }
  let maxAtMost = null;
  for (let i = 0; i < deltas.length; i++) {
    if (deltas[i][1] > (i === 0 ? 0 : deltas[i - 1][1])) maxAtMost = deltas[i][0];
  }
  out.maxAtMost = maxAtMost;
  return out;
}

function quantileOf(deltas, rank) {
  let lower = 0;
  let below = 0;
  for (const [le, cumulative] of deltas) {
    if (cumulative >= rank) {
      if (le === Infinity) return Infinity;
      const inBucket = cumulative - below;
      return inBucket === 0 ? le : lower + ((le - lower) * (rank - below)) / inBucket;
    }
    lower = le;
    below = cumulative;
  }
  return lower;
}

/**
 * Inflates gzip chunks only as far as needed: `push(chunk)` until `done()` says every family named in
 * `families` has been passed (a later family has started after each of them), so that a scrape of
 * megabytes is not decompressed in full to read the process's own metrics at its start.
 */
export function partialGunzip(families) {
  const inflate = zlib.createGunzip();
  let text = '';
  let finished = false;
  const seen = new Set();
  let lastFamily = null;
  let passedAll = false;
  inflate.on('data', (d) => {
    if (passedAll) return;
    const start = text.lastIndexOf('\n') + 1;
    text += d.toString('utf8');
    // Scan new complete lines for the families they start.
    for (const m of text.slice(start).matchAll(/^# TYPE (\S+)/gm)) {
      if (seen.size === families.length && lastFamily !== null && !families.includes(m[1])) passedAll = true;
      if (families.includes(m[1])) seen.add(m[1]);
      lastFamily = m[1];
      if (passedAll) break;
    }
  });
  inflate.on('error', () => void (finished = true));
  inflate.on('end', () => void (finished = true));
  return {
    push: (chunk) => !passedAll && !finished && inflate.write(chunk),
    end: () =>
      new Promise((resolve) => {
        if (passedAll || finished) {
          inflate.destroy();
          return resolve(text);
        }
        inflate.end();
        inflate.once('close', () => resolve(text));
        inflate.once('end', () => resolve(text));
      }),
  };
}
