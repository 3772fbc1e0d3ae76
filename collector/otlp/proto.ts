// The OTLP protobuf encoding: the subset of opentelemetry-proto (v1, common/resource/metrics/trace and the
// collector services' requests and responses) that Vigil reads, as a protobufjs JSON descriptor. Field
// numbers are the specification's; fields not declared here are skipped by the decoder, as protobuf
// requires of any reader. Names are lowerCamelCase so a decoded message has the OTLP/JSON shape of
// schema.ts, and one mapping serves both encodings.
import protobuf from 'protobufjs/light.js';
import type { MetricsRequest, TracesRequest } from './schema.js';
import { decodeMetricsRequest, decodeTracesRequest } from './wire-decode.js';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

/** The descriptor (exported for tests, which extend it with the fields Vigil skips). */
export const OTLP_DESCRIPTOR = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
          fields: {
            stringValue: f(1, 'string'),
            boolValue: f(2, 'bool'),
            intValue: f(3, 'int64'),
            doubleValue: f(4, 'double'),
            arrayValue: f(5, 'ArrayValue'),
            kvlistValue: f(6, 'KeyValueList'),
            bytesValue: f(7, 'bytes'),
          },
        },
        ArrayValue: { fields: { values: f(1, 'AnyValue', 'repeated') } },
        KeyValueList: { fields: { values: f(1, 'KeyValue', 'repeated') } },
        KeyValue: { fields: { key: f(1, 'string'), value: f(2, 'AnyValue') } },
        Resource: { fields: { attributes: f(1, 'KeyValue', 'repeated') } },

        ExportMetricsServiceRequest: { fields: { resourceMetrics: f(1, 'ResourceMetrics', 'repeated') } },
        ResourceMetrics: { fields: { resource: f(1, 'Resource'), scopeMetrics: f(2, 'ScopeMetrics', 'repeated') } },
        ScopeMetrics: { fields: { metrics: f(2, 'Metric', 'repeated') } },
        Metric: {
          oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
          fields: {
            name: f(1, 'string'),
            unit: f(3, 'string'),
            gauge: f(5, 'Gauge'),
            sum: f(7, 'Sum'),
            histogram: f(9, 'Histogram'),
            exponentialHistogram: f(10, 'ExponentialHistogram'),
            summary: f(11, 'Summary'),
          },
        },
        Gauge: { fields: { dataPoints: f(1, 'NumberDataPoint', 'repeated') } },
        Sum: { fields: { dataPoints: f(1, 'NumberDataPoint', 'repeated'), aggregationTemporality: f(2, 'int32'), isMonotonic: f(3, 'bool') } },
        Histogram: { fields: { dataPoints: f(1, 'HistogramDataPoint', 'repeated'), aggregationTemporality: f(2, 'int32') } },
        ExponentialHistogram: {
          fields: { dataPoints: f(1, 'ExponentialHistogramDataPoint', 'repeated'), aggregationTemporality: f(2, 'int32') },
        },
        Summary: { fields: { dataPoints: f(1, 'SummaryDataPoint', 'repeated') } },
        NumberDataPoint: {
          oneofs: { value: { oneof: ['asDouble', 'asInt'] } },
          fields: {
            attributes: f(7, 'KeyValue', 'repeated'),
            startTimeUnixNano: f(2, 'fixed64'),
            timeUnixNano: f(3, 'fixed64'),
            asDouble: f(4, 'double'),
            asInt: f(6, 'sfixed64'),
          },
        },
        HistogramDataPoint: {
          fields: {
            attributes: f(9, 'KeyValue', 'repeated'),
            startTimeUnixNano: f(2, 'fixed64'),
            timeUnixNano: f(3, 'fixed64'),
            count: f(4, 'fixed64'),
            sum: f(5, 'double'),
            bucketCounts: f(6, 'fixed64', 'repeated'),
            explicitBounds: f(7, 'double', 'repeated'),
            min: f(11, 'double'),
            max: f(12, 'double'),
          },
        },
        Buckets: { fields: { offset: f(1, 'sint32'), bucketCounts: f(2, 'uint64', 'repeated') } },
        ExponentialHistogramDataPoint: {
          fields: {
            attributes: f(1, 'KeyValue', 'repeated'),
            startTimeUnixNano: f(2, 'fixed64'),
            timeUnixNano: f(3, 'fixed64'),
            count: f(4, 'fixed64'),
            sum: f(5, 'double'),
            scale: f(6, 'sint32'),
            zeroCount: f(7, 'fixed64'),
            positive: f(8, 'Buckets'),
            negative: f(9, 'Buckets'),
            min: f(12, 'double'),
            max: f(13, 'double'),
          },
        },
        ValueAtQuantile: { fields: { quantile: f(1, 'double'), value: f(2, 'double') } },
        SummaryDataPoint: {
          fields: {
            attributes: f(7, 'KeyValue', 'repeated'),
            startTimeUnixNano: f(2, 'fixed64'),
            timeUnixNano: f(3, 'fixed64'),
            count: f(4, 'fixed64'),
            sum: f(5, 'double'),
            quantileValues: f(6, 'ValueAtQuantile', 'repeated'),
          },
        },

        ExportTraceServiceRequest: { fields: { resourceSpans: f(1, 'ResourceSpans', 'repeated') } },
        ResourceSpans: { fields: { resource: f(1, 'Resource'), scopeSpans: f(2, 'ScopeSpans', 'repeated') } },
        ScopeSpans: { fields: { spans: f(2, 'Span', 'repeated') } },
        Span: {
          fields: {
            name: f(5, 'string'),
            kind: f(6, 'int32'),
            startTimeUnixNano: f(7, 'fixed64'),
            endTimeUnixNano: f(8, 'fixed64'),
            attributes: f(9, 'KeyValue', 'repeated'),
            status: f(15, 'SpanStatus'),
          },
        },
        SpanStatus: { fields: { message: f(2, 'string'), code: f(3, 'int32') } },

        ExportMetricsServiceResponse: { fields: { partialSuccess: f(1, 'ExportMetricsPartialSuccess') } },
        ExportMetricsPartialSuccess: { fields: { rejectedDataPoints: f(1, 'int64'), errorMessage: f(2, 'string') } },
        ExportTraceServiceResponse: { fields: { partialSuccess: f(1, 'ExportTracePartialSuccess') } },
        ExportTracePartialSuccess: { fields: { rejectedSpans: f(1, 'int64'), errorMessage: f(2, 'string') } },
        // google.rpc.Status, the body of an error response (details are not sent).
        Status: { fields: { code: f(1, 'int32'), message: f(2, 'string') } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR);
