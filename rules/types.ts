// The alerting model as the rest of Vigil trusts it: what config/ compiles `defaults:`, `rules:`,
// services' `slos:`, `inhibit:` and `maintenance:` into (validated once, durations in ms, matchers
// checked), and the views of the running engine that the API and /metrics read.
import type { Matcher } from '../lib/matchers.js';
import type { Incident, IncidentEvent, Labels, Severity, StoreTx } from '../store/types.js';

export type { Severity };

/** How a threshold rule reduces each series' samples in its `over` window to one value. */
export type RuleAggregate = 'last' | 'avg' | 'min' | 'max' | 'sum' | 'count' | 'rate' | 'increase' | 'p50' | 'p90' | 'p95' | 'p99';
export const RULE_AGGREGATES: readonly RuleAggregate[] = ['last', 'avg', 'min', 'max', 'sum', 'count', 'rate', 'increase', 'p50', 'p90', 'p95', 'p99'];

/** Where a rule came from: the config's `rules:`, a default rule of every check, or an SLO's burn-rate alerts. */
export type RuleOrigin = 'config' | 'default' | 'slo';

interface RuleCommon {
  /** The alert name (`alertname` label): `ReplicaLagHigh`, `CheckDown`, `SloBurnRate`. */
  readonly name: string;
  readonly severity: Severity;
  /** The condition must hold this long before the rule fires (pending until then); 0 fires at once. */
  readonly forMs: number;
  /** A firing rule keeps firing this long after its condition stops holding (against flapping). */
  readonly keepFiringForMs: number;
  /** Template of the incident summary: `{{value}}`, `{{labels.env}}`, `{{check}}`, …; null → a default sentence. */
  readonly summary: string | null;
  /** Template of the runbook link; null → the runbook of the alert's check or service, if any. */
  readonly runbook: string | null;
  /** Labels added to every alert of the rule. */
  readonly labels: Labels;
  readonly origin: RuleOrigin;
}

/** `metric` aggregated over `over` per series, compared with a threshold; hysteresis with `recover`. */
export interface ThresholdRule extends RuleCommon {
  readonly kind: 'threshold';
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly aggregate: RuleAggregate;
  /** The window each evaluation reduces; for `last`, how old the last sample may be. */
  readonly overMs: number;
  readonly op: 'above' | 'below';
  readonly threshold: number;
  /** A firing rule resolves only once the value is back past this (below it for `above`); null → the threshold. */
  readonly recover: number | null;
}

/** Fires for each series of `metric` (matching) that has had no sample for `nodataMs`, or when none ever matched. */
export interface NoDataRule extends RuleCommon {
  readonly kind: 'nodata';
  readonly metric: string;
  readonly matchers: readonly Matcher[];
  readonly nodataMs: number;
}

/** The default `down` rule of one check: `afterFailures` failed runs in a row, or failing for `orAfterMs`, whichever first. */
export interface CheckDownRule extends RuleCommon {
  readonly kind: 'check_down';
  /** `env/service/check`. */
  readonly checkId: string;
  readonly env: string;
  readonly service: string;
  readonly check: string;
  readonly afterFailures: number;
  readonly orAfterMs: number;
}

/** One window pair of a burn-rate alert: it holds while both windows burn faster than `factor`. */
export interface BurnRateWindow {
  readonly factor: number;
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
}

/**
 * An SLO's multiwindow, multi-burn-rate alert of one severity: it fires while any of its window pairs
 * holds (the workbook's page alert is 14.4× over 1h and 5m OR 6× over 6h and 30m), so a fast burn is
 * one page, not one per tier.
 */
export interface BurnRateRule extends RuleCommon {
  readonly kind: 'burn_rate';
  readonly sloId: string;
  /** Shortest long window first. */
  readonly windows: readonly BurnRateWindow[];
}

export type RuleSpec = ThresholdRule | NoDataRule | CheckDownRule | BurnRateRule;

/** A rolling window (the last 28 days) or a calendar one (this month, in a timezone). */
export type SloWindow =
  | { readonly kind: 'rolling'; readonly ms: number }
  | { readonly kind: 'calendar'; readonly unit: 'week' | 'month' | 'quarter'; readonly timezone: string };

/** One burn-rate tier as configured (SRE workbook defaults scaled to the SLO's window). */
export interface BurnRateTier {
  readonly severity: Severity;
  readonly factor: number;
  readonly longWindowMs: number;
  readonly shortWindowMs: number;
}

/** An SLO of one service in one environment. */
export interface SloSpec {
  /** `env/service/name`, unique. */
  readonly id: string;
  /** `availability`, `latency`, or the name written in the config. */
  readonly name: string;
  readonly env: string;
  readonly service: string;
  /** Availability: the success ratio of the service's runs. Latency: the fraction of runs faster than the threshold. */
  readonly sli: { readonly kind: 'availability' } | { readonly kind: 'latency'; readonly thresholdSeconds: number };
  /** 0.999 for 99.9 %. */
  readonly objective: number;
  readonly window: SloWindow;
  readonly tiers: readonly BurnRateTier[];
}

