import { availableParallelism } from "node:os";

export interface WasmBackendOpts {
  /** Worker threads doing the work (the calling thread only coordinates). Default: os.availableParallelism(). */
  threads: number;
  /**
   * When no job has run for `idleReleaseMs` and the shared memory grew past this many bytes, it is
   * dropped (a small one replaces it), so the memory of a large proof goes back to the system once the
   * proof is done, while the jobs of one proof keep reusing warm pages and twiddle tables.
   */
  retainBytes: number;
  idleReleaseMs: number;
  /** Jobs touching fewer elements than this run on one worker: a thread hand-off costs ~0.1 ms. */
  parallelThreshold: number;
  /** Hash two Merkle leaves / nodes per Keccak permutation (i64x2 lanes); false: one at a time. */
  keccakTwoWay: boolean;
}

export const defaultWasmBackendOpts = (): WasmBackendOpts => ({
  threads: availableParallelism(),
  retainBytes: 64 << 20,
  idleReleaseMs: 500,
  parallelThreshold: 1 << 13,
  keccakTwoWay: true,
});
