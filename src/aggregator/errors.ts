import { ProverNodeError } from "../util/errors.js";

export type AggregatorErrorType =
  | { code: "AGGREGATOR_PROOF_MISMATCH"; batchId: bigint; index: number; expected: string; actual: string; source: string }
  | { code: "AGGREGATOR_TX_DATA_MISMATCH"; batchId: bigint; index: number; expected: string; actual: string }
  | { code: "AGGREGATOR_POLICY_UNAVAILABLE"; detail: string };

/** Refusals of the aggregator (logged with their context; never thrown out of onBlock/tick). */
export class AggregatorError extends ProverNodeError<AggregatorErrorType> {}
