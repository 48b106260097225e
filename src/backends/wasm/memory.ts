/**
 * The layout of the shared memory, rebuilt for every job:
 *
 *   [module static data | forward twiddles (2^k words) | inverse twiddles (2^k words)
 *    | per-thread scratch (THREAD_SCRATCH bytes each) | job arena (bump allocated) …]
 *
 * The twiddle tables serve every transform size up to 2^k (see kernels/wasm/ntt.ts) and survive from
 * job to job while the memory is kept; they are rebuilt at a larger k when a larger transform comes.
 */
import { MAX_PAGES, wasmApi, type WasmMemory } from "./kernels.js";

export const PAGE = 65536;
export const THREAD_SCRATCH = 64 * 1024;
const ALIGN = 64;

export const alignUp = (x: number, a = ALIGN): number => Math.ceil(x / a) * a;

export class Arena {
  private top: number;

  constructor(
    readonly memory: WasmMemory,
    readonly start: number,
  ) {
    this.top = start;
  }

  /** Reserve bytes (64-byte aligned), growing the memory if needed; returns the byte offset. */
  alloc(bytes: number): number {
    const at = alignUp(this.top);
    this.top = at + Math.max(bytes, 0);
    ensureBytes(this.memory, this.top);
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

  get used(): number {
    return this.top;
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
