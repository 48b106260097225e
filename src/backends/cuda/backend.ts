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
import { checkCanonicalColumns, checkHashConfig, checkMerkleShape, grindPoseidon2Template, groupByLength, log2Exact } from "../shape.js";
import type { DeepInputs, ExtColumns, MerkleTreeData, ProverBackend, QuotientInputs } from "../interface.js";
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

  /** A device table of column pointers: cached columns in place, the others uploaded together. */
  private columnTable(s: Scope, columns: readonly Uint32Array[], height: number): DeviceBuffer {
    const bufs: DeviceBuffer[] = new Array(columns.length);
    const offs = new Float64Array(columns.length);
    const missing: number[] = [];
    columns.forEach((c, i) => {
      const ref = this.cache.find(c);
      if (ref) {
        s.pinned.add(ref.matrix);
        bufs[i] = ref.matrix.buffer;
        offs[i] = ref.index * ref.matrix.height;
      } else missing.push(i);
    });
    if (missing.length > 0) {
      const up = this.alloc(s, 4 * height * missing.length);
      missing.forEach((i, j) => {
        this.addon.upload(up, 4 * height * j, columns[i]!);
        bufs[i] = up;
        offs[i] = j * height;
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

  async merkleCommit(columns: Uint32Array[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    const config = checkHashConfig(hash);
    const { height, leafCount } = checkMerkleShape(columns, leafArity);
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
        checkCanonicalColumns(columns, "merkleCommit");
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
    // Claims grouped by point (stable); the weight of claim k is gamma^k.
    const byPoint: number[][] = Array.from({ length: np }, () => []);
    for (let k = 0; k < claims; k++) {
      const p = inputs.claimPoint[k]!;
      if (p >= np) throw new RangeError(`deepCompose: claim ${k} names point ${p} of ${np}`);
      const c = inputs.claimColumn[k]!;
      if (c >= inputs.columns.length) throw new RangeError(`deepCompose: claim ${k} names column ${c} of ${inputs.columns.length}`);
      byPoint[p]!.push(k);
    }
    const gamma = K.readExt(inputs.gamma, 0);
    const used = new Map<number, number>();
    for (let k = 0; k < claims; k++) if (!used.has(inputs.claimColumn[k]!)) used.set(inputs.claimColumn[k]!, used.size);
    const claimStart = new Uint32Array(np + 1);
    const claimCol = new Uint32Array(Math.max(1, claims));
    const claimCoef = new Uint32Array(Math.max(4, 4 * claims));
    const vals = new Uint32Array(4 * Math.max(1, np));
    const gammaPow: K.Ext[] = [];
    for (let k = 0, g: K.Ext = K.ONE; k < claims; k++, g = K.mulE(g, gamma)) gammaPow.push(g);
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
      if (col.length !== n) throw new RangeError(`deepCompose: column ${c} has ${col.length} rows, expected ${n}`);
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
    const logN = inputs.logTraceHeight + inputs.logBlowup;
    const bigN = 2 ** logN;
    const n = 2 ** inputs.logTraceHeight;
    const blowup = 2 ** inputs.logBlowup;
    for (const c of [...inputs.trace, ...inputs.publicColumns]) {
      if (c.length !== bigN) throw new RangeError(`evaluateQuotient: an LDE column has ${c.length} rows, expected ${bigN}`);
    }
    // Z_H(x_i) = shift^n·w_B^(i mod B) − 1 takes only B values (stark/quotient.ts).
    const shiftN = F.pow(inputs.shift, n);
    const wB = F.twoAdicGenerator(inputs.logBlowup);
    const zh = new Uint32Array(blowup);
    for (let k = 0, w = 1; k < blowup; k++, w = F.mul(w, wB)) zh[k] = F.sub(F.mul(shiftN, w), 1);
    if (zh.some((x) => x === 0)) throw new RangeError("evaluateQuotient: a vanishing denominator or a bad opcode");
    const zhInvMont = F.batchInverse(zh).map(mont);
    const wLast = F.pow(F.twoAdicGenerator(inputs.logTraceHeight), n - 1);
    return this.run((s) => {
      const trace = this.matrix(s, inputs.trace, bigN);
      const pub = inputs.publicColumns.length > 0 ? this.matrix(s, inputs.publicColumns, bigN) : null;
      const regRows = Math.min(bigN, this.opts.quotientChunkRows);
      const regs = this.alloc(s, 4 * Math.max(1, numRegisters) * regRows);
      const out = this.alloc(s, 16 * bigN);
      const error = this.errorFlag(s);
      this.addon.quotient(
        { numInstructions, numRegisters, logN, logBlowup: inputs.logBlowup, shiftMont: mont(inputs.shift % F.P), wMont: mont(F.twoAdicGenerator(logN)), wLastMont: mont(wLast) },
        trace, pub, this.put(s, inputs.publicInputs.length > 0 ? inputs.publicInputs : new Uint32Array(1)),
        this.put(s, inputs.alphaPowers.length > 0 ? inputs.alphaPowers : new Uint32Array(4)),
        this.put(s, inputs.bytecode.subarray(4).length > 0 ? inputs.bytecode.subarray(4) : new Uint32Array(4)),
        this.put(s, zhInvMont), regs, regRows, out, error,
      );
      if (this.flagRaised(error)) throw new RangeError("evaluateQuotient: a vanishing denominator or a bad opcode");
      return this.columnsOut(out, 4, bigN) as ExtColumns;
    });
  }

  async evaluateAtPoints(coefficients: Uint32Array[], points: Uint32Array): Promise<Uint32Array> {
    const m = coefficients.length;
    const np = points.length / 4;
    if (!Number.isInteger(np)) throw new RangeError("evaluateAtPoints: points must be 4 words each");
    if (m === 0 || np === 0) return new Uint32Array(0);
    const n = coefficients[0]!.length;
    if (coefficients.some((c) => c.length !== n)) throw new RangeError("evaluateAtPoints: columns of different lengths");
    return this.run((s) => {
      const cols = this.matrix(s, coefficients, n);
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