/** Alerts matching `source` mute alerts matching `target` that agree on every `equal` label (Alertmanager's inhibit_rules). */
export interface InhibitSpec {
  readonly source: readonly Matcher[];
  readonly target: readonly Matcher[];
  readonly equal: readonly string[];
}

/** A maintenance window: recurring (cron in a timezone, for a duration) or once. */
export interface MaintenanceSpec {
  /** `maintenance[2]`, for messages and the API. */
  readonly id: string;
  /** Environments it covers; null → all. */
  readonly environments: readonly string[] | null;
  /** Services it covers; null → all. */
  readonly services: readonly string[] | null;
  readonly reason: string | null;
  readonly schedule:
    | { readonly kind: 'cron'; readonly cron: string; readonly durationMs: number; readonly timezone: string }
    | { readonly kind: 'once'; readonly start: number; readonly end: number };
}

/** Everything the rules engine runs, compiled from the config. */
export interface AlertingConfig {
  /** How often rules are evaluated (default 5 s). */
  readonly evaluationIntervalMs: number;
  /** An alert firing again this soon after its incident resolved reopens it (default 30 min). */
  readonly reopenWindowMs: number;
  readonly rules: readonly RuleSpec[];
  readonly slos: readonly SloSpec[];
  readonly inhibit: readonly InhibitSpec[];
  readonly maintenance: readonly MaintenanceSpec[];
}

// ---- The running engine, as the API and /metrics read it ----

export type AlertState = 'inactive' | 'pending' | 'firing';

/** One instance of a rule (one label set) now. */
export interface AlertStatus {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly state: AlertState;
  readonly activeSince: number | null;
  readonly firingSince: number | null;
  readonly value: number | null;
  /** Muted by an inhibit rule (no incident opens while it is). */
  readonly inhibited: boolean;
  readonly incidentId: number | null;
}

/** A rule and its instances that are pending or firing. */
export interface RuleStatus {
  readonly name: string;
  readonly kind: RuleSpec['kind'];
  readonly origin: RuleOrigin;
  readonly severity: Severity;
  /** One line describing the condition: `max(replica_lag_seconds{env="prod"}[5m]) > 30 for 2m`. */
  readonly expression: string;
  readonly alerts: readonly AlertStatus[];
  readonly lastEvaluatedAt: number | null;
  /** Why the last evaluation failed (a store error), or null. */
  readonly lastError: string | null;
}

/** An SLO now: its SLI over the window, the error budget left, and the burn rate per alert window. */
export interface SloStatus {
  readonly id: string;
  readonly name: string;
  readonly env: string;
  readonly service: string;
  readonly sli: SloSpec['sli']['kind'];
  readonly objective: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Good / valid events in the window, maintenance excluded; null with no events yet. */
  readonly sliValue: number | null;
  /** 1 − (bad events / allowed bad events); negative once the budget is overspent; null with no events. */
  readonly errorBudgetRemaining: number | null;
  readonly burnRates: ReadonlyArray<{ readonly windowMs: number; readonly rate: number | null }>;
  readonly events: { readonly good: number; readonly total: number };
  /** Time of the window spent in maintenance (excluded). */
  readonly maintenanceMs: number;
}

/** What happened to an incident. `escalated`: not acknowledged in time, sent on to the next receiver. */
export type ChangeKind = 'opened' | 'acknowledged' | 'escalated' | 'resolved' | 'reopened';
export const CHANGE_KINDS: readonly ChangeKind[] = ['opened', 'acknowledged', 'escalated', 'resolved', 'reopened'];

/** One change of one incident, as the engine (or an API action) commits it. */
export interface IncidentChange {
  readonly kind: ChangeKind;
  /** The incident after the change. */
  readonly incident: Incident;
  readonly at: number;
}

/**
 * Called inside the transaction that commits incident changes, with those changes: what must commit
 * with them (notification outbox rows) is written on `tx`, so a crash can lose neither.
 */
export type IncidentChangeSink = (tx: StoreTx, changes: readonly IncidentChange[]) => Promise<void>;

/** Actions on incidents that people take through the API; each is one store transaction. */
export interface IncidentActions {
  /** ConflictError when resolved; acknowledging twice is a no-op that returns the incident. */
  acknowledge(id: number, by: string, at: number): Promise<Incident>;
  /** A manual resolve; recorded as such when the rule still fires. ConflictError when already resolved. */
  resolve(id: number, by: string, at: number, note: string | null): Promise<Incident>;
  addNote(id: number, by: string, text: string, at: number): Promise<IncidentEvent>;
}

/** What the API and /metrics read of the running engine. */
/** Alert instances of a rule name that are pending and firing now. */
export interface AlertCounts {
  readonly pending: number;
  readonly firing: number;
}

export interface AlertingView {
  rules(): readonly RuleStatus[];
  /**
   * Pending and firing alerts per rule name, rules of one name summed (every check's default rule is
   * `CheckDown`): what /metrics exposes at each scrape, without building `rules()` for 40,000 rules.
   */
  alertCounts(): ReadonlyMap<string, AlertCounts>;
  slos(): readonly SloStatus[];
  /** Incidents not yet resolved, as the engine last saw them (kept in memory: the status page and /metrics read it on every call). */
  activeIncidents(): readonly Incident[];
  readonly actions: IncidentActions;
}
