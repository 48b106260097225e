import type { Ext } from "../stark/field/extension.js";
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

/**
 * The batch randomness r of a transfer-v2 statement or witness. Never defaulted: a segment proven at
 * r = 0 binds nothing of its transactions' order (E = Horner at 0 is its last element alone),
 * so a v2 statement without r is refused with a RollupError naming `what`.
 */
export function requireRandomness(r: Ext | undefined, what: string): Ext {
  if (r === undefined) throw new RollupError(`${what}: no batch randomness r (a transfer-v2 segment is proven at its batch's r; build the batch with geometry "v2" or take r from L1's binding)`);
  if (r.length !== 4) throw new RollupError(`${what}: batch randomness r has ${r.length} words, not 4`);
  return r;
}
