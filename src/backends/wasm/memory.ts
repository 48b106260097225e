/**
 * The shared memory's heap: everything above the module's static data is handed out in 64-byte
 * aligned blocks — the twiddle tables and per-thread scratch (kept between jobs), resident matrices
 * (kept until released) and each job's temporaries (an Arena, freed when the job ends). First fit over
 * a free list; the top of the heap grows the memory, and comes down when its last block is freed.
 * wasm memory never shrinks: the backend replaces the whole memory once idle (backend.ts).
 */
import { MAX_PAGES, wasmApi, type WasmMemory } from "./kernels.js";

export const PAGE = 65536;
export const THREAD_SCRATCH = 64 * 1024;
const ALIGN = 64;

export const alignUp = (x: number, a = ALIGN): number => Math.ceil(x / a) * a;

export class Heap {
  private top: number;
  /** Free blocks below top, [start, size], sorted by start, never adjacent (coalesced). */
  private readonly free: Array<[number, number]> = [];
  /** Live blocks: start → size. */
  private readonly live = new Map<number, number>();
  /** Highest top ever reached (bytes): the memory this heap made the process hold. */
  peak: number;

  constructor(
    readonly memory: WasmMemory,
    readonly base: number,
  ) {
    this.top = alignUp(base);
    this.peak = this.top;
  }

  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, ALIGN));
    for (let k = 0; k < this.free.length; k++) {
      const [start, have] = this.free[k]!;
      if (have < size) continue;
      if (have === size) this.free.splice(k, 1);
      else this.free[k] = [start + size, have - size];
      this.live.set(start, size);
      return start;
    }
    const at = this.top;
    ensureBytes(this.memory, at + size);
    this.top = at + size;
    this.peak = Math.max(this.peak, this.top);
    this.live.set(at, size);
    return at;
  }

  release(at: number): void {
    const size = this.live.get(at);
    if (size === undefined) throw new RangeError(`wasm heap: no live block at ${at}`);
    this.live.delete(at);
    let k = this.free.findIndex(([s]) => s > at);
    if (k < 0) k = this.free.length;
    let start = at, len = size;
    const prev = this.free[k - 1];
    if (prev && prev[0] + prev[1] === start) {
      start = prev[0];
      len += prev[1];
      this.free.splice(--k, 1);
    }
    const next = this.free[k];
    if (next && start + len === next[0]) {
      len += next[1];
      this.free.splice(k, 1);
    }
    if (start + len === this.top) this.top = start;
    else this.free.splice(k, 0, [start, len]);
  }

  /** Bytes in live blocks. */
  get liveBytes(): number {
    let s = 0;
    for (const v of this.live.values()) s += v;
    return s;
  }

  get used(): number {
    return this.top;
  }
}

/** A job's temporaries: blocks of the heap freed together when the job ends. */
export class Arena {
  private readonly blocks: number[] = [];

  constructor(readonly heap: Heap) {}

  get memory(): WasmMemory {
    return this.heap.memory;
  }

  /** Reserve bytes (64-byte aligned), growing the memory if needed; returns the byte offset. */
  alloc(bytes: number): number {
    const at = this.heap.alloc(bytes);
    this.blocks.push(at);
    return at;
  }

  /** Reserve and fill with a copy of `words`; returns the byte offset. */
  put(words: Uint32Array): number {
    const at = this.alloc(words.byteLength);
    new Uint32Array(this.memory.buffer, at, words.length).set(words);
    return at;
  }

  /** A fresh copy of `count` words at byte offset `at`. */
  take(at: number, count: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, at, count).slice();
  }

  dispose(): void {
    for (const b of this.blocks) this.heap.release(b);
    this.blocks.length = 0;
  }
}

export function ensureBytes(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  const pages = Math.ceil((bytes - have) / PAGE);
  if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`wasm backend: job needs ${bytes} bytes, more than the 4 GiB of wasm32`);
  memory.grow(pages);
}

export function newSharedMemory(): WasmMemory {
  return new wasmApi.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
}
