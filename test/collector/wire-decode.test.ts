// The hand-written OTLP decoders against their references: the protobuf reader (wire-decode.ts) against
// protobufjs, the fast JSON path (json-fast.ts) against the zod schema, on what the real OpenTelemetry
// SDK sends and on random requests (every value kind, exemplars, exponential histograms, packed and
// unpacked repeated fields, fields Vigil skips, unknown fields of every wire type); broken bodies refused.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import protobuf from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { fastMetricsRequest, fastTracesRequest } from '../../collector/otlp/json-fast.js';
import { OTLP_DESCRIPTOR, referenceDecode } from '../../collector/otlp/proto.js';
import { metricsRequestSchema, tracesRequestSchema } from '../../collector/otlp/schema.js';
import { decodeMetricsRequest, decodeTracesRequest } from '../../collector/otlp/wire-decode.js';
import { WireError } from '../../collector/otlp/wire-reader.js';

const CLIENT = path.join(import.meta.dirname, '..', 'fixtures', 'otlp', 'client.mjs');

type Kind = 'metrics' | 'traces';
const decode = (kind: Kind, bytes: Uint8Array) => (kind === 'metrics' ? decodeMetricsRequest(bytes) : decodeTracesRequest(bytes));

/** opentelemetry-proto's messages with the fields Vigil does not read, `packed` as asked: what SDKs send. */
function fullRoot(packed: boolean): protobuf.Root {
  const d = structuredClone(OTLP_DESCRIPTOR) as { nested: { otlp: { nested: Record<string, { fields: Record<string, object> }> } } };
  const m = d.nested.otlp.nested;
  const add = (type: string, fields: Record<string, object>) => Object.assign(m[type]!.fields, fields);
  m.InstrumentationScope = { fields: { name: { id: 1, type: 'string' }, version: { id: 2, type: 'string' }, attributes: { id: 3, type: 'KeyValue', rule: 'repeated' }, droppedAttributesCount: { id: 4, type: 'uint32' } } };
  m.Exemplar = {
    fields: {
      filteredAttributes: { id: 7, type: 'KeyValue', rule: 'repeated' },
      timeUnixNano: { id: 2, type: 'fixed64' },
      asDouble: { id: 3, type: 'double' },
      asInt: { id: 6, type: 'sfixed64' },
      spanId: { id: 4, type: 'bytes' },
      traceId: { id: 5, type: 'bytes' },
    },
  };
  m.Event = { fields: { timeUnixNano: { id: 1, type: 'fixed64' }, name: { id: 2, type: 'string' }, attributes: { id: 3, type: 'KeyValue', rule: 'repeated' } } };
  add('Resource', { droppedAttributesCount: { id: 2, type: 'uint32' } });
  add('ResourceMetrics', { schemaUrl: { id: 3, type: 'string' } });
  add('ScopeMetrics', { scope: { id: 1, type: 'InstrumentationScope' }, schemaUrl: { id: 3, type: 'string' } });
  add('Metric', { description: { id: 2, type: 'string' }, metadata: { id: 12, type: 'KeyValue', rule: 'repeated' } });
  add('NumberDataPoint', { exemplars: { id: 5, type: 'Exemplar', rule: 'repeated' }, flags: { id: 8, type: 'uint32' } });
  add('HistogramDataPoint', { exemplars: { id: 8, type: 'Exemplar', rule: 'repeated' }, flags: { id: 10, type: 'uint32' } });
  add('ExponentialHistogramDataPoint', { flags: { id: 10, type: 'uint32' }, exemplars: { id: 11, type: 'Exemplar', rule: 'repeated' }, zeroThreshold: { id: 14, type: 'double' } });
  add('SummaryDataPoint', { flags: { id: 8, type: 'uint32' } });
  add('ScopeSpans', { scope: { id: 1, type: 'InstrumentationScope' } });
  add('Span', {
    traceId: { id: 1, type: 'bytes' },
    spanId: { id: 2, type: 'bytes' },
    traceState: { id: 3, type: 'string' },
    parentSpanId: { id: 4, type: 'bytes' },
    events: { id: 11, type: 'Event', rule: 'repeated' },
    flags: { id: 16, type: 'fixed32' },
  });
  for (const [type, field] of [['HistogramDataPoint', 'bucketCounts'], ['HistogramDataPoint', 'explicitBounds'], ['Buckets', 'bucketCounts']] as const) {
    (m[type]!.fields[field] as { options?: object }).options = { packed };
  }
  return protobuf.Root.fromJSON(d as protobuf.INamespace);
}
const ROOTS = { packed: fullRoot(true), unpacked: fullRoot(false) };

