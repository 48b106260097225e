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

/** The sorted, distinct query positions in [0, 2^logN). */
export function drawQueries(t: Transcript, numQueries: number, logN: number): number[] {
  return [...new Set(t.sampleIndices(numQueries, logN))].sort((a, b) => a - b);
}

/** shift·w_N^i. */
export function domainPoint(logN: number, shift: number, i: number): number {
  return mul(shift, pow(twoAdicGenerator(logN), i));
}
