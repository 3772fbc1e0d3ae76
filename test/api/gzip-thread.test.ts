// The gzip thread: what a client gunzips is the body, byte for byte, whatever the pieces; as small as
// node:zlib's gzip at the same level; several answers at once; a client that goes away; background priority.
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkWriter } from '../../api/chunk-writer.js';
import { GzipThread } from '../../api/gzip-thread.js';
import type { BodyPart } from '../../api/gzip-protocol.js';
import { CheckLines } from '../../api/check-lines.js';

const gzip = new GzipThread();
afterAll(() => gzip.close());

/** Exposition-like text: what /metrics sends, repetitive as it is. */
function exposition(lines: number, seed = 0): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    out.push(`vigil_probe_duration_seconds_bucket{env="prod",service="svc-${(i * 7 + seed) % 997}",check="http",le="${[0.005, 0.05, 0.5, 5][i % 4]}"} ${(i * 31 + seed) % 1000}\n`);
  }
  return Buffer.from(out.join(''));
}

/** `body` as a web stream of chunks of the given sizes, in turn. */
function streamOf(body: Uint8Array, sizes: readonly number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= body.byteLength) return controller.close();
      const n = sizes[i++ % sizes.length]!;
      controller.enqueue(body.subarray(at, at + n));
      at += n;
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const reader = stream.getReader();
  const out: Uint8Array[] = [];
  for (let read = await reader.read(); !read.done; read = await reader.read()) out.push(read.value);
  return Buffer.concat(out);
}

