// Preloaded into the server by `bench/loop.mjs --promoted` (node --import): each SIGUSR2 starts or stops
// V8's sampling heap profiler on the event loop's isolate. It keeps the samples of objects a full GC
// collected but not of those a scavenge collected, so what it holds at the stop is what the window's
// allocations left in the old space (promoted, or made there by pretenuring) or still alive: what V8's
// full GC has to mark and sweep, the cause of its incremental marking steps on the event loop. Each stop
// writes the allocation sites by bytes (innermost four frames) to <VIGIL_PROMOTED_DIR>/<n>.json.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Mean bytes between two samples: ~5,000 samples for 80 MB, a few % of overhead on the loop. */
const SAMPLING_INTERVAL_BYTES = 16_384;
const TOP_SITES = 25;

const dir = process.env.VIGIL_PROMOTED_DIR;
if (isMainThread && dir) {
  const session = new Session();
  session.connect();
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  let sampling = false;
  let stops = 0;
  process.on('SIGUSR2', () => {
    sampling = !sampling;
    if (sampling) {
      void post('HeapProfiler.enable').then(() => post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_INTERVAL_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false }));
      return;
    }
    const file = path.join(dir, `${++stops}.json`);
    void post('HeapProfiler.stopSampling').then(({ profile }) => writeFileSync(file, JSON.stringify(summarise(profile))));
  });
}

/** The sampled bytes in all and by allocation site (the function that allocated and its three callers). */
function summarise(profile) {
  const sites = new Map();
  let total = 0;
  const visit = (node, stack) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const frame = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    const here = [...stack.slice(-3), frame];
    if (node.selfSize > 0) {
      const site = here.slice().reverse().join(' < ');
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) visit(child, here);
  };
  visit(profile.head, []);
  const mb = (bytes) => Math.round(bytes / 1e5) / 10;
  return {
    sampledMB: mb(total),
    sites: [...sites].sort((a, b) => b[1] - a[1]).slice(0, TOP_SITES).map(([site, bytes]) => ({ mb: mb(bytes), site })),
  };
}
