/**
 * Device copies of matrices the backend has returned, found again by the identity of their host
 * columns. The interface passes host arrays between phases (evaluateOnCoset's LDE comes back as the
 * input of merkleCommit, evaluateQuotient and deepCompose); this cache lets those calls read the copy
 * already on the device instead of uploading hundreds of megabytes again.
 *
 * A cached column is trusted only while a fingerprint of 16 sampled words (and its length) matches:
 * the interface does not forbid a caller from writing into a returned array, and a stale device copy
 * would be a silent wrong proof. Writes the samples miss are not detected; the prover never writes
 * into returned columns (docs/cuda.md).
 */
import type { CudaAddon, DeviceBuffer } from "./addon.js";

export interface CachedMatrix {
  readonly buffer: DeviceBuffer;
  readonly columns: readonly Uint32Array[];
  readonly height: number;
  readonly bytes: number;
  freed: boolean;
}

export interface ColumnRef {
  readonly matrix: CachedMatrix;
  readonly index: number;
}

const SAMPLES = 16;

function fingerprint(col: Uint32Array): number {
  let h = col.length >>> 0;
  const step = Math.max(1, Math.floor(col.length / SAMPLES));
  for (let i = 0; i < col.length; i += step) h = (Math.imul(h ^ col[i]!, 0x9e3779b1) + i) >>> 0;
  return (h ^ (col.length > 0 ? col[col.length - 1]! : 0)) >>> 0;
}

export class DeviceCache {
  private readonly entries: CachedMatrix[] = [];
  private readonly where = new WeakMap<Uint32Array, { ref: ColumnRef; print: number }>();

  constructor(private readonly addon: CudaAddon, private readonly maxEntries: number, private readonly enabled: boolean) {}

  /** Take ownership of `buffer`, which holds `columns` (each `height` words, back to back). */
  put(buffer: DeviceBuffer, columns: readonly Uint32Array[], height: number): void {
    if (!this.enabled || this.maxEntries < 1) {
      this.addon.free(buffer);
      return;
    }
    const m: CachedMatrix = { buffer, columns, height, bytes: 4 * height * columns.length, freed: false };
    columns.forEach((c, index) => this.where.set(c, { ref: { matrix: m, index }, print: fingerprint(c) }));
    this.entries.push(m);
    while (this.entries.length > this.maxEntries) this.drop(this.entries[0]!);
  }

  /** Where `col` lives on the device, if it is cached and unchanged. */
  find(col: Uint32Array): ColumnRef | undefined {
    const hit = this.where.get(col);
    if (!hit || hit.ref.matrix.freed || hit.ref.matrix.height !== col.length) return undefined;
    if (fingerprint(col) !== hit.print) return undefined;
    const i = this.entries.indexOf(hit.ref.matrix);
    if (i >= 0 && i !== this.entries.length - 1) this.entries.push(...this.entries.splice(i, 1)); // most recently used last
    return hit.ref;
  }

  /** Stop trusting any device copy of `col` (the caller is about to write into it). */
  forget(col: Uint32Array): void {
    this.where.delete(col);
  }

  /** The cached matrix holding exactly `columns` in order, if there is one. */
  findMatrix(columns: readonly Uint32Array[]): CachedMatrix | undefined {
    if (columns.length === 0) return undefined;
    const first = this.find(columns[0]!);
    if (!first || first.index !== 0 || first.matrix.columns.length !== columns.length) return undefined;
    for (let i = 1; i < columns.length; i++) {
      const r = this.find(columns[i]!);
      if (!r || r.matrix !== first.matrix || r.index !== i) return undefined;
    }
    return first.matrix;
  }

  get bytes(): number {
    return this.entries.reduce((s, m) => s + m.bytes, 0);
  }

  /** Frees the least recently used matrix not in `keep`; false when there is none. */
  evictOne(keep: ReadonlySet<CachedMatrix> = new Set()): boolean {
    const m = this.entries.find((e) => !keep.has(e));
    if (!m) return false;
    this.drop(m);
    return true;
  }

  clear(): void {
    while (this.evictOne());
  }

  private drop(m: CachedMatrix): void {
    const i = this.entries.indexOf(m);
    if (i >= 0) this.entries.splice(i, 1);
    if (!m.freed) this.addon.free(m.buffer);
    m.freed = true;
  }
}
