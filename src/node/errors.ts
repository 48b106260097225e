import { ProverNodeError } from "../util/errors.js";

/**
 * Refusals of the composition root: a missing or invalid proving profile; an `aggregate` configuration
 * whose plan is not the one the Rollup was deployed with (its proofs would never be accepted).
 */
export class NodeError extends ProverNodeError<
  | { code: "NODE_PROFILE"; detail: string }
  | { code: "NODE_AGGREGATE_MISMATCH"; field: "keySetRoot" | "airId"; configured: string; deployed: string }
> {}
