/**
 * Fiat–Shamir transcript (DESIGN §3.3); the Solidity verifier reproduces it byte for byte.
 *
 * state s: 32 bytes, initially keccak256(DOMAIN_TAG).
 * absorb(tag, bytes): s ← keccak256(s ‖ tag (1 byte) ‖ len(bytes) (u32 LE) ‖ bytes); squeeze counter ← 0.
 * squeeze():          out ← keccak256(s ‖ 0xFF ‖ counter (u32 LE)); counter += 1; s ← out.
 * Every draw starts with a fresh squeeze; words are read from it as u32 LE, 8 per squeeze.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { P } from "./field/babybear.js";
import type { Ext } from "./field/extension.js";

export const DOMAIN_TAG = "prover-node/stark/v1";

/** Absorb tags, one per kind of absorbed object. */
export const Tag = {
  Init: 0x01,
  TraceRoot: 0x02,
  QuotientRoot: 0x03,
  OodValues: 0x04,
  FriRoot: 0x05,
  FinalPoly: 0x06,
  PowNonce: 0x07,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

const SQUEEZE_TAG = 0xff;

export class Transcript {
  private s: Uint8Array;
  private counter = 0;

  constructor() {
    this.s = keccak_256(new TextEncoder().encode(DOMAIN_TAG));
  }

  /** Current state (a copy). */
  get state(): Uint8Array {
    return this.s.slice();
  }

  absorb(tag: Tag, bytes: Uint8Array): void {
    const buf = new Uint8Array(32 + 1 + 4 + bytes.length);
    buf.set(this.s, 0);
    buf[32] = tag;
    new DataView(buf.buffer).setUint32(33, bytes.length, true);
    buf.set(bytes, 37);
    this.s = keccak_256(buf);
    this.counter = 0;
  }

  squeeze(): Uint8Array {
    const buf = new Uint8Array(37);
    buf.set(this.s, 0);
    buf[32] = SQUEEZE_TAG;
    new DataView(buf.buffer).setUint32(33, this.counter, true);
    this.counter = (this.counter + 1) >>> 0;
    this.s = keccak_256(buf);
    return this.s.slice();
  }

  /** `count` base elements by rejection sampling: u32 LE words masked to 31 bits, rejected if ≥ p. */
  sampleBase(count: number): number[] {
    const out: number[] = [];
    while (out.length < count) {
      const block = this.squeeze();
      const dv = new DataView(block.buffer, block.byteOffset, 32);
      for (let i = 0; i < 8 && out.length < count; i++) {
        const x = dv.getUint32(4 * i, true) & 0x7fffffff;
        if (x < P) out.push(x);
      }
    }
    return out;
  }

  /** An element of K: four base elements drawn as in `sampleBase`. */
  sampleExt(): Ext {
    const [a, b, c, d] = this.sampleBase(4) as [number, number, number, number];
    return [a, b, c, d];
  }

  /** `count` indices in [0, 2^bits): u32 LE words masked to their low `bits` bits. */
  sampleIndices(count: number, bits: number): number[] {
    if (bits < 0 || bits > 31) throw new RangeError("index bits out of range");
    const mask = bits === 0 ? 0 : (2 ** bits - 1) >>> 0;
    const out: number[] = [];
    while (out.length < count) {
      const block = this.squeeze();
      const dv = new DataView(block.buffer, block.byteOffset, 32);
      for (let i = 0; i < 8 && out.length < count; i++) out.push((dv.getUint32(4 * i, true) & mask) >>> 0);
    }
    return out;
  }
}

/** Serialise K elements as u32 LE words (4 per element). */
export function extsToBytes(xs: readonly Ext[]): Uint8Array {
  const out = new Uint8Array(16 * xs.length);
  const dv = new DataView(out.buffer);
  xs.forEach((x, i) => {
    for (let j = 0; j < 4; j++) dv.setUint32(16 * i + 4 * j, x[j]!, true);
  });
  return out;
}

export function u64le(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

/** Number of leading zero bits of a digest, most significant bit of byte 0 first. */
export function leadingZeroBits(digest: Uint8Array): number {
  let n = 0;
  for (const byte of digest) {
    if (byte === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(byte) - 24;
  }
  return n;
}

/** keccak256(state ‖ u64le(nonce)) has at least `bits` leading zero bits. */
export function checkPow(state: Uint8Array, nonce: bigint, bits: number): boolean {
  if (bits === 0) return true;
  const buf = new Uint8Array(40);
  buf.set(state, 0);
  buf.set(u64le(nonce), 32);
  return leadingZeroBits(keccak_256(buf)) >= bits;
}
