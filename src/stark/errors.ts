import { ProverNodeError } from "../util/errors.js";

/** Errors of the proof system: proving refusals, decoding failures and verification failures. */
export type StarkErrorType =
  | { code: "INVALID_OPTIONS"; field: string; value: unknown }
  | { code: "INVALID_AIR"; detail: string }
  | { code: "UNKNOWN_AIR"; airId: string }
  | { code: "INVALID_INPUT"; detail: string }
  | { code: "CONSTRAINT_VIOLATED"; constraint: number; row: number; selector: string; table?: string }
  | { code: "BUS_IMBALANCE"; bus: number; tuple: number[]; net: number; detail: string }
  | { code: "PROOF_DECODE"; detail: string; offset: number }
  | { code: "VERIFY_FAILED"; check: string; detail: string }
  | { code: "INSUFFICIENT_SECURITY"; bits: number; required: number };

export class StarkError extends ProverNodeError<StarkErrorType> {
  constructor(type: StarkErrorType, message?: string) {
    super(type, message ?? ("detail" in type ? `${type.code}: ${type.detail}` : type.code));
  }
}

/** A proof was rejected; `check` names the failing step (e.g. "fri", "ood", "merkle:trace"). */
export function verifyFailed(check: string, detail: string): StarkError {
  return new StarkError({ code: "VERIFY_FAILED", check, detail }, `${check}: ${detail}`);
}
