// The Reports pages' state: the list (polled while shown) and one report (loaded once per id).
import { effect, signal, type ReadonlySignal } from '@preact/signals';
import type { ReportDetailResponse, ReportListResponse } from '../../api/reports.js';
import type { ApiClient } from '../api-client.js';
import type { VisibilitySource } from './poller.js';
import { createResource, type Resource } from './resource.js';
import { describeFailure } from './status.js';

/** `#/reports`: the newest page of SLA reports, polled while shown (a scheduled one appears by itself). */
export interface ReportListModel {
  readonly resource: Resource<ReportListResponse>;
  start(): void;
  stop(): void;
}

export function createReportListModel(options: { api: ApiClient; visibility?: VisibilitySource; intervalMs?: number }): ReportListModel {
  const resource = createResource({ load: (signal) => options.api.reports({}, signal), intervalMs: options.intervalMs ?? 60_000, visibility: options.visibility });
  return { resource, start: () => resource.poller.start(), stop: () => resource.poller.stop() };
}

/** `#/reports/<id>`: one report, loaded once (a stored report never changes). */
export interface ReportDetailModel {
  readonly report: ReadonlySignal<ReportDetailResponse | null>;
  readonly error: ReadonlySignal<string | null>;
  start(): void;
  stop(): void;
}

export function createReportDetailModel(options: { api: ApiClient; id: ReadonlySignal<number | null> }): ReportDetailModel {
  const report = signal<ReportDetailResponse | null>(null);
  const error = signal<string | null>(null);
  let controller: AbortController | undefined;
  let stopFollowing: (() => void) | undefined;
  return {
    report,
    error,
    start() {
      stopFollowing = effect(() => {
        const id = options.id.value;
        controller?.abort();
        report.value = null;
        error.value = null;
        if (id === null) return;
        const own = new AbortController();
        controller = own;
        options.api.report(id, own.signal).then(
          (answer) => {
            if (!own.signal.aborted) report.value = answer;
          },
          (failure: unknown) => {
            if (!own.signal.aborted) error.value = describeFailure(failure);
          },
        );
      });
    },
    stop() {
      stopFollowing?.();
      controller?.abort();
    },
  };
}

/** `99.953%` (three decimals: a 99.9 % target is met or missed in the third); `no data` for none. */
export function formatAvailability(fraction: number | null): string {
  return fraction === null ? 'no data' : `${(fraction * 100).toFixed(3)}%`;
}

/** `2026-01-05 – 2026-01-11`: the days a report covers, both ends included (UTC dates); one day once. */
export function reportDays(from: number, to: number): string {
  const day = (at: number) => new Date(at).toISOString().slice(0, 10);
  return to - from <= 86_400_000 ? day(from) : `${day(from)} – ${day(to - 1)}`;
}
