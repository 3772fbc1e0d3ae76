// Summarises a V8 .cpuprofile (from `node --cpu-prof`) over a time window: self time per function, and
// the longest stretches without an idle sample (what held the event loop), each with the functions that
// dominate it. Profile times are the monotonic clock in µs, the same clock as process.hrtime.bigint().
import { readFileSync } from 'node:fs';

const IDLE = new Set(['(idle)']);

function frameName(node, root) {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? url.replace(/^file:\/\//, '').replace(root, '').replace(/^.*\/node_modules\//, '~/') : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

/**
 * `fromUs`/`toUs`: the window in monotonic µs. `root`: the project directory, cut from file names.
 * Returns { sampledMs, busyShare, selfTop: [{ fn, ms, share }], vigilTop, longestBusy: [{ ms, atMs, vigilTop, selfTop }] }:
 * selfTop by the sampled function, vigilTop by the innermost frame of Vigil's own code on the stack.
 */
export function summariseProfile(file, { fromUs = -Infinity, toUs = Infinity, root = '', top = 12, stretches = 5 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // The innermost frame from Vigil's own code (dist/), so library time is charged to its caller too.
  const vigilFrame = new Map();
  const vigilOf = (id) => {
    if (vigilFrame.has(id)) return vigilFrame.get(id);
    const n = byId.get(id);
    const own = n.callFrame.url.includes('/dist/') && !n.callFrame.url.includes('node_modules') ? frameName(n, root) : null;
    const p = parent.get(id);
    const found = own ?? (p === undefined ? '(outside Vigil code)' : vigilOf(p));
    vigilFrame.set(id, found);
    return found;
  };
  const self = new Map();
  const vigil = new Map();
  let t = profile.startTime;
  let sampledUs = 0;
  let busyUs = 0;
  const busy = [];
  let stretch = null;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    const dt = Math.max(0, (profile.timeDeltas[i + 1] ?? 0));
    const node = byId.get(profile.samples[i]);
    const idle = IDLE.has(node.callFrame.functionName);
    sampledUs += dt;
    if (idle) {
      if (stretch) busy.push(stretch);
      stretch = null;
      continue;
    }
    busyUs += dt;
    const name = frameName(node, root);
    self.set(name, (self.get(name) ?? 0) + dt);
    const v = vigilOf(node.id);
    vigil.set(v, (vigil.get(v) ?? 0) + dt);
    stretch ??= { startUs: t, us: 0, vigil: new Map(), self: new Map() };
    stretch.us += dt;
    stretch.vigil.set(v, (stretch.vigil.get(v) ?? 0) + dt);
    stretch.self.set(name, (stretch.self.get(name) ?? 0) + dt);
  }
  if (stretch) busy.push(stretch);
  const rank = (map, total, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, us]) => ({ fn, ms: +(us / 1000).toFixed(1), share: +(us / total).toFixed(3) }));
  return {
    sampledMs: Math.round(sampledUs / 1000),
    busyShare: sampledUs ? +(busyUs / sampledUs).toFixed(3) : null,
    selfTop: rank(self, busyUs, top),
    vigilTop: rank(vigil, busyUs, top),
    longestBusy: busy
      .sort((a, b) => b.us - a.us)
      .slice(0, stretches)
      .map((s) => ({
        ms: +(s.us / 1000).toFixed(1),
        atMs: Math.round((s.startUs - fromUs) / 1000),
        vigilTop: rank(s.vigil, s.us, 4),
        selfTop: rank(s.self, s.us, 4),
      })),
  };
}

/** The stalls written by bench/helpers/stall-trace.mjs within [fromUs, toUs] as [start, end, run, queued] (µs; -1 where not known), or null without a file. */
function readStalls(stallsFile, fromUs, toUs) {
  let lines;
  try {
    lines = readFileSync(stallsFile, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return null;
  }
  return lines
    .map((line) => line.split(' ').map(Number))
    .filter(([start, end]) => start >= fromUs && end <= toUs)
    .map(([start, end, run = -1, queued = -1]) => [start, end, run, queued]);
}

/** All stalls of the window taken together: how many, and their ms running, waiting for a CPU and blocked. */
export function stallTotals(stallsFile, { fromUs = -Infinity, toUs = Infinity } = {}) {
  const stalls = readStalls(stallsFile, fromUs, toUs);
  if (stalls === null) return null;
  const totals = { count: 0, ms: 0, onCpuMs: 0, runQueueMs: 0, blockedMs: 0 };
  for (const [start, end, run, queued] of stalls) {
    totals.count++;
    totals.ms += (end - start) / 1000;
    if (run < 0) continue;
    totals.onCpuMs += run / 1000;
    totals.runQueueMs += queued / 1000;
    totals.blockedMs += (end - start - run - queued) / 1000;
  }
  for (const key of ['ms', 'onCpuMs', 'runQueueMs', 'blockedMs']) totals[key] = Math.round(totals[key]);
  return totals;
}

/**
 * The longest stalls of the event loop in the window (`stallsFile`: `<startUs> <endUs> [<runUs> <queuedUs>]`
 * lines from bench/helpers/stall-trace.mjs), each with the functions sampled in it (self, [innermost Vigil
 * frame]) and how much of it the thread was off the CPU: a sample that comes over 3 ms after the one
 * before (the profiler samples every ~1 ms while the thread runs). Where the kernel told, that off-CPU
 * time is split: `runQueueMs` waiting for a CPU (preempted by other threads or processes), `blockedMs`
 * asleep (a lock, a page fault's I/O, a GC helper task it joined), `onCpuMs` running.
 */
export function summariseStalls(file, stallsFile, { fromUs = -Infinity, toUs = Infinity, root = '', top = 5, functions = 5 } = {}) {
  const stalls = (readStalls(stallsFile, fromUs, toUs) ?? []).sort((a, b) => b[1] - b[0] - (a[1] - a[0])).slice(0, top);
  if (stalls.length === 0) return [];
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id) => {
    let vigil = null;
    for (let cur = id; cur !== undefined && vigil === null; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (n.callFrame.url.includes('/dist/') && !n.callFrame.url.includes('node_modules')) vigil = frameName(n, root);
    }
    return `${byId.get(id).callFrame.functionName || '(anonymous)'} [${vigil ?? 'outside Vigil code'}]`;
  };
  const times = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) times.push((t += profile.timeDeltas[i]));
  return stalls.map(([start, end, run, queued]) => {
    const fns = new Map();
    let offCpuUs = 0;
    for (let i = 0; i < times.length; i++) {
      if (times[i] < start || times[i] > end) continue;
      const dt = (times[i + 1] ?? times[i]) - times[i];
      if (dt > 3000) offCpuUs += dt - 1000;
      const name = label(profile.samples[i]);
      fns.set(name, (fns.get(name) ?? 0) + dt);
    }
    return {
      ms: +((end - start) / 1000 - 10).toFixed(1),
      atMs: Math.round((start - fromUs) / 1000),
      offCpuMs: +(offCpuUs / 1000).toFixed(1),
      ...(run >= 0 ? { onCpuMs: +(run / 1000).toFixed(1), runQueueMs: +(queued / 1000).toFixed(1), blockedMs: +((end - start - run - queued) / 1000).toFixed(1) } : {}),
      top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, functions).map(([fn, us]) => ({ fn, ms: +(us / 1000).toFixed(1) })),
    };
  });
}
