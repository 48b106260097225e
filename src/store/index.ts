export { Bucket, SCHEMA_VERSION } from "./buckets.js";
export { Store, type StoreOpts } from "./store.js";
export { Repository, type BatchOp, type Db } from "./repository.js";
export { JobRepository, SegmentRepository, ProofRepository, ProofHashIndex, ChainCursorRepository, MetaRepository, WitnessRepository, SlashRepository } from "./repositories.js";
export {
  JOB_STATES,
  TERMINAL_STATES,
  ACTIVE_STATES,
  LOCK_HELD_STATES,
  WORK_STATES,
  AWAITING_PAYOUT_STATES,
  DECLINE_REASONS,
  isTerminal,
  isRetryable,
  isDecline,
  declined,
  type JobState,
  type JobRecord,
  type JobHistoryEntry,
  type SegmentRecord,
  type ProofRecord,
  type ChainCursor,
  type DeclineReason,
  type FailureReason,
  type ReopenReason,
} from "./records.js";
export { StoreError, type StoreErrorType } from "./errors.js";
export { encodeJson, decodeJson, uint256Key, stringKey, type KeyCodec } from "./codec.js";
