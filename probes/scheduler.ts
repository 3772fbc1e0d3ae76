// Runs every check on its own fixed-rate interval with a global concurrency limit, bounds every run by
// its timeout, and hands the measured samples and result to a sink (the ResultWriter).
import type { Clock } from '../lib/clock.js';
import type { CheckResult, Labels, Sample } from '../store/types.js';
import { checkStaleAfterMs, type CheckSpec, type Probe, type ProbeOutcome, type ProbeRegistry } from './probe.js';
import type { ProbeContext } from './context.js';
import { ProbeTimeoutError } from './outcome-text.js';
import { formatDuration } from '../lib/duration.js';
import type { ResultSink } from '../ingest/writer.js';
import type { LoopStalls } from '../lib/loop-stalls.js';
import { withoutStalledTime } from './stalled-run.js';
import { frozenLabels } from '../store/labels.js';

/** One finished run of one check, as `onRun` sees it. */
export interface CheckRun {
  readonly check: CheckSpec;
  readonly outcome: ProbeOutcome;
  /** When the run was due (epoch ms); `startedAt - plannedAt` is the scheduling lag. */
  readonly plannedAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** The run hit its timeout (the probe reported it, or ignored the abort and the scheduler did). */
  readonly timedOut: boolean;
  /** What was handed to the sink: probe_success, probe_duration_seconds and the probe's own samples. */
  readonly samples: readonly Sample[];
  readonly result: CheckResult;
}

export interface SchedulerDeps {
  readonly registry: ProbeRegistry;
  readonly writer: ResultSink;
  /** What probes share (agents, caches, the config's secrets); the caller closes it after stop(). */
  readonly context: ProbeContext;
  readonly clock: Clock;
  /** Most runs in flight at once; further due runs wait in a FIFO queue. */
  readonly concurrency: number;
  readonly onRun?: (run: CheckRun) => void;
  /** [0, 1) source for the first-run jitter; Math.random by default. */
  readonly random?: () => number;
  /**
   * After aborting a run at its deadline, how long to wait for the probe's own (more precise) error
   * before recording a generic timeout; a probe that honours the signal settles within a tick.
   */
  readonly abortGraceMs?: number;
  /**
   * Least time between two firings of the scheduler's timer; default 5 ms (DEFAULT_DISPATCH_SPACING_MS).
   * A run due sooner after the last firing waits for the next one, at most this much late.
   */
  readonly dispatchSpacingMs?: number;
  readonly log?: (line: string) => void;
  /**
   * When Vigil's event loop stalled: a run's duration leaves out the stalled part of it (the probe saw
   * its sockets' events that much late), and its result says so. Absent: durations as measured.
   */
  readonly loopStalls?: LoopStalls;
}

/** Counters for /metrics and the benchmark. */
export interface SchedulerStats {
  readonly checks: number;
  readonly runs: number;
  readonly failures: number;
  readonly timeouts: number;
  /** Ticks skipped because the previous run of the same check was still running or queued. */
  readonly overrunsSkipped: number;
  /** Ticks skipped because the timer fired more than a whole interval late (e.g. a suspended process). */
  readonly lateTicksSkipped: number;
  readonly running: number;
  readonly queued: number;
  readonly lagSecondsSum: number;
  readonly lagSecondsMax: number;
  /** Runs whose duration left out a stall of Vigil's event loop. */
  readonly runsStalled: number;
}

interface CheckState {
  readonly spec: CheckSpec;
  readonly probe: Probe;
  readonly labels: Labels;
  nextPlannedAt: number;
  /** A run of this check is queued or in flight: a tick now would overlap it. */
  busy: boolean;
}

interface InFlight {
  readonly state: CheckState;
  readonly plannedAt: number;
  readonly startedAt: number;
  /** performance.now() at the start, for the loop's stalls (NaN without a LoopStalls). */
  readonly startedPerf: number;
  /** Aborts the run: a signal's controller for a probe's `run`, the run's own abort for `start`. */
  abortRun: { abort(reason: Error): void };
  /** Why the run was aborted (a timeout, a stop), or null. */
  abortReason: Error | null;
  deadline: NodeJS.Timeout | null;
  grace: NodeJS.Timeout | null;
  settled: boolean;
  /** Aborted by stop(): nothing is recorded, the target did nothing wrong. */
  cancelled: boolean;
}

/** A run's abort before its probe started it (a probe that throws at once has nothing to abort). */
const NOT_STARTED = { abort: (): void => {} };