function encodeFull(kind: Kind, request: object, packed: boolean): Uint8Array {
  const t = ROOTS[packed ? 'packed' : 'unpacked'].lookupType(kind === 'metrics' ? 'otlp.ExportMetricsServiceRequest' : 'otlp.ExportTraceServiceRequest');
  return t.encode(t.fromObject(request)).finish();
}

/** The decoder agrees with protobufjs: it accepts only what protobufjs accepts, and then decodes the same. */
function expectAgreement(kind: Kind, bytes: Uint8Array): 'accepted' | 'refused' {
  let reference: unknown;
  let referenceError: unknown = null;
  try {
    // A Buffer, so that protobufjs reads strings with Node's UTF-8 decoder, as ours does (invalid
    // sequences become U+FFFD; protobufjs' own decoder for plain Uint8Arrays differs there).
    reference = referenceDecode(kind, Buffer.from(bytes));
  } catch (error) {
    referenceError = error;
  }
  let ours: unknown;
  try {
    ours = decode(kind, bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(WireError);
    return 'refused';
  }
  expect(referenceError).toBeNull();
  expect(ours).toEqual(reference);
  return 'accepted';
}

// Random requests in the object form protobufjs encodes (and OTLP/JSON sends).
const text = fc.string({ maxLength: 12 });
const int64 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.maxSafeInteger().map((n) => -n), fc.maxSafeNat());
const time = fc.oneof(fc.constant(0), fc.maxSafeNat(), fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map((s) => s * 1e9 + 123_000_000));
const count = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const double = fc.oneof(fc.double(), fc.integer({ min: -1000, max: 1000 }));
const bytesB64 = fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('base64'));
const { anyValue } = fc.letrec((tie) => ({
  anyValue: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: text }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: int64 }),
    fc.record({ doubleValue: double }),
    fc.record({ bytesValue: bytesB64 }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('anyValue'), { maxLength: 3 }) }, { requiredKeys: [] }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: text, value: tie('anyValue') }, { requiredKeys: ['key'] }), { maxLength: 3 }) }, { requiredKeys: [] }) }),
    fc.constant({}),
  ),
}));
const attributes = fc.array(fc.record({ key: text, value: anyValue }, { requiredKeys: ['key'] }), { maxLength: 4 });
const exemplars = fc.array(
  fc.record({ filteredAttributes: attributes, timeUnixNano: time, asDouble: double, spanId: bytesB64, traceId: bytesB64 }, { requiredKeys: [] }),
  { maxLength: 2 },
);
const flags = fc.nat(255);
const times = { startTimeUnixNano: time, timeUnixNano: time };
const numberPoint = fc.record({ attributes, ...times, asDouble: double, asInt: int64, exemplars, flags }, { requiredKeys: [] });
const histogramPoint = fc.record(
  { attributes, ...times, count, sum: double, bucketCounts: fc.array(count, { maxLength: 6 }), explicitBounds: fc.array(double, { maxLength: 5 }), min: double, max: double, exemplars, flags },
  { requiredKeys: [] },
);
const buckets = fc.record({ offset: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), bucketCounts: fc.array(count, { maxLength: 6 }) }, { requiredKeys: [] });
const exponentialPoint = fc.record(
  { attributes, ...times, count, sum: double, scale: fc.integer({ min: -10, max: 20 }), zeroCount: count, positive: buckets, negative: buckets, min: double, max: double, exemplars, flags, zeroThreshold: double },
  { requiredKeys: [] },
);
const summaryPoint = fc.record(
  { attributes, ...times, count, sum: double, quantileValues: fc.array(fc.record({ quantile: double, value: double }, { requiredKeys: [] }), { maxLength: 3 }), flags },
  { requiredKeys: [] },
);
const temporality = fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const points = <T>(point: fc.Arbitrary<T>) => fc.array(point, { maxLength: 3 });
const metricData = fc.oneof(
  fc.record({ gauge: fc.record({ dataPoints: points(numberPoint) }, { requiredKeys: [] }) }),
  fc.record({ sum: fc.record({ dataPoints: points(numberPoint), aggregationTemporality: temporality, isMonotonic: fc.boolean() }, { requiredKeys: [] }) }),
  fc.record({ histogram: fc.record({ dataPoints: points(histogramPoint), aggregationTemporality: temporality }, { requiredKeys: [] }) }),
  fc.record({ exponentialHistogram: fc.record({ dataPoints: points(exponentialPoint), aggregationTemporality: temporality }, { requiredKeys: [] }) }),
  fc.record({ summary: fc.record({ dataPoints: points(summaryPoint) }, { requiredKeys: [] }) }),
  fc.constant({}),
);
const metric = fc
  .tuple(fc.record({ name: text, unit: text, description: text, metadata: attributes }, { requiredKeys: [] }), metricData)
  .map(([head, data]) => ({ ...head, ...data }));
