/**
 * The cuda backend: the kernels of kernels/cuda/ through the N-API addon. Canonical values in and
 * out, as every backend. Each operation uploads what is not already on the device, runs its kernels
 * on one stream, downloads its result; results that later operations take as inputs (LDE matrices,
 * DEEP and FRI layers) stay on the device in a DeviceCache, found again by the identity of the
 * returned arrays. The addon calls are synchronous (kernels are fast next to the transfers); grinding
 * yields to the event loop between launches so that an AbortSignal can stop it.
 */
import * as F from "../../stark/field/babybear.js";
import * as K from "../../stark/field/extension.js";
import { readHeader } from "../../stark/air/bytecode.js";
import { POSEIDON2_16, POSEIDON2_24, type Poseidon2Params } from "../../stark/hash/poseidon2.js";
import { AbortError } from "../../util/errors.js";
import { grindReference } from "../../stark/grind.js";
import type { HashConfig } from "../../stark/hash/config.js";
import { checkCanonicalColumns, checkHashConfig, checkMerkleShape, checkRows, checkSameLength, grindPoseidon2Template, groupByLength, log2Exact } from "../shape.js";
import type {
  Column, ConstraintCheckInputs, DeepInputs, ExtColumns, LogUpAux, LogUpInputs, MerkleTreeData, ProverBackend, QuotientInputs, ResidentMatrix,
} from "../interface.js";
import { quotientBlowupOf } from "../../stark/quotient.js";
import { claimWeights } from "../../stark/deep.js";
import { CudaBackendError, cudaStatus, type CudaAddon, type CudaDeviceInfo, type CudaStatus, type DeviceBuffer } from "./addon.js";
import { DeviceCache, type CachedMatrix } from "./device-cache.js";
import { defaultCudaBackendOpts, type CudaBackendOpts } from "./options.js";
import { defaultSizingOpts, maxLogRowsFor, type ProofShape } from "./sizing.js";

/** R mod p: Montgomery form of 1 (R = 2^32). */
const R_MOD_P = 0x0ffffffe;
const mont = (x: number): number => F.mul(x, R_MOD_P);
const NO_NONCE = 2n ** 64n - 1n;
const NO_NONCE_32 = 2 ** 32 - 1;

/** Device buffers of one operation, freed together at its end (cached matrices are never in here). */
class Scope {
  readonly buffers: DeviceBuffer[] = [];
  /** Cached matrices this operation reads: never evicted to make room for it. */
  readonly pinned = new Set<CachedMatrix>();
}

/** Columns a program reads with these opcodes (operand a): only those host columns are uploaded. */
function programColumns(code: Uint32Array, ops: readonly number[]): Set<number> {
  const used = new Set<number>();
  for (let o = 4; o + 3 < code.length; o += 4) if (ops.includes(code[o]!)) used.add(code[o + 2]!);
  return used;
}

/** A resident matrix of the cuda backend: a device buffer, column c at word c·height. */
class CudaMatrix implements ResidentMatrix {
  released = false;
  constructor(
    readonly owner: CudaBackend,
    readonly buffer: DeviceBuffer,
    readonly width: number,
    readonly height: number,
  ) {}
}

export class CudaBackend implements ProverBackend {
  readonly name = "cuda" as const;
  readonly opts: CudaBackendOpts;
  readonly device: CudaDeviceInfo;
  private readonly addon: CudaAddon;
  private readonly cache: DeviceCache;
  private tw: { log: number; fwd: DeviceBuffer; inv: DeviceBuffer } | null = null;
  private poseidonReady = new Set<number>();
  private closed = false;

  /** `status`: another addon than the installed one (the CPU emulation in tests). */
  constructor(opts: Partial<CudaBackendOpts> = {}, status: CudaStatus = cudaStatus()) {
    if (!status.available) throw new CudaBackendError("CUDA_UNAVAILABLE", status.reason);
    this.opts = { ...defaultCudaBackendOpts(), ...opts };
    this.addon = status.addon;
    this.device = status.device;
    this.cache = new DeviceCache(this.addon, this.opts.cacheEntries, this.opts.deviceCache);
  }

  // ------------------------------------------------------------------ sizing

  /**
   * The largest log2 trace height of `shape` (width, blowup, …) whose proof fits in the device's free
   * memory now (memory this backend's cache holds counts as free: it is given back on demand).
   */
  maxLogRows(shape: Omit<ProofShape, "logRows">): number {
    const free = this.addon.memInfo().freeBytes + this.cache.bytes;
    return maxLogRowsFor(free, shape, 27 - shape.logBlowup, { ...defaultSizingOpts, chunkRows: this.opts.quotientChunkRows });
  }

  // ------------------------------------------------------------------ plumbing

