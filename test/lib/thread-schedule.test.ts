import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSchedstat, readThreadSchedule } from '../../lib/thread-schedule.js';

describe('the thread schedule (Linux schedstat)', () => {
  it('reads nanoseconds on a CPU and waiting for one as seconds', () => {
    expect(parseSchedstat('1500000000 250000000 42\n')).toEqual({ cpuSeconds: 1.5, runQueueSeconds: 0.25 });
  });

  it('gives null, not a wrong figure, for text of another shape or no file', () => {
    for (const text of ['', 'x y z', '1 2', '1 2 3 4', '-1 2 3', '1.5 2 3']) expect(parseSchedstat(text), JSON.stringify(text)).toBeNull();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-schedstat-'));
    expect(readThreadSchedule(path.join(dir, 'missing'))).toBeNull();
    writeFileSync(path.join(dir, 'schedstat'), '7000000000 0 9\n');
    expect(readThreadSchedule(path.join(dir, 'schedstat'))).toEqual({ cpuSeconds: 7, runQueueSeconds: 0 });
  });

  it.runIf(process.platform === 'linux')("reads the calling thread's own figures", () => {
    const schedule = readThreadSchedule();
    expect(schedule).not.toBeNull();
    expect(schedule!.cpuSeconds).toBeGreaterThan(0);
    expect(schedule!.runQueueSeconds).toBeGreaterThanOrEqual(0);
  });
});
