export { Aggregator, type AggregatorModules } from "./aggregator.js";
export { ProofCollector, type AggregatorNetwork, type SegmentToVerify, type Collected, type FollowedBatch } from "./collector.js";
export { Duties } from "./duties.js";
export { MarketActions, challengeGasFor, type AggregatorActions, type SegmentRef, type SubmitRequest, type MarketActionsOpts } from "./actions.js";
export { SegmentVerifier, defaultSegmentVerifierOpts, type SegmentVerifierOpts } from "./verify.js";
export { defaultAggregatorOpts, type AggregatorOpts } from "./options.js";
export { AggregatorError, type AggregatorErrorType } from "./errors.js";
export { createAggregatorMetrics, type AggregatorMetrics, type AggregatorAction } from "./metrics.js";