  private run<T>(job: (s: Scope) => T): T {
    if (this.closed) throw new CudaBackendError("CUDA_FAILED", "backend is closed");
    const s = new Scope();
    try {
      return job(s);
    } finally {
      for (const b of s.buffers) this.addon.free(b);
    }
  }

  /** A device allocation of the scope; on out-of-memory the cache gives back matrices first. */
  private alloc(s: Scope, bytes: number): DeviceBuffer {
    const b = this.allocRaw(bytes, s.pinned);
    s.buffers.push(b);
    return b;
  }

  private allocRaw(bytes: number, pinned: ReadonlySet<CachedMatrix>): DeviceBuffer {
    for (;;) {
      try {
        return this.addon.alloc(Math.max(4, bytes));
      } catch (e) {
        const oom = (e as { cudaError?: string }).cudaError === "cudaErrorMemoryAllocation";
        if (!oom || !this.cache.evictOne(pinned)) throw e;
      }
    }
  }

  /** Takes a buffer out of the scope (the caller now owns it). */
  private keep(s: Scope, b: DeviceBuffer): DeviceBuffer {
    const i = s.buffers.indexOf(b);
    if (i >= 0) s.buffers.splice(i, 1);
    return b;
  }

  private put(s: Scope, words: Uint32Array | Uint8Array): DeviceBuffer {
    const b = this.alloc(s, Math.max(4, words.byteLength));
    if (words.byteLength > 0) this.addon.upload(b, 0, words);
    return b;
  }

  /** A contiguous device matrix holding `columns` (height words each): the cached one, or an upload. */
  private matrix(s: Scope, columns: readonly Uint32Array[], height: number): DeviceBuffer {
    const hit = this.cache.findMatrix(columns);
    if (hit) {
      s.pinned.add(hit);
      return hit.buffer;
    }
    const b = this.alloc(s, 4 * height * columns.length);
    columns.forEach((c, i) => this.addon.upload(b, 4 * height * i, c));
    return b;
  }

  /** This backend's live resident matrix, or RangeError. */
  private own(m: ResidentMatrix): CudaMatrix {
    if (!(m instanceof CudaMatrix) || m.owner !== this) throw new RangeError("cuda backend: a resident matrix of another backend");
    if (m.released) throw new RangeError("cuda backend: the resident matrix was released");
    return m;
  }

  /** Rows of a column (a resident one's matrix height). */
  private lengthOf(c: Column): number {
    return c instanceof Uint32Array ? c.length : this.own(c.matrix).height;
  }

  /**
   * A device table of column pointers: resident and cached columns in place, the others uploaded
   * together (only those in `used`, when given: the others are never read and point at column 0).
   */
  private columnTable(s: Scope, columns: readonly Column[], height: number, used?: ReadonlySet<number>): DeviceBuffer {
    const bufs: DeviceBuffer[] = new Array(columns.length);
    const offs = new Float64Array(columns.length);
    const missing: number[] = [];
    let filler: number | null = null;
    columns.forEach((c, i) => {
      if (!(c instanceof Uint32Array)) {
        const m = this.own(c.matrix);
        if (!Number.isInteger(c.index) || c.index < 0 || c.index >= m.width) throw new RangeError(`column ${c.index} of a ${m.width}-column matrix`);
        if (m.height !== height) throw new RangeError(`a column has ${m.height} rows, expected ${height}`);
        bufs[i] = m.buffer;
        offs[i] = c.index * height;
        return;
      }
      if (c.length !== height) throw new RangeError(`a column has ${c.length} rows, expected ${height}`);
      if (used && !used.has(i)) {
        filler = i;
        return;
      }
      const ref = this.cache.find(c);
      if (ref) {
        s.pinned.add(ref.matrix);
        bufs[i] = ref.matrix.buffer;
        offs[i] = ref.index * ref.matrix.height;
      } else missing.push(i);
    });
    if (missing.length > 0 || filler !== null) {
      const up = this.alloc(s, 4 * height * Math.max(1, missing.length));
      missing.forEach((i, j) => {
        this.addon.upload(up, 4 * height * j, columns[i] as Uint32Array);
        bufs[i] = up;
        offs[i] = j * height;
      });
      columns.forEach((c, i) => {
        if (bufs[i] === undefined) {
          bufs[i] = up; // never read: any valid pointer
          offs[i] = 0;
        }
      });
    }
    const table = this.alloc(s, 8 * Math.max(1, columns.length));
    if (columns.length > 0) this.addon.pointerTable(table, bufs, offs);
    return table;
  }

  /** Downloads `count` columns of `height` words into fresh arrays (one allocation). */
  private columnsOut(b: DeviceBuffer, count: number, height: number): Uint32Array[] {
    const all = new Uint32Array(count * height);
    if (all.length > 0) this.addon.download(b, 0, all);
    return Array.from({ length: count }, (_, i) => all.subarray(i * height, (i + 1) * height));
  }

