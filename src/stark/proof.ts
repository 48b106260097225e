/**
 * The proof object and its strict binary codec (docs/proof-system.md §12). All integers little-endian.
 * Sizes that follow from the AIR, the options, the hash configuration and the table heights are not
 * encoded; the few variable counts (opened leaves, multi-proof siblings) are, and are bounded.
 */
import { P } from "./field/babybear.js";
import type { Ext } from "./field/extension.js";
import { StarkError } from "./errors.js";
import { OPTION_LIMITS, MAX_LOG_LDE_SIZE, type ProofOptions } from "./options.js";
import { HASH_CONFIG_CODES, hashConfigFromCode, type HashConfig } from "./hash/config.js";
import { hasherFor } from "./merkle/hasher.js";
import { proofLayout, treeCapHeight, type ProofLayout } from "./layout.js";
import { MAX_DUPLEX_BITS } from "./transcript.js";
import type { Air } from "./air/air.js";

export const PROOF_MAGIC = 0x46504e50; // "PNPF" read as u32 LE
export const PROOF_VERSION = 2;

/** Opened leaves of one Merkle tree: `values` holds leafCount·leafWords words; siblings the multi-proof. */
export interface MerkleOpening {
  /** Number of opened leaves. */
  readonly leafCount: number;
  readonly values: Uint32Array;
  readonly siblings: Uint8Array[];
}

/** The openings of one height group's trees at the group's query positions. */
export interface GroupOpenings {
  /** One opening per table of the group that has preprocessed columns (table order). */
  readonly pre: readonly MerkleOpening[];
  readonly main: MerkleOpening;
  readonly aux: MerkleOpening | null;
  readonly quotient: MerkleOpening;
}

