/** prover-node public API. */
export { ProverNodeError, UsageError, AbortError } from "./util/errors.js";
