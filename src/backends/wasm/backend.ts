/**
 * The wasm backend: AssemblyScript SIMD kernels on a pool of worker threads sharing one memory.
 * Every operation copies its inputs into the shared memory, runs the kernels in phases (one barrier
 * between phases), and copies the results out; canonical values in, canonical values out.
 */
import * as F from "../../stark/field/babybear.js";
import * as K from "../../stark/field/extension.js";
import { readHeader } from "../../stark/air/bytecode.js";
import { AbortError } from "../../util/errors.js";
import { grindReference } from "../../stark/grind.js";
import type { HashConfig } from "../../stark/hash/config.js";
import { checkCanonicalColumns, checkHashConfig, checkMerkleShape, grindPoseidon2Template, groupByLength, log2Exact } from "../shape.js";
import type { DeepInputs, ExtColumns, MerkleTreeData, ProverBackend, QuotientInputs } from "../interface.js";
import { WasmBackendError, instantiate, loadKernelModule, type KernelExports, type WasmMemory, type WasmModule } from "./kernels.js";
import { Arena, THREAD_SCRATCH, alignUp, ensureBytes, newSharedMemory } from "./memory.js";
import { defaultWasmBackendOpts, type WasmBackendOpts } from "./options.js";
import { WorkerPool, type Call } from "./pool.js";

/** R mod p: Montgomery form of 1 (R = 2^32). */
const R_MOD_P = 0x0ffffffe;
const mont = (x: number): number => F.mul(x, R_MOD_P);
const LOG_BLOCK = 12; // kernels/wasm/ntt.ts LOG_BLOCK
const QUOTIENT_ROWS = 128; // kernels/wasm/quotient.ts ROWS

/** [start, end) ranges splitting `total` into at most `parts` pieces whose bounds are multiples of `align`. */
export function splitRange(total: number, parts: number, align = 1): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const units = Math.ceil(total / align);
  const per = Math.ceil(units / Math.max(1, parts));
  for (let u = 0; u < units; u += per) out.push([u * align, Math.min(total, (u + per) * align)]);
  return out;
}

