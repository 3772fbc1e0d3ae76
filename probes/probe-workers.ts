// Runs the http and health probes in worker threads (`scheduler.workers`): the scheduler keeps deciding
// when a check runs and records what it found, while the requests, their TLS and their bodies are
// handled off Vigil's event loop, so API readers and the scheduler do not wait on them (and a reader
// holding the loop does not lengthen a measured latency). Each target is sent to one worker once, its
// runs go to that worker (its keep-alive sockets stay warm); runs, aborts and outcomes travel in
// batches, one message per turn of either loop.
import { Worker } from 'node:worker_threads';
import { DEFAULT_OUTBOUND_POLICY, type OutboundPolicy } from '../lib/outbound-guard.js';
import type { SecretValues } from '../lib/secret.js';
import { ProbeRegistry, type Probe, type ProbeOutcome, type StartedRun } from './probe.js';
import { abortReasonOf, type FromWorker, type ProbeWorkerData, type ToWorker } from './probe-worker-protocol.js';

/** The probe kinds a worker runs: those whose whole work is HTTP through probes/http-request.ts. */
export const WORKER_PROBE_KINDS: ReadonlySet<string> = new Set(['http', 'health']);

/** How long close() waits for the workers to close their sockets before terminating them. */
const CLOSE_WAIT_MS = 2_000;

interface PendingRun {
  readonly resolve: (outcome: ProbeOutcome) => void;
  readonly reject: (error: Error) => void;
  readonly worker: PoolWorker;
}

interface PoolWorker {
  readonly index: number;
  thread: Worker;
  /** Targets this thread has been sent. */
  known: Set<number>;
  outbox: { targets: Array<{ id: number; target: unknown }>; runs: NonNullable<ToWorker['runs']>[number][]; aborts: NonNullable<ToWorker['aborts']>[number][] };
  flushQueued: boolean;
  /** Resolves once the thread has loaded the probes and listens. */
  ready: Promise<void>;
}

export interface ProbeWorkerPoolOptions {
  /** Worker threads (at least 1). */
  readonly workers: number;
  /** The config's secrets: the probes scrub their error texts and redirects with them. */
  readonly secrets: SecretValues;
  /** `security.outbound`: the workers' probes connect through the same guard policy as the main thread's. */
  readonly outbound?: OutboundPolicy;
  /** The built worker script; default probes/probe-worker.js beside this module. */
  readonly workerUrl?: URL;
  readonly log?: (line: string) => void;
}

/** A pool of probe worker threads; `probe(p)` wraps a probe kind to run there. Close it after the scheduler stops. */
export class ProbeWorkerPool {
  readonly #workers: PoolWorker[];
  readonly #pending = new Map<number, PendingRun>();
  /**
   * The worker and id of each target. A Map, not a WeakMap: targets are the config's, alive as long as
   * the pool, and 40,000 entries of a WeakMap cost V8's full GC ephemeron marking inside its pause.
   */
  readonly #targets = new Map<object, { id: number; worker: PoolWorker }>();
  readonly #workerUrl: URL;
  readonly #secretForms: readonly string[];
  readonly #outbound: OutboundPolicy;
  readonly #log: (line: string) => void;
  #nextRun = 1;
  #nextTarget = 1;
  #nextWorker = 0;
  #closed = false;

