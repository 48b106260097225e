export { JobStateMachine, type PersistedJob, type JobPatch, type TransitionEvent, type JobStateMachineModules } from "./machine.js";
export { TRANSITIONS, TERMINAL_STATES, LOCK_HELD_STATES, isTerminal, canTransition } from "./transitions.js";
export { JobError, type JobErrorType } from "./errors.js";
export { ProverPool, type Prover, type ProveRequest, type ProveOutcome, type ProveProgress, type ProverPoolModules } from "./pool.js";
export { registerTraceBuilder, encodeSampleWitness, buildInstance, type TraceBuilder } from "./trace-builders.js";
export { createJobsMetrics, type JobsMetrics } from "./metrics.js";
export { defaultProverPoolOpts, defaultJobRunnerOpts, type ProverPoolOpts, type JobRunnerOpts } from "./options.js";
export { JobRunner, type JobRunnerModules, type StepResult } from "./runner.js";
export type { JobChain, JobNetwork, JobMarket, LockDecision, SegmentChainState, TxOutcome, Address } from "./interface.js";
