/**
 * FRI (docs/proof-system.md §8): the folding schedule and the fold of one coset, shared by prover and
 * verifier. Layer r lives on the coset s_r·<w_{M_r}> in natural order; its Merkle leaves group the
 * k = 2^step points i, i + M/k, … (a coset y·<w_k>, y = s_r·w_M^i), and folding by beta gives the
 * value at y^k (index i) of the next layer, on s_r^k·<w_{M/k}>.
 */
import { inv, mul, pow, twoAdicGenerator } from "./field/babybear.js";
import { type Ext, addE, mulE, scaleE, ZERO, readExt } from "./field/extension.js";
import type { ExtColumns } from "./backend.js";
import type { ProofOptions } from "./options.js";
import { friLayout } from "./layout.js";

export interface FriSchedule {
  /** log2 arity of each folding round. */
  readonly steps: readonly number[];
  /** log2 of the number of final-polynomial coefficients (its degree bound). */
  readonly logFinalLen: number;
}

/**
 * The schedule of a single-height proof: fold by 2^friLogArity while the degree bound stays above
 * 2^logFinalPolyLen; the last round folds by what is left (layout.ts `friLayout` for mixed heights).
 */
export function friSchedule(logTraceHeight: number, options: ProofOptions): FriSchedule {
  return friLayout([logTraceHeight], options);
}

/**
 * The interpolant through (y·zeta^m, v_m), m = 0..k−1 (zeta = w_k), evaluated at beta:
 * u_t = (1/k)·Σ_m v_m·zeta^(−m·t), result = Σ_t u_t·(beta/y)^t.
 */
export function foldCoset(values: readonly Ext[], y: number, beta: Ext, logArity: number): Ext {
  const k = 1 << logArity;
  const zetaInv = inv(twoAdicGenerator(logArity));
  const kInv = inv(k);
  const r = scaleE(beta, inv(y));
  let result: Ext = ZERO;
  let rPow: Ext = [1, 0, 0, 0];
  for (let t = 0; t < k; t++) {
    let u: Ext = ZERO;
    const step = pow(zetaInv, t);
    let z = 1;
    for (let m = 0; m < k; m++) {
      u = addE(u, scaleE(values[m]!, z));
      z = mul(z, step);
    }
    result = addE(result, mulE(scaleE(u, kInv), rPow));
    rPow = mulE(rPow, r);
  }
  return result;
}

/** Reference fold of a whole layer (js backend). */
export function friFoldReference(values: ExtColumns, logArity: number, beta: Uint32Array, shift: number): ExtColumns {
  const M = values[0].length;
  const k = 1 << logArity;
  const L = M / k;
  const b = readExt(beta, 0);
  const w = twoAdicGenerator(31 - Math.clz32(M));
  const out: ExtColumns = [new Uint32Array(L), new Uint32Array(L), new Uint32Array(L), new Uint32Array(L)];
  let y = shift;
  const vals: Ext[] = new Array(k);
  for (let i = 0; i < L; i++) {
    for (let m = 0; m < k; m++) {
      const j = i + m * L;
      vals[m] = [values[0][j]!, values[1][j]!, values[2][j]!, values[3][j]!];
    }
    const f = foldCoset(vals, y, b, logArity);
    out[0][i] = f[0];
    out[1][i] = f[1];
    out[2][i] = f[2];
    out[3][i] = f[3];
    y = mul(y, w);
  }
  return out;
}

/** Horner evaluation of the final polynomial (K coefficients) at a base point. */
export function evalFinalPoly(coefficients: readonly Ext[], x: number): Ext {
  let acc: Ext = ZERO;
  for (let i = coefficients.length - 1; i >= 0; i--) acc = addE(scaleE(acc, x), coefficients[i]!);
  return acc;
}

