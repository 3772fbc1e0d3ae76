// The OTLP/JSON requests of schema.ts, checked and normalised by hand: the output zod gives (declared
// keys only, 64-bit integers and doubles sent as strings turned into numbers) at a tenth of its cost,
// which was most of a JSON export's ingest time. Anything this does not take as is (a wrong type, a null,
// a number out of range) returns null and the caller asks the zod schema, which then decides and words
// the error: so the answers, errors included, stay the schema's.
import { DOUBLE_TEXT, INT64_TEXT, type MetricsRequest, type TracesRequest } from './schema.js';

type Json = Record<string, unknown>;

/** Thrown inside to leave at the first value the fast path does not take; never escapes this module. */
class NotFast {}
const NOT_FAST = new NotFast();


/** An ExportMetricsServiceRequest as the schema would output it, or null: ask the schema. */
export function fastMetricsRequest(value: unknown): MetricsRequest | null {
  return attempt(() => {
    const request = object(value);
    const out: Json = {};
    if (request.resourceMetrics !== undefined) {
      out.resourceMetrics = list(request.resourceMetrics, (rm) => {
        const o: Json = {};
        if (rm.resource !== undefined) o.resource = resource(rm.resource);
        if (rm.scopeMetrics !== undefined) o.scopeMetrics = list(rm.scopeMetrics, (sm) => (sm.metrics === undefined ? {} : { metrics: list(sm.metrics, metric) }));
        return o;
      });
    }
    return out as MetricsRequest;
  });
}

/** An ExportTraceServiceRequest as the schema would output it, or null: ask the schema. */
export function fastTracesRequest(value: unknown): TracesRequest | null {
  return attempt(() => {
    const request = object(value);
    const out: Json = {};
    if (request.resourceSpans !== undefined) {
      out.resourceSpans = list(request.resourceSpans, (rs) => {
        const o: Json = {};
        if (rs.resource !== undefined) o.resource = resource(rs.resource);
        if (rs.scopeSpans !== undefined) o.scopeSpans = list(rs.scopeSpans, (ss) => (ss.spans === undefined ? {} : { spans: list(ss.spans, span) }));
        return o;
      });
    }
    return out as TracesRequest;
  });
}

function attempt<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch (error) {
    if (error === NOT_FAST) return null;
    throw error;
  }
}

function object(value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw NOT_FAST;
  return value as Json;
}

function list<T>(value: unknown, item: (o: Json) => T): T[] {
  if (!Array.isArray(value)) throw NOT_FAST;
  const out: T[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) out[i] = item(object(value[i]));
  return out;
}

function numbers(value: unknown, item: (v: unknown) => number): number[] {
  if (!Array.isArray(value)) throw NOT_FAST;
  const out: number[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) out[i] = item(value[i]);
  return out;
}

function string(value: unknown): string {
  if (typeof value !== 'string') throw NOT_FAST;
  return value;
}

function int64(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && INT64_TEXT.test(value)) return Number(value);
  throw NOT_FAST;
}

function double(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && DOUBLE_TEXT.test(value)) return Number(value);
  throw NOT_FAST;
}

function integer(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw NOT_FAST;
}

/** Copies `key` of `from` through `read` when present (JSON has no undefined: absent is absent). */
function copy(from: Json, to: Json, key: string, read: (v: unknown) => unknown): void {
  const value = from[key];
  if (value !== undefined) to[key] = read(value);
}

function resource(value: unknown): Json {
  const r = object(value);
  return r.attributes === undefined ? {} : { attributes: attributes(r.attributes) };
}

function attributes(value: unknown): Json[] {
  return list(value, keyValue);
}

function keyValue(kv: Json): Json {
  const out: Json = { key: string(kv.key) };
  if (kv.value !== undefined) out.value = anyValue(object(kv.value));
  return out;
}

function anyValue(v: Json): Json {
  const out: Json = {};
  // The fields every point has are read by name, not through copy(): a store to a fixed key stays
  // monomorphic (copy() was ~3 % of a JSON export's CPU).
  if (v.stringValue !== undefined) out.stringValue = string(v.stringValue);
  if (v.boolValue !== undefined) {
    if (typeof v.boolValue !== 'boolean') throw NOT_FAST;
    out.boolValue = v.boolValue;
  }
  copy(v, out, 'intValue', int64);
  copy(v, out, 'doubleValue', double);
  if (v.arrayValue !== undefined) {
    const a = object(v.arrayValue);
    out.arrayValue = a.values === undefined ? {} : { values: list(a.values, anyValue) };
  }
  if (v.kvlistValue !== undefined) {
    const k = object(v.kvlistValue);
    out.kvlistValue = k.values === undefined ? {} : { values: list(k.values, keyValue) };
  }
  copy(v, out, 'bytesValue', string);
  return out;
}

