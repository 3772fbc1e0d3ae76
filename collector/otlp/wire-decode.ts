// ExportMetricsServiceRequest and ExportTraceServiceRequest decoded straight from the wire into the
// OTLP/JSON shape of schema.ts (what protobufjs' decode + toObject gave, field for field, at a fraction
// of the cost: no Long objects, no intermediate message instances). Only the fields Vigil maps are read
// (the field numbers of opentelemetry-proto v1); every other field is skipped by its wire type, as
// protobuf requires of a reader. A known field in the wrong wire type, a length past its message's end,
// a truncated varint or field number 0 is a malformed body (WireError → 400).
// As protobufjs does: a repeated scalar may come packed or not; a field sent twice keeps the last value
// (a message field is replaced, not merged); each member of a oneof sent is kept.
import type { AnyValue, KeyValue, MetricsRequest, TracesRequest } from './schema.js';
import { FIXED64, LENGTH_DELIMITED, VARINT, WireError, WireReader } from './wire-reader.js';

/** AnyValue nesting (arrays and maps of values) read at most; deeper is refused, not a stack overflow. */
const MAX_VALUE_DEPTH = 32;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Decoded = Record<string, unknown>;

/** Decodes an ExportMetricsServiceRequest; throws WireError on a malformed message. */
export function decodeMetricsRequest(bytes: Uint8Array): MetricsRequest {
  const r = new WireReader(bytes);
  const end = bytes.length;
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 1) out.resourceMetrics = push(out.resourceMetrics as Decoded[] | undefined, message(r, tag, end, 'resource_metrics', resourceMetrics));
    else r.skip(tag & 7, end);
  }
  return out as MetricsRequest;
}

/** Decodes an ExportTraceServiceRequest; throws WireError on a malformed message. */
export function decodeTracesRequest(bytes: Uint8Array): TracesRequest {
  const r = new WireReader(bytes);
  const end = bytes.length;
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 1) out.resourceSpans = push(out.resourceSpans as Decoded[] | undefined, message(r, tag, end, 'resource_spans', resourceSpans));
    else r.skip(tag & 7, end);
  }
  return out as TracesRequest;
}

/** A length-delimited sub-message read by `read` within its length. */
function message<T>(r: WireReader, tag: number, end: number, name: string, read: (r: WireReader, end: number) => T): T {
  r.expect(tag & 7, LENGTH_DELIMITED, name);
  return read(r, r.length(end));
}

function push<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

/** A repeated numeric field: packed (one length-delimited run) or one value per tag. */
function repeated(r: WireReader, tag: number, end: number, list: number[] | undefined, wireType: number, name: string, read: (end: number) => number): number[] | undefined {
  if ((tag & 7) === LENGTH_DELIMITED) {
    const stop = r.length(end);
    while (r.pos < stop) list = push(list, read(stop));
    return list;
  }
  r.expect(tag & 7, wireType, name);
  return push(list, read(end));
}

function resourceMetrics(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        out.resource = message(r, tag, end, 'resource', resource);
        break;
      case 2:
        out.scopeMetrics = push(out.scopeMetrics as Decoded[] | undefined, message(r, tag, end, 'scope_metrics', scopeMetrics));
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return out;
}

function resource(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 1) out.attributes = push(out.attributes as KeyValue[] | undefined, message(r, tag, end, 'attributes', keyValue));
    else r.skip(tag & 7, end);
  }
  return out;
}

function scopeMetrics(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 2) out.metrics = push(out.metrics as Decoded[] | undefined, message(r, tag, end, 'metrics', metric));
    else r.skip(tag & 7, end);
  }
  return out;
}

function metric(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, LENGTH_DELIMITED, 'Metric.name');
        out.name = r.string(end);
        break;
      case 3:
        r.expect(tag & 7, LENGTH_DELIMITED, 'Metric.unit');
        out.unit = r.string(end);
        break;
      case 5:
        out.gauge = message(r, tag, end, 'gauge', (rr, e) => points(rr, e, numberDataPoint, GAUGE));
        break;
      case 7:
        out.sum = message(r, tag, end, 'sum', (rr, e) => points(rr, e, numberDataPoint, SUM));
        break;
      case 9:
        out.histogram = message(r, tag, end, 'histogram', (rr, e) => points(rr, e, histogramDataPoint, HISTOGRAM));
        break;
      case 10:
        out.exponentialHistogram = message(r, tag, end, 'exponential_histogram', (rr, e) => points(rr, e, exponentialDataPoint, HISTOGRAM));
        break;
      case 11:
        out.summary = message(r, tag, end, 'summary', (rr, e) => points(rr, e, summaryDataPoint, GAUGE));
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return out;
}

