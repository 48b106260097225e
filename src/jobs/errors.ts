import { ProverNodeError } from "../util/errors.js";
import type { JobState } from "../store/index.js";

export type JobErrorType =
  | { code: "JOB_ILLEGAL_TRANSITION"; segmentId: bigint; from: JobState; to: JobState }
  | { code: "JOB_NOT_FOUND"; segmentId: bigint }
  | { code: "JOB_EXISTS"; segmentId: bigint }
  /** The caller's copy of the job is older than the stored one (someone else moved it). */
  | { code: "JOB_STALE"; segmentId: bigint; expected: JobState; stored: JobState }
  | { code: "JOB_MISSING_DATA"; segmentId: bigint; what: string }
  | { code: "PROVER_FAILED"; detail: string }
  /** A data batch's witness differs from what L1 stored at posting (r, txCommitment, txCount, roots): the sequencer's fault. */
  | { code: "JOB_WITNESS_UNBOUND"; segmentId: bigint; problems: string[] }
  | { code: "PROVER_CANCELLED" }
  | { code: "PROVER_POOL_CLOSED" };

export class JobError extends ProverNodeError<JobErrorType> {}
