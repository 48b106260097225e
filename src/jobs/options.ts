import { availableParallelism } from "node:os";

export interface ProverPoolOpts {
  /** Worker threads proving in parallel (each proves one segment at a time). */
  workers: number;
  /** Extra modules each worker imports before proving (registers AIRs and trace builders, e.g. the rollup's transfer-v1). */
  workerModules: string[];
}

export const defaultProverPoolOpts: ProverPoolOpts = {
  workers: Math.max(1, Math.min(4, availableParallelism() - 1)),
  workerModules: [],
};

export interface JobRunnerOpts {
  /** Proof options every segment proof uses (the market contract's verifier policy decides them). */
  proofOptionsPreset: "default" | "test";
  /** How long to wait for a broadcast transaction before reading chain state again (ms). */
  txWaitMs: number;
}

export const defaultJobRunnerOpts: JobRunnerOpts = {
  proofOptionsPreset: "default",
  txWaitMs: 120_000,
};
