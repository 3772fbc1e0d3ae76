// Property tests of the OTLP/HTTP receiver ([X1] fuzzing), through a real server on loopback so they
// hold whatever decodes the bytes: random bytes, valid protobuf with bytes flipped, inserted, cut and
// varints and lengths fiddled, JSON with wrong types, huge arrays and deep nesting, each plain or
// gzipped. The answer is a 200 (maybe a partial success) or a 400 with a Status naming the problem (413
// and 415 where the README says), never a 500 nor a message leaked from a crash, never a hang; and the
// server still takes a good export afterwards. The valid payloads are test/fixtures/otlp/*.json and their
// protobuf encodings *.pb (made by collector/otlp/proto.ts's encodeRequest when these tests were written).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startOtlpVigil, type OtlpVigil } from '../helpers/otlp-vigil.js';
import { HANG_MS, RunCounter, described, expectBoundedMemory, fuzzParams, mutate, mutation, memoryNow } from './fuzz.js';

const counter = new RunCounter();
afterAll(() => counter.print('otlp-receiver'));

const fixture = (name: string) => readFileSync(new URL(`../fixtures/otlp/${name}`, import.meta.url));
const PAYLOADS = {
  metrics: { pb: new Uint8Array(fixture('metrics.pb')), json: JSON.parse(fixture('metrics.json').toString('utf8')) as unknown },
  traces: { pb: new Uint8Array(fixture('traces.pb')), json: JSON.parse(fixture('traces.json').toString('utf8')) as unknown },
};
type Signal = keyof typeof PAYLOADS;
const signal = fc.constantFrom<Signal>('metrics', 'traces');

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

// Messages that are a crash wearing a 400: a decoder or mapper that threw on something it did not expect.
const CRASH_MESSAGE = /cannot read propert|is not a function|is not iterable|of undefined|of null|maximum call stack|invalid array length|\[object /i;

/** The top-level fields of a protobuf message (enough to read a Status or an Export…ServiceResponse). */
function protobufFields(bytes: Uint8Array): Map<number, number | string> {
  const fields = new Map<number, number | string>();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    if ((tag & 7) === 0) fields.set(tag >>> 3, varint());
    else if ((tag & 7) === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new Error('truncated field');
      fields.set(tag >>> 3, Buffer.from(bytes.subarray(at, at + length)).toString('utf8'));
      at += length;
    } else throw new Error(`unexpected wire type ${tag & 7}`);
  }
  return fields;
}

interface Answer {
  readonly status: number;
  readonly message: string;
}

/** POSTs a body and checks the answer is one the receiver documents; returns its status and message. */
async function send(vigil: OtlpVigil, path: Signal, type: string, body: Uint8Array, gzip: boolean, target: string): Promise<Answer> {
  counter.count(target);
  const headers: Record<string, string> = { 'content-type': type };
  if (gzip) headers['content-encoding'] = 'gzip';
  const response = await fetch(`${vigil.url}/v1/${path}`, {
    method: 'POST',
    headers,
    body: (gzip ? gzipSync(body) : body) as Uint8Array<ArrayBuffer>,
    signal: AbortSignal.timeout(HANG_MS),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const what = `${response.status} to ${body.length} bytes of ${type}${gzip ? ' (gzip)' : ''}`;
  expect([200, 400, 413, 415], what).toContain(response.status);
  const protobufAnswer = response.headers.get('content-type') === PROTOBUF;
  expect(protobufAnswer, what).toBe(type === PROTOBUF);
  let message = '';
  if (protobufAnswer) {
    const fields = protobufFields(bytes);
    if (response.status !== 200) {
      expect(fields.get(1), what).toBe(response.status === 413 ? 8 : 3);
      message = String(fields.get(2) ?? '');
    }
  } else {
    const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as { code?: number; message?: string; partialSuccess?: { errorMessage?: string } };
    if (response.status !== 200) message = String(json.message ?? '');
    else message = json.partialSuccess?.errorMessage ?? '';
  }
  if (response.status !== 200) expect(message.trim(), what).not.toBe('');
  expect(message, what).not.toMatch(CRASH_MESSAGE);
  return { status: response.status, message };
}

/** A good export is still taken, in both encodings. */
async function stillServing(vigil: OtlpVigil): Promise<void> {
  for (const path of ['metrics', 'traces'] as const) {
    expect((await send(vigil, path, PROTOBUF, PAYLOADS[path].pb, false, 'still-serving')).status).toBe(200);
    expect((await send(vigil, path, JSON_TYPE, Buffer.from(JSON.stringify(PAYLOADS[path].json)), false, 'still-serving')).status).toBe(200);
  }
}

// ---- protobuf -----------------------------------------------------------------------------------------

type ByteEdit = { kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate' | 'varint' | 'duplicate'; at: number; value: number; bytes: Uint8Array };

const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate', 'varint', 'duplicate'),
  at: fc.nat(),
  value: fc.nat({ max: 255 }),
  bytes: fc.uint8Array({ maxLength: 12 }),
});

/** One edit of protobuf bytes; `varint` writes a 10-byte varint (2^64-1 or a huge length) where a byte was. */
function editBytes(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
  const before = bytes.subarray(0, at);
  const after = bytes.subarray(at);
  switch (edit.kind) {
    case 'flip': {
      const copy = new Uint8Array(bytes);
      if (copy.length) copy[at] = copy[at]! ^ (1 << (edit.value % 8));
      return copy;
    }
    case 'set': {
      const copy = new Uint8Array(bytes);
      if (copy.length) copy[at] = edit.value;
      return copy;
    }
    case 'insert':
      return Buffer.concat([before, edit.bytes, after]);
    case 'delete':
      return Buffer.concat([before, bytes.subarray(Math.min(bytes.length, at + 1 + (edit.value % 8)))]);
    case 'truncate':
      return bytes.subarray(0, at);
    case 'varint': {
      const huge = edit.value % 2 === 0 ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] : [0xff, 0xff, 0xff, 0xff, 0x0f];
      return Buffer.concat([before, Uint8Array.from(huge), bytes.subarray(Math.min(bytes.length, at + 1))]);
    }
    case 'duplicate':
      return Buffer.concat([bytes, bytes.subarray(at, at + 1 + edit.value)]);
  }
}

