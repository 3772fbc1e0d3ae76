import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { CheckSpec } from '../../config/types.js';
import { ProbeRegistry, type Probe, type ProbeOutcome } from '../../probes/probe.js';
import { Scheduler, type CheckRun } from '../../probes/scheduler.js';
import type { ResultSink } from '../../ingest/writer.js';
import { createProbeContext } from '../../probes/context.js';
import type { CheckResult, Sample } from '../../store/types.js';

const clock = { now: () => Date.now() };
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

/** A probe whose behaviour each test sets: by default it succeeds after `delayMs` of (fake) time. */
function fakeProbe(behaviour: (signal: AbortSignal, target: Record<string, unknown>) => Promise<ProbeOutcome>): Probe {
  return { kind: 'fake', schema: z.object({}), run: (target, signal) => behaviour(signal, target) };
}
const ok = (extra: Partial<ProbeOutcome> = {}): ProbeOutcome => ({ success: true, error: null, durationSeconds: 0.01, samples: [], ...extra });
const after = (ms: number, outcome: ProbeOutcome = ok()) => () => new Promise<ProbeOutcome>((r) => setTimeout(() => r(outcome), ms));

function check(name: string, everyMs: number, timeoutMs = Math.min(everyMs, 1000), target: Record<string, unknown> = {}): CheckSpec {
  return { id: `prod/api/${name}`, env: 'prod', service: 'api', name, kind: 'fake', everyMs, timeoutMs, target, runbook: null };
}

class Sink implements ResultSink {
  readonly writes: Array<{ samples: readonly Sample[]; result: CheckResult; staleAfterMs: number }> = [];
  write(samples: readonly Sample[], result: CheckResult, staleAfterMs: number): void {
    this.writes.push({ samples, result, staleAfterMs });
  }
}

function setup(checks: CheckSpec[], probe: Probe, opts: { concurrency?: number; random?: () => number; dispatchSpacingMs?: number } = {}) {
  const sink = new Sink();
  const runs: CheckRun[] = [];
  const scheduler = new Scheduler(checks, {
    registry: new ProbeRegistry([probe]),
    writer: sink,
    context: createProbeContext({ clock }),
    clock,
    concurrency: opts.concurrency ?? 10,
    random: opts.random ?? (() => 0),
    dispatchSpacingMs: opts.dispatchSpacingMs,
    onRun: (run) => runs.push(run),
    log: () => {},
  });
  return { scheduler, sink, runs };
}

