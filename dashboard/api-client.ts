import type {
  ErrorResponse,
  IncidentDetailResponse,
  IncidentJson,
  IncidentListResponse,
  PostmortemSummaryJson,
  SeriesResponse,
  StatusPollResponse,
  StatusResponse,
} from '../api/types.js';
import type { Matcher } from '../lib/matchers.js';
import type { RuleStatus, SloStatus } from '../rules/types.js';
import type { ReportDetailResponse, ReportListResponse } from '../api/reports.js';
import type { ActionItem, IncidentEvent, Postmortem, PostmortemStatus, Silence } from '../store/types.js';

/** An aggregate the series endpoint accepts. */
export type SeriesAggregate = 'avg' | 'min' | 'max' | 'sum' | 'count' | 'last' | 'p50' | 'p90' | 'p95' | 'p99';

/** The parameters of `GET /api/v1/series`. */
export interface SeriesQuery {
  readonly metric: string;
  /** Label matchers, e.g. `{ service: 'api', env: 'prod' }`. */
  readonly match?: Readonly<Record<string, string>>;
  readonly from: number;
  readonly to: number;
  /** A duration (`"15s"`, `"1m"`) or milliseconds. */
  readonly step: string | number;
  readonly agg: SeriesAggregate;
}

/** A request the API refused or could not answer; `code` is the API's own error code when it sent one. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The parameters of `GET /api/v1/incidents`; lists are sent comma-separated. */
export interface IncidentQuery {
  readonly env?: string;
  readonly service?: string;
  readonly states?: readonly string[];
  readonly severities?: readonly string[];
  readonly cursor?: number;
  readonly limit?: number;
}

/** `GET /api/v1/postmortems` */
export interface PostmortemListResponse {
  readonly postmortems: readonly PostmortemSummaryJson[];
  readonly nextCursor: number | null;
}

/** `GET /api/v1/rules` */
export interface RulesResponse {
  readonly rules: readonly RuleStatus[];
  readonly alerts: { readonly inactive: number; readonly pending: number; readonly firing: number };
}

/** What `PUT /api/v1/postmortems/:id` changes. */
export interface PostmortemChanges {
  readonly title?: string;
  readonly status?: PostmortemStatus;
  readonly markdown?: string;
  readonly actionItems?: readonly ActionItem[];
}

/** A new silence: matchers, how long (`"2h"`), why, and who. */
export interface NewSilenceRequest {
  readonly matchers: readonly Matcher[];
  readonly duration: string;
  readonly comment: string;
  readonly by?: string;
}

/** `POST`/`GET /api/v1/session`: who the dashboard is signed in as, and the CSRF token its changes carry. */
export interface SessionJson {
  /** null when the browser is not signed in (anonymous reads). */
  readonly name: string | null;
  readonly role: string | null;
  readonly csrf: string | null;
}

/** Typed access to Vigil's HTTP API. `by` is the name a change is recorded under. */
export interface ApiClient {
  /** Trades an API token for a session cookie (the token is sent this once and not kept). */
  signIn(token: string): Promise<SessionJson>;
  /** Who the session cookie belongs to (name null when not signed in); ApiError 401 for a session that has ended. */
  session(): Promise<SessionJson>;
  signOut(): Promise<unknown>;
  /** The whole status, or with the `cursor` of a previous answer only the cells changed since. */
  status(signal?: AbortSignal, since?: string): Promise<StatusPollResponse>;
  series(query: SeriesQuery, signal?: AbortSignal): Promise<SeriesResponse>;
  incidents(query: IncidentQuery, signal?: AbortSignal): Promise<IncidentListResponse>;
  incident(id: number, signal?: AbortSignal): Promise<IncidentDetailResponse>;
  acknowledge(id: number, by: string, note?: string): Promise<IncidentJson>;
  resolve(id: number, by: string, note?: string): Promise<IncidentJson>;
  addNote(id: number, by: string, text: string): Promise<IncidentEvent>;
  createPostmortem(incidentId: number, by: string): Promise<Postmortem>;
  postmortems(query: { readonly cursor?: number }, signal?: AbortSignal): Promise<PostmortemListResponse>;
  postmortem(id: number, signal?: AbortSignal): Promise<Postmortem>;
  updatePostmortem(id: number, changes: PostmortemChanges): Promise<Postmortem>;
  silences(signal?: AbortSignal): Promise<{ readonly silences: readonly Silence[] }>;
  createSilence(silence: NewSilenceRequest): Promise<Silence>;
  expireSilence(id: number): Promise<Silence>;
  rules(signal?: AbortSignal): Promise<RulesResponse>;
  slos(signal?: AbortSignal): Promise<{ readonly slos: readonly SloStatus[] }>;
  reports(query: { readonly cursor?: number }, signal?: AbortSignal): Promise<ReportListResponse>;
  report(id: number, signal?: AbortSignal): Promise<ReportDetailResponse>;
}