  constructor(opts: ProbeWorkerPoolOptions) {
    if (!(Number.isInteger(opts.workers) && opts.workers >= 1)) throw new Error(`probe workers must be a whole number of at least 1, got ${opts.workers}`);
    this.#workerUrl = opts.workerUrl ?? new URL('./probe-worker.js', import.meta.url);
    this.#secretForms = opts.secrets.forms();
    this.#outbound = opts.outbound ?? DEFAULT_OUTBOUND_POLICY;
    this.#log = opts.log ?? ((line) => console.error(line));
    this.#workers = Array.from({ length: opts.workers }, (_, index) => {
      const worker: PoolWorker = {
        index,
        thread: null as unknown as Worker,
        known: new Set(),
        outbox: { targets: [], runs: [], aborts: [] },
        flushQueued: false,
        ready: Promise.resolve(),
      };
      this.#spawn(worker);
      return worker;
    });
  }

  /**
   * Resolves once every worker has loaded the probes (a few hundred ms on a busy machine): the scheduler
   * starts after it, so that no first run spends its timeout waiting for a thread to start.
   */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.ready));
  }

  /** `probe` run in the pool; same kind, schema and scheduling, marked as running off the event loop. */
  probe<Target>(probe: Probe<Target>): Probe<Target> {
    const wrapped: Probe<Target> = {
      kind: probe.kind,
      schema: probe.schema,
      runsOffLoop: true,
      run: (target, signal) => this.run(probe.kind, target as object, signal),
      start: (target) => this.start(probe.kind, target as object),
    };
    if (probe.scheduled) return { ...wrapped, scheduled: probe.scheduled.bind(probe) };
    return wrapped;
  }

  /** One run of `kind` on `target` in a worker, aborted through `signal`; resolves with the probe's outcome, rejects for a probe bug. */
  run(kind: string, target: object, signal: AbortSignal): Promise<ProbeOutcome> {
    const started = this.start(kind, target);
    if (signal.aborted) started.abort(signal.reason);
    else {
      const onAbort = (): void => started.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void started.outcome.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
    }
    return started.outcome;
  }

  /** One run of `kind` on `target` in a worker, aborted by a call (the scheduler's way: no signal per run). */
  start(kind: string, target: object): StartedRun {
    if (this.#closed) return { outcome: Promise.reject(new Error('the probe worker pool is closed')), abort: () => {} };
    let placed = this.#targets.get(target);
    if (!placed) {
      placed = { id: this.#nextTarget++, worker: this.#workers[this.#nextWorker++ % this.#workers.length] };
      this.#targets.set(target, placed);
    }
    const { id, worker } = placed;
    if (!worker.known.has(id)) {
      worker.known.add(id);
      worker.outbox.targets.push({ id, target });
    }
    const run = this.#nextRun++;
    const outcome = new Promise<ProbeOutcome>((resolve, reject) => {
      this.#pending.set(run, { resolve, reject, worker });
    });
    worker.outbox.runs.push({ run, kind, target: id });
    this.#queueFlush(worker);
    return new WorkerRun(this, worker, run, outcome);
  }

  /** Asks the worker to abort `run` (a finished or unknown run is ignored there). */
  abort(worker: PoolWorker, run: number, reason: unknown): void {
    if (!this.#pending.has(run)) return;
    worker.outbox.aborts.push({ run, reason: abortReasonOf(reason) });
    this.#queueFlush(worker);
  }

  /** Asks each worker to close its sockets, then ends the threads; runs still pending reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, CLOSE_WAIT_MS);
            worker.thread.on('message', (message: FromWorker) => {
              if (message.closed) {
                clearTimeout(timer);
                resolve();
              }
            });
            worker.thread.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.thread.postMessage({ close: true } satisfies ToWorker);
          }),
      ),
    );
    await Promise.all(this.#workers.map((worker) => worker.thread.terminate()));
    this.#failPending(() => true, 'the probe worker pool closed during the run');
  }

  #spawn(worker: PoolWorker): void {
    const thread = new Worker(this.#workerUrl, { workerData: { secretForms: this.#secretForms, outbound: this.#outbound } satisfies ProbeWorkerData });
    worker.thread = thread;
    worker.known = new Set();
    worker.ready = new Promise<void>((resolve) => {
      const onReady = (message: FromWorker): void => {
        if (!message.ready) return;
        thread.off('message', onReady);
        resolve();
      };
      thread.on('message', onReady);
      thread.once('exit', () => resolve());
    });
    thread.on('message', (message: FromWorker) => {
      for (const { run, outcome, bug } of message.done ?? []) {
        const pending = this.#pending.get(run);
        if (!pending) continue;
        this.#pending.delete(run);
        if (outcome) pending.resolve(outcome);
        else {
          const error = new Error(bug?.message ?? 'no outcome');
          if (bug?.stack) error.stack = bug.stack;
          pending.reject(error);
        }
      }
    });
    // A worker that dies (a crash in native code, out of memory) fails its runs as a bug and is replaced.
    thread.on('error', (error) => this.#log(`probe worker ${worker.index} failed: ${error.stack ?? error.message}`));
    thread.on('exit', (code) => {
      if (this.#closed || worker.thread !== thread) return;
      this.#failPending((p) => p.worker === worker, `probe worker ${worker.index} exited with code ${code}`);
      this.#spawn(worker);
    });
  }

  #failPending(which: (pending: PendingRun) => boolean, reason: string): void {
    for (const [run, pending] of this.#pending) {
      if (!which(pending)) continue;
      this.#pending.delete(run);
      pending.reject(new Error(reason));
    }
  }

  #queueFlush(worker: PoolWorker): void {
    if (worker.flushQueued) return;
    worker.flushQueued = true;
    // Every run the scheduler starts in one timer callback goes in one message.
    queueMicrotask(() => {
      worker.flushQueued = false;
      const { targets, runs, aborts } = worker.outbox;
      if (!targets.length && !runs.length && !aborts.length) return;
      worker.outbox = { targets: [], runs: [], aborts: [] };
      worker.thread.postMessage({ targets, runs, aborts } satisfies ToWorker);
    });
  }
}

/** A run in a worker: aborting it sends the reason along with the next batch of messages. */
class WorkerRun implements StartedRun {
  constructor(
    readonly pool: ProbeWorkerPool,
    readonly worker: PoolWorker,
    readonly run: number,
    readonly outcome: Promise<ProbeOutcome>,
  ) {}

  abort(reason: unknown): void {
    this.pool.abort(this.worker, this.run, reason);
  }
}

/** `registry` with its http and health kinds run in `pool`; every other kind as it is. */
export function withProbeWorkers(registry: ProbeRegistry, pool: ProbeWorkerPool): ProbeRegistry {
  return new ProbeRegistry(
    registry.kinds().map((kind) => {
      const probe = registry.get(kind);
      return WORKER_PROBE_KINDS.has(kind) ? pool.probe(probe) : probe;
    }),
  );
}