export class WasmBackend implements ProverBackend {
  readonly name = "wasm" as const;
  readonly opts: WasmBackendOpts;
  private memory: WasmMemory;
  private readonly module: WasmModule;
  private readonly pool: WorkerPool;
  /** An instance on the calling thread, only to read heapBase: no kernel runs on the calling thread. */
  private local: KernelExports;
  private twLog = -1;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Jobs queued or running. */
  private running = 0;
  private releaseTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: Partial<WasmBackendOpts> = {}) {
    this.opts = { ...defaultWasmBackendOpts(), ...opts };
    if (!Number.isInteger(this.opts.threads) || this.opts.threads < 1) throw new RangeError(`wasm backend: threads must be a positive integer, got ${this.opts.threads}`);
    this.module = loadKernelModule();
    this.memory = newSharedMemory();
    this.local = instantiate(this.module, this.memory);
    this.pool = new WorkerPool(this.module, this.memory, this.opts.threads);
  }

  get threads(): number {
    return this.opts.threads;
  }

  // ------------------------------------------------------------------ job plumbing

  /** Jobs run one at a time: they share the memory layout. */
  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new WasmBackendError("WASM_KERNEL_FAILED", "backend is closed"));
    this.cancelRelease();
    this.running++;
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run.finally(() => {
      if (--this.running === 0) this.scheduleRelease();
    });
  }

  /** Bytes of shared memory held now. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private cancelRelease(): void {
    if (this.releaseTimer !== null) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
  }

  /**
   * Once no job has run for idleReleaseMs, a memory grown past retainBytes is given back: the workers
   * move to a fresh small memory (queued like a job, so it never overlaps one).
   */
  private scheduleRelease(): void {
    if (this.closed || this.memory.buffer.byteLength <= this.opts.retainBytes) return;
    this.cancelRelease();
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = null;
      if (this.running > 0 || this.closed) return;
      this.queue = this.queue.then(() => this.releaseMemory()).catch(() => undefined);
    }, this.opts.idleReleaseMs);
    this.releaseTimer.unref();
  }

  private async releaseMemory(): Promise<void> {
    if (this.closed || this.running > 0 || this.memory.buffer.byteLength <= this.opts.retainBytes) return;
    this.memory = newSharedMemory();
    this.local = instantiate(this.module, this.memory);
    this.twLog = -1;
    await this.pool.setMemory(this.module, this.memory);
  }

  private get heapBase(): number {
    return alignUp(this.local.heapBase());
  }

  /** Lay out the job: twiddles for transforms up to 2^logN (kept if already there), scratch, arena. */
  private async begin(logN = 0): Promise<{ arena: Arena; fwd: number; inv: number; scratch: (t: number) => number }> {
    const want = Math.max(logN, this.twLog, 1);
    const fwd = this.heapBase;
    const inv = fwd + 4 * 2 ** want;
    const scratchBase = inv + 4 * 2 ** want;
    const arena = new Arena(this.memory, scratchBase + THREAD_SCRATCH * this.opts.threads);
    ensureBytes(this.memory, arena.used);
    if (want > this.twLog) {
      const root = F.twoAdicGenerator(want);
      const half = 2 ** (want - 1);
      const ranges = splitRange(half, half < 1 << 15 ? 1 : this.opts.threads);
      await this.pool.dispatch(
        ranges.map(([s, e]) => [
          ["twiddleTop", fwd, want, mont(root), s, e],
          ["twiddleTop", inv, want, mont(F.inv(root)), s, e],
        ]),
      );
      const derive: Call[][] = [[["twiddleDerive", fwd, want]], [["twiddleDerive", inv, want]]];
      await this.pool.dispatch(this.opts.threads > 1 ? derive : [derive.flat()]);
      this.twLog = want;
    }
    return { arena, fwd, inv, scratch: (t) => scratchBase + THREAD_SCRATCH * t };
  }

  /** Threads worth using for a job over `elements` elements. */
  private threadsFor(elements: number): number {
    return elements < this.opts.parallelThreshold ? 1 : this.opts.threads;
  }

  /** One dispatch where thread t runs make(range_t) for the ranges splitting total. */
  private async parallel(total: number, align: number, threads: number, make: (s: number, e: number, t: number) => Call[]): Promise<unknown[][]> {
    const ranges = splitRange(total, threads, align);
    return this.pool.dispatch(ranges.map(([s, e], t) => make(s, e, t)));
  }

  // ------------------------------------------------------------------ NTT

  async interpolate(columns: Uint32Array[]): Promise<void> {
    for (const group of groupByLength(columns)) {
      await this.exclusive(() => this.interpolateGroup(group.map((i) => columns[i]!)));
    }
  }

  private async interpolateGroup(cols: Uint32Array[]): Promise<void> {
    const n = cols[0]!.length;
    const logN = log2Exact(n, "interpolate: column length");
    if (n === 1) return;
    const { arena, inv } = await this.begin(logN);
    const base = arena.alloc(4 * n * cols.length);
    const view = new Uint32Array(this.memory.buffer);
    cols.forEach((c, i) => view.set(c, base / 4 + i * n));
    const nInvMont = mont(F.inv(n));
    const threads = this.threadsFor(n * cols.length);
    const at = (c: number): number => base + 4 * n * c;
    if (threads === 1 || cols.length >= 4 * threads || (n < 1 << 14 && cols.length >= threads)) {
      await this.parallel(cols.length, 1, threads, (s, e) => [["interpolateColumns", base, logN, s, e, inv, nInvMont]]);
    } else {
      await this.parallel(n, 1, threads, (s, e) => cols.map((_, c): Call => ["bitrevScale", at(c), logN, nInvMont, s, e]));
      await this.ditPhases(cols.length, at, logN, inv, 0, threads);
    }
    const out = new Uint32Array(this.memory.buffer);
    cols.forEach((c, i) => c.set(out.subarray(base / 4 + i * n, base / 4 + (i + 1) * n)));
  }

  /** Block phase then one dispatch per large stage, every column in each dispatch. */
  private async ditPhases(count: number, at: (c: number) => number, logN: number, tw: number, logHStart: number, threads: number): Promise<void> {
    const logB = Math.min(LOG_BLOCK, logN);
    if (logHStart < logB) {
      await this.parallel(2 ** (logN - logB), 1, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["ditBlocks", at(c), logN, tw, logHStart, s, e]));
    }
    for (let logH = Math.max(logB, logHStart); logH < logN; logH++) {
      await this.parallel(2 ** (logN - 1), 4, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["ditStage", at(c), logH, tw, s, e]));
    }
  }

  async evaluateOnCoset(coefficients: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]> {
    if (!Number.isInteger(logBlowup) || logBlowup < 0) throw new RangeError(`evaluateOnCoset: bad logBlowup ${logBlowup}`);
    const out: Uint32Array[] = new Array(coefficients.length);
    for (const group of groupByLength(coefficients)) {
      const res = await this.exclusive(() => this.ldeGroup(group.map((i) => coefficients[i]!), logBlowup, shift));
      group.forEach((i, j) => (out[i] = res[j]!));
    }
    return out;
  }

  private async ldeGroup(cols: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]> {
    const n = cols[0]!.length;
    const logN = log2Exact(n, "evaluateOnCoset: column length");
    const logBig = logN + logBlowup;
    const big = 2 ** logBig;
    const { arena, fwd } = await this.begin(logBig);
    const src = arena.alloc(4 * n * cols.length);
    const dst = arena.alloc(4 * big * cols.length);
    const view = new Uint32Array(this.memory.buffer);
    cols.forEach((c, i) => view.set(c, src / 4 + i * n));
    const shiftMont = mont(shift);
    const threads = this.threadsFor(big * cols.length);
    if (threads === 1 || cols.length >= 4 * threads || (big < 1 << 14 && cols.length >= threads)) {
      await this.parallel(cols.length, 1, threads, (s, e) => [["ldeColumns", src, dst, logN, logBlowup, s, e, fwd, shiftMont]]);
    } else {
      await this.parallel(n, 1, threads, (s, e) => cols.map((_, c): Call => ["ldeScatter", src + 4 * n * c, dst + 4 * big * c, logN, logBlowup, shiftMont, s, e]));
      await this.ditPhases(cols.length, (c) => dst + 4 * big * c, logBig, fwd, logBlowup, threads);
    }
    return cols.map((_, i) => arena.take(dst + 4 * big * i, big));
  }

  // ------------------------------------------------------------------ Merkle, grinding

  merkleCommit(columns: Uint32Array[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    return this.exclusive(async () => {
      const config = checkHashConfig(hash);
      const { height, width, leafCount } = checkMerkleShape(columns, leafArity);
      const { arena, scratch } = await this.begin();
      const cols = arena.alloc(4 * width * height);
      const view = new Uint32Array(this.memory.buffer);
      columns.forEach((c, i) => view.set(c, cols / 4 + i * height));
      const leaves = arena.alloc(32 * leafCount);
      const levelsAt = config === "keccak"
        ? await this.keccakLevels(cols, height, width, leafArity, leaves, arena, scratch)
        : await this.poseidon2Levels(columns, cols, leafArity, leaves, arena, scratch);
      const bytes = new Uint8Array(this.memory.buffer);
      return { levels: levelsAt.map(([p, c]) => bytes.slice(p, p + 32 * c)) };
    });
  }

  /** Keccak leaves (two per permutation unless keccakTwoWay is off) and nodes; [offset, count] per level. */
  private async keccakLevels(
    cols: number, height: number, width: number, leafArity: number, leaves: number, arena: Arena, scratch: (t: number) => number,
  ): Promise<Array<[number, number]>> {
    const leafCount = height / leafArity;
    const levelsAt: Array<[number, number]> = [[leaves, leafCount]];
    const two = this.opts.keccakTwoWay && leafCount >= 2;
    await this.parallel(leafCount, two ? 2 : 1, this.threadsFor(width * height), (s, e, t) => [
      [two ? "merkleLeaves2" : "merkleLeaves", cols, height, width, leafArity, leaves, s, e, scratch(t)],
    ]);
    let at = leaves;
    let count = leafCount;
    const tail: Call[] = [];
    while (count > 1) {
      const next = count / 2;
      const dst = arena.alloc(32 * next);
      const nodes = this.opts.keccakTwoWay && next >= 2 ? "merkleNodes2" : "merkleNodes";
      if (next >= 2048 && this.opts.threads > 1) {
        const src = at;
        await this.parallel(next, 2, this.opts.threads, (s, e, t) => [[nodes, src, dst, s, e, scratch(t)]]);
      } else {
        tail.push([nodes, at, dst, 0, next, scratch(0)]);
      }
      levelsAt.push([dst, next]);
      at = dst;
      count = next;
    }
    if (tail.length > 0) await this.pool.dispatch([tail]);
    return levelsAt;
  }

  /**
   * Poseidon2 leaves (four per vector, split across threads in groups of 4) and nodes: a level is split
   * across threads while it is worth a hand-off (threadsFor its 16 words per node); the small top levels
   * go to one worker in one message.
   */
  private async poseidon2Levels(
    columns: Uint32Array[], cols: number, leafArity: number, leaves: number, arena: Arena, scratch: (t: number) => number,
  ): Promise<Array<[number, number]>> {
    const height = columns[0]!.length;
    const width = columns.length;
    const leafCount = height / leafArity;
    const levelsAt: Array<[number, number]> = [[leaves, leafCount]];
    const flags = await this.parallel(leafCount, 4, this.threadsFor(width * height), (s, e, t) => [
      ["poseidon2Leaves", cols, height, width, leafArity, leaves, s, e, scratch(t)],
    ]);
    if (flags.some((r) => r[0] === 1)) {
      checkCanonicalColumns(columns, "merkleCommit");
      throw new WasmBackendError("WASM_KERNEL_FAILED", "poseidon2Leaves flagged a non-canonical word that the columns do not hold");
    }
    let at = leaves;
    let count = leafCount;
    const tail: Call[] = [];
    while (count > 1) {
      const next = count / 2;
      const dst = arena.alloc(32 * next);
      const src = at;
      const threads = this.threadsFor(16 * next);
      if (threads > 1 && tail.length === 0) {
        await this.parallel(next, 4, threads, (s, e, t) => [["poseidon2Nodes", src, dst, s, e, scratch(t)]]);
      } else {
        tail.push(["poseidon2Nodes", src, dst, 0, next, scratch(0)]);
      }
      levelsAt.push([dst, next]);
      at = dst;
      count = next;
    }
    if (tail.length > 0) await this.pool.dispatch([tail]);
    return levelsAt;
  }

  /**
   * Rounds of nonce ranges as `grind`: thread t tries [base + t·C, base + (t + 1)·C) ∩ [0, p) in
   * increasing order, so the hit of the lowest thread is the smallest nonce; C doubles from 1024 to
   * 2^16 per thread, and the signal is checked between rounds.
   */
  grindPoseidon2(state: Uint32Array, pending: Uint32Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    return this.exclusive(async () => {
      const { template, position } = grindPoseidon2Template(state, pending, bits);
      const { arena, scratch } = await this.begin();
      const tmpl = arena.put(template);
      const threads = this.opts.threads;
      let chunk = 1024;
      for (let base = 0; ; ) {
        if (signal?.aborted) throw new AbortError("grinding aborted");
        if (base >= F.P) throw new RangeError(`grindPoseidon2: no nonce below p gives ${bits} proof-of-work bits`);
        const calls = Array.from({ length: threads }, (_, t): Call[] => {
          const start = base + t * chunk;
          return start < F.P ? [["poseidon2GrindRange", tmpl, position, bits, start, Math.min(chunk, F.P - start), scratch(t)]] : [];
        });
        const results = await this.pool.dispatch(calls);
        for (const r of results) {
          const nonce = r[0] as bigint | undefined;
          if (nonce !== undefined && nonce >= 0n) return nonce; // ranges grow with t, so the first hit is the smallest
        }
        base += threads * chunk;
        chunk = Math.min(chunk * 2, 1 << 16);
      }
    });
  }

  grind(state: Uint8Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    if (!Number.isInteger(bits) || bits < 0 || bits > 256) return Promise.reject(new RangeError(`grind: bits must be in [0, 256], got ${bits}`));
    if (bits === 0) return Promise.resolve(0n);
    if (state.length > 127) return Promise.resolve().then(() => grindReference(state, bits, signal));
    return this.exclusive(async () => {
      const { arena, scratch } = await this.begin();
      const msg = arena.alloc(128);
      new Uint8Array(this.memory.buffer).set(state, msg);
      const threads = this.opts.threads;
      let chunk = 1024;
      for (let base = 0n; ; ) {
        if (signal?.aborted) throw new AbortError("grinding aborted");
        const calls = Array.from({ length: threads }, (_, t): Call[] => [
          ["grindRange", msg, state.length, bits, base + BigInt(t * chunk), chunk, scratch(t), scratch(t) + 256],
        ]);
        const results = await this.pool.dispatch(calls);
        for (const r of results) {
          const nonce = r[0] as bigint;
          if (nonce >= 0n) return nonce; // ranges grow with t, so the first hit is the smallest
        }
        base += BigInt(threads * chunk);
        chunk = Math.min(chunk * 2, 1 << 16);
      }
    });
  }

  // ------------------------------------------------------------------ Poseidon2

  poseidon2Permute16(states: Uint32Array): Promise<void> {
    return this.poseidon2(states, 16);
  }

  poseidon2Permute24(states: Uint32Array): Promise<void> {
    return this.poseidon2(states, 24);
  }

  private poseidon2(states: Uint32Array, width: number): Promise<void> {
    if (states.length % width !== 0) return Promise.reject(new RangeError(`poseidon2: ${states.length} words is not a whole number of width-${width} states`));
    const count = states.length / width;
    if (count === 0) return Promise.resolve();
    return this.exclusive(async () => {
      const { arena, scratch } = await this.begin();
      const at = arena.put(states);
      await this.parallel(count, 4, this.threadsFor(count * 64), (s, e, t) => [["poseidon2Permute", at, width, s, e, scratch(t)]]);
      states.set(new Uint32Array(this.memory.buffer, at, states.length));
    });
  }

  // ------------------------------------------------------------------ FRI, DEEP, quotient

  friFold(values: ExtColumns, logArity: number, beta: Uint32Array, shift: number): Promise<ExtColumns> {
    return this.exclusive(async () => {
      const m = values[0].length;
      const logM = log2Exact(m, "friFold: length");
      if (!Number.isInteger(logArity) || logArity < 0 || logArity > logM) throw new RangeError(`friFold: bad logArity ${logArity} for length ${m}`);
      if (values.some((v) => v.length !== m)) throw new RangeError("friFold: coefficient columns of different lengths");
      const { arena } = await this.begin();
      let src = arena.alloc(16 * m);
      values.forEach((v, c) => new Uint32Array(this.memory.buffer).set(v, src / 4 + c * m));
      let b: K.Ext = [beta[0]!, beta[1]!, beta[2]!, beta[3]!];
      let s = shift;
      let len = m;
      const betaAt = arena.alloc(16 * Math.max(1, logArity));
      for (let j = 0; j < logArity; j++) {
        const half = len / 2;
        const dst = arena.alloc(16 * half);
        const bp = betaAt + 16 * j;
        new Uint32Array(this.memory.buffer, bp, 4).set(b);
        const wInv = F.inv(F.twoAdicGenerator(Math.log2(len)));
        const from = src;
        const logLen = Math.log2(len);
        await this.parallel(half, 4, this.threadsFor(4 * half), (st, e) => [["friFold2", from, dst, logLen, bp, s, wInv, st, e]]);
        src = dst;
        len = half;
        b = K.mulE(b, b);
        s = F.mul(s, s);
      }
      return [0, 1, 2, 3].map((c) => arena.take(src + 4 * len * c, len)) as ExtColumns;
    });
  }

  deepCompose(inputs: DeepInputs): Promise<ExtColumns> {
    return this.exclusive(async () => {
      const n = 2 ** inputs.logHeight;
      const claims = inputs.claimColumn.length;
      const np = inputs.points.length / 4;
      if (inputs.claimPoint.length !== claims || inputs.values.length !== 4 * claims) throw new RangeError("deepCompose: claim arrays of different lengths");
      // Claims grouped by point (stable), the weight of claim k is gamma^k.
      const byPoint: number[][] = Array.from({ length: np }, () => []);
      for (let k = 0; k < claims; k++) {
        const p = inputs.claimPoint[k]!;
        if (p >= np) throw new RangeError(`deepCompose: claim ${k} names point ${p} of ${np}`);
        byPoint[p]!.push(k);
      }
      const gamma: K.Ext = K.readExt(inputs.gamma, 0);
      const gammaPow: K.Ext[] = [];
      let g: K.Ext = K.ONE;
      for (let k = 0; k < claims; k++) {
        gammaPow.push(g);
        g = K.mulE(g, gamma);
      }
      // Only the columns named by a claim are copied in, renumbered.
      const used = new Map<number, number>();
      for (let k = 0; k < claims; k++) {
        const c = inputs.claimColumn[k]!;
        if (c >= inputs.columns.length) throw new RangeError(`deepCompose: claim ${k} names column ${c} of ${inputs.columns.length}`);
        if (!used.has(c)) used.set(c, used.size);
      }
      const claimStart = new Uint32Array(np + 1);
      const claimCol = new Uint32Array(Math.max(1, claims));
      const claimCoef = new Uint32Array(Math.max(4, 4 * claims));
      const vals = new Uint32Array(4 * Math.max(1, np));
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
      const { arena, scratch } = await this.begin();
      const cols = arena.alloc(4 * n * used.size);
      const view = new Uint32Array(this.memory.buffer);
      for (const [c, j] of used) {
        const col = inputs.columns[c]!;
        if (col.length !== n) throw new RangeError(`deepCompose: column ${c} has ${col.length} rows, expected ${n}`);
        view.set(col, cols / 4 + j * n);
      }
      const pts = arena.put(inputs.points.length > 0 ? inputs.points : new Uint32Array(4));
      const valsAt = arena.put(vals);
      const startAt = arena.put(claimStart);
      const colAt = arena.put(claimCol);
      const coefAt = arena.put(claimCoef);
      const out = arena.alloc(16 * n);
      const wN = F.twoAdicGenerator(inputs.logHeight);
      const results = await this.parallel(n, 256, this.threadsFor(n * Math.max(1, claims)), (s, e, t) => [
        [n >= 4 ? "deepComposeVec" : "deepCompose", cols, inputs.logHeight, inputs.shift, wN, np, pts, valsAt, startAt, colAt, coefAt, out, s, e, scratch(t)],
      ]);
      if (results.some((r) => r[0] === 0)) throw new RangeError("deepCompose: a domain point equals an opening point");
      return [0, 1, 2, 3].map((c) => arena.take(out + 4 * n * c, n)) as ExtColumns;
    });
  }

  evaluateQuotient(inputs: QuotientInputs): Promise<ExtColumns> {
    return this.exclusive(async () => {
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
      const zhInvMont = F.batchInverse(zh).map(mont);
      const wLast = F.pow(F.twoAdicGenerator(inputs.logTraceHeight), n - 1);
      const { arena } = await this.begin();
      const view = (): Uint32Array => new Uint32Array(this.memory.buffer);
      const trace = arena.alloc(4 * bigN * inputs.trace.length);
      inputs.trace.forEach((c, i) => view().set(c, trace / 4 + i * bigN));
      const pub = arena.alloc(4 * bigN * inputs.publicColumns.length);
      inputs.publicColumns.forEach((c, i) => view().set(c, pub / 4 + i * bigN));
      const pubIn = arena.put(inputs.publicInputs.length > 0 ? inputs.publicInputs : new Uint32Array(1));
      const alpha = arena.put(inputs.alphaPowers.length > 0 ? inputs.alphaPowers.map(mont) : new Uint32Array(4));
      const code = arena.put(inputs.bytecode.subarray(4));
      const zhInv = arena.put(zhInvMont);
      const out = arena.alloc(16 * bigN);
      const threads = this.threadsFor(bigN * Math.max(1, numInstructions) / 4);
      const workWords = (numRegisters + 20) * QUOTIENT_ROWS;
      const work = arena.alloc(4 * workWords * threads);
      const results = await this.parallel(bigN, QUOTIENT_ROWS, threads, (s, e, t) => [
        ["quotientRows", trace, pub, pubIn, alpha, code, numInstructions, numRegisters, logN, inputs.logBlowup, inputs.shift, wLast, zhInv, out, s, e, work + 4 * workWords * t],
      ]);
      if (results.some((r) => r[0] === 0)) throw new RangeError("evaluateQuotient: a vanishing denominator or a bad opcode");
      return [0, 1, 2, 3].map((c) => arena.take(out + 4 * bigN * c, bigN)) as ExtColumns;
    });
  }

  /**
   * Values of base-field polynomials (coefficients, all of one length) at points of K (4 canonical
   * words each): result word 4·(j·m + c) + e is coefficient e of column c at point j (m columns).
   * Not yet in ProverBackend: proposed there for the prover's out-of-domain openings.
   */
  evaluateAtPoints(coefficients: Uint32Array[], points: Uint32Array): Promise<Uint32Array> {
    return this.exclusive(async () => {
      const m = coefficients.length;
      const np = points.length / 4;
      if (!Number.isInteger(np)) throw new RangeError("evaluateAtPoints: points must be 4 words each");
      if (m === 0 || np === 0) return new Uint32Array(0);
      const n = coefficients[0]!.length;
      if (coefficients.some((c) => c.length !== n)) throw new RangeError("evaluateAtPoints: columns of different lengths");
      const { arena } = await this.begin();
      const cols = arena.alloc(4 * n * m);
      const view = new Uint32Array(this.memory.buffer);
      coefficients.forEach((c, i) => view.set(c, cols / 4 + i * n));
      const pts = arena.put(points);
      const out = arena.alloc(16 * m * np);
      await this.parallel(m * np, 1, this.threadsFor(n * m * np), (s, e) => [["evalAtExtBatch", cols, n, m, pts, out, s, e]]);
      return arena.take(out, 4 * m * np);
    });
  }

  // ------------------------------------------------------------------ misc

  /** Benchmark hook: Montgomery multiplications per second on one worker (len words, rounds passes). */
  async benchMontMul(len = 1 << 12, rounds = 4096): Promise<number> {
    return this.exclusive(async () => {
      const { arena } = await this.begin();
      const at = arena.alloc(4 * len);
      new Uint32Array(this.memory.buffer, at, len).fill(12345);
      const t0 = performance.now();
      await this.pool.dispatch([[["benchMontMul", at, len, rounds]]]);
      const s = (performance.now() - t0) / 1000;
      return (len * rounds) / s;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.cancelRelease();
    await this.queue;
    this.closed = true;
    await this.pool.close();
  }
}


export function leadingZeroBits(d: Uint8Array): number {
  let z = 0;
  for (const b of d) {
    if (b === 0) {
      z += 8;
      continue;
    }
    return z + Math.clz32(b) - 24;
  }
  return z;
}
