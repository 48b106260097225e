/**
 * The persisted record shapes. They are the on-disk format: add optional fields freely, but a change
 * that old code cannot read needs a SCHEMA_VERSION bump and a migration.
 */

/** Every state of a segment job (docs/architecture.md, "From event to payout"). Terminal: finalized, failed, slashed. */
export const JOB_STATES = [
  "observed",
  "decided",
  "lockSent",
  "locked",
  "witnessFetched",
  "proving",
  "proven",
  "committed",
  "published",
  "finalized",
  "failed",
  "slashed",
] as const;
export type JobState = (typeof JOB_STATES)[number];

/*
 * Named subsets of JOB_STATES: every rule that asks "is this job …?" uses one of these.
 */

/** Nothing more happens to the job (its record stays; its proof is pruned after the retention). */
export const TERMINAL_STATES = ["finalized", "failed", "slashed"] as const satisfies readonly JobState[];
/** Not terminal: the scheduler drives these (also after a restart). */
export const ACTIVE_STATES = JOB_STATES.filter((s) => !(TERMINAL_STATES as readonly JobState[]).includes(s)) as readonly JobState[];
/** This node holds a lock on chain: collateral at risk, a deadline running, nothing committed yet. */
export const LOCK_HELD_STATES = ["locked", "witnessFetched", "proving", "proven"] as const satisfies readonly JobState[];
/** Work still to do before the commitment: these take proving capacity (market/'s capacity rail). */
export const WORK_STATES = ["decided", "lockSent", "locked", "witnessFetched", "proving"] as const satisfies readonly JobState[];
/** Committed on chain, waiting for the batch's finalization to be paid. */
export const AWAITING_PAYOUT_STATES = ["committed", "published"] as const satisfies readonly JobState[];

export function isTerminal(state: JobState): boolean {
  return (TERMINAL_STATES as readonly JobState[]).includes(state);
}

/** Why the market declined a segment (market/'s rails, and the lock-intent round). */
export const DECLINE_REASONS = [
  "SEGMENT_TOO_LARGE",
  "BREAKER_OPEN",
  "MAX_CONCURRENT_JOBS",
  "PRICE_TOO_LOW",
  "NO_CAPACITY",
  "INSUFFICIENT_FREE_STAKE",
  "INSUFFICIENT_GAS_BALANCE",
  "INTENT_YIELDED",
] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/**
 * Why a job ended in "failed" or "slashed", persisted as this string. `DECLINED_<reason>`: the market
 * said no; LOCK_LOST: another prover holds (or took) the segment; LOCK_REVERTED / LOCK_TX_DROPPED: our
 * lock transaction failed; PROVING_FAILED: the prover refused the witness; COMMIT_REVERTED: the commit
 * transaction reverted; WITNESS_UNBOUND: a data batch's witness differs from what L1 stored at posting
 * (the sequencer's fault; never retried); SLASHED: our collateral was taken for this segment; BATCH_TIMED_OUT: the batch
 * timed out with our commitment in it (collateral released, nothing paid).
 */
export type FailureReason =
  | `DECLINED_${DeclineReason}`
  | "LOCK_LOST"
  | "LOCK_REVERTED"
  | "LOCK_TX_DROPPED"
  | "PROVING_FAILED"
  | "COMMIT_REVERTED"
  | "SLASHED"
  | "BATCH_TIMED_OUT"
  | "WITNESS_UNBOUND";

export function declined(reason: DeclineReason): FailureReason {
  return `DECLINED_${reason}`;
}

export function isDecline(reason: FailureReason | undefined): reason is `DECLINED_${DeclineReason}` {
  return reason !== undefined && reason.startsWith("DECLINED_");
}

/**
 * Whether a job that ended for `reason` is worth another attempt once its segment is open again: a
 * decline (the price ramps up, capacity frees, the stake is topped up, the intent holder gives up), a
 * lost or failed lock, or a slash (the segment reopens to anyone, us included). Not: a proof the prover
 * refused (it would refuse again) or a reverted commit (the chain said no to exactly this proof).
 */
export function isRetryable(reason: FailureReason | undefined): boolean {
  return reason !== undefined && RETRYABLE.has(reason);
}

const RETRYABLE: ReadonlySet<string> = new Set<FailureReason>([
  ...DECLINE_REASONS.filter((r) => r !== "SEGMENT_TOO_LARGE").map(declined),
  "LOCK_LOST",
  "LOCK_REVERTED",
  "LOCK_TX_DROPPED",
  "SLASHED",
]);

/** Why a terminal job started over: RECONSIDER after a decline, REOPENED after a lost lock or a slash. */
export type ReopenReason = "RECONSIDER" | "REOPENED";

export interface JobHistoryEntry {
  readonly state: JobState;
  /** unix milliseconds */
  readonly at: number;
  /** The failure reason, or why the job was reopened ("RECONSIDER", "REOPENED"). */
  readonly reason?: FailureReason | ReopenReason;
}

export interface JobRecord {
  readonly segmentId: bigint;
  readonly state: JobState;
  /** Set when state is "failed" or "slashed": why (e.g. "LOCK_LOST", "DECLINED_PRICE_TOO_LOW"). */
  readonly failureReason?: FailureReason;
  /** Price we decided to lock at (payment token base units). */
  readonly price?: bigint;
  /** Lock deadline (unix seconds) once known. */
  readonly lockDeadline?: number;
  /** Transaction hashes by purpose, written as soon as a transaction is broadcast. */
  readonly txs: { readonly lock?: string; readonly commit?: string };
  /** keccak256 of the witness bytes, once fetched and checked against the on-chain hash. */
  readonly witnessHash?: string;
  /** keccak256 of the proof bytes, once proven. */
  readonly proofHash?: string;
  /** Number of times proving was started (resume after a crash starts it again). */
  readonly provingAttempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly history: readonly JobHistoryEntry[];
}

export interface SegmentRecord {
  readonly segmentId: bigint;
  readonly batchId: bigint;
  readonly index: number;
  /** AIR name the segment is proven with (e.g. "transfer-v1"). */
  readonly air: string;
  /** keccak256 of the witness as posted on L1 (0x-hex). */
  readonly witnessHash: string;
  readonly minPrice: bigint;
  readonly maxPrice: bigint;
  /** Auction start and ramp (unix seconds). */
  readonly auctionStart: number;
  readonly rampSeconds: number;
  /** Seconds a locker has to commit, from the lock. */
  readonly lockDuration: number;
  /** Collateral a lock reserves from free stake. */
  readonly collateral: bigint;
  /** L1 block the auction was observed in. */
  readonly observedBlock: bigint;
  /** log2 of the segment's trace height, when the auction announces it. */
  readonly logRows?: number;
}

export interface ProofRecord {
  readonly segmentId: bigint;
  readonly air: string;
  /** keccak256 of `bytes` (0x-hex). */
  readonly proofHash: string;
  readonly bytes: Uint8Array;
  readonly publicInputs: Uint32Array | readonly number[];
  readonly provedAt: number;
  readonly backend: string;
  readonly provingSeconds: number;
}

/** Where event ingestion stands: the last fully processed block, with its hash for reorg detection. */
export interface ChainCursor {
  readonly blockNumber: bigint;
  readonly blockHash: string;
}
