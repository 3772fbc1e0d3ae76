// Preloaded into the server by `bench/loop.mjs --profile` (node --import): writes each stall of the event
// loop over 40 ms as `<startUs> <endUs> <runUs> <queuedUs>` (the monotonic clock of the CPU profile) to
// stalls.txt in the --cpu-prof-dir, so the profile can say what ran in it (bench/helpers/cpu-profile.mjs
// summariseStalls). runUs and queuedUs are the main thread's time on a CPU and waiting in the run queue
// for one during the stall, from the kernel's /proc/thread-self/schedstat (dist/lib/thread-schedule.js;
// -1 where it is not there): the rest of the stall it was blocked (a lock, a page fault's I/O, a GC
// helper it waited for), not preempted.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { readThreadSchedule } from '../../dist/lib/thread-schedule.js';

const INTERVAL_MS = 10;
const STALL_MS = 40;
const dir = process.execArgv.find((arg) => arg.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
if (isMainThread && dir) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'stalls.txt');
  let last = process.hrtime.bigint();
  let lastSched = readThreadSchedule();
  setInterval(() => {
    const now = process.hrtime.bigint();
    const sched = readThreadSchedule();
    if (Number(now - last) / 1e6 > INTERVAL_MS + STALL_MS) {
      const us = (seconds) => Math.round(seconds * 1e6);
      const [run, queued] = sched && lastSched ? [us(sched.cpuSeconds - lastSched.cpuSeconds), us(sched.runQueueSeconds - lastSched.runQueueSeconds)] : [-1, -1];
      appendFileSync(file, `${last / 1000n} ${now / 1000n} ${run} ${queued}\n`);
    }
    last = now;
    lastSched = sched;
  }, INTERVAL_MS).unref();
}
