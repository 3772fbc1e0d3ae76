// The rules engine: every `evaluationIntervalMs` it observes each rule on the sample window, steps each
// instance through the state machine, applies inhibition, and commits the incident changes and the rule
// state of the cycle in ONE store transaction. In memory it keeps the instances and the active
// incidents (what the API, the status page and /metrics read); the store keeps them across restarts.
//
// Wiring (cli/serve.ts):
//   const engine = new AlertingEngine({ alerting: config.alerting, checks: config.checks, store, clock: systemClock, feed: writer, log });
//   await engine.start();            // loads rule state and active incidents, backfills, then evaluates every interval
//   … api reads `engine` as an AlertingView (rules(), slos(), activeIncidents(), actions)
//   await engine.stop();             // before writer.close() and store.close(): waits for the cycle in flight
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../lib/clock.js';
import { SerialQueue } from '../lib/serial.js';
import { SmallMap } from '../lib/small-map.js';
import type { IngestWriter } from '../ingest/writer.js';
import type { CheckSpec } from '../probes/probe.js';
import { DEFAULT_RETENTION, type Incident, type Labels, type RuleInstanceRecord, type Sample, type Store, type StoreTx } from '../store/types.js';
import { compileRule, observe, windowRetention, type CompiledRule, type EvaluationInputs, type Observation } from './evaluate.js';
import { createIncidentActions } from './incident-actions.js';
import { alertFingerprint, alertLabels, decideFiring, decideRecovery, decideRuleGone, newIncident } from './incidents.js';
import { compileInhibits, inhibitedAlerts, type CompiledInhibit } from './inhibit.js';
import { ownsInstance, seriesLabelsOf } from './restore.js';
import { INACTIVE, transition, type Transition } from './state.js';
import { fromRecord, isResting, needsSave, persistKey, SAVE_EVERY_MS, toRecord, type Instance } from './instance.js';
import type { AlertCounts, AlertingConfig, AlertingView, IncidentActions, IncidentChange, IncidentChangeSink, RuleStatus, SloStatus } from './types.js';
import { fillFromStore, SampleWindow } from './window.js';
import { SloAccounting } from './slo-accounting.js';

/** The store concerns the engine uses. */
export type AlertingStore = Pick<Store, 'samples' | 'incidents' | 'ruleState' | 'transaction'>;
/** Where samples come from (and where SLO series go): the ingest writer. */
export type SampleFeed = Pick<IngestWriter, 'onSamples' | 'writeSamples'>;

export interface AlertingEngineOptions {
  /** `config.alerting`: rules (default, written, SLO burn-rate), SLOs, inhibition, maintenance, intervals. */
  readonly alerting: AlertingConfig;
  /** `config.checks`: their runbooks are the fallback of alerts naming a check. */
  readonly checks: readonly CheckSpec[];
  readonly store: AlertingStore;
  readonly clock: Clock;
  readonly feed: SampleFeed;
  readonly log?: (line: string) => void;
  /** `config.retention.rawMs`: how far back the store has raw samples (the latency SLO backfill reads them). */
  readonly rawRetentionMs?: number;
  /** A check's last error (scrubbed, as the status page shows it): what a CheckDown incident's summary says. */
  readonly checkError?: (checkId: string) => string | null;
  /** Longest stretch of a cycle between turns of the event loop, in ms (default 10; 0 yields after every rule). */
  readonly cycleSliceMs?: number;
  /** Called in the transaction of each set of incident changes (the cycle's, an API action's): notifications' outbox rows. */
  readonly onIncidentChanges?: IncidentChangeSink;
}

/** SLO series stay live this long after a write (they are written once a minute). */
const SLO_SERIES_STALE_MS = 3 * 60_000;
/**
 * Longest stretch of rule evaluation between turns of the event loop (the probes' timers share it): 5 ms,
 * as a turn holds other work too (a batch of probe outcomes, a GC pause): at 40,000 checks a 44 ms stall
 * held 15 ms of the cycle and 10 ms of GC.
 */
const DEFAULT_CYCLE_SLICE_MS = 5;



interface RuleRuntime {
  readonly rule: CompiledRule;
  readonly instances: SmallMap<string, Instance>;
  /**
   * Alert labels and fingerprint per series labels object (the window keeps them stable): no hash per
   * cycle. The first one is kept apart, and the map made only for a second series: a check_down rule
   * (one per check) only ever sees its check's labels, and 40,000 weak maps of one entry each cost V8's
   * full GC ~20 ms of its pause clearing weak collections.
   */
  firstIdentity: AlertIdentity | null;
  identities: WeakMap<Labels, AlertIdentity> | null;
  lastEvaluatedAt: number | null;
  lastError: string | null;
}