  /** Downloads and hands the device matrix to the cache (it now owns the buffer). */
  private resultColumns(s: Scope, b: DeviceBuffer, count: number, height: number): Uint32Array[] {
    const cols = this.columnsOut(b, count, height);
    this.cache.put(this.keep(s, b), cols, height);
    return cols;
  }

  private errorFlag(s: Scope): DeviceBuffer {
    const e = this.alloc(s, 4);
    this.addon.fill(e, 0);
    return e;
  }

  private flagRaised(e: DeviceBuffer): boolean {
    const out = new Uint32Array(1);
    this.addon.download(e, 0, out);
    return out[0] !== 0;
  }

  /** Twiddle tables of the root of order 2^log (kept; rebuilt larger when needed). */
  private twiddles(log: number): { log: number; fwd: DeviceBuffer; inv: DeviceBuffer } {
    if (this.tw && this.tw.log >= log) return this.tw;
    if (this.tw) {
      this.addon.free(this.tw.fwd);
      this.addon.free(this.tw.inv);
      this.tw = null;
    }
    const want = Math.max(1, log);
    const bytes = 4 * 2 ** (want - 1);
    const fwd = this.allocRaw(bytes, new Set());
    const inv = this.allocRaw(bytes, new Set());
    this.addon.twiddles(fwd, want, false);
    this.addon.twiddles(inv, want, true);
    this.tw = { log: want, fwd, inv };
    return this.tw;
  }

  // ------------------------------------------------------------------ NTT

  async interpolate(columns: Uint32Array[]): Promise<void> {
    for (const group of groupByLength(columns)) {
      const cols = group.map((i) => columns[i]!);
      const n = cols[0]!.length;
      const logN = log2Exact(n, "interpolate: column length");
      cols.forEach((c) => this.cache.forget(c)); // written in place: a device copy would be stale
      if (n === 1) continue;
      this.run((s) => {
        const tw = this.twiddles(logN);
        const data = this.alloc(s, 4 * n * cols.length);
        cols.forEach((c, i) => this.addon.upload(data, 4 * n * i, c));
        const tmp = this.alloc(s, 4 * n * cols.length);
        this.addon.interpolate(data, tmp, logN, cols.length, tw.inv, tw.log);
        cols.forEach((c, i) => this.addon.download(data, 4 * n * i, c));
      });
    }
  }

  async evaluateOnCoset(coefficients: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]> {
    if (!Number.isInteger(logBlowup) || logBlowup < 0) throw new RangeError(`evaluateOnCoset: bad logBlowup ${logBlowup}`);
    const out: Uint32Array[] = new Array(coefficients.length);
    for (const group of groupByLength(coefficients)) {
      const cols = group.map((i) => coefficients[i]!);
      const n = cols[0]!.length;
      const logN = log2Exact(n, "evaluateOnCoset: column length");
      const logBig = logN + logBlowup;
      if (logBig > 27) throw new RangeError(`evaluateOnCoset: 2^${logBig} points exceed the two-adicity of BabyBear`);
      const big = 2 ** logBig;
      const res = this.run((s) => {
        const tw = this.twiddles(logBig);
        const src = this.matrix(s, cols, n);
        const dst = this.alloc(s, 4 * big * cols.length);
        this.addon.cosetLde(src, dst, logN, logBlowup, cols.length, shift % F.P, tw.fwd, tw.log);
        return this.resultColumns(s, dst, cols.length, big);
      });
      group.forEach((i, j) => (out[i] = res[j]!));
    }
    return out;
  }

  // ------------------------------------------------------------------ Merkle, grinding

