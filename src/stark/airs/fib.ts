/**
 * `fib-v1`: two columns (a, b) with a' = b, b' = a + b. Public inputs: [a0, b0, b at the last row].
 * The smallest useful AIR: degree 1, boundary constraints from public inputs.
 */
import { add, fromInt } from "../field/babybear.js";
import { defineAir, type AirInstance } from "../air/air.js";

export const fibAir = defineAir({
  name: "fib-v1",
  version: 1,
  width: 2,
  numPublicInputs: 3,
  numPublicColumns: 0,
  constraints(g) {
    const a = g.cur(0), b = g.cur(1);
    g.assert(a.sub(g.publicInput(0)), "firstRow");
    g.assert(b.sub(g.publicInput(1)), "firstRow");
    g.assert(g.next(0).sub(b), "transition");
    g.assert(g.next(1).sub(a.add(b)), "transition");
    g.assert(b.sub(g.publicInput(2)), "lastRow");
  },
  sample(logRows: number, seed: number): AirInstance {
    const n = 1 << logRows;
    const a = new Uint32Array(n), b = new Uint32Array(n);
    a[0] = 1;
    b[0] = fromInt(seed);
    for (let i = 1; i < n; i++) {
      a[i] = b[i - 1]!;
      b[i] = add(a[i - 1]!, b[i - 1]!);
    }
    return { trace: [a, b], publicInputs: Uint32Array.of(a[0]!, b[0]!, b[n - 1]!), publicColumns: [] };
  },
});