interface AlertIdentity {
  /** The series labels object it was made for. */
  readonly seriesLabels: Labels;
  readonly labels: Labels;
  readonly fingerprint: string;
}

interface Draft {
  readonly runtime: RuleRuntime;
  readonly prev: Instance | null;
  next: Instance;
  readonly transition: Transition;
}

/** Evaluates rules and SLOs on a timer and keeps incidents; see the wiring above. */
export class AlertingEngine implements AlertingView {
  readonly actions: IncidentActions;
  readonly #options: AlertingEngineOptions;
  readonly #log: (line: string) => void;
  readonly #runtimes: RuleRuntime[];
  readonly #inhibits: readonly CompiledInhibit[];
  readonly #window: SampleWindow;
  readonly #checks: ReadonlyMap<string, CheckSpec>;
  readonly #queue = new SerialQueue();
  readonly #active = new Map<number, Incident>();
  #activeList: readonly Incident[] | null = null;
  /** Pending and firing instances by fingerprint (for a manual resolve's "still firing"). */
  #live = new Map<string, Instance>();
  #orphans: RuleInstanceRecord[] = [];
  #startedAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #loaded = false;
  #unsubscribe: (() => void) | null = null;
  #lastCycleMs: number | null = null;
  readonly #slo: SloAccounting;
  #sloStatuses: readonly SloStatus[] = [];
  #sloWrittenMinute = -1;

