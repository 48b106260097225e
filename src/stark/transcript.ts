/**
 * Fiat–Shamir transcripts of the two hash configurations (docs/proof-system.md §4), behind one
 * `Challenger` interface so prover and verifier run the same schedule with either.
 *
 * keccak (what the Solidity verifier reproduces byte for byte):
 *   state s: 32 bytes, initially keccak256(DOMAIN_TAG).
 *   absorb(tag, bytes): s ← keccak256(s ‖ tag (1 byte) ‖ len(bytes) (u32 LE) ‖ bytes); counter ← 0.
 *   squeeze():          out ← keccak256(s ‖ 0xFF ‖ counter (u32 LE)); counter += 1; s ← out.
 *   Every draw starts with a fresh squeeze; words are read as u32 LE, 8 per squeeze.
 *
 * poseidon2 (a duplex sponge over the width-16 permutation, rate 8, capacity 8):
 *   observe(x): the output buffer is cleared; x joins the input buffer; a full buffer (8) duplexes.
 *   duplex:     with l = inputs pending (0..8): state[0..l) ← inputs, state[l..8) ← 0,
 *               state[15] ← state[15] + l; permute; output buffer ← state[0..8).
 *   sample():   duplex if inputs are pending or the output buffer is empty; take output[0], then [1], ….
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { P } from "./field/babybear.js";
import type { Ext } from "./field/extension.js";
import type { HashConfig } from "./hash/config.js";
import { poseidon2PermuteInPlace, POSEIDON2_16 } from "./hash/poseidon2.js";
import { digestWords } from "./merkle/hasher.js";

export const DOMAIN_TAG = "prover-node/stark/v2";

/** Absorb tags (keccak transcript), one per kind of absorbed object. */
export const Tag = {
  Init: 0x01,
  MainCommit: 0x02,
  QuotientCommit: 0x03,
  OodValues: 0x04,
  FriCommit: 0x05,
  FinalPoly: 0x06,
  PowNonce: 0x07,
  AuxCommit: 0x08,
  TerminalSums: 0x09,
} as const;
export type Tag = (typeof Tag)[keyof typeof Tag];

/** What the backend needs to grind the proof of work from the transcript's current position. */
export type GrindInput =
  | { readonly config: "keccak"; readonly state: Uint8Array }
  | { readonly config: "poseidon2"; readonly state: Uint32Array; readonly pending: Uint32Array };

/** The transcript operations prover and verifier share. */
export interface Challenger {
  readonly config: HashConfig;
  /** Absorb Merkle commitments (each 32 bytes); keccak: one absorb of their concatenation. */
  absorbDigests(tag: Tag, digests: readonly Uint8Array[]): void;
  /** Absorb K elements (4 coefficients each). */
  absorbExts(tag: Tag, xs: readonly Ext[]): void;
  sampleExt(): Ext;
  /**
   * The query positions in [0, 2^bits), sorted ascending and distinct. keccak: exactly `count`
   * distinct positions; poseidon2: the distinct values among exactly `count` independent samples
   * (a fixed number of draws, which a verifier circuit can follow).
   */
  drawQueries(count: number, bits: number): number[];
  /** The grinding input at this point of the transcript. */
  grindInput(): GrindInput;
  /** Check the proof-of-work nonce at this point, then absorb it. Returns whether it passed. */
  absorbPow(nonce: bigint, bits: number): boolean;
}

const SQUEEZE_TAG = 0xff;

export class Transcript implements Challenger {
  readonly config = "keccak" as const;
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

  absorbDigests(tag: Tag, digests: readonly Uint8Array[]): void {
    const buf = new Uint8Array(32 * digests.length);
    digests.forEach((d, i) => buf.set(d, 32 * i));
    this.absorb(tag, buf);
  }

