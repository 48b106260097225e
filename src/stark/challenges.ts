/** Challenge derivations shared by prover and verifier, so both draw them identically. */
import { mul, pow, twoAdicGenerator, inv } from "./field/babybear.js";
import { type Ext, ONE, equals, powE, scaleE } from "./field/extension.js";
import type { Transcript } from "./transcript.js";

/** Draw z ∈ K until it lies outside the trace domain <w_n> and the LDE domain shift·<w_N>. */
export function drawOodPoint(t: Transcript, logTraceHeight: number, logLdeSize: number, shift: number): Ext {
  const shiftInv = inv(shift);
  for (;;) {
    const z = t.sampleExt();
    if (equals(powE(z, 2 ** logTraceHeight), ONE)) continue;
    if (equals(powE(scaleE(z, shiftInv), 2 ** logLdeSize), ONE)) continue;
    return z;
  }
}

/**
 * Exactly `numQueries` distinct query positions in [0, 2^logN), sorted. Indices are drawn one squeeze
 * (8 indices) at a time and repeats skipped until enough distinct ones are found, so the security
 * estimate's numQueries·logBlowup bits are never credited for fewer positions. Requires
 * 2^logN ≥ numQueries (checked by the prover and the decoder).
 */
export function drawQueries(t: Transcript, numQueries: number, logN: number): number[] {
  if (2 ** logN < numQueries) throw new RangeError(`cannot draw ${numQueries} distinct queries from 2^${logN} points`);
  const seen = new Set<number>();
  while (seen.size < numQueries) {
    for (const q of t.sampleIndices(8, logN)) {
      if (seen.size < numQueries) seen.add(q);
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/** shift·w_N^i. */
export function domainPoint(logN: number, shift: number, i: number): number {
  return mul(shift, pow(twoAdicGenerator(logN), i));
}