export interface StarkProof {
  readonly version: number;
  readonly hash: HashConfig;
  readonly airId: Uint8Array;
  readonly options: ProofOptions;
  /** log2 height of every table. */
  readonly logHeights: readonly number[];
  /** Cap digests of each group's main tree. */
  readonly mainCaps: readonly Uint8Array[][];
  /** Cap digests of each group's auxiliary tree (empty for a group without auxiliary columns). */
  readonly auxCaps: readonly Uint8Array[][];
  /** LogUp terminal sums of the tables with interactions, in table order. */
  readonly terminalSums: readonly Ext[];
  readonly quotientCaps: readonly Uint8Array[][];
  /** Out-of-domain values, table after table (docs/proof-system.md §7.4). */
  readonly ood: readonly Ext[];
  readonly friCaps: readonly Uint8Array[][];
  readonly finalPoly: readonly Ext[];
  readonly powNonce: bigint;
  readonly groupOpenings: readonly GroupOpenings[];
  readonly friOpenings: readonly MerkleOpening[];
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

/** Header fields up to the heights (what the verifier needs to pick the AIR and derive the layout). */
export interface ProofHeader {
  readonly version: number;
  readonly hash: HashConfig;
  readonly airId: Uint8Array;
  readonly options: ProofOptions;
  readonly logHeights: number[];
}

export function encodeProof(p: StarkProof): Uint8Array {
  const w = new Writer();
  w.u32(PROOF_MAGIC);
  w.u16(p.version);
  w.u8(HASH_CONFIG_CODES[p.hash]);
  w.bytes(p.airId);
  const o = p.options;
  for (const v of [o.logBlowup, o.numQueries, o.powBits, o.friLogArity, o.logFinalPolyLen, o.logCap]) w.u8(v);
  w.u8(p.logHeights.length);
  for (const h of p.logHeights) w.u8(h);
  const caps = (cs: readonly Uint8Array[][]) => {
    for (const c of cs) for (const d of c) w.bytes(d);
  };
  caps(p.mainCaps);
  caps(p.auxCaps);
  w.exts(p.terminalSums);
  caps(p.quotientCaps);
  w.exts(p.ood);
  caps(p.friCaps);
  w.exts(p.finalPoly);
  w.u64(p.powNonce);
  const opening = (op: MerkleOpening) => {
    w.u16(op.leafCount);
    w.words(op.values);
    w.u16(op.siblings.length);
    for (const s of op.siblings) w.bytes(s);
  };
  for (const g of p.groupOpenings) for (const op of [...g.pre, g.main, g.aux, g.quotient]) if (op) opening(op);
  p.friOpenings.forEach(opening);
  return w.finish();
}

function readHeader(r: Reader): ProofHeader {
  const magic = r.u32("magic");
  if (magic !== PROOF_MAGIC) throw decodeError(`bad magic 0x${magic.toString(16)}`, 0);
  const version = r.u16("version");
  if (version !== PROOF_VERSION) throw decodeError(`unsupported proof version ${version}`, 4);
  const code = r.u8("hash configuration");
  const hash = hashConfigFromCode(code);
  if (!hash) throw decodeError(`unknown hash configuration ${code}`, 6);
  const airId = r.bytes(32, "air id");
  const optPos = r.pos;
  const options: ProofOptions = {
    logBlowup: r.u8("options.logBlowup"),
    numQueries: r.u8("options.numQueries"),
    powBits: r.u8("options.powBits"),
    friLogArity: r.u8("options.friLogArity"),
    logFinalPolyLen: r.u8("options.logFinalPolyLen"),
    logCap: r.u8("options.logCap"),
  };
  for (const key of Object.keys(OPTION_LIMITS) as (keyof ProofOptions)[]) {
    const [lo, hi] = OPTION_LIMITS[key];
    if (options[key] < lo || options[key] > hi) throw decodeError(`option ${key} = ${options[key]} outside [${lo}, ${hi}]`, optPos);
  }
  if (hash === "poseidon2" && options.powBits > MAX_DUPLEX_BITS) throw decodeError(`poseidon2 proofs grind at most ${MAX_DUPLEX_BITS} bits, not ${options.powBits}`, optPos + 2);
  const count = r.u8("table count");
  const logHeights: number[] = [];
  for (let i = 0; i < count; i++) logHeights.push(r.u8(`table ${i} height`));
  return { version, hash, airId, options, logHeights };
}

/** Read the header: magic, version, hash configuration, AIR id, options and table heights. Throws PROOF_DECODE. */
export function peekHeader(bytes: Uint8Array): ProofHeader {
  return readHeader(new Reader(bytes));
}

/** Read just the AIR id (to pick the AIR before decoding). Throws PROOF_DECODE. */
export function peekAirId(bytes: Uint8Array): Uint8Array {
  const r = new Reader(bytes);
  const magic = r.u32("magic");
  if (magic !== PROOF_MAGIC) throw decodeError(`bad magic 0x${magic.toString(16)}`, 0);
  const version = r.u16("version");
  if (version !== PROOF_VERSION) throw decodeError(`unsupported proof version ${version}`, 4);
  r.u8("hash configuration");
  return r.bytes(32, "air id");
}

/** Check the header's heights against the AIR and derive the layout; throws PROOF_DECODE. */
export function layoutForHeader(h: ProofHeader, air: Air, at = 0): ProofLayout {
  const { options, logHeights } = h;
  if (logHeights.length !== air.tables.length) throw decodeError(`${logHeights.length} table heights for ${air.name}'s ${air.tables.length} tables`, at);
  air.tables.forEach((t, i) => {
    const l = logHeights[i]!;
    if (l < t.minLogRows || l > t.maxLogRows || l + options.logBlowup > MAX_LOG_LDE_SIZE) {
      throw decodeError(`table ${t.name}: height 2^${l} unsupported (2^${t.minLogRows}..2^${t.maxLogRows}, blowup 2^${options.logBlowup})`, at);
    }
    if (t.numQuotientChunks > 1 << options.logBlowup) throw decodeError(`blowup 2^${options.logBlowup} below table ${t.name}'s ${t.numQuotientChunks} quotient chunks`, at);
  });
  const layout = proofLayout(air, options, h.hash, logHeights);
  if (2 ** layout.logQueryDomain < options.numQueries) {
    throw decodeError(`LDE domain of 2^${layout.logQueryDomain} points is smaller than ${options.numQueries} queries`, at);
  }
  return layout;
}

/** Strict decoding against the AIR. Throws StarkError(PROOF_DECODE) naming what is wrong. */
export function decodeProof(bytes: Uint8Array, air: Air): StarkProof {
  const r = new Reader(bytes);
  const header = readHeader(r);
  const layout = layoutForHeader(header, air, r.pos);
  const { options, hash } = header;
  const hasher = hasherFor(hash);
  const digest = (what: string): Uint8Array => {
    const at = r.pos;
    const d = r.bytes(32, what);
    if (!hasher.isDigest(d)) throw decodeError(`${what}: not a ${hash} digest (non-canonical element)`, at);
    return d;
  };
  const capOf = (depth: number, what: string): Uint8Array[] => {
    const c = treeCapHeight(options, depth);
    return Array.from({ length: 2 ** c }, (_, i) => digest(`${what} cap digest ${i}`));
  };
  const mainCaps = layout.groups.map((g, gi) => capOf(g.logLde, `group ${gi} main`));
  const auxCaps = layout.groups.map((g, gi) => (g.auxWidth > 0 ? capOf(g.logLde, `group ${gi} aux`) : []));
  const terminalSums = r.exts(layout.numTerminals, "terminal sums");
  const quotientCaps = layout.groups.map((g, gi) => capOf(g.logLde, `group ${gi} quotient`));
  const ood = r.exts(layout.numOod, "OOD values");
  const { steps, logFinalLen } = layout.fri;
  let logM = layout.logQueryDomain;
  const friCaps = steps.map((s, i) => {
    const c = capOf(logM - s, `FRI layer ${i}`);
    logM -= s;
    return c;
  });
  const finalPoly = r.exts(1 << logFinalLen, "final polynomial");
  const nonceAt = r.pos;
  const powNonce = r.u64("PoW nonce");
  if (hash === "poseidon2" && powNonce >= BigInt(P)) throw decodeError(`PoW nonce ${powNonce} is not a field element`, nonceAt);
  const opening = (what: string, leafWords: number, depth: number, exact: boolean): MerkleOpening => {
    const leafCount = r.u16(`${what} leaf count`);
    if (leafCount < 1 || leafCount > options.numQueries || (exact && leafCount !== options.numQueries)) {
      throw decodeError(`${what}: ${leafCount} opened leaves (expected ${exact ? options.numQueries : `1..${options.numQueries}`})`, r.pos - 2);
    }
    const values = r.elements(leafCount * leafWords, `${what} leaf values`);
    const levels = depth - treeCapHeight(options, depth);
    const nSib = r.u16(`${what} sibling count`);
    if (nSib > leafCount * levels) throw decodeError(`${what}: ${nSib} siblings exceed ${leafCount}·${levels}`, r.pos - 2);
    const siblings: Uint8Array[] = [];
    for (let i = 0; i < nSib; i++) siblings.push(digest(`${what} sibling ${i}`));
    return { leafCount, values, siblings };
  };
  const groupOpenings = layout.groups.map((g, gi): GroupOpenings => {
    // keccak draws exactly numQueries distinct positions; poseidon2 numQueries samples (§4.2).
    const exact = gi === 0 && hash === "keccak";
    const name = `group ${gi}`;
    return {
      pre: g.tables
        .map((ti) => air.tables[ti]!)
        .filter((t) => t.numPreprocessed > 0)
        .map((t) => opening(`${name} ${t.name} preprocessed opening`, t.numPreprocessed, g.logLde, exact)),
      main: opening(`${name} main opening`, g.mainWidth, g.logLde, exact),
      aux: g.auxWidth > 0 ? opening(`${name} aux opening`, g.auxWidth, g.logLde, exact) : null,
      quotient: opening(`${name} quotient opening`, g.quotientWidth, g.logLde, exact),
    };
  });
  logM = layout.logQueryDomain;
  const friOpenings = steps.map((s, i) => {
    const o = opening(`FRI layer ${i} opening`, 4 << s, logM - s, false);
    logM -= s;
    return o;
  });
  if (r.remaining !== 0) throw decodeError(`${r.remaining} trailing bytes`, r.pos);
  return {
    version: header.version, hash, airId: header.airId, options, logHeights: header.logHeights,
    mainCaps, auxCaps, terminalSums, quotientCaps, ood, friCaps, finalPoly, powNonce, groupOpenings, friOpenings,
  };
}
