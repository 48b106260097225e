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
import { checkCanonicalColumns, checkHashConfig, checkMerkleShape, checkRows, checkSameLength, grindPoseidon2Template, groupByLength, log2Exact } from "../shape.js";
import type {
  Column, ConstraintCheckInputs, DeepInputs, ExtColumns, LogUpAux, LogUpInputs, MerkleTreeData, ProverBackend, QuotientInputs, ResidentMatrix,
} from "../interface.js";
import { Op } from "../../stark/air/bytecode.js";
import { quotientBlowupOf } from "../../stark/quotient.js";
import { claimWeights, normInversePolys } from "../../stark/deep.js";
import { WasmBackendError, instantiate, loadKernelModule, type KernelExports, type WasmMemory, type WasmModule } from "./kernels.js";
import { Arena, Heap, THREAD_SCRATCH, alignUp, newSharedMemory } from "./memory.js";
import { defaultWasmBackendOpts, type WasmBackendOpts } from "./options.js";
import { WorkerPool, type Call } from "./pool.js";

/** R mod p: Montgomery form of 1 (R = 2^32). */
const R_MOD_P = 0x0ffffffe;
const mont = (x: number): number => F.mul(x, R_MOD_P);
const LOG_BLOCK = 12; // kernels/wasm/ntt.ts LOG_BLOCK
const LOG_L2_BLOCK = 16; // kernels/wasm/ntt.ts LOG_L2_BLOCK
const QUOTIENT_ROWS = 128; // kernels/wasm/quotient.ts ROWS

/** [start, end) ranges splitting `total` into at most `parts` pieces whose bounds are multiples of `align`. */
export function splitRange(total: number, parts: number, align = 1): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const units = Math.ceil(total / align);
  const per = Math.ceil(units / Math.max(1, parts));
  for (let u = 0; u < units; u += per) out.push([u * align, Math.min(total, (u + per) * align)]);
  return out;
}

/** A resident matrix of the wasm backend: column c at offset + 4·height·c in the shared memory. */
class WasmMatrix implements ResidentMatrix {
  released = false;
  constructor(
    readonly owner: WasmBackend,
    readonly offset: number,
    readonly width: number,
    readonly height: number,
  ) {}
  column(c: number): number {
    return this.offset + 4 * this.height * c;
  }
}

/** Columns a program reads (CUR/NEXT operand a, or PCUR/PNEXT): only those are copied in. */
function programColumns(code: Uint32Array, ops: readonly number[]): Set<number> {
  const used = new Set<number>();
  for (let o = 4; o + 3 < code.length; o += 4) if (ops.includes(code[o]!)) used.add(code[o + 2]!);
  return used;
}

