/**
 * The proof object and its strict binary codec (DESIGN §3.4; byte layout in docs/proof-system.md).
 * All integers little-endian. Sizes that follow from the AIR, the options and the trace height are
 * not encoded; the few variable counts (opened leaves, multi-proof siblings) are, and are bounded.
 */
import { P } from "./field/babybear.js";
import type { Ext } from "./field/extension.js";
import { StarkError } from "./errors.js";
import { OPTION_LIMITS, MIN_LOG_TRACE_HEIGHT, MAX_LOG_LDE_SIZE, type ProofOptions } from "./options.js";
import { friSchedule } from "./fri.js";
import type { AirShape } from "./air/ir.js";

export const PROOF_MAGIC = 0x46504e50; // "PNPF" read as u32 LE
export const PROOF_VERSION = 1;

/** Opened leaves of one Merkle tree: `values` holds leafCount·leafWords words; siblings the multi-proof. */
export interface MerkleOpening {
  readonly values: Uint32Array;
  readonly siblings: Uint8Array[];
}

export interface StarkProof {
  readonly version: number;
  readonly airId: Uint8Array;
  readonly options: ProofOptions;
  readonly logTraceHeight: number;
  readonly traceRoot: Uint8Array;
  readonly quotientRoot: Uint8Array;
  readonly oodTraceZ: Ext[];
  readonly oodTraceZNext: Ext[];
  readonly oodQuotient: Ext[];
  readonly friRoots: Uint8Array[];
  readonly finalPoly: Ext[];
  readonly powNonce: bigint;
  readonly traceOpening: MerkleOpening;
  readonly quotientOpening: MerkleOpening;
  readonly friOpenings: MerkleOpening[];
}

/** The part of an AIR the codec needs. */
export interface ProofShape extends AirShape {
  readonly numQuotientChunks: number;
}

export function decodeError(detail: string, offset: number): StarkError {
  return new StarkError({ code: "PROOF_DECODE", detail, offset }, `proof decode: ${detail} (at byte ${offset})`);
}

