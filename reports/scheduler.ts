// Runs the scheduled reports: at each run of a report's cron it makes the report of the full days
// before (generate.ts). At start it makes the latest run's report if it is missing (Vigil was down
// then) — the latest only, never a backlog. Every instance runs it; the store's unique key lets one
// of them, and only one, send each report.
import type { ReportSpec } from '../config/reports.js';
import type { Clock } from '../lib/clock.js';
import { parseCron, nextCron, type CronSchedule } from '../rules/cron.js';
import type { Store } from '../store/types.js';
import { generateScheduled, isStored } from './generate.js';
import { latestRun, periodOfRun } from './period.js';
import type { ReportSources } from './read.js';

const DAY_MS = 86_400_000;
/** The longest sleep between checks: a wall clock stepped forward (NTP, a VM resumed) is noticed within it. */
const MAX_SLEEP_MS = 3_600_000;
/** After a failure, try the same run again this much later. */
const RETRY_MS = 5 * 60_000;

export interface ReportSchedulerOptions {
  readonly reports: readonly ReportSpec[];
  readonly sources: ReportSources;
  readonly store: Pick<Store, 'transaction' | 'reports'>;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** Called after a report's messages were queued (the dispatcher's wake). */
  readonly onQueued?: () => void;
  /** Called when this instance made a report, or failed to (the metrics). */
  readonly onResult?: (report: string, result: 'made' | 'failed', at: number) => void;
}

export class ReportScheduler {
  readonly #opts: ReportSchedulerOptions;
  readonly #crons: ReadonlyMap<string, CronSchedule>;
  /** The run each report last handled (made, found stored, or given up on), by name. */
  readonly #handled = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  #stopped = false;
  /** Aborted by stop: a report being read stops between two queries instead of holding up the shutdown. */
  readonly #abort = new AbortController();

  constructor(opts: ReportSchedulerOptions) {
    this.#opts = opts;
    this.#crons = new Map(opts.reports.map((spec) => [spec.name, parseCron(spec.schedule)]));
  }

  /** Makes the missing latest reports now, then sleeps until the next run. */
  start(): void {
    if (this.#opts.reports.length === 0) return;
    this.#wake();
  }

  /** Waits for a report being made, then stops; nothing runs after it returns. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('Vigil is stopping'));
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#pass;
  }

  /**
   * Makes, for each report, the report of its latest run at or before `at` unless handled or stored
   * already. Returns the reports made. A run older than the report's period is not made: a newer
   * report is due before long.
   */
  async runDue(at: number): Promise<string[]> {
    const made: string[] = [];
    for (const spec of this.#opts.reports) {
      if (this.#stopped) break;
      const run = latestRun(this.#crons.get(spec.name)!, spec.timezone, at, spec.periodDays * DAY_MS);
      if (run === null || this.#handled.get(spec.name) === run) continue;
      const period = periodOfRun(run, spec.periodDays, spec.timezone);
      try {
        if (!(await isStored(this.#opts.store, spec.name, period.from))) {
          const result = await generateScheduled(this.#opts.sources, this.#opts.store, spec, period, at, this.#abort.signal);
          if (result) {
            made.push(spec.name);
            this.#opts.onResult?.(spec.name, 'made', at);
            this.#opts.log(`reports: made ${spec.name} for ${new Date(period.from).toISOString()} – ${new Date(period.to).toISOString()} (report ${result.record.id}), ${result.messages} message(s) queued`);
            if (result.messages > 0) this.#opts.onQueued?.();
          }
        }
        this.#handled.set(spec.name, run);
      } catch (error) {
        // Stopping: the next start makes it (the run is still the latest then, or a newer one is).
        if (this.#abort.signal.aborted) break;
        // Not marked handled: the next wake (within RETRY_MS) tries this run again.
        this.#opts.onResult?.(spec.name, 'failed', at);
        this.#opts.log(`reports: could not make ${spec.name} (will retry): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return made;
  }

  /** When to wake next: the earliest next run of any report, at most MAX_SLEEP_MS away. */
  nextWakeAt(at: number): number {
    let next = at + MAX_SLEEP_MS;
    for (const spec of this.#opts.reports) {
      const handled = this.#handled.get(spec.name);
      const run = nextCron(this.#crons.get(spec.name)!, at, spec.timezone);
      if (run !== null) next = Math.min(next, run);
      // A run that failed is retried soon, not at the next cron time.
      const latest = latestRun(this.#crons.get(spec.name)!, spec.timezone, at, spec.periodDays * DAY_MS);
      if (latest !== null && latest !== handled) next = Math.min(next, at + RETRY_MS);
    }
    return next;
  }

  #wake(): void {
    if (this.#stopped) return;
    this.#pass = (async () => {
      try {
        await this.runDue(this.#opts.clock.now());
      } catch (error) {
        // A bug, not a report's failure (those are caught per report): logged, and the schedule goes on.
        this.#opts.log(`reports: the scheduler failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (this.#stopped) return;
      const now = this.#opts.clock.now();
      this.#timer = setTimeout(() => this.#wake(), Math.max(0, this.nextWakeAt(now) - now));
      this.#timer.unref();
    })().finally(() => (this.#pass = null));
  }
}
