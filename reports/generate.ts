// Making a report: compute it, store it, and in the same transaction write a message for each of its
// receivers to the outbox (the dispatcher delivers at least once, with retries). A scheduled report
// that is already stored (a restart, or another instance on the same PostgreSQL) is not sent again.
import type { ReportSpec } from '../config/reports.js';
import { AD_HOC_REPORT_NAME } from '../config/reports.js';
import type { NewOutboxMessage, NotificationMessage } from '../notify/types.js';
import type { ReportRecord, Store } from '../store/types.js';
import { reportDigest } from './digest.js';
import type { Period } from './period.js';
import { buildReport, type ReportSources } from './read.js';
import type { SlaReport } from './types.js';

/** The outbox group of a report's messages. */
export function reportGroupKey(name: string): string {
  return `report:${name}`;
}

/** A report's message to each receiver; its dedupe makes a second enqueue of the same one a no-op. */
export function reportMessages(record: ReportRecord, report: SlaReport, receivers: readonly string[], at: number): NewOutboxMessage[] {
  const groupKey = reportGroupKey(record.name);
  const message: NotificationMessage = { kind: 'report', groupKey, groupLabels: {}, alerts: [], folded: 0, escalation: null, report: reportDigest(record.id, report) };
  return receivers.map((receiver) => ({ receiver, groupKey, dueAt: at, createdAt: at, dedupe: `report:${record.id}:${receiver}`, incidentIds: [], message }));
}

/** The stored form of a computed report. */
function newReport(report: SlaReport, kind: ReportRecord['kind'], createdBy: string | null) {
  return {
    name: report.name,
    kind,
    periodStart: report.from,
    periodEnd: report.to,
    generatedAt: report.generatedAt,
    createdBy,
    availability: report.fleet.availability,
    slaMissed: report.fleet.servicesMissed,
    incidents: report.fleet.incidents.opened,
    body: JSON.stringify(report),
  };
}

/** Whether the scheduled report of `name` for the period starting at `periodStart` is stored already. */
export async function isStored(store: Pick<Store, 'reports'>, name: string, periodStart: number): Promise<boolean> {
  const { reports } = await store.reports.list({ name, limit: 1 });
  return reports[0]?.periodStart === periodStart;
}

/**
 * Computes the scheduled report of `spec` for `period`, stores it and queues its messages, all or
 * nothing; null when it was stored already (then nothing is sent).
 */
export async function generateScheduled(
  sources: ReportSources,
  store: Pick<Store, 'transaction'>,
  spec: ReportSpec,
  period: Period,
  at: number,
  signal?: AbortSignal,
): Promise<{ record: ReportRecord; messages: number } | null> {
  const report = await buildReport(sources, { name: spec.name, ...period, timezone: spec.timezone, envs: spec.envs, target: spec.target, generatedAt: at, signal });
  return store.transaction(async (tx) => {
    const record = await tx.reports.insertIfAbsent(newReport(report, 'scheduled', null));
    if (record === null) return null;
    const written = await tx.outbox.enqueue(reportMessages(record, report, spec.receivers, at));
    return { record, messages: written.length };
  });
}

/** What an ad-hoc report (API, CLI) asks for. */
export interface AdHocRequest extends Period {
  readonly timezone: string;
  readonly envs: readonly string[] | null;
  /** Null: each service's own target. */
  readonly target: number | null;
  readonly createdBy: string;
}

/** Computes and stores an ad-hoc report (sent to no one). */
export async function generateAdHoc(sources: ReportSources, store: Pick<Store, 'reports'>, request: AdHocRequest, at: number): Promise<ReportRecord> {
  const report = await buildReport(sources, { name: AD_HOC_REPORT_NAME, from: request.from, to: request.to, timezone: request.timezone, envs: request.envs, target: request.target, generatedAt: at });
  const record = await store.reports.insertIfAbsent(newReport(report, 'ad-hoc', request.createdBy));
  // Ad-hoc reports have no unique key: the insert always writes.
  return record!;
}
