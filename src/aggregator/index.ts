export { Aggregator, challengeGasFor, type AggregatorModules, type AggregatorNetwork, type AggregatorAddresses, type SegmentToVerify } from "./aggregator.js";
export { defaultAggregatorOpts, type AggregatorOpts } from "./options.js";
export { AggregatorError, type AggregatorErrorType } from "./errors.js";
export { createAggregatorMetrics, type AggregatorMetrics, type AggregatorAction } from "./metrics.js";
