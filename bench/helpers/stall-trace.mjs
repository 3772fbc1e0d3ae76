// Preloaded into the server by `bench/loop.mjs --profile` (node --import): writes each stall of the event
// loop over 40 ms as `<startUs> <endUs>` (the monotonic clock of the CPU profile) to stalls.txt in the
// --cpu-prof-dir, so the profile can say what ran in it (bench/helpers/cpu-profile.mjs summariseStalls).
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const INTERVAL_MS = 10;
const STALL_MS = 40;
const dir = process.execArgv.find((arg) => arg.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
if (isMainThread && dir) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'stalls.txt');
  let last = process.hrtime.bigint();
  setInterval(() => {
    const now = process.hrtime.bigint();
    if (Number(now - last) / 1e6 > INTERVAL_MS + STALL_MS) appendFileSync(file, `${last / 1000n} ${now / 1000n}\n`);
    last = now;
  }, INTERVAL_MS).unref();
}
