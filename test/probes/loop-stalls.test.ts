// A probe's latency is the target's, not Vigil's: a run during which Vigil's own event loop was blocked
// (a slow reader, a long task) does not record the block as the target's latency.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckSpec } from '../../config/types.js';
import { systemClock } from '../../lib/clock.js';
import { LoopStallMonitor } from '../../lib/loop-stalls.js';
import { createProbeContext } from '../../probes/context.js';
import { ProbeRegistry, type Probe } from '../../probes/probe.js';
import { Scheduler, type CheckRun } from '../../probes/scheduler.js';
import { withoutStalledTime } from '../../probes/stalled-run.js';
import { tcpProbe, type TcpTarget } from '../../probes/tcp.js';
import { startSilentServer } from '../helpers/servers.js';

const BLOCK_MS = 300;

function blockLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy: what a synchronous reader (a large JSON.stringify) does to the loop.
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.useRealTimers();
});

describe('latency under a stalled event loop', () => {
  it(`does not record a ${BLOCK_MS} ms block of the loop as a loopback connect's latency, and says the run was affected`, async () => {
    const server = await startSilentServer();
    cleanups.push(() => server.close());
    // The real tcp probe; once its connect is under way (net.connect issues it on the next tick), the
    // loop is blocked before the 'connect' handler can run.
    const blockedTcp: Probe<TcpTarget> = {
      ...tcpProbe,
      run(target, signal, ctx) {
        const outcome = tcpProbe.run(target, signal, ctx);
        process.nextTick(() => blockLoop(BLOCK_MS));
        return outcome;
      },
    };
    const spec: CheckSpec = {
      id: 'dev/db/port',
      env: 'dev',
      service: 'db',
      name: 'port',
      kind: 'tcp',
      everyMs: 60_000,
      timeoutMs: 5_000,
      target: tcpProbe.schema.parse({ host: '127.0.0.1', port: server.port }),
      runbook: null,
    };
    const stalls = new LoopStallMonitor();
    stalls.start();
    cleanups.push(() => stalls.stop());
    const context = createProbeContext({ clock: systemClock });
    cleanups.push(() => context.close());
    const runs: CheckRun[] = [];
    const scheduler = new Scheduler([spec], {
      registry: new ProbeRegistry([blockedTcp]),
      writer: { write: () => {} },
      context,
      clock: systemClock,
      concurrency: 1,
      random: () => 0,
      loopStalls: stalls,
      onRun: (run) => runs.push(run),
      log: () => {},
    });
    // Let the monitor's timer run once before the run starts.
    await new Promise((resolve) => setTimeout(resolve, 30));
    scheduler.start();
    cleanups.push(() => scheduler.stop());
    await vi.waitFor(() => expect(runs).toHaveLength(1), { timeout: 10_000 });

    const [run] = runs;
    expect(run!.outcome.success).toBe(true);
    // The probe itself saw the connect at least the block late…
    const measuredMs = Number(/measured (\d+(?:\.\d+)?) ms/.exec(run!.result.detail ?? '')?.[1]);
    expect(measuredMs).toBeGreaterThanOrEqual(BLOCK_MS);
    // …and what is recorded leaves the block out.
    expect(run!.result.durationSeconds * 1000).toBeLessThan(BLOCK_MS);
    expect(run!.samples.find((s) => s.name === 'probe_duration_seconds')!.value).toBe(run!.result.durationSeconds);
    expect(run!.result.detail).toMatch(/^Vigil stalled \d+ ms of this run: left out of its duration \(measured \d+ ms\)$/);
  });
});

describe('the loop stall monitor', () => {
  it('counts the stalled part of an interval: stalls it saw, and one still in progress when asked', () => {
    vi.useFakeTimers();
    let now = 1_000;
    const monitor = new LoopStallMonitor({ intervalMs: 10, thresholdMs: 20, now: () => now });
    monitor.start();
    const tick = (ms: number) => {
      now += ms;
      vi.advanceTimersByTime(ms);
    };
    tick(10);
    tick(10);
    expect(monitor.stalledMs(0, now)).toBe(0);
    // The loop is held 100 ms: the tick owed at 1,030 runs at 1,120.
    now += 100;
    expect(monitor.stalledMs(1_000, now)).toBe(90);
    expect(monitor.stalledMs(1_100, now)).toBe(20);
    vi.advanceTimersByTime(10);
    tick(10);
    expect(monitor.stalledMs(1_000, now)).toBe(90);
    expect(monitor.stalledMs(1_050, 1_060)).toBe(10);
    expect(monitor.stalledMs(1_120, now)).toBe(0);
    // Late by less than the threshold: an ordinary busy turn, not a stall.
    now += 15;
    vi.advanceTimersByTime(15);
    expect(monitor.stalledMs(1_120, now)).toBe(0);
    monitor.stop();
  });
});

describe('a run with a stall left out', () => {
  it.each([
    ['a connect seen 301 ms late', { durationSeconds: 0.301, detail: null }, 290, 0.011, 'Vigil stalled 290 ms of this run: left out of its duration (measured 301 ms)'],
    ['a stall longer than the measured run (it began before the probe timed)', { durationSeconds: 0.2, detail: null }, 250, 0, 'Vigil stalled 250 ms of this run: left out of its duration (measured 200 ms)'],
    ['a result with its own detail', { durationSeconds: 0.05, detail: 'cache: down' }, 25.4, 0.0246, 'cache: down; Vigil stalled 25 ms of this run: left out of its duration (measured 50 ms)'],
  ])('%s', (_name, measured, stalledMs, durationSeconds, detail) => {
    const outcome = withoutStalledTime({ success: true, error: null, samples: [], ...measured }, stalledMs);
    expect(outcome.durationSeconds).toBeCloseTo(durationSeconds, 9);
    expect(outcome.detail).toBe(detail);
  });
});
