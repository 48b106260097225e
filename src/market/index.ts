export { MarketAgent, capacityFromJobs, type MarketDecision, type DeclineReason, type MarketModules } from "./agent.js";
export { CircuitBreaker, type BreakerState } from "./breaker.js";
export { checkCapacity, type CapacityJob, type CapacityCheck } from "./capacity.js";
export { minimumPrice, auctionPrice, timeWhenPriceReaches, secondsPerSegment, parseProfile, type ProvingProfile, type ProfileEntry } from "./pricing.js";
export { checkStake, type StakeView, type StakeCheck, type StakeRefusal, type StakeWarning } from "./stake.js";
export { createMarketMetrics, type MarketMetrics } from "./metrics.js";
export { defaultMarketOpts, type MarketOpts } from "./options.js";
export { MarketError, type MarketErrorType } from "./errors.js";
export { lockOutcome } from "./outcome.js";
