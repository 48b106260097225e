import { availableParallelism } from "node:os";
import type { BackendKind } from "../backends/select.js";
import type { ProofOptions } from "../stark/options.js";

/** The backend every prover worker creates once (backends/select.ts `selectBackend`). */
export interface ProverPoolBackendOpts {
  kind: BackendKind;
  /**
   * Threads of each worker's wasm backend (ignored by js and cuda); 0 = the machine's cores shared out
   * among the pool's workers (at least 1 each).
   */
  threads: number;
}

export interface ProverPoolOpts {
  /** Worker threads proving in parallel (each proves one segment at a time). */
  workers: number;
  /** Extra modules each worker imports before proving (they register more AIRs and trace builders; transfer-v1 is built in). */
  workerModules: string[];
  /** Which backend proves; the workers report the concrete one in `ProveOutcome.backend`. */
  backend: ProverPoolBackendOpts;
}

export const defaultProverPoolOpts: ProverPoolOpts = {
  workers: Math.max(1, Math.min(4, availableParallelism() - 1)),
  workerModules: [],
  backend: { kind: "js", threads: 0 },
};

/** The wasm thread count each worker uses for `opts` (resolves threads = 0). */
export function workerBackendThreads(opts: Pick<ProverPoolOpts, "workers" | "backend">): number {
  if (opts.backend.threads > 0) return opts.backend.threads;
  return Math.max(1, Math.floor(availableParallelism() / Math.max(1, opts.workers)));
}

export interface JobRunnerOpts {
  /** Proof options every segment proof uses (the market contract's verifier policy decides them). */
  proofOptionsPreset: "default" | "test";
  /** How long to wait for a broadcast transaction before reading chain state again (ms). */
  txWaitMs: number;
  /**
   * A committed job whose lock is no longer ours on chain, with no slash of ours ingested, ends as
   * LOCK_LOST after this long (ms): the slash event of a challenge may still be on its way.
   */
  lostLockGraceMs: number;
  /**
   * Proof options of data-batch segments (transfer-v2, poseidon2): the aggregation plan's segment options
   * (aggregator/geometry.ts `segmentOptionsFor`). Absent: this node does not prove data segments.
   */
  dataSegmentOptions?: ProofOptions;
  /** log2 of a data segment's paths rows (the plan's): a witness of another height cannot become a leaf. */
  dataSegmentLogRows?: number;
}

export const defaultJobRunnerOpts: JobRunnerOpts = {
  proofOptionsPreset: "default",
  txWaitMs: 120_000,
  lostLockGraceMs: 60_000,
};

export interface JobSchedulerOpts {
  /** How often waiting jobs are stepped again and given-up segments reconsidered (ms). */
  sweepIntervalMs: number;
  /**
   * How long the proof and witness of a job that ended (finalized, failed, slashed) are kept (ms). A
   * finalized batch's proofs are never needed again by the protocol; the retention leaves time to
   * inspect them and to serve peers that still ask.
   */
  proofRetentionMs: number;
  /** Pruning runs at most this often (ms). */
  pruneIntervalMs: number;
}

export const defaultJobSchedulerOpts: JobSchedulerOpts = {
  sweepIntervalMs: 4_000,
  proofRetentionMs: 24 * 3_600_000,
  pruneIntervalMs: 10 * 60_000,
};