/** Hand-made messages: a field of every wire type and number, lengths past the end, groups. */
const protobufParts = fc
  .array(
    fc.oneof(
      fc.record({ field: fc.integer({ min: 0, max: 40 }), wire: fc.integer({ min: 0, max: 7 }), payload: fc.uint8Array({ maxLength: 16 }) }).map(({ field, wire, payload }) => Buffer.concat([Uint8Array.of((field << 3) | wire), payload])),
      // A length-delimited field 1 (resourceMetrics / resourceSpans) claiming a length, with fewer bytes.
      fc.record({ length: fc.oneof(fc.nat({ max: 300 }), fc.constant(2 ** 31 - 1)), payload: fc.uint8Array({ maxLength: 8 }) }).map(({ length, payload }) => {
        const varint: number[] = [];
        for (let n = length; ; n = Math.floor(n / 128)) {
          if (n < 128) {
            varint.push(n);
            break;
          }
          varint.push((n % 128) | 0x80);
        }
        return Buffer.concat([Uint8Array.of(0x0a, ...varint), payload]);
      }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => new Uint8Array(Buffer.concat(parts)));

// ---- JSON ---------------------------------------------------------------------------------------------

/** Nesting where the schema recurses (attribute values) or where it does not (anywhere), 1,000 to 50,000 deep. */
const deepJson = fc.record({ depth: fc.integer({ min: 1_000, max: 50_000 }), where: fc.constantFrom('array-value', 'kvlist-value', 'top', 'field') }).map(({ depth, where }) => described({ text: deepJsonText(depth, where) }, `JSON nested ${depth} deep (${where})`));

function deepJsonText(depth: number, where: string): string {
  if (where === 'top') return '['.repeat(depth) + ']'.repeat(depth);
  if (where === 'field') return `{"resourceMetrics":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const open = where === 'array-value' ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"k","value":';
  const close = where === 'array-value' ? ']}}' : '}]}}';
  const value = open.repeat(depth) + '{"stringValue":"x"}' + close.repeat(depth);
  return `{"resourceMetrics":[{"resource":{"attributes":[{"key":"deep","value":${value}}]},"scopeMetrics":[]}]}`;
}

/** A request with one list made huge: data points, attributes, metrics, buckets or bounds. */
const hugeArray = fc.record({ count: fc.integer({ min: 10_000, max: 40_000 }), what: fc.constantFrom('points', 'attributes', 'metrics', 'buckets', 'resources') }).map(({ count, what }) => described({ text: hugeArrayText(count, what) }, `JSON with ${count} ${what}`));

function hugeArrayText(count: number, what: string): string {
  const point = '{"timeUnixNano":"1764600000000000000","asDouble":1}';
  const metric = (points: string) => `{"name":"m","gauge":{"dataPoints":[${points}]}}`;
  const request = (metrics: string, attributes = '[]') => `{"resourceMetrics":[{"resource":{"attributes":${attributes}},"scopeMetrics":[{"metrics":[${metrics}]}]}]}`;
  switch (what) {
    case 'points':
      return request(metric(Array(count).fill(point).join(',')));
    case 'attributes':
      return request(metric(point), `[${Array.from({ length: count }, (_, i) => `{"key":"k${i}","value":{"intValue":"${i}"}}`).join(',')}]`);
    case 'metrics':
      return request(Array(count).fill(metric(point)).join(','));
    case 'buckets':
      return request(`{"name":"h","histogram":{"aggregationTemporality":2,"dataPoints":[{"timeUnixNano":"1764600000000000000","count":"1","bucketCounts":[${Array(count).fill('"1"').join(',')}],"explicitBounds":[${Array.from({ length: count - 1 }, (_, i) => i).join(',')}]}]}}`);
    case 'resources':
      return `{"resourceMetrics":[${Array(Math.floor(count / 10)).fill(`{"scopeMetrics":[{"metrics":[${metric(point)}]}]}`).join(',')}]}`;
  }
  return '';
}

describe('the OTLP/HTTP receiver under fuzzing', { timeout: 300_000 }, () => {
  const memoryBefore = memoryNow();
  afterAll(() => expectBoundedMemory('otlp-receiver', memoryBefore));

  it('answers random bytes as protobuf, plain or gzipped', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(signal, fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (path, bytes, gzip) => {
        await send(vigil, path, PROTOBUF, bytes, gzip, 'random-bytes');
      }),
      fuzzParams(0x07190001, 200),
    );
    await stillServing(vigil);
  });

  it('answers hand-made protobuf messages (every wire type, lengths past the end)', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(signal, protobufParts, async (path, bytes) => {
        await send(vigil, path, PROTOBUF, bytes, false, 'protobuf-parts');
      }),
      fuzzParams(0x07190002, 200),
    );
    await stillServing(vigil);
  });

  it('answers valid protobuf exports with bytes flipped, inserted, cut and varints fiddled', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(signal, fc.array(byteEdit, { minLength: 1, maxLength: 4 }), fc.boolean(), async (path, edits, gzip) => {
        await send(vigil, path, PROTOBUF, edits.reduce(editBytes, PAYLOADS[path].pb), gzip, 'mutated-protobuf');
      }),
      fuzzParams(0x07190003, 400),
    );
    await stillServing(vigil);
  });

  it('answers valid JSON exports with values of the wrong type, keys dropped and added', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(signal, fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean(), async (path, mutations, gzip) => {
        const mutated = mutations.reduce<unknown>((value, m) => mutate(value, m), PAYLOADS[path].json);
        await send(vigil, path, JSON_TYPE, Buffer.from(JSON.stringify(mutated) ?? 'null'), gzip, 'mutated-json');
      }),
      fuzzParams(0x07190004, 300),
    );
    await stillServing(vigil);
  });

  it('answers arbitrary JSON and text that is not JSON', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(signal, fc.oneof(fc.json({ depthSize: 'medium' }), fc.string({ unit: 'binary', maxLength: 200 })), async (path, text) => {
        await send(vigil, path, JSON_TYPE, Buffer.from(text), false, 'arbitrary-json');
      }),
      fuzzParams(0x07190005, 250),
    );
    await stillServing(vigil);
  });

  it('answers JSON nested 1,000 to 50,000 deep', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(deepJson, fc.boolean(), async ({ text }, gzip) => {
        await send(vigil, 'metrics', JSON_TYPE, Buffer.from(text), gzip, 'deep-json');
      }),
      fuzzParams(0x07190006, 20),
    );
    await stillServing(vigil);
  });

  it('answers JSON with a list of 10,000 to 40,000 items', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(hugeArray, fc.boolean(), async ({ text }, gzip) => {
        await send(vigil, 'metrics', JSON_TYPE, Buffer.from(text), gzip, 'huge-arrays');
      }),
      fuzzParams(0x07190007, 6),
    );
    await stillServing(vigil);
  });

  it('answers gzip bodies that are cut or corrupt', async () => {
    const vigil = await startOtlpVigil();
    await fc.assert(
      fc.asyncProperty(signal, fc.constantFrom(PROTOBUF, JSON_TYPE), fc.array(byteEdit, { minLength: 1, maxLength: 3 }), async (path, type, edits) => {
        const plain = type === PROTOBUF ? PAYLOADS[path].pb : Buffer.from(JSON.stringify(PAYLOADS[path].json));
        counter.count('corrupt-gzip');
        const body = edits.reduce(editBytes, new Uint8Array(gzipSync(plain)));
        const response = await fetch(`${vigil.url}/v1/${path}`, {
          method: 'POST',
          headers: { 'content-type': type, 'content-encoding': 'gzip' },
          body: body as Uint8Array<ArrayBuffer>,
          signal: AbortSignal.timeout(HANG_MS),
        });
        await response.arrayBuffer();
        expect([200, 400, 413]).toContain(response.status);
      }),
      fuzzParams(0x07190008, 200),
    );
    await stillServing(vigil);
  });
});
