import type { ErrorResponse, SeriesResponse, StatusPollResponse } from '../api/types.js';

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

/** Typed access to Vigil's HTTP API. */
export interface ApiClient {
  /** The whole status, or with the `cursor` of a previous answer only the cells changed since. */
  status(signal?: AbortSignal, since?: string): Promise<StatusPollResponse>;
  series(query: SeriesQuery, signal?: AbortSignal): Promise<SeriesResponse>;
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

/** An API client over `fetch`; `baseUrl` is empty when the dashboard is served by Vigil itself. */
export function createApiClient(baseUrl = '', fetchFn: typeof fetch = (input, init) => fetch(input, init)): ApiClient {
  async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await fetchFn(`${baseUrl}${path}`, { signal, headers: { accept: 'application/json' } });
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (body as Partial<ErrorResponse> | null)?.error;
      throw new ApiError(response.status, error?.code ?? 'http', error?.message ?? `HTTP ${response.status} ${response.statusText}`.trim());
    }
    if (body === null) throw new ApiError(response.status, 'bad_response', `${path} did not answer with JSON`);
    return body as T;
  }
  return {
    status: (signal, since) => getJson<StatusPollResponse>(since === undefined ? '/api/v1/status' : `/api/v1/status?since=${encodeURIComponent(since)}`, signal),
    series: (query, signal) => getJson<SeriesResponse>(`/api/v1/series?${seriesSearchParams(query)}`, signal),
  };
}
