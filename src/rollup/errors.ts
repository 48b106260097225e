import { ProverNodeError } from "../util/errors.js";

/** A segment witness (or genesis / batch file) that cannot be decoded; `field` names what is wrong. */
export class WitnessDecodeError extends ProverNodeError<{ code: "WITNESS_DECODE"; field: string; offset: number; detail: string }> {
  constructor(field: string, offset: number, detail: string) {
    super({ code: "WITNESS_DECODE", field, offset, detail }, `witness: ${field} at byte ${offset}: ${detail}`);
  }
}

/** A witness that decodes but is inconsistent (paths do not reach the roots it claims, …). */
export class WitnessInvalidError extends ProverNodeError<{ code: "WITNESS_INVALID"; txIndex: number; detail: string }> {
  constructor(txIndex: number, detail: string) {
    super({ code: "WITNESS_INVALID", txIndex, detail }, `witness: transaction ${txIndex}: ${detail}`);
  }
}

/** A genesis, batch or segmenting request that breaks a rollup rule. */
export class RollupError extends ProverNodeError<{ code: "ROLLUP_INVALID"; detail: string }> {
  constructor(detail: string) {
    super({ code: "ROLLUP_INVALID", detail }, detail);
  }
}