function metric(m: Json): Json {
  const out: Json = {};
  copy(m, out, 'name', string);
  copy(m, out, 'unit', string);
  if (m.gauge !== undefined) out.gauge = points(object(m.gauge), numberPoint, false, false);
  if (m.sum !== undefined) out.sum = points(object(m.sum), numberPoint, true, true);
  if (m.histogram !== undefined) out.histogram = points(object(m.histogram), histogramPoint, true, false);
  if (m.exponentialHistogram !== undefined) out.exponentialHistogram = points(object(m.exponentialHistogram), exponentialPoint, true, false);
  if (m.summary !== undefined) out.summary = points(object(m.summary), summaryPoint, false, false);
  return out;
}

function points(container: Json, point: (p: Json) => Json, temporality: boolean, monotonic: boolean): Json {
  const out: Json = {};
  if (container.dataPoints !== undefined) out.dataPoints = list(container.dataPoints, point);
  if (temporality) copy(container, out, 'aggregationTemporality', integer);
  if (monotonic && container.isMonotonic !== undefined) {
    if (typeof container.isMonotonic !== 'boolean') throw NOT_FAST;
    out.isMonotonic = container.isMonotonic;
  }
  return out;
}

/** attributes, startTimeUnixNano, timeUnixNano: every point has them. */
function pointBase(p: Json): Json {
  const out: Json = {};
  if (p.attributes !== undefined) out.attributes = attributes(p.attributes);
  if (p.startTimeUnixNano !== undefined) out.startTimeUnixNano = int64(p.startTimeUnixNano);
  if (p.timeUnixNano !== undefined) out.timeUnixNano = int64(p.timeUnixNano);
  return out;
}

function numberPoint(p: Json): Json {
  const out = pointBase(p);
  if (p.asDouble !== undefined) out.asDouble = double(p.asDouble);
  if (p.asInt !== undefined) out.asInt = int64(p.asInt);
  return out;
}

function histogramPoint(p: Json): Json {
  const out = pointBase(p);
  copy(p, out, 'count', int64);
  copy(p, out, 'sum', double);
  if (p.bucketCounts !== undefined) out.bucketCounts = numbers(p.bucketCounts, int64);
  if (p.explicitBounds !== undefined) out.explicitBounds = numbers(p.explicitBounds, double);
  copy(p, out, 'min', double);
  copy(p, out, 'max', double);
  return out;
}

function buckets(value: unknown): Json {
  const b = object(value);
  const out: Json = {};
  copy(b, out, 'offset', integer);
  if (b.bucketCounts !== undefined) out.bucketCounts = numbers(b.bucketCounts, int64);
  return out;
}

function exponentialPoint(p: Json): Json {
  const out = pointBase(p);
  copy(p, out, 'count', int64);
  copy(p, out, 'sum', double);
  if (p.scale !== undefined) {
    const scale = integer(p.scale);
    if (scale < -10 || scale > 20) throw NOT_FAST;
    out.scale = scale;
  }
  copy(p, out, 'zeroCount', int64);
  copy(p, out, 'positive', buckets);
  copy(p, out, 'negative', buckets);
  copy(p, out, 'min', double);
  copy(p, out, 'max', double);
  return out;
}

function summaryPoint(p: Json): Json {
  const out = pointBase(p);
  copy(p, out, 'count', int64);
  copy(p, out, 'sum', double);
  if (p.quantileValues !== undefined) {
    out.quantileValues = list(p.quantileValues, (q) => {
      const o: Json = {};
      copy(q, o, 'quantile', double);
      copy(q, o, 'value', double);
      return o;
    });
  }
  return out;
}

function span(s: Json): Json {
  const out: Json = {};
  copy(s, out, 'name', string);
  copy(s, out, 'kind', integer);
  copy(s, out, 'startTimeUnixNano', int64);
  copy(s, out, 'endTimeUnixNano', int64);
  if (s.attributes !== undefined) out.attributes = attributes(s.attributes);
  if (s.status !== undefined) {
    const st = object(s.status);
    out.status = st.code === undefined ? {} : { code: integer(st.code) };
  }
  return out;
}