  async merkleCommit(columns: readonly Column[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    const config = checkHashConfig(hash);
    const { height, leafCount } = checkMerkleShape(columns.map((c) => ({ length: this.lengthOf(c) })), leafArity);
    return this.run((s) => {
      if (config === "poseidon2") this.poseidon2Constants(POSEIDON2_16);
      const table = this.columnTable(s, columns, height);
      const error = config === "poseidon2" ? this.errorFlag(s) : null;
      let count = leafCount;
      let level = this.alloc(s, 32 * count);
      if (error) this.addon.poseidon2MerkleLeaves(table, columns.length, height, leafArity, level, error);
      else this.addon.merkleLeaves(table, columns.length, height, leafArity, level);
      const levels: Array<[DeviceBuffer, number]> = [[level, count]];
      while (count > 1) {
        const next = this.alloc(s, 32 * (count / 2));
        if (error) this.addon.poseidon2MerkleNodes(level, next, count / 2);
        else this.addon.merkleNodes(level, next, count / 2);
        count /= 2;
        level = next;
        levels.push([level, count]);
      }
      if (error && this.flagRaised(error)) {
        // resident columns are canonical (upload checks, kernels write canonical values): name a host one
        checkCanonicalColumns(columns.map((c) => (c instanceof Uint32Array ? c : new Uint32Array(0))), "merkleCommit");
        throw new CudaBackendError("CUDA_FAILED", "poseidon2MerkleLeaves flagged a non-canonical word that the columns do not hold");
      }
      return {
        levels: levels.map(([b, c]) => {
          const bytes = new Uint8Array(32 * c);
          this.addon.download(b, 0, bytes);
          return bytes;
        }),
      };
    });
  }

  /** The levels come back to the host either way (the prover needs them for its openings). */
  async commitTree(columns: readonly Column[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    return this.merkleCommit(columns, leafArity, hash);
  }

  async releaseTree(_tree: MerkleTreeData): Promise<void> {}

  /**
   * Launches over increasing nonce ranges (2^16 first, doubling to grindChunk, clipped to p), each
   * keeping its smallest passing nonce: the first launch with a hit gives the smallest overall. The
   * signal is checked, and the event loop served, between launches.
   */
  async grindPoseidon2(state: Uint32Array, pending: Uint32Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    const { template, position } = grindPoseidon2Template(state, pending, bits);
    if (this.closed) throw new CudaBackendError("CUDA_FAILED", "backend is closed");
    this.poseidon2Constants(POSEIDON2_16);
    const s = new Scope();
    try {
      const tmpl = this.put(s, template.map(mont));
      const found = this.alloc(s, 4);
      let chunk = Math.min(1 << 16, this.opts.grindChunk);
      for (let start = 0; ; ) {
        if (signal?.aborted) throw new AbortError("grinding aborted");
        if (this.closed) throw new CudaBackendError("CUDA_FAILED", "backend is closed");
        if (start >= F.P) throw new RangeError(`grindPoseidon2: no nonce below p gives ${bits} proof-of-work bits`);
        const count = Math.min(chunk, F.P - start);
        const nonce = this.addon.poseidon2Grind(tmpl, position, bits, start, count, found);
        if (nonce !== NO_NONCE_32) return BigInt(nonce);
        start += count;
        if (chunk < this.opts.grindChunk) chunk *= 2;
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      for (const b of s.buffers) this.addon.free(b);
    }
  }

  async grind(state: Uint8Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    if (!Number.isInteger(bits) || bits < 0 || bits > 256) throw new RangeError(`grind: bits must be in [0, 256], got ${bits}`);
    if (bits === 0) return 0n;
    if (state.length + 8 > 135) return grindReference(state, bits, signal);
    // One keccak block: state ‖ nonce, then the padding; the kernel XORs each nonce in.
    const block = new Uint8Array(136);
    block.set(state);
    block[state.length + 8]! ^= 0x01;
    block[135]! ^= 0x80;
    const s = new Scope();
    try {
      const tmpl = this.put(s, block);
      const found = this.alloc(s, 8);
      let chunk = 1n << 16n;
      for (let start = 0n; ; ) {
        if (signal?.aborted) throw new AbortError("grinding aborted");
        if (this.closed) throw new CudaBackendError("CUDA_FAILED", "backend is closed");
        const nonce = this.addon.grind(tmpl, state.length, bits, start, chunk, found);
        if (nonce !== NO_NONCE) return nonce;
        start += chunk;
        if (chunk < BigInt(this.opts.grindChunk)) chunk *= 2n;
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      for (const b of s.buffers) this.addon.free(b);
    }
  }

  // ------------------------------------------------------------------ Poseidon2

  async poseidon2Permute16(states: Uint32Array): Promise<void> {
    this.poseidon2(states, POSEIDON2_16);
  }

  async poseidon2Permute24(states: Uint32Array): Promise<void> {
    this.poseidon2(states, POSEIDON2_24);
  }

  private poseidon2(states: Uint32Array, params: Poseidon2Params): void {
    const width = params.width;
    if (states.length % width !== 0) throw new RangeError(`poseidon2: ${states.length} words is not a whole number of width-${width} states`);
    const count = states.length / width;
    if (count === 0) return;
    this.poseidon2Constants(params);
    this.run((s) => {
      const b = this.put(s, states);
      this.addon.poseidon2Permute(b, width, count);
      this.addon.download(b, 0, states);
    });
  }

  /** Uploads the round constants of a width once (the Merkle and grinding kernels use width 16). */
  private poseidon2Constants(params: Poseidon2Params): void {
    const width = params.width;
    if (!this.poseidonReady.has(width)) {
      this.addon.poseidon2SetConstants(
        width,
        Uint32Array.from(params.externalInitial.flat()),
        Uint32Array.from(params.externalFinal.flat()),
        Uint32Array.from(params.internal),
        Uint32Array.from(params.internalDiagonal),
      );
      this.poseidonReady.add(width);
    }
  }

  // ------------------------------------------------------------------ FRI, DEEP, quotient, openings

  async friFold(values: ExtColumns, logArity: number, beta: Uint32Array, shift: number): Promise<ExtColumns> {
    const m = values[0].length;
    const logM = log2Exact(m, "friFold: length");
    if (!Number.isInteger(logArity) || logArity < 0 || logArity > logM) throw new RangeError(`friFold: bad logArity ${logArity} for length ${m}`);
    if (values.some((v) => v.length !== m)) throw new RangeError("friFold: coefficient columns of different lengths");
    return this.run((s) => {
      let src = this.matrix(s, values, m);
      let b: K.Ext = K.readExt(beta, 0);
      let sh = shift % F.P;
      let len = m;
      for (let j = 0; j < logArity; j++) {
        const dst = this.alloc(s, 16 * (len / 2));
        const logLen = Math.log2(len);
        const wInv = F.inv(F.twoAdicGenerator(logLen));
        this.addon.friFold2(src, dst, logLen, Uint32Array.from(b.map(mont)), mont(F.inv(F.add(sh, sh))), mont(wInv));
        src = dst;
        len /= 2;
        b = K.mulE(b, b);
        sh = F.mul(sh, sh);
      }
      if (logArity === 0) {
        const copy = this.alloc(s, 16 * len);
        values.forEach((v, c) => this.addon.upload(copy, 4 * len * c, v));
        src = copy;
      }
      return this.resultColumns(s, src, 4, len) as ExtColumns;
    });
  }

  async deepCompose(inputs: DeepInputs): Promise<ExtColumns> {
    const n = 2 ** inputs.logHeight;
    const claims = inputs.claimColumn.length;
    const np = inputs.points.length / 4;
    if (inputs.claimPoint.length !== claims || inputs.values.length !== 4 * claims) throw new RangeError("deepCompose: claim arrays of different lengths");
    // Claims grouped by point (stable); the weight of claim k is gamma^k (or the given weight).
    const byPoint: number[][] = Array.from({ length: np }, () => []);
    for (let k = 0; k < claims; k++) {
      const p = inputs.claimPoint[k]!;
      if (p >= np) throw new RangeError(`deepCompose: claim ${k} names point ${p} of ${np}`);
      const c = inputs.claimColumn[k]!;
      if (c >= inputs.columns.length) throw new RangeError(`deepCompose: claim ${k} names column ${c} of ${inputs.columns.length}`);
      byPoint[p]!.push(k);
    }
    const used = new Map<number, number>();
    for (let k = 0; k < claims; k++) if (!used.has(inputs.claimColumn[k]!)) used.set(inputs.claimColumn[k]!, used.size);
    const claimStart = new Uint32Array(np + 1);
    const claimCol = new Uint32Array(Math.max(1, claims));
    const claimCoef = new Uint32Array(Math.max(4, 4 * claims));
    const vals = new Uint32Array(4 * Math.max(1, np));
    const gammaPow = claimWeights(inputs);
    let idx = 0;
    byPoint.forEach((ks, p) => {
      claimStart[p] = idx;
      let v: K.Ext = K.ZERO;
      for (const k of ks) {
        claimCol[idx] = used.get(inputs.claimColumn[k]!)!;
        const gk = gammaPow[k]!;
        for (let i = 0; i < 4; i++) claimCoef[4 * idx + i] = mont(gk[i]!);
        v = K.addE(v, K.mulE(gk, K.readExt(inputs.values, k)));
        idx++;
      }
      K.writeExt(vals, p, v);
    });
    claimStart[np] = idx;
    const cols = [...used.keys()].map((c) => {
      const col = inputs.columns[c]!;
      if (this.lengthOf(col) !== n) throw new RangeError(`deepCompose: column ${c} has ${this.lengthOf(col)} rows, expected ${n}`);
      return col;
    });
    return this.run((s) => {
      const table = this.columnTable(s, cols, n);
      const out = this.alloc(s, 16 * n);
      const error = this.errorFlag(s);
      this.addon.deepCompose(
        table, inputs.logHeight, mont(inputs.shift % F.P), np, this.put(s, inputs.points.length > 0 ? inputs.points : new Uint32Array(4)),
        this.put(s, vals), this.put(s, claimStart), this.put(s, claimCol), this.put(s, claimCoef), out, error,
      );
      if (this.flagRaised(error)) throw new RangeError("deepCompose: a domain point equals an opening point");
      return this.resultColumns(s, out, 4, n) as ExtColumns;
    });
  }

  async evaluateQuotient(inputs: QuotientInputs): Promise<ExtColumns> {
    const { numRegisters, numInstructions } = readHeader(inputs.bytecode);
    const q = quotientBlowupOf(inputs);
    const logN = inputs.logTraceHeight + q;
    const bigN = 2 ** logN;
    const ldeN = 2 ** (inputs.logTraceHeight + inputs.logBlowup);
    const n = 2 ** inputs.logTraceHeight;
    const blowup = 2 ** q;
    for (const c of [...inputs.trace, ...inputs.publicColumns]) {
      if (this.lengthOf(c) !== ldeN) throw new RangeError(`evaluateQuotient: an LDE column has ${this.lengthOf(c)} rows, expected ${ldeN}`);
    }
    // Z_H(x_i) = shift^n·w_B^(i mod B) − 1 takes only B values (stark/quotient.ts).
    const shiftN = F.pow(inputs.shift, n);
    const wB = F.twoAdicGenerator(q);
    const zh = new Uint32Array(blowup);
    for (let k = 0, w = 1; k < blowup; k++, w = F.mul(w, wB)) zh[k] = F.sub(F.mul(shiftN, w), 1);
    if (zh.some((x) => x === 0)) throw new RangeError("evaluateQuotient: a vanishing denominator or a bad opcode");
    const zhInvMont = F.batchInverse(zh).map(mont);
    const wLast = F.pow(F.twoAdicGenerator(inputs.logTraceHeight), n - 1);
    return this.run((s) => {
      const trace = this.columnTable(s, inputs.trace, ldeN);
      const pub = this.columnTable(s, inputs.publicColumns, ldeN);
      const regRows = Math.min(bigN, this.opts.quotientChunkRows);
      const regs = this.alloc(s, 4 * Math.max(1, numRegisters) * regRows);
      const out = this.alloc(s, 16 * bigN);
      const error = this.errorFlag(s);
      this.addon.quotient(
        {
          numInstructions, numRegisters, logN, logBlowup: q, shiftMont: mont(inputs.shift % F.P), wMont: mont(F.twoAdicGenerator(logN)), wLastMont: mont(wLast),
          logStride: inputs.logBlowup - q,
        },
        trace, pub, this.put(s, inputs.publicInputs.length > 0 ? inputs.publicInputs : new Uint32Array(1)),
        this.put(s, inputs.alphaPowers.length > 0 ? inputs.alphaPowers : new Uint32Array(4)),
        this.put(s, inputs.bytecode.subarray(4).length > 0 ? inputs.bytecode.subarray(4) : new Uint32Array(4)),
        this.put(s, zhInvMont), regs, regRows, out, error,
      );
      if (this.flagRaised(error)) throw new RangeError("evaluateQuotient: a vanishing denominator or a bad opcode");
      return this.columnsOut(out, 4, bigN) as ExtColumns;
    });
  }

  /** The trace-domain height of a program's columns (all of one length). */
  private programHeight(columns: readonly Column[], what: string): number {
    if (columns.length === 0) throw new RangeError(`${what}: no columns`);
    const n = this.lengthOf(columns[0]!);
    if (columns.some((c) => this.lengthOf(c) !== n)) throw new RangeError(`${what}: columns of different lengths`);
    return n;
  }

  async firstConstraintViolation(inputs: ConstraintCheckInputs): Promise<number> {
    const { numRegisters, numInstructions } = readHeader(inputs.bytecode);
    const n = this.programHeight([...inputs.trace, ...inputs.publicColumns], "firstConstraintViolation");
    const logN = log2Exact(n, "firstConstraintViolation: height");
    return this.run((s) => {
      const trace = this.columnTable(s, inputs.trace, n, programColumns(inputs.bytecode, [2, 3]));
      const pub = this.columnTable(s, inputs.publicColumns, n, programColumns(inputs.bytecode, [5, 6]));
      const regRows = Math.min(n, this.opts.quotientChunkRows);
      const regs = this.alloc(s, 4 * Math.max(1, numRegisters) * regRows);
      const first = this.alloc(s, 4);
      this.addon.fill(first, 0xff);
      const error = this.errorFlag(s);
      const code = inputs.bytecode.subarray(4);
      this.addon.constraintCheck(
        trace, pub, this.put(s, inputs.publicInputs.length > 0 ? inputs.publicInputs : new Uint32Array(1)), this.put(s, code.length > 0 ? code : new Uint32Array(4)),
        numInstructions, logN, regs, regRows, first, error,
      );
      if (this.flagRaised(error)) throw new RangeError("firstConstraintViolation: a bad opcode");
      const out = new Uint32Array(1);
      this.addon.download(first, 0, out);
      return out[0] === 0xffffffff ? -1 : out[0]!;
    });
  }

  async logUpAux(inputs: LogUpInputs): Promise<LogUpAux> {
    const { numRegisters, numInstructions } = readHeader(inputs.program);
    const I = inputs.sends.length;
    if (I === 0) throw new RangeError("logUpAux: no interactions");
    if (!Number.isInteger(inputs.batch) || inputs.batch < 1) throw new RangeError(`logUpAux: bad batch ${inputs.batch}`);
    if (inputs.offsets.length !== 4 * I) throw new RangeError("logUpAux: one offset (4 words) per interaction");
    const n = this.programHeight([...inputs.trace, ...inputs.publicColumns], "logUpAux");
    const logN = log2Exact(n, "logUpAux: height");
    const helpers = Math.ceil(I / inputs.batch);
    const cols = 4 * (helpers + 1);
    return this.run((s) => {
      const trace = this.columnTable(s, inputs.trace, n, programColumns(inputs.program, [2, 3]));
      const pub = this.columnTable(s, inputs.publicColumns, n, programColumns(inputs.program, [5, 6]));
      const regRows = Math.min(n, this.opts.quotientChunkRows);
      const regs = this.alloc(s, 4 * Math.max(1, numRegisters) * regRows);
      const slots = this.alloc(s, 4 * 8 * I * regRows);
      const out = this.alloc(s, 4 * n * cols);
      const rowSum = this.alloc(s, 16 * n);
      const chunk = Math.min(n, 256);
      const totals = this.alloc(s, 16 * (n / chunk + 1));
      const error = this.alloc(s, 4);
      this.addon.fill(error, 0xff);
      const code = inputs.program.subarray(4);
      this.addon.logUpAux(
        trace, pub, this.put(s, inputs.publicInputs.length > 0 ? inputs.publicInputs : new Uint32Array(1)),
        this.put(s, inputs.weights.length > 0 ? inputs.weights.map(mont) : new Uint32Array(4)), this.put(s, code.length > 0 ? code : new Uint32Array(4)),
        numInstructions, logN, this.put(s, inputs.offsets), this.put(s, Uint32Array.from(inputs.sends)), I, inputs.batch, regs, slots, regRows, out, rowSum, totals, chunk, error,
      );
      const flag = new Uint32Array(1);
      this.addon.download(error, 0, flag);
      if (flag[0] === 2 ** 31) throw new RangeError("logUpAux: a bad opcode");
      if (flag[0] !== 0xffffffff) throw new RangeError(`logUpAux: a denominator vanished at row ${flag[0]! - 1}`);
      const terminal = new Uint32Array(4);
      this.addon.download(totals, 16 * (n / chunk), terminal);
      return { columns: this.columnsOut(out, cols, n), terminal };
    });
  }

  async interpolateCoset(columns: Uint32Array[], shift: number): Promise<void> {
    for (const group of groupByLength(columns)) {
      const cols = group.map((i) => columns[i]!);
      const n = cols[0]!.length;
      const logN = log2Exact(n, "interpolateCoset: column length");
      cols.forEach((c) => this.cache.forget(c)); // written in place: a device copy would be stale
      this.run((s) => {
        const data = this.alloc(s, 4 * n * cols.length);
        cols.forEach((c, i) => this.addon.upload(data, 4 * n * i, c));
        if (n > 1) {
          const tw = this.twiddles(logN);
          this.addon.interpolate(data, this.alloc(s, 4 * n * cols.length), logN, cols.length, tw.inv, tw.log);
        }
        this.addon.scalePowers(data, n, cols.length, mont(1), mont(F.inv(shift % F.P)));
        cols.forEach((c, i) => this.addon.download(data, 4 * n * i, c));
      });
    }
  }

  async upload(columns: readonly Uint32Array[]): Promise<ResidentMatrix> {
    const height = checkSameLength(columns, "upload");
    if (this.closed) throw new CudaBackendError("CUDA_FAILED", "backend is closed");
    const buffer = this.allocRaw(4 * height * columns.length, new Set());
    try {
      columns.forEach((c, i) => this.addon.upload(buffer, 4 * height * i, c));
      const bad = this.run((s) => this.addon.firstNonCanonical(buffer, height * columns.length, this.alloc(s, 8)));
      if (bad >= 0) {
        const c = Math.floor(bad / height), r = bad % height;
        throw new RangeError(`upload: column ${c}, row ${r} holds ${columns[c]![r]}, not a canonical BabyBear element`);
      }
    } catch (e) {
      this.addon.free(buffer);
      throw e;
    }
    return new CudaMatrix(this, buffer, columns.length, height);
  }

  async interpolateResident(matrix: ResidentMatrix): Promise<void> {
    const m = this.own(matrix);
    const logN = log2Exact(m.height, "interpolateResident: height");
    if (m.height === 1) return;
    this.run((s) => {
      const tw = this.twiddles(logN);
      this.addon.interpolate(m.buffer, this.alloc(s, 4 * m.height * m.width), logN, m.width, tw.inv, tw.log);
    });
  }

  async extend(coefficients: ResidentMatrix, logBlowup: number, shift: number): Promise<ResidentMatrix> {
    if (!Number.isInteger(logBlowup) || logBlowup < 0) throw new RangeError(`extend: bad logBlowup ${logBlowup}`);
    const src = this.own(coefficients);
    const logN = log2Exact(src.height, "extend: height");
    const logBig = logN + logBlowup;
    if (logBig > 27) throw new RangeError(`extend: 2^${logBig} points exceed the two-adicity of BabyBear`);
    if (this.closed) throw new CudaBackendError("CUDA_FAILED", "backend is closed");
    const tw = this.twiddles(logBig);
    const dst = this.allocRaw(4 * (src.height << logBlowup) * src.width, new Set());
    try {
      this.addon.cosetLde(src.buffer, dst, logN, logBlowup, src.width, shift % F.P, tw.fwd, tw.log);
    } catch (e) {
      this.addon.free(dst);
      throw e;
    }
    return new CudaMatrix(this, dst, src.width, src.height << logBlowup);
  }

  async readRows(columns: readonly Column[], rows: readonly number[]): Promise<Uint32Array> {
    const height = this.programHeight(columns, "readRows");
    checkRows(rows, height);
    const out = new Uint32Array(columns.length * rows.length);
    if (out.length === 0) return out;
    this.run((s) => {
      const table = this.columnTable(s, columns, height);
      const dst = this.alloc(s, 4 * out.length);
      this.addon.gatherRows(table, columns.length, this.put(s, Uint32Array.from(rows)), rows.length, dst);
      this.addon.download(dst, 0, out);
    });
    return out;
  }

  async download(matrix: ResidentMatrix): Promise<Uint32Array[]> {
    const m = this.own(matrix);
    return this.columnsOut(m.buffer, m.width, m.height).map((c) => c.slice());
  }

  async release(matrix: ResidentMatrix): Promise<void> {
    if (!(matrix instanceof CudaMatrix) || matrix.owner !== this) throw new RangeError("cuda backend: a resident matrix of another backend");
    if (matrix.released) return;
    matrix.released = true;
    this.addon.free(matrix.buffer);
  }

  async linearCombination(columns: readonly Column[], weights: Uint32Array): Promise<ResidentMatrix> {
    const n = this.programHeight(columns, "linearCombination");
    if (weights.length !== 4 * columns.length) throw new RangeError("linearCombination: one weight (4 words) per column");
    if (this.closed) throw new CudaBackendError("CUDA_FAILED", "backend is closed");
    const out = this.allocRaw(16 * n, new Set());
    try {
      this.run((s) => this.addon.linearCombination(this.columnTable(s, columns, n), columns.length, this.put(s, weights.map(mont)), out, n));
    } catch (e) {
      this.addon.free(out);
      throw e;
    }
    return new CudaMatrix(this, out, 4, n);
  }

  async addScaledExt(a: ExtColumns, b: ExtColumns, c: Uint32Array): Promise<ExtColumns> {
    const n = checkSameLength([...a, ...b], "addScaledExt");
    if (c.length !== 4) throw new RangeError("addScaledExt: the weight is 4 words");
    return this.run((s) => {
      const out = this.alloc(s, 16 * n);
      this.addon.addScaledExt(this.matrix(s, a, n), this.matrix(s, b, n), out, n, Uint32Array.from(c));
      return this.resultColumns(s, out, 4, n) as ExtColumns;
    });
  }

  async evaluateAtPoints(coefficients: readonly Column[], points: Uint32Array): Promise<Uint32Array> {
    const m = coefficients.length;
    const np = points.length / 4;
    if (!Number.isInteger(np)) throw new RangeError("evaluateAtPoints: points must be 4 words each");
    if (m === 0 || np === 0) return new Uint32Array(0);
    const n = this.programHeight(coefficients, "evaluateAtPoints");
    return this.run((s) => {
      const cols = this.columnTable(s, coefficients, n);
      const out = this.alloc(s, 16 * m * np);
      this.addon.evalAtPoints(cols, n, m, this.put(s, points), np, out);
      const res = new Uint32Array(4 * m * np);
      this.addon.download(out, 0, res);
      return res;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    if (this.tw) {
      this.addon.free(this.tw.fwd);
      this.addon.free(this.tw.inv);
      this.tw = null;
    }
  }
}

