// The OTLP payloads Vigil reads, as one schema per request: the OTLP/JSON encoding validated with zod
// (the protobuf encoding decodes to the same shape, see proto.ts). Only the fields Vigil uses are
// declared; unknown fields are ignored, as the OTLP specification requires of receivers.
//
// OTLP/JSON rules (opentelemetry-proto, "JSON Protobuf Encoding"): keys in lowerCamelCase; 64-bit integers
// as decimal strings (numbers accepted too); enums as integers; trace and span ids as hex (not base64);
// doubles as numbers or "NaN"/"Infinity"/"-Infinity".
import { z } from 'zod';

/** An attribute value: exactly one of the fields is set (an empty object is an empty value). */
export interface AnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: number;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly AnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly KeyValue[] };
  readonly bytesValue?: string;
}

export interface KeyValue {
  readonly key: string;
  readonly value?: AnyValue;
}

/** The texts OTLP/JSON sends 64-bit integers and special doubles as (json-fast.ts reads them too). */
export const INT64_TEXT = /^-?\d+$/;
export const DOUBLE_TEXT = /^(NaN|-?Infinity|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/;

/** int64, uint64, fixed64: a decimal string or a number (precision past 2^53 is not needed: times in ns, counts). */
const int64 = z.union([z.number(), z.string().regex(INT64_TEXT, 'expected an integer as a decimal string').transform(Number)]);
/** double: a number, or one of the strings proto3 JSON allows. */
const double = z.union([
  z.number(),
  z
    .string()
    .regex(DOUBLE_TEXT, 'expected a number')
    .transform(Number),
]);
const enumInt = z.number().int();

const anyValue: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: int64.optional(),
    doubleValue: double.optional(),
    arrayValue: z.object({ values: z.array(anyValue).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(keyValue).optional() }).optional(),
    bytesValue: z.string().optional(),
  }),
);
const keyValue: z.ZodType<KeyValue> = z.lazy(() => z.object({ key: z.string(), value: anyValue.optional() }));
const attributes = z.array(keyValue).optional();
const resource = z.object({ attributes }).optional();

const numberDataPoint = z.object({
  attributes,
  startTimeUnixNano: int64.optional(),
  timeUnixNano: int64.optional(),
  asDouble: double.optional(),
  asInt: int64.optional(),
});

const histogramDataPoint = z.object({
  attributes,
  startTimeUnixNano: int64.optional(),
  timeUnixNano: int64.optional(),
  count: int64.optional(),
  sum: double.optional(),
  bucketCounts: z.array(int64).optional(),
  explicitBounds: z.array(double).optional(),
  min: double.optional(),
  max: double.optional(),
});

const buckets = z.object({ offset: z.number().int().optional(), bucketCounts: z.array(int64).optional() }).optional();

const exponentialHistogramDataPoint = z.object({
  attributes,
  startTimeUnixNano: int64.optional(),
  timeUnixNano: int64.optional(),
  count: int64.optional(),
  sum: double.optional(),
  scale: z.number().int().min(-10).max(20).optional(),
  zeroCount: int64.optional(),
  positive: buckets,
  negative: buckets,
  min: double.optional(),
  max: double.optional(),
});

const summaryDataPoint = z.object({
  attributes,
  startTimeUnixNano: int64.optional(),
  timeUnixNano: int64.optional(),
  count: int64.optional(),
  sum: double.optional(),
  quantileValues: z.array(z.object({ quantile: double.optional(), value: double.optional() })).optional(),
});

const metric = z.object({
  name: z.string().optional(),
  unit: z.string().optional(),
  gauge: z.object({ dataPoints: z.array(numberDataPoint).optional() }).optional(),
  sum: z
    .object({ dataPoints: z.array(numberDataPoint).optional(), aggregationTemporality: enumInt.optional(), isMonotonic: z.boolean().optional() })
    .optional(),
  histogram: z.object({ dataPoints: z.array(histogramDataPoint).optional(), aggregationTemporality: enumInt.optional() }).optional(),
  exponentialHistogram: z
    .object({ dataPoints: z.array(exponentialHistogramDataPoint).optional(), aggregationTemporality: enumInt.optional() })
    .optional(),
  summary: z.object({ dataPoints: z.array(summaryDataPoint).optional() }).optional(),
});

/** ExportMetricsServiceRequest. */
export const metricsRequestSchema = z.object({
  resourceMetrics: z
    .array(z.object({ resource, scopeMetrics: z.array(z.object({ metrics: z.array(metric).optional() })).optional() }))
    .optional(),
});

const span = z.object({
  name: z.string().optional(),
  kind: enumInt.optional(),
  startTimeUnixNano: int64.optional(),
  endTimeUnixNano: int64.optional(),
  attributes,
  status: z.object({ code: enumInt.optional() }).optional(),
});

/** ExportTraceServiceRequest. Trace and span ids are not read: spans are not stored, only counted. */
export const tracesRequestSchema = z.object({
  resourceSpans: z
    .array(z.object({ resource, scopeSpans: z.array(z.object({ spans: z.array(span).optional() })).optional() }))
    .optional(),
});

export type MetricsRequest = z.output<typeof metricsRequestSchema>;
export type TracesRequest = z.output<typeof tracesRequestSchema>;
export type OtlpMetric = z.output<typeof metric>;
export type NumberDataPoint = z.output<typeof numberDataPoint>;
export type HistogramDataPoint = z.output<typeof histogramDataPoint>;
export type ExponentialHistogramDataPoint = z.output<typeof exponentialHistogramDataPoint>;
export type SummaryDataPoint = z.output<typeof summaryDataPoint>;
export type OtlpSpan = z.output<typeof span>;

/** AggregationTemporality. */
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
/** Span.SpanKind, by value. */
export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const SPAN_KIND_SERVER = 2;
/** Status.StatusCode ERROR. */
export const STATUS_CODE_ERROR = 2;
