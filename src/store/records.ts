/**
 * The persisted record shapes. They are the on-disk format: add optional fields freely, but a change
 * that old code cannot read needs a SCHEMA_VERSION bump and a migration.
 */

/** Every state of a segment job (DESIGN §7). Terminal: finalized, failed, slashed. */
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

export interface JobHistoryEntry {
  readonly state: JobState;
  /** unix milliseconds */
  readonly at: number;
  readonly reason?: string;
}

export interface JobRecord {
  readonly segmentId: bigint;
  readonly state: JobState;
  /** Set when state is "failed": a short machine-readable reason (e.g. "LOCK_LOST", "DECLINED"). */
  readonly failureReason?: string;
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
