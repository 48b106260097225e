/** Challenge derivations shared by prover and verifier, so both draw them identically. */
import { mul, pow, twoAdicGenerator, inv } from "./field/babybear.js";
import { type Ext, ONE, equals, powE, scaleE } from "./field/extension.js";
import type { Challenger } from "./transcript.js";
import type { GroupLayout } from "./layout.js";

/** Draw z ∈ K until it lies outside every group's trace domain <w_n> and LDE domain s·<w_N>. */
export function drawOodPoint(t: Challenger, groups: readonly GroupLayout[]): Ext {
  for (;;) {
    const z = t.sampleExt();
    const bad = groups.some(
      (g) => equals(powE(z, 2 ** g.logRows), ONE) || equals(powE(scaleE(z, inv(g.shift)), 2 ** g.logLde), ONE),
    );
    if (!bad) return z;
  }
}

/** shift·w_N^i. */
export function domainPoint(logN: number, shift: number, i: number): number {
  return mul(shift, pow(twoAdicGenerator(logN), i));
}