class Writer {
  private buf = new Uint8Array(1024);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.ensure(1);
    this.dv.setUint8(this.length++, v);
  }
  u16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.length, v, true);
    this.length += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.dv.setBigUint64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  words(w: ArrayLike<number>): void {
    this.ensure(4 * w.length);
    for (let i = 0; i < w.length; i++) {
      this.dv.setUint32(this.length, w[i]!, true);
      this.length += 4;
    }
  }
  exts(xs: readonly Ext[]): void {
    for (const x of xs) this.words(x);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class Reader {
  private readonly dv: DataView;
  pos = 0;
  constructor(private readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw decodeError(`truncated: ${what} needs ${n} bytes, ${this.buf.length - this.pos} left`, this.pos);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.dv.getUint8(this.pos++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** `count` canonical field elements. */
  elements(count: number, what: string): Uint32Array {
    this.need(4 * count, what);
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const v = this.dv.getUint32(this.pos, true);
      if (v >= P) throw decodeError(`${what}: non-canonical field element ${v}`, this.pos);
      out[i] = v;
      this.pos += 4;
    }
    return out;
  }
  exts(count: number, what: string): Ext[] {
    const w = this.elements(4 * count, what);
    const out: Ext[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = [w[4 * i]!, w[4 * i + 1]!, w[4 * i + 2]!, w[4 * i + 3]!];
    return out;
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
}

export function encodeProof(p: StarkProof): Uint8Array {
  const w = new Writer();
  w.u32(PROOF_MAGIC);
  w.u16(p.version);
  w.bytes(p.airId);
  w.u8(p.options.logBlowup);
  w.u8(p.options.numQueries);
  w.u8(p.options.powBits);
  w.u8(p.options.friLogArity);
  w.u8(p.options.logFinalPolyLen);
  w.u8(p.logTraceHeight);
  w.bytes(p.traceRoot);
  w.bytes(p.quotientRoot);
  w.exts(p.oodTraceZ);
  w.exts(p.oodTraceZNext);
  w.exts(p.oodQuotient);
  for (const r of p.friRoots) w.bytes(r);
  w.exts(p.finalPoly);
  w.u64(p.powNonce);
  const opening = (o: MerkleOpening, leafWords: number) => {
    w.u16(o.values.length / leafWords);
    w.words(o.values);
    w.u16(o.siblings.length);
    for (const s of o.siblings) w.bytes(s);
  };
  opening(p.traceOpening, p.oodTraceZ.length);
  opening(p.quotientOpening, p.oodQuotient.length);
  const { steps } = friSchedule(p.logTraceHeight, p.options);
  p.friOpenings.forEach((o, r) => opening(o, 4 << steps[r]!));
  return w.finish();
}

/** Read just the AIR id (to pick the AIR before decoding). Throws PROOF_DECODE. */
export function peekAirId(bytes: Uint8Array): Uint8Array {
  const r = new Reader(bytes);
  const magic = r.u32("magic");
  if (magic !== PROOF_MAGIC) throw decodeError(`bad magic 0x${magic.toString(16)}`, 0);
  const version = r.u16("version");
  if (version !== PROOF_VERSION) throw decodeError(`unsupported proof version ${version}`, 4);
  return r.bytes(32, "air id");
}

/** Strict decoding against the AIR's shape. Throws StarkError(PROOF_DECODE) naming what is wrong. */
export function decodeProof(bytes: Uint8Array, shape: ProofShape): StarkProof {
  const r = new Reader(bytes);
  const magic = r.u32("magic");
  if (magic !== PROOF_MAGIC) throw decodeError(`bad magic 0x${magic.toString(16)}`, 0);
  const version = r.u16("version");
  if (version !== PROOF_VERSION) throw decodeError(`unsupported proof version ${version}`, 4);
  const airId = r.bytes(32, "air id");
  const optPos = r.pos;
  const options: ProofOptions = {
    logBlowup: r.u8("options.logBlowup"),
    numQueries: r.u8("options.numQueries"),
    powBits: r.u8("options.powBits"),
    friLogArity: r.u8("options.friLogArity"),
    logFinalPolyLen: r.u8("options.logFinalPolyLen"),
  };
  for (const key of Object.keys(OPTION_LIMITS) as (keyof ProofOptions)[]) {
    const [lo, hi] = OPTION_LIMITS[key];
    if (options[key] < lo || options[key] > hi) throw decodeError(`option ${key} = ${options[key]} outside [${lo}, ${hi}]`, optPos);
  }
  const logTraceHeight = r.u8("trace height");
  if (logTraceHeight < MIN_LOG_TRACE_HEIGHT || logTraceHeight + options.logBlowup > MAX_LOG_LDE_SIZE) {
    throw decodeError(`trace height 2^${logTraceHeight} unsupported with blowup 2^${options.logBlowup}`, r.pos - 1);
  }
  if (2 ** (logTraceHeight + options.logBlowup) < options.numQueries) {
    throw decodeError(`LDE domain of 2^${logTraceHeight + options.logBlowup} points is smaller than ${options.numQueries} queries`, r.pos - 1);
  }
  if (shape.numQuotientChunks > 1 << options.logBlowup) {
    throw decodeError(`blowup 2^${options.logBlowup} below the AIR's ${shape.numQuotientChunks} quotient chunks`, optPos);
  }
  const traceRoot = r.bytes(32, "trace root");
  const quotientRoot = r.bytes(32, "quotient root");
  const qCols = 4 * shape.numQuotientChunks;
  const oodTraceZ = r.exts(shape.width, "OOD trace values at z");
  const oodTraceZNext = r.exts(shape.width, "OOD trace values at z·w");
  const oodQuotient = r.exts(qCols, "OOD quotient values");
  const { steps, logFinalLen } = friSchedule(logTraceHeight, options);
  const friRoots = steps.map((_, i) => r.bytes(32, `FRI root ${i}`));
  const finalPoly = r.exts(1 << logFinalLen, "final polynomial");
  const powNonce = r.u64("PoW nonce");
  const logN = logTraceHeight + options.logBlowup;
  const opening = (what: string, leafWords: number, depth: number): MerkleOpening => {
    const count = r.u16(`${what} leaf count`);
    if (count < 1 || count > options.numQueries) throw decodeError(`${what}: ${count} opened leaves (expected 1..${options.numQueries})`, r.pos - 2);
    const values = r.elements(count * leafWords, `${what} leaf values`);
    const nSib = r.u16(`${what} sibling count`);
    if (nSib > count * depth) throw decodeError(`${what}: ${nSib} siblings exceed ${count}·${depth}`, r.pos - 2);
    const siblings: Uint8Array[] = [];
    for (let i = 0; i < nSib; i++) siblings.push(r.bytes(32, `${what} sibling ${i}`));
    return { values, siblings };
  };
  const traceOpening = opening("trace opening", shape.width, logN);
  const quotientOpening = opening("quotient opening", qCols, logN);
  for (const [what, o, words] of [["trace", traceOpening, shape.width], ["quotient", quotientOpening, qCols]] as const) {
    if (o.values.length !== options.numQueries * words) throw decodeError(`${what} opening: ${o.values.length / words} leaves, expected ${options.numQueries}`, r.pos);
  }
  const friOpenings: MerkleOpening[] = [];
  let logM = logN;
  steps.forEach((s, i) => {
    friOpenings.push(opening(`FRI layer ${i} opening`, 4 << s, logM - s));
    logM -= s;
  });
  if (r.remaining !== 0) throw decodeError(`${r.remaining} trailing bytes`, r.pos);
  return {
    version, airId, options, logTraceHeight, traceRoot, quotientRoot, oodTraceZ, oodTraceZNext, oodQuotient,
    friRoots, finalPoly, powNonce, traceOpening, quotientOpening, friOpenings,
  };
}