// Which of fields 2 (aggregation_temporality) and 3 (is_monotonic) a container of data points has.
const GAUGE = 0; // Gauge, Summary: neither
const HISTOGRAM = 1; // Histogram, ExponentialHistogram: temporality
const SUM = 2; // Sum: both

/** Gauge, Sum, Histogram, ExponentialHistogram, Summary: data points (1), temporality (2), monotonic (3). */
function points(r: WireReader, end: number, point: (r: WireReader, end: number) => Decoded, fields: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 1) out.dataPoints = push(out.dataPoints as Decoded[] | undefined, message(r, tag, end, 'data_points', point));
    else if (field === 2 && fields >= HISTOGRAM) {
      r.expect(tag & 7, VARINT, 'aggregation_temporality');
      out.aggregationTemporality = r.uint32(end) | 0;
    } else if (field === 3 && fields === SUM) {
      r.expect(tag & 7, VARINT, 'is_monotonic');
      out.isMonotonic = r.bool(end);
    } else r.skip(tag & 7, end);
  }
  return out;
}

function numberDataPoint(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 2:
        r.expect(tag & 7, FIXED64, 'start_time_unix_nano');
        out.startTimeUnixNano = r.fixed64(end);
        break;
      case 3:
        r.expect(tag & 7, FIXED64, 'time_unix_nano');
        out.timeUnixNano = r.fixed64(end);
        break;
      case 4:
        r.expect(tag & 7, FIXED64, 'as_double');
        out.asDouble = r.double(end);
        break;
      case 6:
        r.expect(tag & 7, FIXED64, 'as_int');
        out.asInt = r.sfixed64(end);
        break;
      case 7:
        out.attributes = push(out.attributes as KeyValue[] | undefined, message(r, tag, end, 'attributes', keyValue));
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return out;
}

/** The fields every histogram and summary point shares: times (2, 3), count (4), sum (5); true when `field` was one. */
function pointCommon(r: WireReader, tag: number, end: number, out: Decoded): boolean {
  switch (tag >>> 3) {
    case 2:
      r.expect(tag & 7, FIXED64, 'start_time_unix_nano');
      out.startTimeUnixNano = r.fixed64(end);
      return true;
    case 3:
      r.expect(tag & 7, FIXED64, 'time_unix_nano');
      out.timeUnixNano = r.fixed64(end);
      return true;
    case 4:
      r.expect(tag & 7, FIXED64, 'count');
      out.count = r.fixed64(end);
      return true;
    case 5:
      r.expect(tag & 7, FIXED64, 'sum');
      out.sum = r.double(end);
      return true;
    default:
      return false;
  }
}

function histogramDataPoint(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (pointCommon(r, tag, end, out)) continue;
    switch (tag >>> 3) {
      case 6:
        out.bucketCounts = repeated(r, tag, end, out.bucketCounts as number[] | undefined, FIXED64, 'bucket_counts', (e) => r.fixed64(e));
        break;
      case 7:
        out.explicitBounds = repeated(r, tag, end, out.explicitBounds as number[] | undefined, FIXED64, 'explicit_bounds', (e) => r.double(e));
        break;
      case 9:
        out.attributes = push(out.attributes as KeyValue[] | undefined, message(r, tag, end, 'attributes', keyValue));
        break;
      case 11:
        r.expect(tag & 7, FIXED64, 'min');
        out.min = r.double(end);
        break;
      case 12:
        r.expect(tag & 7, FIXED64, 'max');
        out.max = r.double(end);
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return out;
}

function exponentialDataPoint(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (pointCommon(r, tag, end, out)) continue;
    switch (tag >>> 3) {
      case 1:
        out.attributes = push(out.attributes as KeyValue[] | undefined, message(r, tag, end, 'attributes', keyValue));
        break;
      case 6:
        r.expect(tag & 7, VARINT, 'scale');
        out.scale = r.sint32(end);
        break;
      case 7:
        r.expect(tag & 7, FIXED64, 'zero_count');
        out.zeroCount = r.fixed64(end);
        break;
      case 8:
        out.positive = message(r, tag, end, 'positive', buckets);
        break;
      case 9:
        out.negative = message(r, tag, end, 'negative', buckets);
        break;
      case 12:
        r.expect(tag & 7, FIXED64, 'min');
        out.min = r.double(end);
        break;
      case 13:
        r.expect(tag & 7, FIXED64, 'max');
        out.max = r.double(end);
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return out;
}

function buckets(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag & 7, VARINT, 'offset');
      out.offset = r.sint32(end);
    } else if (field === 2) out.bucketCounts = repeated(r, tag, end, out.bucketCounts as number[] | undefined, VARINT, 'bucket_counts', (e) => r.uint64(e));
    else r.skip(tag & 7, end);
  }
  return out;
}

