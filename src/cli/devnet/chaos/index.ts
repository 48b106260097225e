/** The chaos devnet (docs/reliability.md): seeded overlapping faults, invariants, the report. */
export { runChaos, defaultChaosOpts, BASELINE_RPC_FAULTS, STORM_RPC_FAULTS, type ChaosOpts } from "./controller.js";
export { chaosSchedule, formatSchedule, maxOverlap, CI_PROFILE, SOAK_PROFILE, FAULT_KINDS, type FaultKind, type ScheduledFault, type ChaosProfile } from "./schedule.js";
export { formatReport, writeReport, type ChaosReport, type ViolationRecord } from "./report.js";
export { ChaosViolation, type InvariantName } from "./invariants.js";
export { FlakyRpcProxy, NO_RPC_FAULTS, type RpcFaultRates } from "./rpc-proxy.js";
export { explainSlash, FaultLog, type SlashContext } from "./fault-log.js";
export { chaosDevnetOpts } from "./profiles.js";