const DEFAULT_ABORT_GRACE_MS = 20;

/**
 * The grace for a probe that runs in a worker thread: the abort goes there and the probe's own error
 * comes back as messages, behind whatever that thread and this loop are busy with.
 */
const OFF_LOOP_ABORT_GRACE_MS = 1_000;

/**
 * The timer fires at most once per 5 ms, and each firing starts every run due by then. Under load, a
 * firing per due millisecond sent each probe worker a message a millisecond, each waking a thread: at
 * 40,000 checks every 10 s (bench/loop.mjs, no readers, three pairs of runs interleaved), the median
 * CPU per 1,000 runs was 56 ms on this thread and 107 ms on the others with a firing per millisecond,
 * 44 and 82 ms with firings 5 ms apart. A run waits at most 5 ms for its firing (median lag 0.5 →
 * 1.9 ms); one due 5 ms or more after the last firing starts on time.
 */
const DEFAULT_DISPATCH_SPACING_MS = 5;

/**
 * The probe loop: `start()`, `stop()`. Due times live in a min-heap behind a single timer: measured with
 * 20,000 checks, one Node timer per check (a timer list per distinct delay) started runs ~70 ms late
 * at the median, the heap keeps it to a few ms.
 */
export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #states: CheckState[];
  readonly #random: () => number;
  readonly #graceMs: number;
  readonly #spacingMs: number;
  readonly #log: (line: string) => void;
  readonly #inFlight = new Set<InFlight>();
  /** Checks ordered by `nextPlannedAt`. */
  #due: CheckState[] = [];
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  /** When the timer last fired: the next firing is at least #spacingMs after it. */
  #firedAt = -Infinity;
  #queue: Array<{ state: CheckState; plannedAt: number }> = [];
  #queueHead = 0;
  #running = false;
  #idleWaiters: Array<() => void> = [];
  #runs = 0;
  #failures = 0;
  #timeouts = 0;
  #overrunsSkipped = 0;
  #lateTicksSkipped = 0;
  #lagSecondsSum = 0;
  #lagSecondsMax = 0;
  #runsStalled = 0;

  constructor(checks: readonly CheckSpec[], deps: SchedulerDeps) {
    if (!(deps.concurrency >= 1)) throw new Error(`scheduler concurrency must be at least 1, got ${deps.concurrency}`);
    this.#deps = deps;
    this.#random = deps.random ?? Math.random;
    this.#graceMs = deps.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
    this.#spacingMs = deps.dispatchSpacingMs ?? DEFAULT_DISPATCH_SPACING_MS;
    if (!(this.#spacingMs >= 0)) throw new Error(`scheduler dispatch spacing must be 0 ms or more, got ${deps.dispatchSpacingMs}`);
    this.#log = deps.log ?? ((line) => console.error(line));
    this.#states = checks.map((written) => {
      const probe = deps.registry.get(written.kind);
      const spec = probe.scheduled?.(written) ?? written;
      if (!(spec.everyMs > 0) || !(spec.timeoutMs > 0)) throw new Error(`check ${spec.id}: every and timeout must be positive`);
      return {
        spec,
        probe,
        labels: frozenLabels({ env: spec.env, service: spec.service, check: spec.name }),
        nextPlannedAt: 0,
        busy: false,
      };
    });
  }

  /** Schedules every check; each first run falls at a random point within its first interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const now = this.#deps.clock.now();
    for (const state of this.#states) {
      state.nextPlannedAt = now + Math.floor(this.#random() * state.spec.everyMs);
    }
    this.#due = [...this.#states].sort((a, b) => a.nextPlannedAt - b.nextPlannedAt);
    this.#arm(now);
  }

  /** Stops scheduling, aborts the runs in flight (recording nothing for them) and waits until they end. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
    this.#due = [];
    for (let i = this.#queueHead; i < this.#queue.length; i++) this.#queue[i].state.busy = false;
    this.#queue = [];
    this.#queueHead = 0;
    if (this.#inFlight.size === 0) return;
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    for (const run of this.#inFlight) {
      run.cancelled = true;
      this.#abort(run, new Error('Vigil is stopping'));
    }
    await idle;
  }

  isRunning(): boolean {
    return this.#running;
  }

  stats(): SchedulerStats {
    return {
      checks: this.#states.length,
      runs: this.#runs,
      failures: this.#failures,
      timeouts: this.#timeouts,
      overrunsSkipped: this.#overrunsSkipped,
      lateTicksSkipped: this.#lateTicksSkipped,
      running: this.#inFlight.size,
      queued: this.#queue.length - this.#queueHead,
      lagSecondsSum: this.#lagSecondsSum,
      lagSecondsMax: this.#lagSecondsMax,
      runsStalled: this.#runsStalled,
    };
  }

  /** Keeps the one timer set for the earliest due check, no sooner than the spacing after the last firing. */
  #arm(now: number): void {
    const first = this.#due[0];
    if (!first || !this.#running) return;
    // min(…, now): a clock stepped back does not hold the timer until it reaches the last firing again.
    const at = Math.max(first.nextPlannedAt, Math.min(this.#firedAt, now) + this.#spacingMs);
    if (this.#timer && this.#timerAt <= at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, at - now));
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#timerAt = Infinity;
    if (!this.#running) return;
    const now = this.#deps.clock.now();
    this.#firedAt = now;
    const due = this.#due;
    while (due.length > 0 && due[0].nextPlannedAt <= now) {
      this.#tick(due[0], now);
      siftDown(due, 0);
    }
    this.#arm(now);
  };

  /** One due tick of a check: plan the next one, then run now, queue, or skip an overlapping run. */
  #tick(state: CheckState, now: number): void {
    const plannedAt = state.nextPlannedAt;
    const every = state.spec.everyMs;
    // Fixed rate: the next run is due one interval after this one was planned, not after it ends.
    let next = plannedAt + every;
    if (next <= now) {
      const missed = Math.floor((now - plannedAt) / every);
      this.#lateTicksSkipped += missed;
      next = plannedAt + (missed + 1) * every;
    }
    state.nextPlannedAt = next;
    if (state.busy) {
      this.#overrunsSkipped++;
      return;
    }
    state.busy = true;
    if (this.#inFlight.size < this.#deps.concurrency) this.#begin(state, plannedAt);
    else this.#queue.push({ state, plannedAt });
  }

  #begin(state: CheckState, plannedAt: number): void {
    const run: InFlight = {
      state,
      plannedAt,
      startedAt: this.#deps.clock.now(),
      startedPerf: this.#deps.loopStalls ? performance.now() : NaN,
      abortRun: NOT_STARTED,
      abortReason: null,
      deadline: null,
      grace: null,
      settled: false,
      cancelled: false,
    };
    this.#inFlight.add(run);
    run.deadline = setTimeout(this.#onDeadline, state.spec.timeoutMs, run);
    let pending: Promise<ProbeOutcome>;
    try {
      const { probe } = state;
      if (probe.start) {
        const started = probe.start(state.spec.target, this.#deps.context);
        run.abortRun = started;
        pending = started.outcome;
      } else {
        const controller = new AbortController();
        run.abortRun = controller;
        pending = probe.run(state.spec.target, controller.signal, this.#deps.context);
      }
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (outcome) => this.#finish(run, outcome, false),
      (error: unknown) => this.#finish(run, this.#bugOutcome(run, error), false),
    );
  }

  readonly #onDeadline = (run: InFlight): void => {
    run.deadline = null;
    this.#abort(run, new ProbeTimeoutError(run.state.spec.timeoutMs));
  };

  #abort(run: InFlight, reason: Error): void {
    if (run.settled) return;
    if (run.abortReason === null) {
      run.abortReason = reason;
      run.abortRun.abort(reason);
    }
    const graceMs = run.state.probe.runsOffLoop ? Math.max(this.#graceMs, OFF_LOOP_ABORT_GRACE_MS) : this.#graceMs;
    run.grace ??= setTimeout(this.#onGraceOver, graceMs, run);
  }

  readonly #onGraceOver = (run: InFlight): void => {
    run.grace = null;
    const timeoutMs = run.state.spec.timeoutMs;
    this.#finish(
      run,
      {
        success: false,
        error: `timed out after ${formatDuration(timeoutMs)} (the ${run.state.spec.kind} probe did not stop when aborted)`,
        durationSeconds: timeoutMs / 1000,
        samples: [],
      },
      true,
    );
  };

  #bugOutcome(run: InFlight, error: unknown): ProbeOutcome {
    const secrets = this.#deps.context.secrets;
    const reason = secrets.scrub(error instanceof Error ? error.message : String(error));
    const stack = error instanceof Error && error.stack ? secrets.scrub(error.stack) : reason;
    this.#log(`scheduler: the ${run.state.spec.kind} probe threw for check ${run.state.spec.id} (a bug): ${stack}`);
    return {
      success: false,
      error: `internal error in the ${run.state.spec.kind} probe: ${reason}`,
      durationSeconds: (this.#deps.clock.now() - run.startedAt) / 1000,
      samples: [],
    };
  }

  #finish(run: InFlight, outcome: ProbeOutcome, forcedTimeout: boolean): void {
    if (run.settled) return;
    run.settled = true;
    if (run.deadline) clearTimeout(run.deadline);
    if (run.grace) clearTimeout(run.grace);
    this.#inFlight.delete(run);
    run.state.busy = false;
    if (!run.cancelled) this.#record(run, outcome, forcedTimeout);
    this.#startQueued();
    if (this.#inFlight.size === 0 && this.#idleWaiters.length > 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #startQueued(): void {
    while (this.#running && this.#queueHead < this.#queue.length && this.#inFlight.size < this.#deps.concurrency) {
      const next = this.#queue[this.#queueHead++];
      this.#begin(next.state, next.plannedAt);
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
  }

  #record(run: InFlight, measured: ProbeOutcome, forcedTimeout: boolean): void {
    const { spec, labels } = run.state;
    const finishedAt = this.#deps.clock.now();
    const timedOut = forcedTimeout || (!measured.success && run.abortReason instanceof ProbeTimeoutError);
    // A worker thread timed the run itself: this loop's stalls are not in its duration.
    const outcome = timedOut || run.state.probe.runsOffLoop ? measured : this.#withoutStalls(run, measured);
    const ts = run.startedAt;
    const samples: Sample[] = [
      { name: 'probe_success', labels, ts, value: outcome.success ? 1 : 0 },
      { name: 'probe_duration_seconds', labels, ts, value: outcome.durationSeconds },
    ];
    for (const sample of outcome.samples) {
      // The base labels win: a probe cannot relabel its series into another check's.
      samples.push({ name: sample.name, labels: sample.labels ? { ...sample.labels, ...labels } : labels, ts, value: sample.value });
    }
    const result: CheckResult = {
      checkId: spec.id,
      env: spec.env,
      service: spec.service,
      check: spec.name,
      kind: spec.kind,
      ts,
      success: outcome.success,
      degraded: outcome.degraded ?? false,
      durationSeconds: outcome.durationSeconds,
      error: outcome.success ? null : (outcome.error ?? 'failed without a reason (a probe bug)'),
      detail: outcome.detail ?? null,
    };
    const lagSeconds = Math.max(0, run.startedAt - run.plannedAt) / 1000;
    this.#runs++;
    if (!outcome.success) this.#failures++;
    if (timedOut) this.#timeouts++;
    this.#lagSecondsSum += lagSeconds;
    if (lagSeconds > this.#lagSecondsMax) this.#lagSecondsMax = lagSeconds;
    try {
      this.#deps.writer.write(samples, result, checkStaleAfterMs(spec));
    } catch (error) {
      this.#log(`scheduler: writing the result of ${spec.id} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.#deps.onRun) {
      try {
        this.#deps.onRun({ check: spec, outcome, plannedAt: run.plannedAt, startedAt: run.startedAt, finishedAt, timedOut, samples, result });
      } catch (error) {
        this.#log(`scheduler: onRun failed for ${spec.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** The outcome with the part of the run Vigil's loop was stalled left out (see probes/stalled-run.ts). */
  #withoutStalls(run: InFlight, outcome: ProbeOutcome): ProbeOutcome {
    const stalledMs = this.#deps.loopStalls?.stalledMs(run.startedPerf, performance.now()) ?? 0;
    if (stalledMs <= 0) return outcome;
    this.#runsStalled++;
    return withoutStalledTime(outcome, stalledMs);
  }
}

/** Restores the min-heap order (by `nextPlannedAt`) after the key at `index` grew. */
function siftDown(heap: CheckState[], index: number): void {
  const item = heap[index];
  const length = heap.length;
  for (;;) {
    let child = 2 * index + 1;
    if (child >= length) break;
    if (child + 1 < length && heap[child + 1].nextPlannedAt < heap[child].nextPlannedAt) child++;
    if (heap[child].nextPlannedAt >= item.nextPlannedAt) break;
    heap[index] = heap[child];
    index = child;
  }
  heap[index] = item;
}