function summaryDataPoint(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (pointCommon(r, tag, end, out)) continue;
    const field = tag >>> 3;
    if (field === 6) out.quantileValues = push(out.quantileValues as Decoded[] | undefined, message(r, tag, end, 'quantile_values', valueAtQuantile));
    else if (field === 7) out.attributes = push(out.attributes as KeyValue[] | undefined, message(r, tag, end, 'attributes', keyValue));
    else r.skip(tag & 7, end);
  }
  return out;
}

function valueAtQuantile(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag & 7, FIXED64, 'quantile');
      out.quantile = r.double(end);
    } else if (field === 2) {
      r.expect(tag & 7, FIXED64, 'value');
      out.value = r.double(end);
    } else r.skip(tag & 7, end);
  }
  return out;
}

function keyValue(r: WireReader, end: number, depth = 0): KeyValue {
  const out: Mutable<Partial<KeyValue>> = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag & 7, LENGTH_DELIMITED, 'KeyValue.key');
      out.key = r.string(end);
    } else if (field === 2) {
      // Read in place rather than through message(): no closure per attribute of every point.
      r.expect(tag & 7, LENGTH_DELIMITED, 'KeyValue.value');
      out.value = anyValue(r, r.length(end), depth);
    } else r.skip(tag & 7, end);
  }
  return out as KeyValue;
}

function anyValue(r: WireReader, end: number, depth: number): AnyValue {
  if (depth >= MAX_VALUE_DEPTH) throw new WireError(`attribute values nested deeper than ${MAX_VALUE_DEPTH} at offset ${r.pos}`);
  const out: Mutable<AnyValue> = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        r.expect(tag & 7, LENGTH_DELIMITED, 'string_value');
        out.stringValue = r.string(end);
        break;
      case 2:
        r.expect(tag & 7, VARINT, 'bool_value');
        out.boolValue = r.bool(end);
        break;
      case 3:
        r.expect(tag & 7, VARINT, 'int_value');
        out.intValue = r.int64(end);
        break;
      case 4:
        r.expect(tag & 7, FIXED64, 'double_value');
        out.doubleValue = r.double(end);
        break;
      case 5:
        out.arrayValue = message(r, tag, end, 'array_value', (rr, e) => valueList(rr, e, depth + 1, (r3, e3) => anyValue(r3, e3, depth + 1)));
        break;
      case 6:
        out.kvlistValue = message(r, tag, end, 'kvlist_value', (rr, e) => valueList(rr, e, depth + 1, (r3, e3) => keyValue(r3, e3, depth + 1)));
        break;
      case 7:
        r.expect(tag & 7, LENGTH_DELIMITED, 'bytes_value');
        out.bytesValue = r.base64(end);
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return out;
}

/** ArrayValue and KeyValueList: their repeated field 1. */
function valueList<T>(r: WireReader, end: number, depth: number, read: (r: WireReader, end: number) => T): { values?: T[] } {
  const out: { values?: T[] } = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 1) out.values = push(out.values, message(r, tag, end, 'values', read));
    else r.skip(tag & 7, end);
  }
  return out;
}

function resourceSpans(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 1) out.resource = message(r, tag, end, 'resource', resource);
    else if (field === 2) out.scopeSpans = push(out.scopeSpans as Decoded[] | undefined, message(r, tag, end, 'scope_spans', scopeSpans));
    else r.skip(tag & 7, end);
  }
  return out;
}

function scopeSpans(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 2) out.spans = push(out.spans as Decoded[] | undefined, message(r, tag, end, 'spans', span));
    else r.skip(tag & 7, end);
  }
  return out;
}

function span(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 5:
        r.expect(tag & 7, LENGTH_DELIMITED, 'Span.name');
        out.name = r.string(end);
        break;
      case 6:
        r.expect(tag & 7, VARINT, 'Span.kind');
        out.kind = r.uint32(end) | 0;
        break;
      case 7:
        r.expect(tag & 7, FIXED64, 'start_time_unix_nano');
        out.startTimeUnixNano = r.fixed64(end);
        break;
      case 8:
        r.expect(tag & 7, FIXED64, 'end_time_unix_nano');
        out.endTimeUnixNano = r.fixed64(end);
        break;
      case 9:
        out.attributes = push(out.attributes as KeyValue[] | undefined, message(r, tag, end, 'attributes', keyValue));
        break;
      case 15:
        out.status = message(r, tag, end, 'status', spanStatus);
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return out;
}

function spanStatus(r: WireReader, end: number): Decoded {
  const out: Decoded = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 2) {
      r.expect(tag & 7, LENGTH_DELIMITED, 'Status.message');
      out.message = r.string(end);
    } else if (field === 3) {
      r.expect(tag & 7, VARINT, 'Status.code');
      out.code = r.uint32(end) | 0;
    } else r.skip(tag & 7, end);
  }
  return out;
}
