// ExportTraceServiceRequest → span groups: per env, service, span name and kind, how many spans ended,
// how many failed, and their durations. Spans themselves are not kept; span-metrics.ts turns the groups
// into the SLI series span_requests_total, span_errors_total and span_duration_seconds.
import { attribute, sourceIdentity, type IdentityDefaults, type SourceIdentity } from './attributes.js';
import { SPAN_KINDS, SPAN_KIND_SERVER, STATUS_CODE_ERROR, type OtlpSpan, type TracesRequest } from './schema.js';

/** The spans of one request that share env, service, name and kind. */
export interface SpanGroup {
  readonly identity: SourceIdentity;
  readonly name: string;
  readonly kind: string;
  count: number;
  errors: number;
  /** Durations in seconds. */
  readonly durations: number[];
}

export interface MappedSpans {
  readonly groups: readonly SpanGroup[];
  readonly spans: number;
}

/** A span failed: status ERROR, or a server span that answered with an HTTP 5xx. */
export function spanFailed(span: OtlpSpan): boolean {
  if (span.status?.code === STATUS_CODE_ERROR) return true;
  if (span.kind !== SPAN_KIND_SERVER) return false;
  const status = Number(attribute(span.attributes, 'http.response.status_code') ?? attribute(span.attributes, 'http.status_code'));
  return status >= 500 && status <= 599;
}

/** Groups a request's spans. */
export function mapTraces(request: TracesRequest, defaults: IdentityDefaults): MappedSpans {
  const groups = new Map<string, SpanGroup>();
  let spans = 0;
  for (const resourceSpans of request.resourceSpans ?? []) {
    const identity = sourceIdentity(resourceSpans.resource?.attributes, defaults);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans++;
        const name = span.name ?? '';
        const kind = SPAN_KINDS[span.kind ?? 0] ?? 'unspecified';
        const key = `${identity.env}\u0000${identity.service}\u0000${name}\u0000${kind}`;
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { identity, name, kind, count: 0, errors: 0, durations: [] }));
        group.count++;
        if (spanFailed(span)) group.errors++;
        const start = span.startTimeUnixNano ?? 0;
        const end = span.endTimeUnixNano ?? 0;
        group.durations.push(end > start ? (end - start) / 1e9 : 0);
      }
    }
  }
  return { groups: [...groups.values()], spans };
}