  constructor(options: AlertingEngineOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => console.error(line));
    const slos = new Map(options.alerting.slos.map((slo) => [slo.id, slo]));
    this.#runtimes = options.alerting.rules.map((spec) => ({ rule: compileRule(spec, slos), instances: new SmallMap(), firstIdentity: null, identities: null, lastEvaluatedAt: null, lastError: null }));
    this.#inhibits = compileInhibits(options.alerting.inhibit);
    this.#window = new SampleWindow(windowRetention(options.alerting.rules, options.alerting.evaluationIntervalMs));
    this.#checks = new Map(options.checks.map((check) => [check.id, check]));
    this.#slo = new SloAccounting(options.alerting.slos, options.alerting.maintenance);
    this.actions = createIncidentActions({
      store: options.store,
      queue: this.#queue,
      firingValue: (fingerprint) => {
        const instance = this.#live.get(fingerprint);
        return instance?.state.state === 'firing' ? instance.state.value : undefined;
      },
      changed: (incident) => this.#track(incident),
      onChanges: options.onIncidentChanges,
    });
  }

  /** Loads rule state and active incidents, subscribes to samples, backfills the window, then evaluates every interval. */
  async start(): Promise<void> {
    this.#startedAt = this.#options.clock.now();
    await this.load();
    this.#unsubscribe = this.#options.feed.onSamples((samples) => this.ingest(samples));
    await fillFromStore(this.#window, this.#options.store.samples, this.#startedAt, this.#log);
    await this.#slo.backfill(this.#options.store.samples, this.#startedAt, this.#options.rawRetentionMs ?? DEFAULT_RETENTION.rawMs, this.#log);
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops the timer and the subscription, and waits for the cycle in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    await this.#running;
  }

  /** Reads persisted rule state and active incidents, once (start() does; tests driving cycles by hand call it). */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    this.#startedAt ||= this.#options.clock.now();
    const [records, active] = await Promise.all([this.#options.store.ruleState.all(), this.#options.store.incidents.active()]);
    for (const incident of active) this.#track(incident);
    for (const record of records) {
      const runtime = this.#runtimes.find((candidate) => ownsInstance(candidate.rule, record.labels));
      if (runtime === undefined) {
        this.#orphans.push(record);
        continue;
      }
      runtime.instances.set(record.fingerprint, fromRecord(record, seriesLabelsOf(runtime.rule, record.labels)));
    }
    this.#reindexLive();
  }

  /** Takes live samples (what the feed subscription calls): the rules' window and the SLOs' events. */
  ingest(samples: readonly Sample[]): void {
    this.#window.add(samples);
    this.#slo.add(samples);
  }

  /** Runs one evaluation cycle at the clock's now, after any cycle or action in flight; never rejects. */
  evaluate(): Promise<void> {
    return this.#queue.run(async () => {
      const at = this.#options.clock.now();
      const started = performance.now();
      try {
        await this.#cycle(at);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        for (const runtime of this.#runtimes) runtime.lastError = message;
        this.#log(`rules: evaluation at ${new Date(at).toISOString()} failed: ${message}`);
      } finally {
        this.#lastCycleMs = performance.now() - started;
      }
    });
  }

  rules(): readonly RuleStatus[] {
    return this.#runtimes.map(({ rule, instances, lastEvaluatedAt, lastError }) => ({
      name: rule.spec.name,
      kind: rule.spec.kind,
      origin: rule.spec.origin,
      severity: rule.spec.severity,
      expression: rule.expression,
      alerts: instances
        .values()
        .filter((instance) => instance.state.state !== 'inactive')
        .map((instance) => ({
          fingerprint: instance.fingerprint,
          labels: instance.labels,
          state: instance.state.state,
          activeSince: instance.state.activeSince,
          firingSince: instance.state.firingSince,
          value: instance.state.value,
          inhibited: instance.inhibited,
          incidentId: instance.incidentId,
        })),
      lastEvaluatedAt,
      lastError,
    }));
  }

  alertCounts(): ReadonlyMap<string, AlertCounts> {
    const counts = new Map<string, { pending: number; firing: number }>();
    for (const { rule, instances } of this.#runtimes) {
      let named = counts.get(rule.spec.name);
      if (named === undefined) counts.set(rule.spec.name, (named = { pending: 0, firing: 0 }));
      for (const instance of instances.values()) {
        if (instance.state.state === 'pending') named.pending++;
        else if (instance.state.state === 'firing') named.firing++;
      }
    }
    return counts;
  }

  slos(): readonly SloStatus[] {
    return this.#sloStatuses;
  }

  activeIncidents(): readonly Incident[] {
    this.#activeList ??= [...this.#active.values()].sort((a, b) => a.openedAt - b.openedAt || a.id - b.id);
    return this.#activeList;
  }

  /** How long the last cycle took, in ms (for /metrics and the bench). */
  lastCycleMs(): number | null {
    return this.#lastCycleMs;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const started = performance.now();
      this.#running = this.evaluate().then(() => {
        this.#running = null;
        // A chain of timeouts, not an interval: a slow cycle delays the next one instead of overlapping it.
        if (!this.#stopped) this.#schedule(Math.max(0, this.#options.alerting.evaluationIntervalMs - (performance.now() - started)));
      });
    }, delayMs);
  }

  async #cycle(at: number): Promise<void> {
    this.#window.prune(at);
    this.#slo.advance(at);
    const inputs: EvaluationInputs = { window: this.#window, at, coveredFrom: this.#startedAt, burnRate: (id, windowMs, now) => this.#slo.burnRate(id, windowMs, now), sloDataSince: (id) => this.#slo.dataSince(id) };
    const drafts: Draft[] = [];
    const sliceMs = this.#options.cycleSliceMs ?? DEFAULT_CYCLE_SLICE_MS;
    let sliceStarted = performance.now();
    for (const runtime of this.#runtimes) {
      // Every check has its own check_down rule: at 15,000 checks one pass took ~120 ms, a stall the
      // probes' scheduling lag and every reader felt. The cycle yields to the event loop between slices;
      // a sample arriving meanwhile is newer than `at`, which every observation ignores.
      if (performance.now() - sliceStarted >= sliceMs) {
        await nextTurn();
        sliceStarted = performance.now();
      }
      try {
        drafts.push(...this.#step(runtime, inputs));
        runtime.lastError = null;
      } catch (error) {
        // One broken rule (a bug, a bad value) must not stop the others.
        runtime.lastError = error instanceof Error ? error.message : String(error);
      }
      runtime.lastEvaluatedAt = at;
    }
    const muted = inhibitedAlerts(
      drafts.filter((d) => d.next.state.state !== 'inactive').map((d) => ({ fingerprint: d.next.fingerprint, labels: d.next.labels, firing: d.next.state.state === 'firing' })),
      this.#inhibits,
    );
    for (const draft of drafts) if (muted.has(draft.next.fingerprint)) draft.next = { ...draft.next, inhibited: true };

    const changed: Incident[] = [];
    const changes: IncidentChange[] = [];
    const orphans = this.#orphans;
    const work = orphans.length > 0 || drafts.some((draft) => this.#needsIncidentWork(draft, at) || needsSave(draft.next, at));
    // Most cycles change nothing durable: no transaction for them.
    if (work) await this.#options.store.transaction(async (tx) => {
      for (const draft of drafts) await this.#decideIncident(tx, draft, at, changed, changes);
      for (const orphan of orphans) {
        const incident = orphan.incidentId === null ? null : await tx.incidents.get(orphan.incidentId);
        const gone = incident && decideRuleGone(incident, at);
        if (incident && gone) {
          const resolved = await tx.incidents.update(incident.id, gone.changes, gone.event, at);
          changed.push(resolved);
          changes.push({ kind: 'resolved', incident: resolved, at });
        }
      }
      if (changes.length > 0) await this.#options.onIncidentChanges?.(tx, changes);
      const records: RuleInstanceRecord[] = [];
      const deleted = orphans.map((orphan) => orphan.fingerprint);
      for (const draft of drafts) {
        const { next } = draft;
        if (isResting(next)) {
          if (next.saved !== null) deleted.push(next.fingerprint);
          draft.next = { ...next, saved: null };
          continue;
        }
        if (!needsSave(next, at)) continue;
        const key = persistKey(next, at);
        records.push(toRecord(draft.runtime.rule.spec.name, next, at));
        draft.next = { ...next, saved: { key, at } };
      }
      if (records.length > 0 || deleted.length > 0) await tx.ruleState.save(records, deleted);
    });
    // Committed: only now does memory move on (a failed transaction leaves the previous cycle's state).
    this.#orphans = [];
    for (const incident of changed) this.#track(incident);
    // Every instance a rule stepped has its draft (one left unchanged has none and stays).
    for (const { runtime, next } of drafts) {
      if (isResting(next) && runtime.rule.spec.kind !== 'check_down') runtime.instances.delete(next.fingerprint);
      else runtime.instances.set(next.fingerprint, next);
    }
    this.#reindexLive();
    this.#sloStatuses = this.#slo.statuses(at);
    // Once a minute is enough for series the store rolls up per minute anyway.
    const minute = Math.floor(at / 60_000);
    if (minute !== this.#sloWrittenMinute && this.#sloStatuses.length > 0) {
      this.#sloWrittenMinute = minute;
      this.#options.feed.writeSamples(this.#slo.series(this.#sloStatuses, at), 'slo', SLO_SERIES_STALE_MS);
    }
  }

  /** Observes one rule and steps each of its instances. */
  #step(runtime: RuleRuntime, inputs: EvaluationInputs): Draft[] {
    const { spec } = runtime.rule;
    const known = runtime.instances.values();
    const drafts: Draft[] = [];
    const seen = new Set<string>();
    for (const observation of observe(runtime.rule, inputs, known)) {
      const identity = identityOf(runtime, observation.seriesLabels);
      if (seen.has(identity.fingerprint)) continue;
      seen.add(identity.fingerprint);
      const prev = runtime.instances.get(identity.fingerprint) ?? null;
      // Inactive and staying so, with the same value and counters: the instance stays as it is, the same
      // object (a healthy check, most cycles). A new instance per rule per cycle was ~1 KB at 40,000 checks
      // that lived until the next cycle: old-space garbage that made V8 mark the whole heap every few seconds.
      if (prev !== null && isUnchanged(prev, observation)) continue;
      const step = transition(prev?.state ?? INACTIVE, observation.condition, spec, inputs.at);
      // Inactive before and after, with nothing counted: nothing to decide or keep (most series, most cycles).
      if (prev === null && step.next.state === 'inactive' && observation.counters === undefined) continue;
      drafts.push({
        runtime,
        prev,
        transition: step.transition,
        next: {
          fingerprint: identity.fingerprint,
          labels: identity.labels,
          seriesLabels: observation.seriesLabels,
          state: step.next,
          counters: observation.counters ?? prev?.counters ?? {},
          incidentId: prev?.incidentId ?? null,
          inhibited: false,
          saved: prev?.saved ?? null,
        },
      });
    }
    // Instances whose series left the window (or whose SLO has no events): the condition no longer holds.
    for (const prev of known) {
      if (seen.has(prev.fingerprint)) continue;
      const step = transition(prev.state, { active: false, value: null }, spec, inputs.at);
      drafts.push({ runtime, prev, transition: step.transition, next: { ...prev, state: step.next, inhibited: false } });
    }
    return drafts;
  }

  /** Whether #decideIncident would touch the store for this draft. */
  #needsIncidentWork({ next }: Draft, at: number): boolean {
    if (next.state.state === 'firing') {
      if (next.incidentId === null) return !next.inhibited;
      const incident = this.#active.get(next.incidentId);
      return incident !== undefined && incident.lastValue !== next.state.value && at - incident.updatedAt >= SAVE_EVERY_MS;
    }
    return next.incidentId !== null;
  }

  /** The incident side of one instance's step, inside the cycle's transaction. */
  async #decideIncident(tx: StoreTx, draft: Draft, at: number, changed: Incident[], changes: IncidentChange[]): Promise<void> {
    const { next } = draft;
    const { spec } = draft.runtime.rule;
    const value = next.state.value;
    if (next.state.state === 'firing') {
      if (next.incidentId !== null) {
        const incident = this.#active.get(next.incidentId);
        // The last value reaches the incident now and then, not on every cycle.
        if (incident && incident.lastValue !== value && at - incident.updatedAt >= SAVE_EVERY_MS) {
          changed.push(await tx.incidents.update(incident.id, { lastValue: value }, null, at));
        }
        return;
      }
      // An inhibited alert opens no incident (it opens one if it still fires once the inhibition ends).
      if (next.inhibited) return;
      const decision = decideFiring(await tx.incidents.latestByFingerprint(next.fingerprint), value, at, this.#options.alerting.reopenWindowMs);
      let incident: Incident;
      if (decision.kind === 'open') {
        const reason = spec.kind === 'check_down' ? (this.#options.checkError?.(spec.checkId) ?? null) : null;
        const fresh = newIncident(spec, next.labels, next.fingerprint, value, at, this.#checks, reason);
        incident = await tx.incidents.create(fresh.incident, fresh.event);
        changes.push({ kind: 'opened', incident, at });
      } else if (decision.kind === 'reopen') {
        incident = await tx.incidents.update(decision.incident.id, decision.changes, decision.event, at);
        changes.push({ kind: 'reopened', incident, at });
      } else incident = decision.incident;
      changed.push(incident);
      draft.next = { ...next, incidentId: incident.id };
      return;
    }
    if (next.incidentId === null) return;
    if (draft.transition === 'resolved' || next.state.state === 'inactive') {
      const incident = this.#active.get(next.incidentId) ?? null;
      // The value that recovered (or, when the series went away, the last one seen).
      const recovery = decideRecovery(incident, value ?? draft.prev?.state.value ?? null, at);
      if (incident && recovery) {
        const resolved = await tx.incidents.update(incident.id, recovery.changes, recovery.event, at);
        changed.push(resolved);
        changes.push({ kind: 'resolved', incident: resolved, at });
      }
      draft.next = { ...next, incidentId: null };
    }
  }

  #track(incident: Incident): void {
    if (incident.state === 'resolved') this.#active.delete(incident.id);
    else this.#active.set(incident.id, incident);
    this.#activeList = null;
  }

  #reindexLive(): void {
    const live = new Map<string, Instance>();
    for (const runtime of this.#runtimes) {
      for (const instance of runtime.instances.values()) if (instance.state.state !== 'inactive') live.set(instance.fingerprint, instance);
    }
    this.#live = live;
  }
}