export class WasmBackend implements ProverBackend {
  readonly name = "wasm" as const;
  readonly opts: WasmBackendOpts;
  private memory: WasmMemory;
  private heap: Heap;
  private readonly module: WasmModule;
  private readonly pool: WorkerPool;
  /** An instance on the calling thread, only to read heapBase: no kernel runs on the calling thread. */
  private local: KernelExports;
  /** Twiddle tables (forward, inverse) for transforms up to 2^log, and the per-thread scratch: heap blocks kept between jobs. */
  private tw: { log: number; fwd: number; inv: number } | null = null;
  private scratchBase = -1;
  /** Resident matrices alive (the memory is not given back while any is). */
  private readonly resident = new Set<WasmMatrix>();
  /** Trees kept by commitTree: their heap block, until releaseTree. */
  private readonly trees = new WeakMap<MerkleTreeData, number>();
  private treeBlocks = 0;
  /** Arenas of the running job, freed when it ends. */
  private jobArenas: Arena[] = [];
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
    this.heap = new Heap(this.memory, this.local.heapBase());
    this.pool = new WorkerPool(this.module, this.memory, this.opts.threads);
  }

  get threads(): number {
    return this.opts.threads;
  }

  // ------------------------------------------------------------------ job plumbing

  /** Jobs run one at a time: they share the heap; a job's arenas are freed when it ends. */
  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new WasmBackendError("WASM_KERNEL_FAILED", "backend is closed"));
    this.cancelRelease();
    this.running++;
    const run = async (): Promise<T> => {
      try {
        return await job();
      } finally {
        for (const a of this.jobArenas) a.dispose();
        this.jobArenas = [];
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result.finally(() => {
      if (--this.running === 0) this.scheduleRelease();
    });
  }

  /** Bytes of shared memory held now. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes of resident matrices alive now. */
  get residentBytes(): number {
    let s = 0;
    for (const m of this.resident) s += 4 * m.width * m.height;
    return s;
  }

  private cancelRelease(): void {
    if (this.releaseTimer !== null) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
  }

  /**
   * Once no job has run for idleReleaseMs, a memory grown past retainBytes is given back: the workers
   * move to a fresh small memory (queued like a job, so it never overlaps one). Not while a resident
   * matrix is alive: it lives in that memory.
   */
  private scheduleRelease(): void {
    if (this.closed || this.resident.size > 0 || this.treeBlocks > 0 || this.memory.buffer.byteLength <= this.opts.retainBytes) return;
    this.cancelRelease();
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = null;
      if (this.running > 0 || this.closed) return;
      this.queue = this.queue.then(() => this.releaseMemory()).catch(() => undefined);
    }, this.opts.idleReleaseMs);
    this.releaseTimer.unref();
  }

  private async releaseMemory(): Promise<void> {
    if (this.closed || this.running > 0 || this.resident.size > 0 || this.treeBlocks > 0 || this.memory.buffer.byteLength <= this.opts.retainBytes) return;
    this.memory = newSharedMemory();
    this.local = instantiate(this.module, this.memory);
    this.heap = new Heap(this.memory, this.local.heapBase());
    this.tw = null;
    this.scratchBase = -1;
    await this.pool.setMemory(this.module, this.memory);
  }

  /** A new arena for the running job (freed when the job ends). */
  private arena(): Arena {
    const a = new Arena(this.heap);
    this.jobArenas.push(a);
    return a;
  }

  /** Lay out the job: twiddles for transforms up to 2^logN (kept if already there), scratch, an arena. */
  private async begin(logN = 0): Promise<{ arena: Arena; fwd: number; inv: number; scratch: (t: number) => number }> {
    if (this.scratchBase < 0) this.scratchBase = this.heap.alloc(THREAD_SCRATCH * this.opts.threads);
    const want = Math.max(logN, this.tw?.log ?? 0, 1);
    if (!this.tw || want > this.tw.log) {
      if (this.tw) {
        this.heap.release(this.tw.fwd);
        this.heap.release(this.tw.inv);
        this.tw = null;
      }
      const fwd = this.heap.alloc(4 * 2 ** want);
      const inv = this.heap.alloc(4 * 2 ** want);
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
      this.tw = { log: want, fwd, inv };
    }
    const base = this.scratchBase;
    return { arena: this.arena(), fwd: this.tw.fwd, inv: this.tw.inv, scratch: (t) => base + THREAD_SCRATCH * t };
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

  private view(): Uint32Array {
    return new Uint32Array(this.memory.buffer);
  }

  /** This backend's live resident matrix, or RangeError. */
  private own(m: ResidentMatrix): WasmMatrix {
    if (!(m instanceof WasmMatrix) || m.owner !== this) throw new RangeError("wasm backend: a resident matrix of another backend");
    if (m.released) throw new RangeError("wasm backend: the resident matrix was released");
    return m;
  }

  /**
   * A table of u32 column addresses in the arena: resident columns in place, host columns copied in
   * (only those in `used`, when given: the others are never read and get address 0). Every column must
   * have `height` words.
   */
  private columnTable(arena: Arena, columns: readonly Column[], height: number, what: string, used?: ReadonlySet<number>): number {
    const addrs = new Uint32Array(Math.max(1, columns.length));
    const host: number[] = [];
    columns.forEach((c, i) => {
      if (c instanceof Uint32Array) {
        if (c.length !== height) throw new RangeError(`${what}: column ${i} has ${c.length} rows, expected ${height}`);
        if (!used || used.has(i)) host.push(i);
        return;
      }
      const m = this.own(c.matrix);
      if (!Number.isInteger(c.index) || c.index < 0 || c.index >= m.width) throw new RangeError(`${what}: column ${c.index} of a ${m.width}-column matrix`);
      if (m.height !== height) throw new RangeError(`${what}: column ${i} has ${m.height} rows, expected ${height}`);
      addrs[i] = m.column(c.index);
    });
    if (host.length > 0) {
      const at = arena.alloc(4 * height * host.length);
      const view = this.view();
      host.forEach((i, j) => {
        view.set(columns[i] as Uint32Array, at / 4 + j * height);
        addrs[i] = at + 4 * height * j;
      });
    }
    return arena.put(addrs);
  }

  // ------------------------------------------------------------------ NTT

  async interpolate(columns: Uint32Array[]): Promise<void> {
    for (const group of groupByLength(columns)) {
      await this.exclusive(() => this.hostInPlace(group.map((i) => columns[i]!), null));
    }
  }

  async interpolateCoset(columns: Uint32Array[], shift: number): Promise<void> {
    for (const group of groupByLength(columns)) {
      await this.exclusive(() => this.hostInPlace(group.map((i) => columns[i]!), shift));
    }
  }

  /** Host columns of one length through the arena: interpolate (and unshift by `shift`) in place. */
  private async hostInPlace(cols: Uint32Array[], shift: number | null): Promise<void> {
    const n = cols[0]!.length;
    const logN = log2Exact(n, "interpolate: column length");
    const { arena } = await this.begin(logN);
    const base = arena.alloc(4 * n * cols.length);
    cols.forEach((c, i) => this.view().set(c, base / 4 + i * n));
    await this.interpolateAt(base, logN, cols.length);
    if (shift !== null) await this.unshiftAt(base, n, cols.length, shift);
    const out = this.view();
    cols.forEach((c, i) => c.set(out.subarray(base / 4 + i * n, base / 4 + (i + 1) * n)));
  }

  /** In place at base: `count` columns of 2^logN evaluations -> coefficients. */
  private async interpolateAt(base: number, logN: number, count: number): Promise<void> {
    const n = 2 ** logN;
    if (n === 1) return;
    const { inv } = await this.begin(logN);
    const nInvMont = mont(F.inv(n));
    const threads = this.threadsFor(n * count);
    const at = (c: number): number => base + 4 * n * c;
    if (threads === 1 || count >= 4 * threads || (n < 1 << 14 && count >= threads)) {
      await this.parallel(count, 1, threads, (s, e) => [["interpolateColumns", base, logN, s, e, inv, nInvMont]]);
    } else {
      await this.parallel(n, 1, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["bitrevScale", at(c), logN, nInvMont, s, e]));
      await this.ditPhases(count, at, logN, inv, 0, threads);
    }
  }

  /** In place at base: coefficient i of each of `count` columns of n times shift^(−i). */
  private async unshiftAt(base: number, n: number, count: number, shift: number): Promise<void> {
    const sInv = F.inv(shift % F.P);
    const threads = this.threadsFor(n * count);
    if (count >= threads) {
      await this.parallel(count, 1, threads, (s, e) => Array.from({ length: e - s }, (_, k): Call => ["scalePowers", base + 4 * n * (s + k), 0, n, mont(1), mont(sInv)]));
    } else {
      await this.parallel(n, 4, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["scalePowers", base + 4 * n * c, s, e, mont(F.pow(sInv, s)), mont(sInv)]));
    }
  }

  /** Size of the blocks of the block phase: the L2 block, or smaller so that every thread gets a block. */
  private static logBlock(logN: number, parts: number): number {
    return Math.max(Math.min(LOG_L2_BLOCK, logN - Math.ceil(Math.log2(Math.max(1, parts)))), Math.min(LOG_BLOCK, logN));
  }

  /** Block phase (L2 blocks across threads), then one dispatch per three large stages, every column in each dispatch. */
  private async ditPhases(count: number, at: (c: number) => number, logN: number, tw: number, logHStart: number, threads: number): Promise<void> {
    const logBlk = WasmBackend.logBlock(logN, 2 * threads);
    if (logHStart < logBlk) {
      await this.parallel(2 ** (logN - logBlk), 1, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["ditBlocksL2", at(c), logBlk, tw, logHStart, s, e]));
    }
    await this.largeStages(count, at, logN, Math.max(logBlk, logHStart), tw, threads);
  }

  /** Stages [from, logN) three per pass, each pass one dispatch split by butterfly groups. */
  private async largeStages(count: number, at: (c: number) => number, logN: number, from: number, tw: number, threads: number): Promise<void> {
    for (let logH = from; logH < logN; ) {
      const stages = logH >= 2 ? Math.min(3, logN - logH) : 1;
      const h = logH;
      if (logH >= 2) await this.parallel(2 ** (logN - stages), 4, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["ditStages", at(c), h, stages, tw, s, e]));
      else await this.parallel(2 ** (logN - 1), 4, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["ditStage", at(c), h, tw, s, e]));
      logH += stages;
    }
  }

  async evaluateOnCoset(coefficients: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]> {
    if (!Number.isInteger(logBlowup) || logBlowup < 0) throw new RangeError(`evaluateOnCoset: bad logBlowup ${logBlowup}`);
    const out: Uint32Array[] = new Array(coefficients.length);
    for (const group of groupByLength(coefficients)) {
      const res = await this.exclusive(async () => {
        const cols = group.map((i) => coefficients[i]!);
        const n = cols[0]!.length;
        const logN = log2Exact(n, "evaluateOnCoset: column length");
        const big = 2 ** (logN + logBlowup);
        const { arena } = await this.begin(logN + logBlowup);
        const src = arena.alloc(4 * n * cols.length);
        cols.forEach((c, i) => this.view().set(c, src / 4 + i * n));
        const dst = arena.alloc(4 * big * cols.length);
        await this.ldeAt(src, dst, logN, logBlowup, cols.length, shift);
        return cols.map((_, i) => arena.take(dst + 4 * big * i, big));
      });
      group.forEach((i, j) => (out[i] = res[j]!));
    }
    return out;
  }

  /** LDE of `count` columns of 2^logN coefficients at src into columns of 2^(logN + logBlowup) at dst. */
  private async ldeAt(src: number, dst: number, logN: number, logBlowup: number, count: number, shift: number): Promise<void> {
    const n = 2 ** logN;
    const logBig = logN + logBlowup;
    const big = 2 ** logBig;
    const { fwd, arena } = await this.begin(logBig);
    const shiftMont = mont(shift);
    const threads = this.threadsFor(big * count);
    if (threads === 1 || count >= 4 * threads || (big < 1 << 14 && count >= threads)) {
      const tmp = arena.alloc(4 * n * threads);
      await this.parallel(count, 1, threads, (s, e, t) => [["ldeColumns", src, dst, logN, logBlowup, s, e, fwd, shiftMont, tmp + 4 * n * t]]);
      return;
    }
    // Shifted coefficients (split by index), then L2 blocks gathered and transformed (split by block), then the large stages.
    const tmp = arena.alloc(4 * n * count);
    const sh = shift % F.P;
    await this.parallel(n, 4, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["scaledCopy", src + 4 * n * c, tmp + 4 * n * c, s, e, mont(F.pow(sh, s)), shiftMont]));
    const logBlk = logBig < 3 ? logBig : WasmBackend.logBlock(logBig, 2 * threads);
    await this.parallel(2 ** (logBig - logBlk), 1, threads, (s, e) => Array.from({ length: count }, (_, c): Call => ["ldeGather", tmp + 4 * n * c, dst + 4 * big * c, logN, logBlowup, logBlk, fwd, s, e]));
    if (logBig >= 3) await this.largeStages(count, (c) => dst + 4 * big * c, logBig, Math.max(logBlk, logBlowup), fwd, threads);
  }

  // ------------------------------------------------------------------ resident matrices

  upload(columns: readonly Uint32Array[]): Promise<ResidentMatrix> {
    return this.exclusive(async () => {
      const height = checkSameLength(columns, "upload");
      await this.begin();
      const at = this.heap.alloc(4 * height * columns.length);
      const m = new WasmMatrix(this, at, columns.length, height);
      const view = this.view();
      columns.forEach((c, i) => view.set(c, at / 4 + i * height));
      const total = height * columns.length;
      const found = await this.parallel(total, 16, this.threadsFor(total), (s, e) => [["firstNonCanonical", at, s, e]]);
      const bad = found.map((r) => r[0] as number).filter((i) => i >= 0);
      if (bad.length > 0) {
        this.heap.release(at);
        const i = Math.min(...bad);
        const c = Math.floor(i / height), r = i % height;
        throw new RangeError(`upload: column ${c}, row ${r} holds ${columns[c]![r]}, not a canonical BabyBear element`);
      }
      this.resident.add(m);
      return m;
    });
  }

  interpolateResident(matrix: ResidentMatrix): Promise<void> {
    return this.exclusive(async () => {
      const m = this.own(matrix);
      await this.interpolateAt(m.offset, log2Exact(m.height, "interpolateResident: height"), m.width);
    });
  }

  extend(coefficients: ResidentMatrix, logBlowup: number, shift: number): Promise<ResidentMatrix> {
    if (!Number.isInteger(logBlowup) || logBlowup < 0) return Promise.reject(new RangeError(`extend: bad logBlowup ${logBlowup}`));
    return this.exclusive(async () => {
      const src = this.own(coefficients);
      const logN = log2Exact(src.height, "extend: height");
      if (logN + logBlowup > 27) throw new RangeError(`extend: 2^${logN + logBlowup} points exceed the two-adicity of BabyBear`);
      await this.begin(logN + logBlowup);
      const big = src.height << logBlowup;
      const at = this.heap.alloc(4 * big * src.width);
      try {
        await this.ldeAt(src.offset, at, logN, logBlowup, src.width, shift);
      } catch (e) {
        this.heap.release(at);
        throw e;
      }
      const m = new WasmMatrix(this, at, src.width, big);
      this.resident.add(m);
      return m;
    });
  }

  readRows(columns: readonly Column[], rows: readonly number[]): Promise<Uint32Array> {
    return this.exclusive(async () => {
      if (columns.length === 0) throw new RangeError("readRows: no columns");
      const lengths = columns.map((c) => (c instanceof Uint32Array ? c.length : this.own(c.matrix).height));
      const height = lengths[0]!;
      if (lengths.some((l) => l !== height)) throw new RangeError("readRows: columns of different lengths");
      checkRows(rows, height);
      const view = this.view();
      const w = columns.length;
      const out = new Uint32Array(w * rows.length);
      columns.forEach((c, j) => {
        if (c instanceof Uint32Array) rows.forEach((r, k) => (out[k * w + j] = c[r]!));
        else {
          const m = this.own(c.matrix);
          if (!Number.isInteger(c.index) || c.index < 0 || c.index >= m.width) throw new RangeError(`readRows: column ${c.index} of a ${m.width}-column matrix`);
          const base = m.column(c.index) / 4;
          rows.forEach((r, k) => (out[k * w + j] = view[base + r]!));
        }
      });
      return out;
    });
  }

  download(matrix: ResidentMatrix): Promise<Uint32Array[]> {
    return this.exclusive(async () => {
      const m = this.own(matrix);
      return Array.from({ length: m.width }, (_, c) => new Uint32Array(this.memory.buffer, m.column(c), m.height).slice());
    });
  }

  release(matrix: ResidentMatrix): Promise<void> {
    if (!(matrix instanceof WasmMatrix) || matrix.owner !== this) return Promise.reject(new RangeError("wasm backend: a resident matrix of another backend"));
    if (matrix.released) return Promise.resolve();
    matrix.released = true;
    if (this.closed) return Promise.resolve();
    return this.exclusive(async () => {
      this.resident.delete(matrix);
      this.heap.release(matrix.offset);
    });
  }

  // ------------------------------------------------------------------ Merkle, grinding

  merkleCommit(columns: readonly Column[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    return this.exclusive(async () => {
      const { levelsAt } = await this.buildTree(columns, leafArity, hash, false);
      const bytes = new Uint8Array(this.memory.buffer);
      return { levels: levelsAt.map(([p, c]) => bytes.slice(p, p + 32 * c)) };
    });
  }

  /** The tree's levels stay in the shared memory (views), until releaseTree: no copy of 64 bytes per leaf. */
  commitTree(columns: readonly Column[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    return this.exclusive(async () => {
      const { block, levelsAt } = await this.buildTree(columns, leafArity, hash, true);
      const tree = { levels: levelsAt.map(([p, c]) => new Uint8Array(this.memory.buffer, p, 32 * c)) };
      this.trees.set(tree, block);
      return tree;
    });
  }

  releaseTree(tree: MerkleTreeData): Promise<void> {
    const block = this.trees.get(tree);
    if (block === undefined) return Promise.resolve();
    this.trees.delete(tree);
    if (this.closed) return Promise.resolve();
    return this.exclusive(async () => {
      this.heap.release(block);
      this.treeBlocks--;
    });
  }

  /** Hash the leaves and nodes into one block (levels back to back): the arena's, or a kept heap block. */
  private async buildTree(columns: readonly Column[], leafArity: number, hash: HashConfig, keep: boolean): Promise<{ block: number; levelsAt: Array<[number, number]> }> {
    const config = checkHashConfig(hash);
    const { height, width, leafCount } = checkMerkleShape(columns.map((c) => ({ length: c instanceof Uint32Array ? c.length : this.own(c.matrix).height })), leafArity);
    const { arena, scratch } = await this.begin();
    const cols = this.columnTable(arena, columns, height, "merkleCommit");
    const bytes = 32 * (2 * leafCount - 1);
    const block = keep ? this.heap.alloc(bytes) : arena.alloc(bytes);
    let top = block;
    const level = (count: number): number => {
      const at = top;
      top += 32 * count;
      return at;
    };
    try {
      const levelsAt = config === "keccak"
        ? await this.keccakLevels(cols, height, width, leafArity, level, scratch)
        : await this.poseidon2Levels(columns, cols, height, width, leafArity, level, scratch);
      if (keep) this.treeBlocks++;
      return { block, levelsAt };
    } catch (e) {
      if (keep) this.heap.release(block);
      throw e;
    }
  }

  /** Keccak leaves (two per permutation unless keccakTwoWay is off) and nodes; [offset, count] per level. */
  private async keccakLevels(
    cols: number, height: number, width: number, leafArity: number, level: (count: number) => number, scratch: (t: number) => number,
  ): Promise<Array<[number, number]>> {
    const leafCount = height / leafArity;
    const leaves = level(leafCount);
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
      const dst = level(next);
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
    columns: readonly Column[], cols: number, height: number, width: number, leafArity: number, level: (count: number) => number, scratch: (t: number) => number,
  ): Promise<Array<[number, number]>> {
    const leafCount = height / leafArity;
    const leaves = level(leafCount);
    const levelsAt: Array<[number, number]> = [[leaves, leafCount]];
    const flags = await this.parallel(leafCount, 4, this.threadsFor(width * height), (s, e, t) => [
      ["poseidon2Leaves", cols, height, width, leafArity, leaves, s, e, scratch(t)],
    ]);
    if (flags.some((r) => r[0] === 1)) {
      // resident columns are canonical (upload checks, kernels write canonical values): name a host one
      checkCanonicalColumns(columns.map((c) => (c instanceof Uint32Array ? c : new Uint32Array(0))), "merkleCommit");
      throw new WasmBackendError("WASM_KERNEL_FAILED", "poseidon2Leaves flagged a non-canonical word that the columns do not hold");
    }
    let at = leaves;
    let count = leafCount;
    const tail: Call[] = [];
    while (count > 1) {
      const next = count / 2;
      const dst = level(next);
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
      // Claims grouped by point (stable), the weight of claim k is gamma^k (or the given weight).
      const byPoint: number[][] = Array.from({ length: np }, () => []);
      for (let k = 0; k < claims; k++) {
        const p = inputs.claimPoint[k]!;
        if (p >= np) throw new RangeError(`deepCompose: claim ${k} names point ${p} of ${np}`);
        byPoint[p]!.push(k);
      }
      const gammaPow = claimWeights(inputs);
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
      const cols = this.columnTable(arena, [...used.keys()].map((c) => inputs.columns[c]!), n, "deepCompose");
      const pts = arena.put(inputs.points.length > 0 ? inputs.points : new Uint32Array(4));
      const valsAt = arena.put(vals);
      const startAt = arena.put(claimStart);
      const colAt = arena.put(claimCol);
      const coefAt = arena.put(claimCoef);
      const out = arena.alloc(16 * n);
      const wN = F.twoAdicGenerator(inputs.logHeight);
      // Per point, the norm polynomials that turn 1/(x − z) into a base-field inversion (deep.ts).
      const poly = new Uint32Array(16 * Math.max(1, np));
      for (let p = 0; p < np; p++) {
        if (byPoint[p]!.length === 0) continue;
        const { m, q } = normInversePolys(K.readExt(inputs.points, p));
        poly.set([...m, ...q[0], ...q[1], ...q[2]].map(mont), 16 * p);
      }
      const polyAt = arena.put(poly);
      const results = await this.parallel(n, 256, this.threadsFor(n * Math.max(1, claims)), (s, e, t) => [
        n >= 4
          ? ["deepComposeVec", cols, inputs.logHeight, inputs.shift, wN, np, pts, valsAt, startAt, colAt, coefAt, out, s, e, scratch(t), polyAt]
          : ["deepCompose", cols, inputs.logHeight, inputs.shift, wN, np, pts, valsAt, startAt, colAt, coefAt, out, s, e, scratch(t)],
      ]);
      if (results.some((r) => r[0] === 0)) throw new RangeError("deepCompose: a domain point equals an opening point");
      return [0, 1, 2, 3].map((c) => arena.take(out + 4 * n * c, n)) as ExtColumns;
    });
  }

  evaluateQuotient(inputs: QuotientInputs): Promise<ExtColumns> {
    return this.exclusive(async () => {
      const { numRegisters, numInstructions } = readHeader(inputs.bytecode);
      const q = quotientBlowupOf(inputs);
      const logN = inputs.logTraceHeight + q;
      const bigN = 2 ** logN;
      const ldeN = 2 ** (inputs.logTraceHeight + inputs.logBlowup);
      const n = 2 ** inputs.logTraceHeight;
      const blowup = 2 ** q;
      // Z_H(x_i) = shift^n·w_B^(i mod B) − 1 takes only B values (stark/quotient.ts).
      const shiftN = F.pow(inputs.shift, n);
      const wB = F.twoAdicGenerator(q);
      const zh = new Uint32Array(blowup);
      for (let k = 0, w = 1; k < blowup; k++, w = F.mul(w, wB)) zh[k] = F.sub(F.mul(shiftN, w), 1);
      if (zh.some((x) => x === 0)) throw new RangeError("evaluateQuotient: a vanishing denominator or a bad opcode");
      const zhInvMont = F.batchInverse(zh).map(mont);
      const wLast = F.pow(F.twoAdicGenerator(inputs.logTraceHeight), n - 1);
      const { arena } = await this.begin();
      const code = inputs.bytecode.subarray(4);
      const trace = this.columnTable(arena, inputs.trace, ldeN, "evaluateQuotient", programColumns(inputs.bytecode, [Op.CUR, Op.NEXT]));
      const pub = this.columnTable(arena, inputs.publicColumns, ldeN, "evaluateQuotient", programColumns(inputs.bytecode, [Op.PCUR, Op.PNEXT]));
      const pubIn = arena.put(inputs.publicInputs.length > 0 ? inputs.publicInputs : new Uint32Array(1));
      const alpha = arena.put(inputs.alphaPowers.length > 0 ? inputs.alphaPowers.map(mont) : new Uint32Array(4));
      const codeAt = arena.put(code.length > 0 ? code : new Uint32Array(4));
      const zhInv = arena.put(zhInvMont);
      const out = arena.alloc(16 * bigN);
      const threads = this.threadsFor(bigN * Math.max(1, numInstructions) / 4);
      const workWords = (numRegisters + 20) * QUOTIENT_ROWS;
      const work = arena.alloc(4 * workWords * threads);
      const results = await this.parallel(bigN, QUOTIENT_ROWS, threads, (s, e, t) => [
        ["quotientRows", trace, pub, pubIn, alpha, codeAt, numInstructions, numRegisters, logN, q, inputs.logBlowup - q, inputs.shift, wLast, zhInv, out, s, e, work + 4 * workWords * t],
      ]);
      if (results.some((r) => r[0] === 0)) throw new RangeError("evaluateQuotient: a vanishing denominator or a bad opcode");
      return [0, 1, 2, 3].map((c) => arena.take(out + 4 * bigN * c, bigN)) as ExtColumns;
    });
  }

  /** A program's columns as address tables, its code and public inputs in the arena (trace-domain programs). */
  private programInputs(arena: Arena, program: Uint32Array, trace: readonly Column[], publicColumns: readonly Column[], publicInputs: Uint32Array, what: string) {
    const lengths = [...trace, ...publicColumns].map((c) => (c instanceof Uint32Array ? c.length : this.own(c.matrix).height));
    if (lengths.length === 0) throw new RangeError(`${what}: no columns`);
    const n = lengths[0]!;
    if (lengths.some((l) => l !== n)) throw new RangeError(`${what}: columns of different lengths`);
    const logN = log2Exact(n, `${what}: height`);
    const header = readHeader(program);
    const code = program.subarray(4);
    return {
      n, logN, ...header,
      trace: this.columnTable(arena, trace, n, what, programColumns(program, [Op.CUR, Op.NEXT])),
      pub: this.columnTable(arena, publicColumns, n, what, programColumns(program, [Op.PCUR, Op.PNEXT])),
      pubIn: arena.put(publicInputs.length > 0 ? publicInputs : new Uint32Array(1)),
      code: arena.put(code.length > 0 ? code : new Uint32Array(4)),
    };
  }

  firstConstraintViolation(inputs: ConstraintCheckInputs): Promise<number> {
    return this.exclusive(async () => {
      const { arena } = await this.begin();
      const p = this.programInputs(arena, inputs.bytecode, inputs.trace, inputs.publicColumns, inputs.publicInputs, "firstConstraintViolation");
      const threads = this.threadsFor(p.n * Math.max(1, p.numInstructions) / 4);
      const workWords = (p.numRegisters + 4) * QUOTIENT_ROWS;
      const work = arena.alloc(4 * workWords * threads);
      const results = await this.parallel(p.n, QUOTIENT_ROWS, threads, (s, e, t) => [
        ["checkRows", p.trace, p.pub, p.pubIn, p.code, p.numInstructions, p.numRegisters, p.logN, s, e, work + 4 * workWords * t],
      ]);
      const rows = results.map((r) => r[0] as number);
      if (rows.includes(-2)) throw new RangeError("firstConstraintViolation: a bad opcode");
      const hits = rows.filter((r) => r >= 0);
      return hits.length > 0 ? Math.min(...hits) : -1;
    });
  }

  logUpAux(inputs: LogUpInputs): Promise<LogUpAux> {
    return this.exclusive(async () => {
      const I = inputs.sends.length;
      if (I === 0) throw new RangeError("logUpAux: no interactions");
      if (!Number.isInteger(inputs.batch) || inputs.batch < 1) throw new RangeError(`logUpAux: bad batch ${inputs.batch}`);
      if (inputs.offsets.length !== 4 * I) throw new RangeError("logUpAux: one offset (4 words) per interaction");
      const helpers = Math.ceil(I / inputs.batch);
      const { arena } = await this.begin();
      const p = this.programInputs(arena, inputs.program, inputs.trace, inputs.publicColumns, inputs.publicInputs, "logUpAux");
      const weights = arena.put(inputs.weights.length > 0 ? inputs.weights.map(mont) : new Uint32Array(4));
      const offsets = arena.put(inputs.offsets);
      const sends = arena.put(Uint32Array.from(inputs.sends));
      const cols = 4 * (helpers + 1);
      const out = arena.alloc(4 * p.n * cols);
      const threads = this.threadsFor(p.n * Math.max(1, p.numInstructions + 16 * I) / 4);
      const ranges = splitRange(p.n, threads, QUOTIENT_ROWS);
      const totals = arena.alloc(16 * ranges.length);
      const workWords = (p.numRegisters + 16 * I) * QUOTIENT_ROWS;
      const work = arena.alloc(4 * workWords * ranges.length);
      const results = await this.pool.dispatch(ranges.map(([s, e], t) => [
        ["logUpRows", p.trace, p.pub, p.pubIn, weights, p.code, p.numInstructions, p.numRegisters, p.logN, offsets, sends, I, inputs.batch, out, totals + 16 * t, s, e, work + 4 * workWords * t],
      ]));
      const flags = results.map((r) => r[0] as number);
      if (flags.includes(-2)) throw new RangeError("logUpAux: a bad opcode");
      const vanished = flags.filter((r) => r >= 0);
      if (vanished.length > 0) throw new RangeError(`logUpAux: a denominator vanished at row ${Math.min(...vanished)}`);
      // Each range's running sum started at 0: add the totals of the ranges before it.
      const view = this.view();
      let offset: K.Ext = K.ZERO;
      const offsetsAt: Array<[number, number, number]> = [];
      ranges.forEach(([s, e], t) => {
        if (t > 0) offsetsAt.push([s, e, arena.put(Uint32Array.from(offset))]);
        offset = K.addE(offset, K.readExt(view, totals / 16 + t));
      });
      if (offsetsAt.length > 0) {
        const sum = out + 4 * p.n * 4 * helpers;
        await this.pool.dispatch([[], ...offsetsAt.map(([s, e, at]): Call[] => [["logUpAddOffset", sum, p.logN, at, s, e]])]);
      }
      return { columns: Array.from({ length: cols }, (_, c) => arena.take(out + 4 * p.n * c, p.n)), terminal: Uint32Array.from(offset) };
    });
  }

  linearCombination(columns: readonly Column[], weights: Uint32Array): Promise<ResidentMatrix> {
    return this.exclusive(async () => {
      if (columns.length === 0) throw new RangeError("linearCombination: no columns");
      if (weights.length !== 4 * columns.length) throw new RangeError("linearCombination: one weight (4 words) per column");
      const lengths = columns.map((c) => (c instanceof Uint32Array ? c.length : this.own(c.matrix).height));
      const n = lengths[0]!;
      if (lengths.some((l) => l !== n)) throw new RangeError("linearCombination: columns of different lengths");
      const { arena } = await this.begin();
      const table = this.columnTable(arena, columns, n, "linearCombination");
      const w = arena.put(weights.map(mont));
      const at = this.heap.alloc(16 * n);
      await this.parallel(n, 256, this.threadsFor(n * columns.length), (s, e) => [["combineRows", table, columns.length, w, at, n, s, e]]);
      const m = new WasmMatrix(this, at, 4, n);
      this.resident.add(m);
      return m;
    });
  }

  addScaledExt(a: ExtColumns, b: ExtColumns, c: Uint32Array): Promise<ExtColumns> {
    return this.exclusive(async () => {
      const n = checkSameLength([...a, ...b], "addScaledExt");
      if (c.length !== 4) throw new RangeError("addScaledExt: the weight is 4 words");
      const { arena } = await this.begin();
      const at = arena.alloc(16 * n), bt = arena.alloc(16 * n), out = arena.alloc(16 * n);
      const view = this.view();
      for (let e = 0; e < 4; e++) {
        view.set(a[e]!, at / 4 + e * n);
        view.set(b[e]!, bt / 4 + e * n);
      }
      const cAt = arena.put(c);
      await this.parallel(n, 4, this.threadsFor(4 * n), (s, e) => [["addScaledExt", at, bt, out, n, cAt, s, e]]);
      return [0, 1, 2, 3].map((e) => arena.take(out + 4 * n * e, n)) as ExtColumns;
    });
  }

  /**
   * Values of base-field polynomials (coefficients, all of one length) at points of K (4 canonical
   * words each): result word 4·(j·m + c) + e is coefficient e of column c at point j (m columns).
   */
  evaluateAtPoints(coefficients: readonly Column[], points: Uint32Array): Promise<Uint32Array> {
    return this.exclusive(async () => {
      const m = coefficients.length;
      const np = points.length / 4;
      if (!Number.isInteger(np)) throw new RangeError("evaluateAtPoints: points must be 4 words each");
      if (m === 0 || np === 0) return new Uint32Array(0);
      const lengths = coefficients.map((c) => (c instanceof Uint32Array ? c.length : this.own(c.matrix).height));
      const n = lengths[0]!;
      if (lengths.some((l) => l !== n)) throw new RangeError("evaluateAtPoints: columns of different lengths");
      const { arena } = await this.begin();
      const cols = this.columnTable(arena, coefficients, n, "evaluateAtPoints");
      const pts = arena.put(points);
      const out = new Uint32Array(4 * m * np);
      if (n < 4) {
        const at = arena.alloc(16 * m * np);
        await this.parallel(m * np, 1, this.threadsFor(n * m * np), (s, e) => [["evalAtExtBatch", cols, n, m, pts, at, s, e]]);
        return arena.take(at, 4 * m * np);
      }
      // Per point: the powers z^j once (planar, Montgomery), then one dot product per column, block by
      // block (a K × base product per coefficient instead of Horner's K × K).
      const threads = this.threadsFor(n * m);
      const ranges = splitRange(n, threads, 4);
      const pw = arena.alloc(16 * n);
      const acc = arena.alloc(64 * m * ranges.length);
      for (let j = 0; j < np; j++) {
        await this.pool.dispatch(ranges.map(([s, e]): Call[] => [["extPowersPlanar", pw, n, pts + 16 * j, s, e]]));
        new Uint32Array(this.memory.buffer, acc, 16 * m * ranges.length).fill(0);
        await this.pool.dispatch(ranges.map(([s, e], t): Call[] => [["dotPowers", cols, m, pw, n, s, e, acc + 64 * m * t]]));
        const view = new Uint32Array(this.memory.buffer, acc, 16 * m * ranges.length);
        for (let c = 0; c < m; c++) {
          for (let e = 0; e < 4; e++) {
            let v = 0;
            for (let t = 0; t < ranges.length; t++) for (let l = 0; l < 4; l++) v = F.add(v, view[16 * (m * t + c) + 4 * e + l]!);
            out[4 * (j * m + c) + e] = v;
          }
        }
      }
      return out;
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
    this.resident.clear();
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