const type = (name: string) => root.lookupType(`otlp.${name}`);
const metricsRequest = type('ExportMetricsServiceRequest');
const tracesRequest = type('ExportTraceServiceRequest');
const metricsResponse = type('ExportMetricsServiceResponse');
const tracesResponse = type('ExportTraceServiceResponse');
const status = type('Status');

// Only fields present on the wire, 64-bit integers as numbers, enums as numbers: the schema.ts shape.
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, bytes: String, defaults: false, arrays: false, oneofs: false };

/**
 * Decodes an ExportMetricsServiceRequest; throws on a malformed message (a truncated body, random bytes).
 * The hand-written reader of wire-decode.ts: protobufjs' decode + toObject gave the same objects at
 * 3–5× the cost (Long objects, message instances, then a copy); it stays the reference in tests.
 */
export function decodeMetricsProto(bytes: Uint8Array): MetricsRequest {
  return decodeMetricsRequest(bytes);
}

/** Decodes an ExportTraceServiceRequest; throws on a malformed message. */
export function decodeTracesProto(bytes: Uint8Array): TracesRequest {
  return decodeTracesRequest(bytes);
}

/** protobufjs' decoding of a request, for tests: the reference the hand-written decoder is compared with. */
export function referenceDecode(kind: 'metrics' | 'traces', bytes: Uint8Array): Record<string, unknown> {
  const t = kind === 'metrics' ? metricsRequest : tracesRequest;
  return t.toObject(t.decode(bytes), TO_OBJECT);
}

/** The response bodies, partial success included when something was rejected. */
export function encodeMetricsResponse(rejectedDataPoints: number, errorMessage: string): Uint8Array {
  const body = rejectedDataPoints > 0 || errorMessage ? { partialSuccess: { rejectedDataPoints, errorMessage } } : {};
  return metricsResponse.encode(metricsResponse.fromObject(body)).finish();
}

export function encodeTracesResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  const body = rejectedSpans > 0 || errorMessage ? { partialSuccess: { rejectedSpans, errorMessage } } : {};
  return tracesResponse.encode(tracesResponse.fromObject(body)).finish();
}

/** A google.rpc.Status (gRPC code and message), the body the specification asks for on errors. */
export function encodeStatus(code: number, message: string): Uint8Array {
  return status.encode(status.fromObject({ code, message })).finish();
}

/** Encodes a request given in the OTLP/JSON shape (ids aside): for tests and the benchmark. */
export function encodeRequest(kind: 'metrics' | 'traces', request: object): Uint8Array {
  const t = kind === 'metrics' ? metricsRequest : tracesRequest;
  return t.encode(t.fromObject(request)).finish();
}

/** Decoders of the responses, for tests and the benchmark. */
export function decodeResponse(kind: 'metrics' | 'traces' | 'status', bytes: Uint8Array): Record<string, unknown> {
  const t = kind === 'metrics' ? metricsResponse : kind === 'traces' ? tracesResponse : status;
  return t.toObject(t.decode(bytes), { longs: Number, defaults: false });
}