/** Builds the query string of an incident list request; empty filters are left out. */
export function incidentSearchParams(query: IncidentQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.env) params.set('env', query.env);
  if (query.service) params.set('service', query.service);
  if (query.states?.length) params.set('state', query.states.join(','));
  if (query.severities?.length) params.set('severity', query.severities.join(','));
  if (query.cursor !== undefined) params.set('cursor', String(query.cursor));
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  return params;
}

/** Builds the query string of a series request; `match` becomes repeated `match=key=value` parameters. */
export function seriesSearchParams(query: SeriesQuery): URLSearchParams {
  const params = new URLSearchParams({ metric: query.metric });
  for (const [key, value] of Object.entries(query.match ?? {})) params.append('match', `${key}=${value}`);
  params.set('from', String(Math.round(query.from)));
  params.set('to', String(Math.round(query.to)));
  params.set('step', String(query.step));
  params.set('agg', query.agg);
  return params;
}

/**
 * An API client over `fetch`; `baseUrl` is empty when the dashboard is served by Vigil itself. `token`
 * gives a Bearer credential to send at each request (a wall link's key), or null to send none: the
 * session cookie then goes by itself. `csrf` gives the session's CSRF token, sent with every change.
 */
export function createApiClient(
  baseUrl = '',
  fetchFn: typeof fetch = (input, init) => fetch(input, init),
  token: () => string | null = () => null,
  csrf: () => string | null = () => null,
): ApiClient {
  async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    return request<T>('GET', path, undefined, signal);
  }
  // The actor goes in the body's `by`, not the X-Vigil-User header: a header cannot carry every name a person types.
  function send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: object, bearer?: string): Promise<T> {
    return request<T>(method, path, body, undefined, bearer);
  }
  async function request<T>(method: string, path: string, payload: object | undefined, signal?: AbortSignal, bearerGiven?: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    const bearer = bearerGiven ?? token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const csrfToken = method === 'GET' ? null : csrf();
    if (csrfToken) headers['x-vigil-csrf'] = csrfToken;
    const init: RequestInit = { signal, headers };
    if (method !== 'GET') Object.assign(init, { method, body: payload === undefined ? undefined : JSON.stringify(payload) });
    const response = await fetchFn(`${baseUrl}${path}`, init);
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (body as Partial<ErrorResponse> | null)?.error;
      throw new ApiError(response.status, error?.code ?? 'http', error?.message ?? `HTTP ${response.status} ${response.statusText}`.trim());
    }
    if (body === null) throw new ApiError(response.status, 'bad_response', `${path} did not answer with JSON`);
    return body as T;
  }
  return {
    signIn: (text) => send<SessionJson>('POST', '/api/v1/session', undefined, text),
    session: () => getJson<SessionJson>('/api/v1/session'),
    signOut: () => send<unknown>('DELETE', '/api/v1/session'),
    status: (signal, since) => getJson<StatusPollResponse>(since === undefined ? '/api/v1/status' : `/api/v1/status?since=${encodeURIComponent(since)}`, signal),
    series: (query, signal) => getJson<SeriesResponse>(`/api/v1/series?${seriesSearchParams(query)}`, signal),
    incidents: (query, signal) => getJson<IncidentListResponse>(`/api/v1/incidents?${incidentSearchParams(query)}`, signal),
    incident: (id, signal) => getJson<IncidentDetailResponse>(`/api/v1/incidents/${id}`, signal),
    acknowledge: (id, by, note) => send<IncidentJson>('POST', `/api/v1/incidents/${id}/acknowledge`, { by, ...(note ? { note } : {}) }),
    resolve: (id, by, note) => send<IncidentJson>('POST', `/api/v1/incidents/${id}/resolve`, { by, ...(note ? { note } : {}) }),
    addNote: (id, by, text) => send<IncidentEvent>('POST', `/api/v1/incidents/${id}/notes`, { by, text }),
    createPostmortem: (incidentId, by) => send<Postmortem>('POST', `/api/v1/incidents/${incidentId}/postmortem`, { by }),
    postmortems: (query, signal) =>
      getJson<PostmortemListResponse>(`/api/v1/postmortems${query.cursor === undefined ? '' : `?cursor=${query.cursor}`}`, signal),
    postmortem: (id, signal) => getJson<Postmortem>(`/api/v1/postmortems/${id}`, signal),
    updatePostmortem: (id, changes) => send<Postmortem>('PUT', `/api/v1/postmortems/${id}`, changes),
    silences: (signal) => getJson<{ silences: Silence[] }>('/api/v1/silences', signal),
    createSilence: (silence) => send<Silence>('POST', '/api/v1/silences', silence),
    expireSilence: (id) => send<Silence>('DELETE', `/api/v1/silences/${id}`),
    rules: (signal) => getJson<RulesResponse>('/api/v1/rules', signal),
    slos: (signal) => getJson<{ slos: SloStatus[] }>('/api/v1/slos', signal),
    reports: (query, signal) => getJson<ReportListResponse>(`/api/v1/reports${query.cursor === undefined ? '' : `?cursor=${query.cursor}`}`, signal),
    report: (id, signal) => getJson<ReportDetailResponse>(`/api/v1/reports/${id}`, signal),
  };
}
