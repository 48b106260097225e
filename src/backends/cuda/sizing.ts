/**
 * VRAM-aware sizing: the device memory one proof needs on the cuda backend, and the largest trace
 * height that fits a card's free memory. Pure functions (no GPU needed), documented in docs/cuda.md:
 *
 *   N = n·2^logBlowup (LDE rows), q = 4·quotientChunks (quotient base columns)
 *   bytes(n) = 4·N·(width + publicColumns + q)   LDE matrices kept on the device (trace, public, quotient)
 *            + 4·n·width                          the trace coefficients while their LDE is computed
 *            + 64·N                               a Merkle tree of N leaves (all levels, 32-byte digests)
 *            + 16·N                               one K-valued column (quotient, DEEP or FRI output)
 *            + 4·N                                forward + inverse twiddle tables of 2^(log N − 1) words
 *            + 4·registers·min(N, chunkRows)      the interpreter's register scratch
 *            + reserveBytes                       CUDA context, allocator slack
 * The terms are summed although not all are live at once, so the figure is an upper bound.
 */

export interface ProofShape {
  /** log2 of the trace height n. */
  readonly logRows: number;
  /** Trace columns. */
  readonly width: number;
  readonly logBlowup: number;
  readonly publicColumns: number;
  readonly quotientChunks: number;
  /** Registers of the constraint bytecode (bytecode header word 1). */
  readonly registers: number;
}

export interface SizingOpts {
  /** Rows per quotient launch (CudaBackendOpts.quotientChunkRows). */
  readonly chunkRows: number;
  /** Bytes kept aside for the CUDA context and allocator slack. */
  readonly reserveBytes: number;
}

export const defaultSizingOpts: SizingOpts = Object.freeze({ chunkRows: 1 << 16, reserveBytes: 256 * 2 ** 20 });

/** Upper bound of the device bytes one proof of this shape needs on the cuda backend. */
export function proofDeviceBytes(shape: ProofShape, opts: SizingOpts = defaultSizingOpts): number {
  const n = 2 ** shape.logRows;
  const N = n * 2 ** shape.logBlowup;
  const q = 4 * shape.quotientChunks;
  return (
    4 * N * (shape.width + shape.publicColumns + q) +
    4 * n * shape.width +
    64 * N +
    16 * N +
    4 * N +
    4 * shape.registers * Math.min(N, opts.chunkRows) +
    opts.reserveBytes
  );
}

/**
 * The largest log2 trace height whose proof fits in `freeBytes` (−1 if none from 2^0 does), searching
 * up to logRowsLimit (the prover's own limit).
 */
export function maxLogRowsFor(freeBytes: number, shape: Omit<ProofShape, "logRows">, logRowsLimit = 27 - shape.logBlowup, opts: SizingOpts = defaultSizingOpts): number {
  let best = -1;
  for (let k = 0; k <= logRowsLimit; k++) {
    if (proofDeviceBytes({ ...shape, logRows: k }, opts) <= freeBytes) best = k;
    else break;
  }
  return best;
}
