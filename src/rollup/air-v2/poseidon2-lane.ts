/**
 * Poseidon2-BabyBear width-16 permutations as AIR columns for `transfer-v2` (docs/rollup.md §5.4).
 *
 * Three gadgets share one interface (`LaneGadget`): a lane is 16 input columns followed by the round
 * columns, and its output is an expression over them.
 * - `x7f` (transfer-v2's choice): one committed column per S-box, holding x^7 — every S-box constraint
 *   `s − x^7` has degree 7, x being linear in the previous round's columns — except the last full
 *   round, folded into the outputs (degree 7). 16 + 7·16 + 13 = 141 columns.
 * - `x7`: the same with the last round committed too (outputs linear), 157 columns.
 * - `x3` (transfer-v1's lane): cube and sbox columns, degree 3, 298 columns.
 * docs/rollup.md §5.4 has the measurements that chose x7f.
 *
 * The round part of the x7 gadget is also usable on its own, with the 16 inputs given as expressions
 * (`poseidon2Rounds7`): the txs table feeds the sponge's rate straight from its byte columns.
 */
import { P } from "../../stark/field/babybear.js";
import type { ConstraintGraph, Expr } from "../../stark/air/ir.js";
import { externalLinearLayer, internalLinearLayer, POSEIDON2_16, sbox } from "../../stark/hash/poseidon2.js";
import { externalLayerExpr, fillPoseidon2Lane, internalLayerExpr, LANE_WIDTH as X3_LANE_WIDTH, poseidon2LaneConstraints } from "../../stark/air/poseidon2-lane.js";

const W = 16;
const HALF_FULL = POSEIDON2_16.externalInitial.length; // 4
const PARTIAL = POSEIDON2_16.internal.length; // 13

/** Committed columns of the x^7 rounds: 8 full rounds of 16 S-boxes, 13 partial rounds of one. */
export const ROUND_COLUMNS_X7 = 2 * HALF_FULL * W + PARTIAL; // 141
/** The same with the last full round folded into the outputs. */
export const ROUND_COLUMNS_X7F = ROUND_COLUMNS_X7 - W; // 125

/** A Poseidon2 lane: input[16] at `off`, then the round columns; `width` columns in all. */
export interface LaneGadget {
  readonly name: "x7f" | "x7" | "x3";
  readonly width: number;
  /** Highest constraint degree of the lane. */
  readonly degree: number;
  /** Assert the lane at column offset `off` on every row; returns the 16 output expressions. */
  constraints(g: ConstraintGraph, off: number): Expr[];
  /** Write the lane at (`off`, `row`) for `input`; returns the permutation's output. */
  fill(trace: Uint32Array[], off: number, row: number, input: ArrayLike<number>): Uint32Array;
}

function fullRoundBase(r: number): number {
  return r < HALF_FULL ? W * r : W * HALF_FULL + PARTIAL + W * (r - HALF_FULL);
}
function partialRoundBase(r: number): number {
  return W * HALF_FULL + r;
}

/**
 * Assert, on every row, that the columns from `off` (141, or 125 without the last round) are the x^7
 * S-box outputs of the permutation of `input` (16 expressions of degree ≤ 1); returns the 16 output
 * expressions (degree 1, or 7 when the last round is folded into them).
 */
export function poseidon2Rounds7(g: ConstraintGraph, input: readonly Expr[], off: number, commitLast = true): Expr[] {
  if (input.length !== W) throw new RangeError("poseidon2Rounds7 needs 16 inputs");
  const sboxStep = (x: Expr, col: number): Expr => {
    const s = g.cur(off + col);
    g.assert(s.sub(x.pow(7)), "everyRow");
    return s;
  };
  let state = externalLayerExpr([...input]);
  const full = (r: number, rc: readonly number[]): void => {
    const base = fullRoundBase(r);
    const folded = !commitLast && r === 2 * HALF_FULL - 1;
    state = externalLayerExpr(state.map((s, i) => (folded ? s.add(rc[i]!).pow(7) : sboxStep(s.add(rc[i]!), base + i))));
  };
  POSEIDON2_16.externalInitial.forEach((rc, r) => full(r, rc));
  POSEIDON2_16.internal.forEach((c, r) => {
    const s0 = sboxStep(state[0]!.add(c), partialRoundBase(r));
    state = internalLayerExpr([s0, ...state.slice(1)]);
  });
  POSEIDON2_16.externalFinal.forEach((rc, r) => full(HALF_FULL + r, rc));
  return state;
}

/** Write the round columns from `off` at `row` for `input`; returns the permutation's output. */
export function fillPoseidon2Rounds7(trace: Uint32Array[], off: number, row: number, input: ArrayLike<number>, commitLast = true): Uint32Array {
  const s = Uint32Array.from({ length: W }, (_, i) => input[i]!);
  externalLinearLayer(s, W);
  const lastBase = fullRoundBase(2 * HALF_FULL - 1);
  const step = (x: number, col: number): number => {
    const y = sbox(x);
    if (commitLast || col < lastBase) trace[off + col]![row] = y;
    return y;
  };
  const full = (r: number, rc: readonly number[]): void => {
    const base = fullRoundBase(r);
    for (let i = 0; i < W; i++) s[i] = step((s[i]! + rc[i]!) % P, base + i);
    externalLinearLayer(s, W);
  };
  POSEIDON2_16.externalInitial.forEach((rc, r) => full(r, rc));
  POSEIDON2_16.internal.forEach((c, r) => {
    s[0] = step((s[0]! + c) % P, partialRoundBase(r));
    internalLinearLayer(s, POSEIDON2_16);
  });
  POSEIDON2_16.externalFinal.forEach((rc, r) => full(HALF_FULL + r, rc));
  return s;
}

/**
 * transfer-v2's lane: 16 input columns and the x^7 columns of every round but the last full one, whose
 * S-boxes are folded into the output expressions (degree 7; a selector times an output has degree 8–9,
 * within the 8 quotient chunks of blowup 8). 16 + 125 = 141 columns.
 */
export const LANE_X7F: LaneGadget = {
  name: "x7f",
  width: W + ROUND_COLUMNS_X7F,
  degree: 7,
  constraints: (g, off) => poseidon2Rounds7(g, Array.from({ length: W }, (_, i) => g.cur(off + i)), off + W, false),
  fill(trace, off, row, input) {
    for (let i = 0; i < W; i++) trace[off + i]![row] = input[i]!;
    return fillPoseidon2Rounds7(trace, off + W, row, input, false);
  },
};

/** Every round committed: 16 input columns and 141 x^7 columns, outputs of degree 1 (layout alternative). */
export const LANE_X7: LaneGadget = {
  name: "x7",
  width: W + ROUND_COLUMNS_X7,
  degree: 7,
  constraints: (g, off) => poseidon2Rounds7(g, Array.from({ length: W }, (_, i) => g.cur(off + i)), off + W),
  fill(trace, off, row, input) {
    for (let i = 0; i < W; i++) trace[off + i]![row] = input[i]!;
    return fillPoseidon2Rounds7(trace, off + W, row, input);
  },
};

/** transfer-v1's lane (cube and sbox columns), degree 3: the layout alternative (a). */
export const LANE_X3: LaneGadget = {
  name: "x3",
  width: X3_LANE_WIDTH,
  degree: 3,
  constraints: poseidon2LaneConstraints,
  fill: fillPoseidon2Lane,
};