const scope = fc.record({ name: text, version: text, attributes }, { requiredKeys: [] });
const resource = fc.record({ attributes, droppedAttributesCount: fc.nat(10) }, { requiredKeys: [] });
const metricsRequest = fc.record(
  {
    resourceMetrics: fc.array(
      fc.record({ resource, scopeMetrics: fc.array(fc.record({ scope, metrics: fc.array(metric, { maxLength: 4 }), schemaUrl: text }, { requiredKeys: [] }), { maxLength: 2 }), schemaUrl: text }, { requiredKeys: [] }),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
const span = fc.record(
  {
    traceId: bytesB64,
    spanId: bytesB64,
    traceState: text,
    name: text,
    kind: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
    ...{ startTimeUnixNano: time, endTimeUnixNano: time },
    attributes,
    events: fc.array(fc.record({ timeUnixNano: time, name: text, attributes }, { requiredKeys: [] }), { maxLength: 2 }),
    status: fc.record({ message: text, code: fc.integer({ min: 0, max: 2 }) }, { requiredKeys: [] }),
    flags: fc.nat(),
  },
  { requiredKeys: [] },
);
const tracesRequest = fc.record(
  { resourceSpans: fc.array(fc.record({ resource, scopeSpans: fc.array(fc.record({ scope, spans: fc.array(span, { maxLength: 4 }) }, { requiredKeys: [] }), { maxLength: 2 }) }, { requiredKeys: [] }), { maxLength: 2 }) },
  { requiredKeys: [] },
);

/** Unknown fields of every wire type (a group included), appended to a message: a reader must skip them. */
const unknownFields = fc
  .array(
    fc.tuple(fc.integer({ min: 2, max: 536_870_910 }), fc.constantFrom(0, 1, 2, 3, 5), fc.uint8Array({ maxLength: 9 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
    { maxLength: 4 },
  )
  .map((fields) => {
    const out: number[] = [];
    const varint = (n: bigint) => {
      do {
        let b = Number(n & 0x7fn);
        n >>= 7n;
        if (n > 0n) b |= 0x80;
        out.push(b);
      } while (n > 0n);
    };
    for (const [field, wireType, payload, value] of fields) {
      varint(BigInt((field << 3) >>> 0) + BigInt(wireType));
      if (wireType === 0) varint(value);
      else if (wireType === 1) out.push(...new Uint8Array(new BigUint64Array([value]).buffer));
      else if (wireType === 5) out.push(...new Uint8Array(new BigUint64Array([value]).buffer).slice(0, 4));
      else if (wireType === 2) {
        varint(BigInt(payload.length));
        out.push(...payload);
      } else {
        // A group holding one varint field, then its end.
        varint(BigInt(((field + 1) << 3) >>> 0));
        varint(value);
        varint(BigInt(((field << 3) | 4) >>> 0));
      }
    }
    return Uint8Array.from(out);
  });

const concat = (a: Uint8Array, b: Uint8Array) => Uint8Array.from([...a, ...b]);

describe('the hand-written protobuf decoder', () => {
  it.each(['metrics', 'traces'] as const)('decodes random %s requests as protobufjs does, packed or not, skipping unknown fields', (kind) => {
    fc.assert(
      fc.property(kind === 'metrics' ? metricsRequest : tracesRequest, fc.boolean(), unknownFields, (request, packed, unknown) => {
        const bytes = concat(encodeFull(kind, request, packed), unknown);
        expect(expectAgreement(kind, bytes)).toBe('accepted');
      }),
      { numRuns: 300 },
    );
  });

  it.each(['metrics', 'traces'] as const)('refuses truncated and corrupted %s bodies that protobufjs refuses, and decodes the rest alike', (kind) => {
    fc.assert(
      fc.property(kind === 'metrics' ? metricsRequest : tracesRequest, fc.nat(), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }), (request, cut, flips) => {
        const bytes = encodeFull(kind, request, true);
        if (bytes.length === 0) return;
        expectAgreement(kind, bytes.subarray(0, cut % bytes.length));
        const corrupted = Uint8Array.from(bytes);
        for (const [at, value] of flips) corrupted[at % corrupted.length] = value;
        expectAgreement(kind, corrupted);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a truncated varint', [0x0a, 0x80]],
    ['a length past the end', [0x0a, 0x05, 0x01]],
    ['wire type 7', [0x0f]],
    ['field number 0', [0x00, 0x01]],
    ['an end group with no start', [0x0c]],
    ['a known field in the wrong wire type', [0x09, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['a child running past its parent', [0x0a, 0x02, 0x12, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05]],
    ['an 11-byte varint', [0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    // Found by the corruption property in CI: a byte turned into a group start whose next "tag" is an
    // 8-byte varint; protobufjs skips 10 bytes there and runs off the end, a lenient reader went on.
    ['a tag longer than 32 bits', [0x0a, 0x09, 0x7b, 0xc4, 0xcb, 0xaa, 0x83, 0x95, 0xa6, 0x9c, 0x03]],
    // Its low 32 bits say 5, and 5 bytes of unknown fields follow.
    ['a length longer than 32 bits', [0x0a, 0x85, 0x80, 0x80, 0x80, 0x80, 0x01, 0x18, 0x01, 0x20, 0x81, 0x01]],
    // resourceMetrics { scopeMetrics { metrics { sum { aggregationTemporality: a 7-byte varint } } } }
    ['a 32-bit field in a 7-byte varint', [0x0a, 0x0e, 0x12, 0x0c, 0x12, 0x0a, 0x3a, 0x08, 0x10, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  ])('refuses %s', (_name, bytes) => {
    expect(() => decodeMetricsRequest(Uint8Array.from(bytes))).toThrow(WireError);
  });

  it('refuses attribute values nested past the bound instead of overflowing the stack', () => {
    // Built by hand: protobufjs will not encode it. Each level: AnyValue.array_value (5) { values (1) { … } }.
    const field = (number: number, payload: number[]) => {
      const length: number[] = [];
      for (let n = payload.length; ; n >>>= 7) {
        if (n < 0x80) {
          length.push(n);
          break;
        }
        length.push((n & 0x7f) | 0x80);
      }
      return [(number << 3) | 2, ...length, ...payload];
    };
    let value = field(1, [...Buffer.from('deep')]);
    for (let i = 0; i < 200; i++) value = field(5, field(1, value));
    const bytes = Uint8Array.from(field(1, field(1, field(1, [...field(1, [...Buffer.from('k')]), ...field(2, value)]))));
    expect(() => decodeMetricsRequest(bytes)).toThrow(/nested deeper/);
  });
});

describe('the fast OTLP/JSON path', () => {
  const schemaOutput = (kind: Kind, value: unknown) => (kind === 'metrics' ? metricsRequestSchema : tracesRequestSchema).safeParse(value);
  const fast = (kind: Kind, value: unknown) => (kind === 'metrics' ? fastMetricsRequest(value) : fastTracesRequest(value));
  // OTLP/JSON sends 64-bit integers as strings and may send special doubles as strings.
  const asJson = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (key, v: unknown) => {
        if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
        if (typeof v === 'number' && /UnixNano$|^count$|^zeroCount$|^intValue$|^asInt$/.test(key)) return String(v);
        return v;
      }),
    );

  it.each(['metrics', 'traces'] as const)('gives the schema output for random %s requests', (kind) => {
    fc.assert(
      fc.property(kind === 'metrics' ? metricsRequest : tracesRequest, (request) => {
        const value = asJson(request);
        const parsed = schemaOutput(kind, value);
        expect(parsed.success).toBe(true);
        expect(fast(kind, value)).toEqual(parsed.data);
      }),
      { numRuns: 300 },
    );
  });

  it.each(['metrics', 'traces'] as const)('gives up on %s values it does not take, leaving the answer to the schema', (kind) => {
    const junk = fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.boolean(), fc.constant([]), fc.constant({}), fc.constant('1e999'), fc.double());
    fc.assert(
      fc.property(kind === 'metrics' ? metricsRequest : tracesRequest, fc.nat(), junk, (request, pick, replacement) => {
        const value = asJson(request) as object;
        // Replace one value somewhere in the request.
        const slots: Array<[Record<string, unknown>, string]> = [];
        const walk = (node: unknown) => {
          if (typeof node !== 'object' || node === null) return;
          for (const key of Object.keys(node)) {
            slots.push([node as Record<string, unknown>, key]);
            walk((node as Record<string, unknown>)[key]);
          }
        };
        walk(value);
        if (slots.length > 0) {
          const [parent, key] = slots[pick % slots.length]!;
          parent[key] = replacement;
        }
        const quick = fast(kind, value);
        const parsed = schemaOutput(kind, value);
        if (quick !== null) {
          expect(parsed.success).toBe(true);
          expect(quick).toEqual(parsed.data);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('requests of the OpenTelemetry Node SDK', () => {
  it.each(['protobuf', 'json'] as const)('decode over %s as the references do', { timeout: 60_000 }, async (protocol) => {
    const bodies: Array<{ kind: Kind; bytes: Uint8Array }> = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        bodies.push({ kind: req.url === '/v1/metrics' ? 'metrics' : 'traces', bytes });
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }).end(protocol === 'json' ? '{}' : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const child = spawn(process.execPath, [CLIENT, base, protocol, 'shop', 'prod'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(new Set(bodies.map((b) => b.kind))).toEqual(new Set(['metrics', 'traces']));
    for (const { kind, bytes } of bodies) {
      if (protocol === 'protobuf') {
        expect(expectAgreement(kind, bytes)).toBe('accepted');
      } else {
        const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
        const parsed = schemaOutput(kind, value);
        expect(parsed.success).toBe(true);
        expect(fast(kind, value)).toEqual(parsed.data);
      }
    }
  });

  function schemaOutput(kind: Kind, value: unknown) {
    return (kind === 'metrics' ? metricsRequestSchema : tracesRequestSchema).safeParse(value);
  }
  function fast(kind: Kind, value: unknown) {
    return kind === 'metrics' ? fastMetricsRequest(value) : fastTracesRequest(value);
  }
});
