/**
 * `mix-v1`: a wide, degree-3 AIR that exercises quotient chunking, many columns, public columns and
 * every selector. Columns x_0..x_31 evolve as x_i' = x_i·x_{i+1}·x_{i+2} + t + i (indices mod 32;
 * column 0 takes the NEXT row's public value t'), and x_32 = x_0·x_1 on every row.
 * Public inputs: [seed, x_0 at the last row, x_1·x_2 at the last row]. Public column: t.
 */
import { add, fromInt, mul } from "../field/babybear.js";
import { defineAir, type AirInstance } from "../air/air.js";

const LANES = 32;
export const MIX_WIDTH = LANES + 1;

/** The public column: a fixed pseudo-random sequence derived from the seed. */
export function mixPublicColumn(n: number, seed: number): Uint32Array {
  const t = new Uint32Array(n);
  const s = fromInt(seed);
  for (let r = 0; r < n; r++) t[r] = add(mul(s, fromInt(r * r)), fromInt(3 * r + 7));
  return t;
}

export const mixAir = defineAir({
  name: "mix-v1",
  version: 1,
  width: MIX_WIDTH,
  numPublicInputs: 3,
  numPublicColumns: 1,
  constraints(g) {
    const x = (i: number) => g.cur(i % LANES);
    for (let i = 0; i < LANES; i++) g.assert(x(i).sub(g.publicInput(0).add(i)), "firstRow");
    for (let i = 0; i < LANES; i++) {
      const t = i === 0 ? g.publicColumnNext(0) : g.publicColumn(0);
      g.assert(g.next(i).sub(x(i).mul(x(i + 1)).mul(x(i + 2)).add(t).add(i)), "transition");
    }
    g.assert(g.cur(LANES).sub(x(0).mul(x(1))), "everyRow");
    g.assert(x(0).sub(g.publicInput(1)), "lastRow");
    g.assert(x(1).mul(x(2)).sub(g.publicInput(2)), "lastRow");
  },
  sample(logRows: number, seed: number): AirInstance {
    const n = 1 << logRows;
    const t = mixPublicColumn(n, seed);
    const cols = Array.from({ length: MIX_WIDTH }, () => new Uint32Array(n));
    const s = fromInt(seed);
    for (let i = 0; i < LANES; i++) cols[i]![0] = add(s, i);
    for (let r = 0; r < n; r++) {
      cols[LANES]![r] = mul(cols[0]![r]!, cols[1]![r]!);
      if (r + 1 === n) break;
      for (let i = 0; i < LANES; i++) {
        const prod = mul(mul(cols[i]![r]!, cols[(i + 1) % LANES]![r]!), cols[(i + 2) % LANES]![r]!);
        cols[i]![r + 1] = add(add(prod, i === 0 ? t[r + 1]! : t[r]!), i);
      }
    }
    const last = n - 1;
    return {
      trace: cols,
      publicInputs: Uint32Array.of(s, cols[0]![last]!, mul(cols[1]![last]!, cols[2]![last]!)),
      publicColumns: [t],
    };
  },
});
