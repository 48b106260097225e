import { availableParallelism } from "node:os";

export interface WasmBackendOpts {
  /** Worker threads doing the work (the calling thread only coordinates). Default: os.availableParallelism(). */
  threads: number;
  /**
   * After a job the shared memory is dropped (and a small one created) when it grew past this many bytes,
   * so the memory of a large proof is returned to the system once the job is done.
   */
  retainBytes: number;
  /** Jobs touching fewer elements than this run on one worker: a thread hand-off costs ~0.1 ms. */
  parallelThreshold: number;
  /** Hash two Merkle leaves / nodes per Keccak permutation (i64x2 lanes); false: one at a time. */
  keccakTwoWay: boolean;
}

export const defaultWasmBackendOpts = (): WasmBackendOpts => ({
  threads: availableParallelism(),
  retainBytes: 256 << 20,
  parallelThreshold: 1 << 13,
  keccakTwoWay: true,
});
