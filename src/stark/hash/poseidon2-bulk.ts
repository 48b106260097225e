/**
 * Bulk Poseidon2 entry points for backends. The permutation itself (Plonky3's BabyBear instances)
 * lives in poseidon2.ts; until it lands these refuse with a typed error rather than return garbage.
 */
import { StarkError } from "../errors.js";

function unavailable(width: number): never {
  throw new StarkError({ code: "INVALID_INPUT", detail: `Poseidon2 width ${width} is not available in this build` });
}

export function poseidon2Permute16InPlace(states: Uint32Array): void {
  if (states.length % 16 !== 0) throw new RangeError("states length must be a multiple of 16");
  if (states.length) unavailable(16);
}

export function poseidon2Permute24InPlace(states: Uint32Array): void {
  if (states.length % 24 !== 0) throw new RangeError("states length must be a multiple of 24");
  if (states.length) unavailable(24);
}
