// The JSON shapes of Vigil's HTTP API, shared by the server and the dashboard.
import type { Incident, IncidentEvent, Postmortem } from '../store/types.js';

export type CellStatus = 'up' | 'degraded' | 'down' | 'unknown';

export interface CheckStatus {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly status: CellStatus;
  /** Epoch ms of the last run; null before the first run. */
  readonly lastRunAt: number | null;
  readonly durationSeconds: number | null;
  readonly error: string | null;
  readonly detail: string | null;
  readonly runbook: string | null;
}

/** One environment × service cell of the status matrix. */
export interface ServiceStatus {
  readonly env: string;
  readonly service: string;
  /** unknown: no check has run; down: every check fails; degraded: some fail or report degraded; up: all pass. */
  readonly status: CellStatus;
  readonly checks: readonly CheckStatus[];
}

/** The open (unresolved) incidents of one environment × service cell. */
export interface CellIncidents {
  readonly env: string;
  readonly service: string;
  readonly open: number;
  /** The most urgent severity among them. */
  readonly severity: Incident['severity'];
}

/** GET /api/v1/status */
export interface StatusResponse {
  readonly generatedAt: number;
  readonly environments: readonly string[];
  readonly services: ReadonlyArray<{ readonly name: string; readonly owner: string | null; readonly description: string | null }>;
  readonly cells: readonly ServiceStatus[];
  /** Cells with open incidents (whole in every answer, partial ones too: it is small). */
  readonly incidents: readonly CellIncidents[];
}

/**
 * GET /api/v1/status: the whole status with a `cursor`; `?since=<cursor>`: only the cells that changed
 * after that answer (a check with a newer result, or one without a recent result, whose detail says for
 * how long), or the whole status (`partial: false`) when the cursor is not from this run of Vigil.
 */
export type StatusPollResponse =
  | (StatusResponse & { readonly partial: false; readonly cursor: string })
  | {
      readonly partial: true;
      readonly generatedAt: number;
      readonly cursor: string;
      readonly cells: readonly ServiceStatus[];
      readonly incidents: readonly CellIncidents[];
    };

/** GET /api/v1/series?metric=…&match=env=prod&from=…&to=…&step=1m&agg=avg */
export interface SeriesResponse {
  readonly metric: string;
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
  readonly aggregate: string;
  readonly resolution: 'raw' | '1m' | '1h';
  readonly series: ReadonlyArray<{ readonly labels: Record<string, string>; readonly points: ReadonlyArray<readonly [number, number]> }>;
  /**
   * Maintenance windows overlapping [from, to) that the query's env/service matchers do not rule out:
   * time that SLOs leave out, for charts to shade. A series is covered when its env is in `environments`
   * (null: all) and its service in `services` (null: all).
   */
  readonly maintenance: readonly MaintenanceMark[];
}

/** One maintenance window in a series answer. */
export interface MaintenanceMark {
  readonly id: string;
  readonly start: number;
  readonly end: number;
  readonly environments: readonly string[] | null;
  readonly services: readonly string[] | null;
  readonly reason: string | null;
}

/** Every error response: `{ error: { code, message } }` with the matching HTTP status. */
export interface ErrorResponse {
  readonly error: { readonly code: 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict' | 'rate_limited' | 'unreadable' | 'internal'; readonly message: string };
}

/** An incident as the API answers it: the stored fields plus time to acknowledge and to resolve. */
export interface IncidentJson extends Incident {
  /** Seconds from open to the first acknowledgement; null until acknowledged. */
  readonly mttaSeconds: number | null;
  /** Seconds from open to resolved; null while unresolved. */
  readonly mttrSeconds: number | null;
}

/** GET /api/v1/incidents */
export interface IncidentListResponse {
  readonly incidents: readonly IncidentJson[];
  /** Pass as `cursor` for the next (older) page; null on the last. */
  readonly nextCursor: number | null;
}

/** GET /api/v1/incidents/:id */
export interface IncidentDetailResponse {
  readonly incident: IncidentJson;
  readonly timeline: readonly IncidentEvent[];
  readonly postmortemId: number | null;
}

/** One row of the postmortem history: the postmortem and what a reader compares across incidents. */
export interface PostmortemSummaryJson {
  readonly id: number;
  readonly incidentId: number;
  readonly title: string;
  readonly status: Postmortem['status'];
  readonly severity: Incident['severity'];
  readonly env: string | null;
  readonly service: string | null;
  readonly openedAt: number;
  /** How long the incident lasted (to now while unresolved). */
  readonly durationSeconds: number;
  readonly mttrSeconds: number | null;
  readonly openActionItems: number;
  readonly updatedAt: number;
}
