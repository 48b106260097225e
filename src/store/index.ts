export { Bucket, SCHEMA_VERSION } from "./buckets.js";
export { Store, type StoreOpts } from "./store.js";
export { Repository, type BatchOp } from "./repository.js";
export { JobRepository, SegmentRepository, ProofRepository, ChainCursorRepository, MetaRepository, WitnessRepository } from "./repositories.js";
export { JOB_STATES, type JobState, type JobRecord, type JobHistoryEntry, type SegmentRecord, type ProofRecord, type ChainCursor } from "./records.js";
export { StoreError, type StoreErrorType } from "./errors.js";
export { encodeJson, decodeJson, uint256Key, stringKey, type KeyCodec } from "./codec.js";