describe('scheduler', () => {
  let stopMe: Scheduler | null = null;
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(async () => {
    const s = stopMe;
    stopMe = null;
    if (s) {
      const stopped = s.stop();
      await vi.runAllTimersAsync();
      await stopped;
    }
    vi.useRealTimers();
  });

  it('runs each check at its own fixed rate, the first run jittered within its interval', async () => {
    const randoms = [0.5, 0.99];
    // No spacing between the timer's firings here (b's run at 1,497 and a's at 1,500 are 3 ms apart):
    // every run starts exactly when planned. The next test covers the spacing.
    const { scheduler, runs } = setup([check('a', 1000), check('b', 300)], fakeProbe(after(50)), { random: () => randoms.shift()!, dispatchSpacingMs: 0 });
    stopMe = scheduler;
    scheduler.start();
    expect(scheduler.isRunning()).toBe(true);
    await vi.advanceTimersByTimeAsync(3600);
    const planned = (name: string) => runs.filter((r) => r.check.name === name).map((r) => r.plannedAt - T0);
    expect(planned('a')).toEqual([500, 1500, 2500, 3500]);
    expect(planned('b')).toEqual([297, 597, 897, 1197, 1497, 1797, 2097, 2397, 2697, 2997, 3297]);
    for (const run of runs) {
      expect(run.startedAt).toBe(run.plannedAt);
      expect(run.finishedAt - run.startedAt).toBe(50);
    }
  });

  it('starts the runs due within 5 ms of the last firing together, none before it is due and none 5 ms late', async () => {
    // 100 checks every 100 ms, their first runs planned 1 ms apart (at 0, 1, …, 99 ms).
    const checks = Array.from({ length: 100 }, (_, i) => check(`c${i}`, 100));
    let i = 0;
    const { scheduler, runs } = setup(checks, fakeProbe(after(1)), { random: () => i++ / 100, concurrency: 100 });
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(runs.length).toBeGreaterThanOrEqual(290);
    for (const run of runs) {
      expect(run.startedAt).toBeGreaterThanOrEqual(run.plannedAt);
      expect(run.startedAt - run.plannedAt).toBeLessThan(5);
    }
    // One start time per 5 ms (the timer's firings), where a timer per due millisecond had one per run.
    const startTimes = [...new Set(runs.map((r) => r.startedAt))].sort((a, b) => a - b);
    expect(startTimes.length).toBeLessThanOrEqual(61);
    for (let k = 1; k < startTimes.length; k++) expect(startTimes[k] - startTimes[k - 1]).toBeGreaterThanOrEqual(5);
    // Planned times keep the fixed rate: each check's runs 100 ms apart.
    const c7 = runs.filter((r) => r.check.name === 'c7').map((r) => r.plannedAt - T0);
    expect(c7).toEqual([7, 107, 207]);
  });

  it('starts a run on time when the last firing was 5 ms or more before it', async () => {
    const randoms = [0, 0.06];
    const { scheduler, runs } = setup([check('a', 100), check('b', 100)], fakeProbe(after(1)), { random: () => randoms.shift()! });
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(250);
    expect(runs.map((r) => [r.check.name, r.startedAt - T0])).toEqual([
      ['a', 0],
      ['b', 6],
      ['a', 100],
      ['b', 106],
      ['a', 200],
      ['b', 206],
    ]);
  });

  it('keeps first runs within the interval for any random value', async () => {
    const checks = Array.from({ length: 50 }, (_, i) => check(`c${i}`, 1000));
    const { scheduler, runs } = setup(checks, fakeProbe(after(1)), { random: Math.random, concurrency: 100 });
    stopMe = scheduler;
    scheduler.start();
    // A first run planned just before 1,000 ms may wait for the next firing of the scheduler's timer (at
    // most the 5 ms dispatch spacing) and takes 1 ms: by 1,010 ms every check has run once. Its first run
    // was planned within the first interval, whatever the random value.
    await vi.advanceTimersByTimeAsync(1010);
    const first = new Map<string, number>();
    for (const run of runs) if (!first.has(run.check.name)) first.set(run.check.name, run.plannedAt - T0);
    expect(first.size).toBe(50);
    for (const plannedAt of first.values()) expect(plannedAt).toBeGreaterThanOrEqual(0), expect(plannedAt).toBeLessThan(1000);
  });

  it('never runs more checks at once than the concurrency limit, queueing the rest', async () => {
    let running = 0;
    let maxRunning = 0;
    const probe = fakeProbe(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 100));
      running--;
      return ok();
    });
    const checks = Array.from({ length: 5 }, (_, i) => check(`c${i}`, 10_000));
    const { scheduler, runs } = setup(checks, probe, { concurrency: 2 });
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(scheduler.stats()).toMatchObject({ running: 2, queued: 3 });
    await vi.advanceTimersByTimeAsync(400);
    expect(maxRunning).toBe(2);
    expect(runs.map((r) => r.startedAt - r.plannedAt)).toEqual([0, 0, 100, 100, 200]);
    expect(scheduler.stats()).toMatchObject({ runs: 5, running: 0, queued: 0, lagSecondsMax: 0.2 });
  });

  it('skips and counts the ticks of a run that overruns its interval, never overlapping it', async () => {
    let running = 0;
    let overlapped = false;
    const probe = fakeProbe(async () => {
      if (++running > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, 250));
      running--;
      return ok();
    });
    const { scheduler, runs } = setup([check('slow', 100, 1000)], probe);
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(overlapped).toBe(false);
    // Runs start at 0, 300, 600, 900 and take 250ms each: the ticks 100 and 200 after each start are
    // skipped, and so is the tick at 1000 while the run of 900 is still going.
    expect(runs.map((r) => r.plannedAt - T0)).toEqual([0, 300, 600]);
    expect(scheduler.stats()).toMatchObject({ overrunsSkipped: 7, running: 1 });
  });

  it('records a timeout failure at the deadline when a probe ignores the abort signal', async () => {
    let signalSeen: AbortSignal | null = null;
    const probe = fakeProbe((signal) => {
      signalSeen = signal;
      return new Promise<ProbeOutcome>(() => {});
    });
    const { scheduler, runs, sink } = setup([check('stuck', 1000, 200)], probe);
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(199);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(30);
    expect(signalSeen!.aborted).toBe(true);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      timedOut: true,
      outcome: { success: false, error: 'timed out after 200ms (the fake probe did not stop when aborted)', durationSeconds: 0.2 },
    });
    expect(runs[0].finishedAt - runs[0].startedAt).toBeLessThanOrEqual(220);
    expect(sink.writes[0].result).toMatchObject({ success: false, error: 'timed out after 200ms (the fake probe did not stop when aborted)' });
    expect(scheduler.stats()).toMatchObject({ timeouts: 1, failures: 1, running: 0 });
    // The check is free again: its next run happens on time.
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs.map((r) => r.plannedAt - T0)).toEqual([0, 1000]);
  });

  it("keeps a probe's own timeout message when it honours the signal", async () => {
    const probe = fakeProbe(
      (signal) =>
        new Promise<ProbeOutcome>((resolve) =>
          signal.addEventListener('abort', () =>
            resolve({ success: false, error: 'timed out after 200ms while reading the body', durationSeconds: 0.2, samples: [] }),
          ),
        ),
    );
    const { scheduler, runs } = setup([check('slow-body', 1000, 200)], probe);
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(200);
    expect(runs[0]).toMatchObject({ timedOut: true, outcome: { error: 'timed out after 200ms while reading the body' } });
    expect(runs[0].finishedAt - runs[0].startedAt).toBe(200);
  });

  it('writes probe_success, probe_duration_seconds and the probe samples with the check labels', async () => {
    const probe = fakeProbe(async () =>
      ok({
        durationSeconds: 0.123,
        degraded: true,
        detail: 'cache: down',
        samples: [
          { name: 'probe_http_status_code', value: 200 },
          { name: 'health_component_up', labels: { component: 'cache', env: 'spoofed' }, value: 0 },
        ],
      }),
    );
    const { scheduler, sink } = setup([check('ready', 1000)], probe);
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1);
    const base = { env: 'prod', service: 'api', check: 'ready' };
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0].samples).toEqual([
      { name: 'probe_success', labels: base, ts: T0, value: 1 },
      { name: 'probe_duration_seconds', labels: base, ts: T0, value: 0.123 },
      { name: 'probe_http_status_code', labels: base, ts: T0, value: 200 },
      { name: 'health_component_up', labels: { ...base, component: 'cache' }, ts: T0, value: 0 },
    ]);
    expect(sink.writes[0].result).toEqual({
      checkId: 'prod/api/ready',
      env: 'prod',
      service: 'api',
      check: 'ready',
      kind: 'fake',
      ts: T0,
      success: true,
      degraded: true,
      durationSeconds: 0.123,
      error: null,
      detail: 'cache: down',
    });
  });

  it('records a probe that throws as a failed run', async () => {
    const { scheduler, runs } = setup([check('buggy', 1000)], fakeProbe(async () => { throw new Error('boom'); }));
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(runs[0].outcome).toMatchObject({ success: false, error: 'internal error in the fake probe: boom' });
  });

  it('stop() aborts the runs in flight, waits for them and records nothing for them', async () => {
    const aborted: string[] = [];
    const probe = fakeProbe(
      (signal, target) =>
        new Promise<ProbeOutcome>((resolve) =>
          signal.addEventListener('abort', () => {
            aborted.push(`${target.n}:${(signal.reason as Error).message}`);
            setTimeout(() => resolve({ success: false, error: 'aborted', durationSeconds: 0, samples: [] }), 5);
          }),
        ),
    );
    const checks = [check('a', 1000, 900, { n: 1 }), check('b', 1000, 900, { n: 2 }), check('c', 1000, 900, { n: 3 })];
    const { scheduler, runs } = setup(checks, probe, { concurrency: 2 });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(10);
    expect(scheduler.stats()).toMatchObject({ running: 2, queued: 1 });
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    expect(scheduler.isRunning()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    await stopping;
    expect(aborted).toEqual(['1:Vigil is stopping', '2:Vigil is stopping']);
    expect(runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(0);
    expect(scheduler.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('stop() does not wait forever for a probe that ignores the signal', async () => {
    const { scheduler } = setup([check('stuck', 1000, 900)], fakeProbe(() => new Promise<ProbeOutcome>(() => {})));
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1);
    const stopping = scheduler.stop();
    await vi.advanceTimersByTimeAsync(25);
    await expect(stopping).resolves.toBeUndefined();
  });

  it('skips the ticks missed while the process was suspended instead of running them all at once', async () => {
    const { scheduler, runs } = setup([check('a', 100, 50)], fakeProbe(async () => ok()));
    stopMe = scheduler;
    scheduler.start();
    await vi.advanceTimersByTimeAsync(1);
    vi.setSystemTime(T0 + 1050); // the clock jumps, as after a suspend
    await vi.advanceTimersByTimeAsync(100);
    expect(runs.map((r) => r.plannedAt - T0)).toEqual([0, 100]);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs.map((r) => r.plannedAt - T0).slice(2)).toEqual([1200]);
    expect(scheduler.stats().lateTicksSkipped).toBe(10);
  });
});
