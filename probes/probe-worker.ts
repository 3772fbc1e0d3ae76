// A probe worker thread: runs the http and health probes the scheduler hands it (the same probe code as
// on the main thread, with its own probe context: keep-alive agents, prepared requests, CA files) and
// posts the outcomes back in batches. The probes time themselves here, so a stall of the scheduler's
// event loop does not lengthen a measured latency. Started by ProbeWorkerPool (probes/probe-workers.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../lib/clock.js';
import { OutboundGuard } from '../lib/outbound-guard.js';
import { SecretValues } from '../lib/secret.js';
import { createProbeContext } from './context.js';
import { healthProbe } from './health.js';
import { httpProbe } from './http.js';
import { ProbeRegistry } from './probe.js';
import type { FromWorker, ProbeWorkerData, ToWorker } from './probe-worker-protocol.js';
import { abortReasonFrom } from './probe-worker-protocol.js';

if (!parentPort) throw new Error('probes/probe-worker.js runs only as a worker thread (see ProbeWorkerPool)');
const port = parentPort;
const { secretForms, outbound } = workerData as ProbeWorkerData;
// The policy as the main thread loaded it: a worker's probe is refused exactly where the main thread's would be.
const context = createProbeContext({ clock: systemClock, secrets: SecretValues.fromForms(secretForms), outbound: new OutboundGuard(outbound) });
// Only the kinds a worker runs (WORKER_PROBE_KINDS): the database clients of the others stay unloaded.
const registry = new ProbeRegistry([httpProbe, healthProbe]);
const targets = new Map<number, unknown>();
/** A run's abort reason when it starts not aborted (a reason itself may be any value, '' included). */
const NOT_ABORTED = Symbol('not aborted');
/** Runs in flight, by the abort each one answers. */
const running = new Map<number, { abort(reason: unknown): void }>();
let done: NonNullable<FromWorker['done']>[number][] = [];
let flushQueued = false;

function flush(): void {
  flushQueued = false;
  const batch = done;
  done = [];
  if (batch.length) port.postMessage({ done: batch } satisfies FromWorker);
}

function finished(entry: (typeof done)[number]): void {
  running.delete(entry.run);
  done.push(entry);
  // One message for every run finished in this turn of the loop.
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

/**
 * Starts a run: by the probe's own `start` (aborted by a call: no AbortController per run) when it has
 * one and the run is not aborted yet, else with a signal (`aborted`: the reason it is aborted with before
 * it starts, so that the probe opens nothing).
 */
function start(run: number, kind: string, targetId: number, aborted: unknown): void {
  const probe = registry.get(kind);
  const target = targets.get(targetId);
  let pending: Promise<unknown>;
  try {
    if (probe.start && aborted === NOT_ABORTED) {
      const started = probe.start(target, context);
      running.set(run, started);
      pending = started.outcome;
    } else {
      const controller = new AbortController();
      if (aborted !== NOT_ABORTED) controller.abort(aborted);
      running.set(run, { abort: (reason) => controller.abort(reason) });
      pending = probe.run(target, controller.signal, context);
    }
  } catch (error) {
    pending = Promise.reject(error);
  }
  pending.then(
    (outcome) => finished({ run, outcome: outcome as never }),
    (error: unknown) =>
      finished({ run, bug: { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined } }),
  );
}

port.on('message', (message: ToWorker) => {
  if (message.close) {
    for (const controller of running.values()) controller.abort(new Error('Vigil is stopping'));
    void context.close().then(() => port.postMessage({ closed: true } satisfies FromWorker));
    return;
  }
  for (const { id, target } of message.targets ?? []) targets.set(id, target);
  // A run aborted in the message that starts it (its signal was aborted before it was handed over)
  // starts with its signal aborted, so that the probe opens nothing.
  const aborts = new Map((message.aborts ?? []).map(({ run, reason }) => [run, reason]));
  for (const { run, kind, target } of message.runs ?? []) {
    const reason = aborts.get(run);
    if (reason !== undefined) aborts.delete(run);
    start(run, kind, target, reason === undefined ? NOT_ABORTED : abortReasonFrom(reason));
  }
  for (const [run, reason] of aborts) running.get(run)?.abort(abortReasonFrom(reason));
});
port.postMessage({ ready: true } satisfies FromWorker);
