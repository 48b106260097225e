import { DecodeError } from "../errors.js";

/** A Uint8ArrayList as libp2p streams yield it (structural, to avoid depending on the package). */
interface ByteList {
  subarray(): Uint8Array;
}

/**
 * Unsigned-varint length-prefixed frames, as it-pipe transforms. The decoder refuses a frame longer
 * than `maxFrameBytes` as soon as it has read the prefix, before buffering its body.
 */
export function encodeFrames(): (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) => AsyncGenerator<Uint8Array> {
  return async function* (source) {
    for await (const frame of source) {
      const prefix = varint(frame.length);
      const out = new Uint8Array(prefix.length + frame.length);
      out.set(prefix, 0);
      out.set(frame, prefix.length);
      yield out;
    }
  };
}

export function decodeFrames(
  maxFrameBytes: number,
): (source: AsyncIterable<Uint8Array | ByteList> | Iterable<Uint8Array | ByteList>) => AsyncGenerator<Uint8Array> {
  return async function* (source) {
    let buf: Uint8Array = new Uint8Array(0);
    for await (const piece of source) {
      const chunk = piece instanceof Uint8Array ? piece : piece.subarray();
      buf = buf.length === 0 ? chunk : concat(buf, chunk);
      let pos = 0;
      for (;;) {
        const prefix = readVarint(buf, pos);
        if (prefix === null) break;
        const [length, prefixLength] = prefix;
        if (length > maxFrameBytes) throw new DecodeError("frame.length", `${length} > limit ${maxFrameBytes}`);
        if (buf.length - pos - prefixLength < length) break;
        yield buf.slice(pos + prefixLength, pos + prefixLength + length);
        pos += prefixLength + length;
      }
      buf = pos === buf.length ? new Uint8Array(0) : buf.subarray(pos);
    }
    if (buf.length > 0) throw new DecodeError("frame", `stream ended inside a frame (${buf.length} bytes left)`);
  };
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** [value, bytes used], or null when more bytes are needed. At most 5 bytes (values < 2^35). */
function readVarint(buf: Uint8Array, pos: number): [number, number] | null {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (pos + i >= buf.length) return null;
    const b = buf[pos + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      if (i > 0 && b === 0) throw new DecodeError("frame.length", "non-minimal varint");
      return [value, i + 1];
    }
  }
  throw new DecodeError("frame.length", "varint longer than 5 bytes");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