describe('the gzip thread', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('x')],
    ['one piece less a byte', exposition(4_000).subarray(0, 256 * 1024 - 1)],
    ['one piece exactly', exposition(4_000).subarray(0, 256 * 1024)],
    ['one piece and a byte', exposition(4_000).subarray(0, 256 * 1024 + 1)],
    ['2.5 MB of exposition text', exposition(22_000)],
    ['random bytes over three pieces', randomBytes(700_000)],
  ])('gzips %s to what gunzips to the same bytes, from parts and from a stream', async (_name, body) => {
    for (const level of [1, 4]) {
      const fromParts = await gzip.bytes([body.subarray(0, 1000), body.subarray(1000)], level);
      expect(gunzipSync(fromParts).equals(body)).toBe(true);
      const fromStream = await collect(gzip.stream(streamOf(body, [1, 70_000, 13, 300_000, 0, 5]), level));
      expect(gunzipSync(fromStream).equals(body)).toBe(true);
    }
  });

  it('is as small as node:zlib gzip at the same level (each piece primed with the 32 KiB before it)', async () => {
    const body = exposition(40_000);
    for (const level of [1, 4]) {
      const ours = await gzip.bytes([body], level);
      const node = gzipSync(body, { level });
      // Independent pieces with no dictionary came out 1.6 % larger than node:zlib at level 1 on this text.
      expect(ours.byteLength).toBeLessThan(node.byteLength * 1.01);
    }
  });

  it('keeps answers that are gzipped at the same time apart', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => exposition(5_000 + i * 1_500, i));
    const zipped = await Promise.all(bodies.map((body, i) => collect(gzip.stream(streamOf(body, [40_000 + i * 7_000]), 1 + (i % 2) * 3))));
    zipped.forEach((z, i) => expect(gunzipSync(z).equals(bodies[i]!)).toBe(true));
  });

  it('fills the pieces the thread gave back anew: a short answer after long ones carries none of their bytes', async () => {
    // Long answers leave full 256 KiB piece buffers to fill again; each next answer is shorter and of
    // other bytes, so a stale byte past its end or a piece reused while still in flight would show.
    for (const [i, size] of [900_000, 600_000, 300_000, 100, 256 * 1024 - 3].entries()) {
      const body = Buffer.alloc(size, 0x61 + i);
      const [a, b] = await Promise.all([gzip.bytes([body], 1), collect(gzip.stream(streamOf(body, [70_000]), 4))]);
      expect(gunzipSync(a).equals(body)).toBe(true);
      expect(gunzipSync(b).equals(body)).toBe(true);
    }
  });

  it('cancels the body when the client goes away, and answers the next one', async () => {
    let cancelled: unknown = null;
    let served = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        served++;
        controller.enqueue(exposition(1_000, served));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = gzip.stream(endless, 1).getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    await reader.cancel('client went away');
    expect(cancelled).toBe('client went away');
    const body = exposition(3_000);
    expect(gunzipSync(await gzip.bytes([body], 1)).equals(body)).toBe(true);
  });

  it('fails the answer when its body fails midway, and answers the next one', async () => {
    let pulls = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (++pulls > 3) controller.error(new Error('the exposition failed'));
        else controller.enqueue(exposition(3_000, pulls));
      },
    });
    await expect(collect(gzip.stream(failing, 1))).rejects.toThrow('the exposition failed');
    const body = exposition(2_000);
    expect(gunzipSync(await gzip.bytes([body], 4)).equals(body)).toBe(true);
  });

  it('renders a checks section in its place in the stream, as the main thread renders it, and keeps its lines between answers', async () => {
    const labels = Array.from({ length: 3_000 }, (_, i) => `check="c${i}",env="prod",service="svc-${i % 13}"`);
    const les = ['0.1', '1', '+Inf'];
    const layout = gzip.registerChecks(labels, les);
    const counts = new Float64Array(labels.length * 4);
    const lastRuns = new Float64Array(labels.length).fill(NaN);
    const expected = () => {
      const out = new ChunkWriter();
      for (const _lines of new CheckLines(labels, les).section(counts, lastRuns, out));
      return Buffer.from(out.take());
    };
    const partsOf = (parts: BodyPart[]) => new ReadableStream<BodyPart>({ pull: (controller) => (parts.length ? controller.enqueue(parts.shift()!) : controller.close()) });
    const section = (): BodyPart => ({ kind: 'checks', layout, counts: counts.slice(), lastRuns: lastRuns.slice() });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < labels.length; i += round + 1) {
        counts[i * 4 + 2]! += 1;
        counts[i * 4 + 3]! += round === 2 ? 0.000123 : 1.5;
        if (round > 0) counts[i * 4]! += 10 ** round;
        // Checks run one after another: some have a last run only from the second round on.
        if (round > 0 || i % 2 === 0) lastRuns[i] = 1_764_000_000_000 + round * 10_000 + i;
      }
      const before = exposition(2_000, round);
      const after = exposition(500, round + 1);
      const zipped = await collect(gzip.streamParts(partsOf([before, section(), after]), 1));
      const text = gunzipSync(zipped);
      expect(text.equals(Buffer.concat([before, expected(), after]))).toBe(true);
      // A line for each check that has run: 1,500 after the first round, 2,000 after the third.
      expect(text.toString().split('\n').filter((line) => line.startsWith('vigil_probe_last_run_timestamp_seconds{'))).toHaveLength(lastRuns.filter((at) => !Number.isNaN(at)).length);
    }
    // A section that starts the answer and ends it.
    expect(gunzipSync(await collect(gzip.streamParts(partsOf([section()]), 4))).equals(expected())).toBe(true);
  });

  it('fails the answer when a section names a layout it was not given, and answers the next one', async () => {
    const unknown = new ReadableStream<BodyPart>({
      start(controller) {
        controller.enqueue(exposition(100));
        controller.enqueue({ kind: 'checks', layout: 9_999, counts: new Float64Array(4), lastRuns: new Float64Array(1) });
        controller.close();
      },
    });
    await expect(collect(gzip.streamParts(unknown, 1))).rejects.toThrow(/the layout of checks 9999 is unknown to the gzip thread/);
    const body = exposition(2_000);
    expect(gunzipSync(await gzip.bytes([body], 4)).equals(body)).toBe(true);
  });

  it.runIf(process.platform === 'linux')('runs at background priority', async () => {
    expect(await gzip.lowered()).toBe(true);
  });

  it('refuses work once closed, with a reason', async () => {
    const closed = new GzipThread();
    expect(gunzipSync(await closed.bytes([Buffer.from('before')], 1)).toString()).toBe('before');
    await closed.close();
    expect(() => closed.stream([Buffer.from('after')], 1)).toThrow(/gzip thread is closed/);
  });
});
