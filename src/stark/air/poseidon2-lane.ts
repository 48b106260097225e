/**
 * One Poseidon2-BabyBear width-16 permutation per row, as AIR columns ("a lane"). Every round's S-box
 * x^7 is split into two committed columns, cube = x^3 and sbox = cube^2 · x, so each constraint has
 * degree 3 (x is linear in earlier columns). Linear layers are not committed: they are linear
 * expressions over the previous round's S-box columns.
 *
 * Lane layout (298 columns): input[16], then per initial full round cube[16], sbox[16], then per
 * partial round cube, sbox (state[0] only), then per final full round cube[16], sbox[16].
 */
import { mul, P } from "../field/babybear.js";
import type { ConstraintGraph, Expr } from "./ir.js";
import { externalLinearLayer, internalLinearLayer, POSEIDON2_16 } from "../hash/poseidon2.js";

const W = 16;
const HALF_FULL = POSEIDON2_16.externalInitial.length; // 4
const PARTIAL = POSEIDON2_16.internal.length; // 13

/** Columns of one lane. */
export const LANE_WIDTH = W + 2 * W * HALF_FULL * 2 + 2 * PARTIAL; // 298

function fullRoundBase(r: number): number {
  return r < HALF_FULL ? W + 2 * W * r : W + 2 * W * HALF_FULL + 2 * PARTIAL + 2 * W * (r - HALF_FULL);
}
function partialRoundBase(r: number): number {
  return W + 2 * W * HALF_FULL + 2 * r;
}

/** M_E over expressions (same arithmetic as the numeric layer). */
export function externalLayerExpr(s: Expr[]): Expr[] {
  const out: Expr[] = new Array(W);
  for (let c = 0; c < W; c += 4) {
    const [a, b, d, e] = [s[c]!, s[c + 1]!, s[c + 2]!, s[c + 3]!];
    const t01 = a.add(b), t23 = d.add(e), t0123 = t01.add(t23);
    const t01123 = t0123.add(b), t01233 = t0123.add(e);
    out[c] = t01123.add(t01);
    out[c + 1] = t01123.add(d.mul(2));
    out[c + 2] = t01233.add(t23);
    out[c + 3] = t01233.add(a.mul(2));
  }
  const sums = [0, 1, 2, 3].map((k) => {
    let acc = out[k]!;
    for (let c = 4 + k; c < W; c += 4) acc = acc.add(out[c]!);
    return acc;
  });
  return out.map((x, i) => x.add(sums[i % 4]!));
}

/** M_I = J + diag(V) over expressions. */
export function internalLayerExpr(s: Expr[]): Expr[] {
  let sum = s[0]!;
  for (let i = 1; i < W; i++) sum = sum.add(s[i]!);
  return s.map((x, i) => x.mul(POSEIDON2_16.internalDiagonal[i]!).add(sum));
}

/**
 * Assert (on every row) that the lane at column offset `off` is a correct permutation trace and
 * return the 16 output expressions (linear in the lane's last S-box columns).
 */
export function poseidon2LaneConstraints(g: ConstraintGraph, off: number): Expr[] {
  const sboxStep = (x: Expr, cubeCol: number, sboxCol: number): Expr => {
    const cube = g.cur(off + cubeCol);
    const sb = g.cur(off + sboxCol);
    g.assert(cube.sub(x.mul(x).mul(x)), "everyRow");
    g.assert(sb.sub(cube.mul(cube).mul(x)), "everyRow");
    return sb;
  };
  let state = externalLayerExpr(Array.from({ length: W }, (_, i) => g.cur(off + i)));
  const full = (r: number, rc: readonly number[]): void => {
    const base = fullRoundBase(r);
    state = externalLayerExpr(state.map((s, i) => sboxStep(s.add(rc[i]!), base + i, base + W + i)));
  };
  POSEIDON2_16.externalInitial.forEach((rc, r) => full(r, rc));
  POSEIDON2_16.internal.forEach((c, r) => {
    const base = partialRoundBase(r);
    const s0 = sboxStep(state[0]!.add(c), base, base + 1);
    state = internalLayerExpr([s0, ...state.slice(1)]);
  });
  POSEIDON2_16.externalFinal.forEach((rc, r) => full(HALF_FULL + r, rc));
  return state;
}

function cube(x: number): number {
  return mul(mul(x, x), x);
}
function sboxFromCube(c: number, x: number): number {
  return mul(mul(c, c), x);
}

/**
 * Write the lane at column offset `off`, row `row`, for the given 16-element input; returns the
 * permutation's output (equal to poseidon2Permute16(input)).
 */
export function fillPoseidon2Lane(trace: Uint32Array[], off: number, row: number, input: ArrayLike<number>): Uint32Array {
  const s = new Uint32Array(W);
  for (let i = 0; i < W; i++) {
    s[i] = input[i]!;
    trace[off + i]![row] = input[i]!;
  }
  externalLinearLayer(s, W);
  const step = (x: number, cubeCol: number, sboxCol: number): number => {
    const c = cube(x);
    const sb = sboxFromCube(c, x);
    trace[off + cubeCol]![row] = c;
    trace[off + sboxCol]![row] = sb;
    return sb;
  };
  const full = (r: number, rc: readonly number[]): void => {
    const base = fullRoundBase(r);
    for (let i = 0; i < W; i++) s[i] = step((s[i]! + rc[i]!) % P, base + i, base + W + i);
    externalLinearLayer(s, W);
  };
  POSEIDON2_16.externalInitial.forEach((rc, r) => full(r, rc));
  POSEIDON2_16.internal.forEach((c, r) => {
    const base = partialRoundBase(r);
    s[0] = step((s[0]! + c) % P, base, base + 1);
    internalLinearLayer(s, POSEIDON2_16);
  });
  POSEIDON2_16.externalFinal.forEach((rc, r) => full(HALF_FULL + r, rc));
  return s;
}