/** Whether stepping `prev` on this observation would make an instance equal to it: inactive, quiet, alone. */
function isUnchanged(prev: Instance, observation: Observation): boolean {
  const { state } = prev;
  return (
    !observation.condition.active &&
    state.state === 'inactive' &&
    state.value === observation.condition.value &&
    (observation.counters ?? prev.counters) === prev.counters &&
    observation.seriesLabels === prev.seriesLabels &&
    prev.incidentId === null &&
    !prev.inhibited &&
    prev.saved === null
  );
}

/**
 * The alert labels and fingerprint of a rule's series, made once per series labels object: the first
 * series a rule sees is kept in `firstIdentity` (held strongly: one label set per rule at most), any other
 * in the weak map, made on the first of them.
 */
function identityOf(runtime: RuleRuntime, seriesLabels: Labels): AlertIdentity {
  const first = runtime.firstIdentity;
  if (first !== null && first.seriesLabels === seriesLabels) return first;
  const known = runtime.identities?.get(seriesLabels);
  if (known !== undefined) return known;
  const labels = alertLabels(runtime.rule.spec, seriesLabels);
  const identity = { seriesLabels, labels, fingerprint: alertFingerprint(labels) };
  if (first === null) runtime.firstIdentity = identity;
  else (runtime.identities ??= new WeakMap()).set(seriesLabels, identity);
  return identity;
}
