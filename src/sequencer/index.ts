/**
 * The devnet sequencer (docs/architecture.md, "Actors"; docs/sequencer.md): L2 state, random transfer batches, segmenting, posting to the
 * SegmentMarket and witness serving over p2p. docs/sequencer.md says what it trusts and its limits.
 */
export { Sequencer, postBatchCalldata, type BatchKind, type SequencerOpts, type SequencerModules, type SequencerNetwork, type PostedBatch, type PostedSegment, type ReconcileReport } from "./sequencer.js";
export { LevelSequencerStore, MemorySequencerStore, SequencerBucket, type SequencerStore, type BatchRecord, type BatchStatusName, type SequencerMeta } from "./store.js";
export { genesisFor, type GenesisParams } from "./genesis.js";
export { randomTransfers, type TxStreamOpts } from "./transactions.js";
export { ensureRegistered, startSequencerNetwork, type EnsureRegisteredModules, type SequencerNetworkOpts, type SequencerNetworkModules } from "./network.js";
export { SequencerError, type SequencerErrorType } from "./errors.js";
