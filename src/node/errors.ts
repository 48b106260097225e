import { ProverNodeError } from "../util/errors.js";

/** Refusals of the composition root (a missing or invalid proving profile). */
export class NodeError extends ProverNodeError<{ code: "NODE_PROFILE"; detail: string }> {}
