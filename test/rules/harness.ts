// Drives the rules engine through time for tests: a test clock, the in-memory alerting store, a feed
// the test pushes samples into, rule builders with sensible defaults, and series stepped in the notation.
import { AlertingEngine, type AlertingEngineOptions, type AlertingStore } from '../../rules/engine.js';
import type { SampleListener } from '../../ingest/writer.js';
import { matchersFromMap } from '../../lib/matchers.js';
import type { CheckSpec } from '../../probes/probe.js';
import type { AlertingConfig, CheckDownRule, NoDataRule, RuleSpec, ThresholdRule } from '../../rules/types.js';
import type { Labels, Sample } from '../../store/types.js';
import { MemoryAlertingStore } from '../helpers/memory-alerting-store.js';
import { parseSeries, TestClock } from './series.js';

export const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
export const SECOND = 1000;
export const MINUTE = 60_000;

/** The writer as the engine sees it: the test pushes samples, SLO series written are kept. */
export class TestFeed {
  readonly written: Sample[] = [];
  #listeners = new Set<SampleListener>();
  onSamples(listener: SampleListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  writeSamples(samples: readonly Sample[]): { refused: number; refusal: string | null; refusedIndexes: readonly number[] } {
    this.written.push(...samples);
    for (const listener of this.#listeners) listener(samples);
    return { refused: 0, refusal: null, refusedIndexes: [] };
  }
  push(samples: readonly Sample[]): void {
    for (const listener of this.#listeners) listener(samples);
  }
}

export function thresholdRule(overrides: Partial<ThresholdRule> & { match?: Record<string, string> } = {}): ThresholdRule {
  const { match, ...rest } = overrides;
  return {
    kind: 'threshold', name: 'ReplicaLagHigh', severity: 'page', forMs: 0, keepFiringForMs: 0, summary: null, runbook: null, labels: {}, origin: 'config',
    metric: 'replica_lag_seconds', matchers: matchersFromMap(match ?? {}), aggregate: 'last', overMs: 5 * MINUTE, op: 'above', threshold: 30, recover: null,
    ...rest,
  };
}

export function noDataRule(overrides: Partial<NoDataRule> = {}): NoDataRule {
  return {
    kind: 'nodata', name: 'ExportsStalled', severity: 'ticket', forMs: 0, keepFiringForMs: 0, summary: null, runbook: null, labels: {}, origin: 'config',
    metric: 'queue_depth', matchers: [], nodataMs: 10 * MINUTE, ...overrides,
  };
}

export function checkDownRule(overrides: Partial<CheckDownRule> = {}): CheckDownRule {
  return {
    kind: 'check_down', name: 'CheckDown', severity: 'page', forMs: 0, keepFiringForMs: 0, summary: null, runbook: null, labels: {}, origin: 'default',
    checkId: 'prod/api/http', env: 'prod', service: 'api', check: 'http', afterFailures: 2, orAfterMs: MINUTE, ...overrides,
  };
}

export const CHECKS: CheckSpec[] = [
  { id: 'prod/api/http', env: 'prod', service: 'api', name: 'http', kind: 'http', everyMs: 15_000, timeoutMs: 5_000, target: {}, runbook: 'https://runbooks.example.com/api/http' },
];

export function alerting(rules: RuleSpec[], overrides: Partial<AlertingConfig> = {}): AlertingConfig {
  return { evaluationIntervalMs: MINUTE, reopenWindowMs: 30 * MINUTE, rules, slos: [], inhibit: [], maintenance: [], ...overrides };
}

export class Harness<S extends AlertingStore = MemoryAlertingStore> {
  readonly clock = new TestClock(T0);
  readonly feed = new TestFeed();
  readonly logs: string[] = [];
  /** Each check's last error, as the live view would hand it to the engine. */
  readonly checkErrors = new Map<string, string>();
  engine: AlertingEngine;
  /** Steps so far: every step after the first one is one interval later. */
  #steps = 0;

  constructor(
    readonly config: AlertingConfig,
    readonly store: S = new MemoryAlertingStore() as unknown as S,
    checks: CheckSpec[] = CHECKS,
    readonly engineOptions: Pick<AlertingEngineOptions, 'cycleSliceMs'> = {},
  ) {
    this.engine = this.#newEngine(checks);
  }

  #newEngine(checks: CheckSpec[]): AlertingEngine {
    return new AlertingEngine({
      alerting: this.config,
      checks,
      store: this.store,
      clock: this.clock,
      feed: this.feed,
      log: (line) => this.logs.push(line),
      checkError: (checkId) => this.checkErrors.get(checkId) ?? null,
      ...this.engineOptions,
    });
  }

  /** Loads state and subscribes like start(), without the timer: the test steps cycles itself. */
  async begin(): Promise<this> {
    await this.engine.load();
    this.feed.onSamples((samples) => this.engine.ingest(samples));
    return this;
  }

  /** A new engine on the same store (or the store reopened) and clock, as after a restart. */
  async restart(checks: CheckSpec[] = CHECKS, store?: S): Promise<void> {
    if (store) (this as { store: S }).store = store;
    this.engine = this.#newEngine(checks);
    await this.begin();
  }

  /**
   * Steps the series one evaluation interval at a time (a later call goes on one interval after the
   * last step): at each step the sample (if any) is pushed at the current time, then one cycle runs. Returns the alert states seen after each step.
   */
  async run(series: Record<string, { name: string; labels: Labels; values: string }>, each?: (step: number) => Promise<void> | void): Promise<string[][]> {
    const parsed = Object.values(series).map((s) => ({ ...s, steps: parseSeries(s.values) }));
    const length = Math.max(...parsed.map((s) => s.steps.length));
    const seen: string[][] = [];
    for (let step = 0; step < length; step++) {
      if (this.#steps++ > 0) this.clock.advance(this.config.evaluationIntervalMs);
      const samples: Sample[] = [];
      for (const s of parsed) {
        const value = s.steps[step];
        if (value !== null && value !== undefined) samples.push({ name: s.name, labels: s.labels, ts: this.clock.at, value });
      }
      this.feed.push(samples);
      await this.engine.evaluate();
      seen.push(this.engine.rules().flatMap((rule) => rule.alerts.map((alert) => alert.state)));
      await each?.(step);
    }
    return seen;
  }
}