  absorbExts(tag: Tag, xs: readonly Ext[]): void {
    this.absorb(tag, extsToBytes(xs));
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

  /** One squeeze of 8 indices at a time, repeats skipped, until `count` distinct ones. */
  drawQueries(count: number, bits: number): number[] {
    checkQueryRoom(count, bits);
    const seen = new Set<number>();
    while (seen.size < count) {
      for (const q of this.sampleIndices(8, bits)) if (seen.size < count) seen.add(q);
    }
    return [...seen].sort((a, b) => a - b);
  }

  grindInput(): GrindInput {
    return { config: "keccak", state: this.state };
  }

  absorbPow(nonce: bigint, bits: number): boolean {
    const ok = checkPow(this.s, nonce, bits);
    this.absorb(Tag.PowNonce, u64le(nonce));
    return ok;
  }
}

function checkQueryRoom(count: number, bits: number): void {
  if (2 ** bits < count) throw new RangeError(`cannot draw ${count} distinct queries from 2^${bits} points`);
}

/** The largest number of index bits the duplex transcript samples without bias (p − 1 = 15·2^27). */
export const MAX_DUPLEX_BITS = 27;

/** The Poseidon2 duplex-sponge transcript (poseidon2 configuration). */
export class DuplexTranscript implements Challenger {
  readonly config = "poseidon2" as const;
  private readonly st = new Uint32Array(16);
  private input: number[] = [];
  private output: number[] = [];

  /** Current sponge state and pending inputs (copies). */
  snapshot(): { state: Uint32Array; pending: Uint32Array } {
    return { state: this.st.slice(), pending: Uint32Array.from(this.input) };
  }

  observe(x: number): void {
    if (!Number.isInteger(x) || x < 0 || x >= P) throw new RangeError(`duplex transcript: ${x} is not a canonical field element`);
    this.output = [];
    this.input.push(x);
    if (this.input.length === 8) this.duplex();
  }

  observeMany(xs: ArrayLike<number>): void {
    for (let i = 0; i < xs.length; i++) this.observe(xs[i]!);
  }

  private duplex(): void {
    const l = this.input.length;
    for (let i = 0; i < 8; i++) this.st[i] = i < l ? this.input[i]! : 0;
    this.st[15] = (this.st[15]! + l) % P;
    poseidon2PermuteInPlace(POSEIDON2_16, this.st);
    this.input = [];
    this.output = Array.from(this.st.subarray(0, 8));
  }

  sample(): number {
    if (this.input.length > 0 || this.output.length === 0) this.duplex();
    return this.output.shift()!;
  }

  absorbDigests(_tag: Tag, digests: readonly Uint8Array[]): void {
    for (const d of digests) this.observeMany(digestWords(d));
  }

  absorbExts(_tag: Tag, xs: readonly Ext[]): void {
    for (const x of xs) this.observeMany(x);
  }

  sampleExt(): Ext {
    return [this.sample(), this.sample(), this.sample(), this.sample()];
  }

  /** A uniform integer of `bits` bits (≤ 27): sample, reject p − 1, keep the low bits. */
  sampleBits(bits: number): number {
    if (!Number.isInteger(bits) || bits < 0 || bits > MAX_DUPLEX_BITS) throw new RangeError(`duplex transcript samples at most ${MAX_DUPLEX_BITS} bits, asked ${bits}`);
    for (;;) {
      const x = this.sample();
      if (x < P - 1) return x & ((1 << bits) - 1);
    }
  }

  /** Exactly `count` independent samples of `bits` bits; returns their distinct values, sorted. */
  drawQueries(count: number, bits: number): number[] {
    const seen = new Set<number>();
    for (let i = 0; i < count; i++) seen.add(this.sampleBits(bits));
    return [...seen].sort((a, b) => a - b);
  }

  grindInput(): GrindInput {
    return { config: "poseidon2", ...this.snapshot() };
  }

  absorbPow(nonce: bigint, bits: number): boolean {
    if (nonce >= BigInt(P)) return false;
    this.observe(Number(nonce));
    return powSampleOk(this.sample(), bits);
  }
}

/** The duplex proof of work accepts a nonce when the sample after it is < p − 1 with `bits` low zero bits. */
export function powSampleOk(x: number, bits: number): boolean {
  return x < P - 1 && (bits === 0 || (x & ((1 << bits) - 1)) === 0);
}

export function newChallenger(config: HashConfig): Challenger {
  return config === "keccak" ? new Transcript() : new DuplexTranscript();
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
