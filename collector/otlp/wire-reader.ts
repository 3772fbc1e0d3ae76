// The protobuf wire format, read by hand (protobuf.dev/programming-guides/encoding): varints, fixed
// 32/64-bit words, length-delimited fields, and skipping an unknown field by its wire type. Every read
// is bounds-checked against the end of the enclosing message, so a truncated or lying body throws a
// WireError instead of reading past it. 64-bit integers become numbers the way protobufjs makes them
// (lo + hi·2³², exact up to 2^53: times in ns and counts need no more).

/** A body that is not a well-formed protobuf message: answered 400. */
export class WireError extends Error {
  override name = 'WireError';
}

export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
const START_GROUP = 3;
const END_GROUP = 4;
export const FIXED32 = 5;

const TWO_32 = 4294967296;
/** Group nesting skipped at most: a body of nested START_GROUPs must not exhaust the stack. */
const MAX_GROUP_DEPTH = 64;

/** A cursor over one body; `end` arguments bound each read to the enclosing message. */
export class WireReader {
  readonly bytes: Uint8Array;
  readonly #view: DataView;
  readonly #text: Buffer;
  pos = 0;
  /** The high 32 bits of the last varint read by `varint64`. */
  #hi = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /**
   * A varint's low 32 bits, unsigned (int32 and enums after `| 0`, uint32, bool). It is 1–5 bytes, or
   * exactly 10 when a negative int32 is sign-extended; 6 to 9 bytes (an int64 written into a 32-bit
   * field) is refused: protobufjs, the reference and what the JavaScript SDK decodes with, skips a
   * fixed 5 bytes after the fifth and so reads such a body differently from byte 6 on.
   */
  uint32(end: number): number {
    return this.#varint32(end, null);
  }

  /** `strict` names a tag or a length, which are 32 bits at most: 1–5 bytes. */
  #varint32(end: number, strict: string | null): number {
    const bytes = this.bytes;
    let pos = this.pos;
    let value = 0;
    for (let shift = 0; shift < 32; shift += 7) {
      if (pos >= end) throw this.#truncated(end);
      const b = bytes[pos++]!;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    if (strict !== null) throw new WireError(`${strict} at offset ${this.pos} is longer than 32 bits`);
    // Bytes 6 to 10 carry bits past 32: skipped.
    for (let i = 5; i < 10; i++) {
      if (pos >= end) throw this.#truncated(end);
      if (bytes[pos++]! < 0x80) {
        if (i < 9) throw new WireError(`a 32-bit varint of ${i + 1} bytes at offset ${this.pos} (1–5, or 10 when sign-extended)`);
        this.pos = pos;
        return value >>> 0;
      }
    }
    throw new WireError(`invalid varint at offset ${this.pos}`);
  }

  /** A full varint as (lo, hi): returns lo, unsigned; `hi` holds the rest. */
  #varint64(end: number): number {
    const bytes = this.bytes;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw this.#truncated(end);
      const b = bytes[pos++]!;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else if (i === 9 && bits > 1) throw new WireError(`varint out of range at offset ${start}`);
      else hi |= bits << (7 * i - 32);
      if (b < 0x80) {
        this.pos = pos;
        this.#hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw new WireError(`invalid varint at offset ${start}`);
  }

  /** uint64 as a number. */
  uint64(end: number): number {
    const lo = this.#varint64(end);
    return lo + this.#hi * TWO_32;
  }

  /** int64 (two's complement in a varint) as a number. */
  int64(end: number): number {
    const lo = this.#varint64(end);
    return signed(lo, this.#hi);
  }

  /** sint32 (zigzag). */
  sint32(end: number): number {
    const n = this.uint32(end);
    return ((n >>> 1) ^ -(n & 1)) | 0;
  }

  /** bool: like protobufjs, the low 32 bits of the varint, non-zero. */
  bool(end: number): boolean {
    return this.uint32(end) !== 0;
  }

  /** fixed64, unsigned. */
  fixed64(end: number): number {
    const pos = this.#take(8, end);
    return this.#view.getUint32(pos, true) + this.#view.getUint32(pos + 4, true) * TWO_32;
  }

  /** sfixed64. */
  sfixed64(end: number): number {
    const pos = this.#take(8, end);
    return signed(this.#view.getUint32(pos, true), this.#view.getUint32(pos + 4, true));
  }

  double(end: number): number {
    return this.#view.getFloat64(this.#take(8, end), true);
  }

  /** A length prefix; returns the end of the field it announces (within `end`). */
  length(end: number): number {
    const n = this.#varint32(end, 'a length');
    if (n > end - this.pos) throw new WireError(`length ${n} at offset ${this.pos} runs past the end of its message (${end - this.pos} bytes left)`);
    return this.pos + n;
  }

  string(end: number): string {
    const stop = this.length(end);
    const start = this.pos;
    this.pos = stop;
    return this.#text.toString('utf8', start, stop);
  }

  /** bytes, as base64 (how OTLP/JSON and protobufjs' toObject give them). */
  base64(end: number): string {
    const stop = this.length(end);
    const start = this.pos;
    this.pos = stop;
    return this.#text.toString('base64', start, stop);
  }

  /** Skips the value of a field of `wireType` (one this decoder does not read). */
  skip(wireType: number, end: number, depth = 0): void {
    switch (wireType) {
      case VARINT:
        this.#varint64(end);
        return;
      case FIXED64:
        this.#take(8, end);
        return;
      case LENGTH_DELIMITED:
        this.pos = this.length(end);
        return;
      case START_GROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw new WireError(`groups nested deeper than ${MAX_GROUP_DEPTH} at offset ${this.pos}`);
        for (;;) {
          const tag = this.tag(end);
          if ((tag & 7) === END_GROUP) return;
          this.skip(tag & 7, end, depth + 1);
        }
      }
      case FIXED32:
        this.#take(4, end);
        return;
      default:
        throw new WireError(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  /** The next tag (field number << 3 | wire type); field number 0 is invalid. */
  tag(end: number): number {
    const at = this.pos;
    const tag = this.#varint32(end, 'a tag');
    if (tag >>> 3 === 0) throw new WireError(`invalid field number 0 at offset ${at}`);
    return tag;
  }

  /** Throws unless `wireType` is what the field `name` is encoded as. */
  expect(wireType: number, expected: number, name: string): void {
    if (wireType !== expected) throw new WireError(`${name} has wire type ${wireType} at offset ${this.pos}, expected ${expected}`);
  }

  #take(n: number, end: number): number {
    const pos = this.pos;
    if (end - pos < n) throw this.#truncated(end);
    this.pos = pos + n;
    return pos;
  }

  #truncated(end: number): WireError {
    return new WireError(end === this.bytes.length ? `truncated message at offset ${this.pos}` : `a field at offset ${this.pos} runs past the end of its message`);
  }
}

function signed(lo: number, hi: number): number {
  if (hi >>> 31 === 0) return lo + hi * TWO_32;
  // Negative: the magnitude is the two's complement.
  const magLo = (~lo + 1) >>> 0;
  let magHi = ~hi >>> 0;
  if (magLo === 0) magHi = (magHi + 1) >>> 0;
  return -(magLo + magHi * TWO_32);
}
