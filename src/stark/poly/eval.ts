/** Evaluating polynomials at points of K (out-of-domain openings) and Lagrange interpolation at a point. */
import { mul, add, P } from "../field/babybear.js";
import { type Ext, ONE, ZERO, addE, mulE, subE, scaleE, invE, batchInverseE, powE } from "../field/extension.js";

/** Horner evaluation at z ∈ K of a base-field polynomial given by its coefficients. */
export function evalBaseAtExt(coefficients: ArrayLike<number>, z: Ext): Ext {
  let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  const [z0, z1, z2, z3] = z;
  for (let i = coefficients.length - 1; i >= 0; i--) {
    // acc = acc·z + coef
    const d0 = add(mul(c0, z0), mul(11, add(add(mul(c1, z3), mul(c2, z2)), mul(c3, z1))));
    const d1 = add(add(mul(c0, z1), mul(c1, z0)), mul(11, add(mul(c2, z3), mul(c3, z2))));
    const d2 = add(add(add(mul(c0, z2), mul(c1, z1)), mul(c2, z0)), mul(11, mul(c3, z3)));
    const d3 = add(add(add(mul(c0, z3), mul(c1, z2)), mul(c2, z1)), mul(c3, z0));
    c0 = add(d0, coefficients[i]!);
    c1 = d1;
    c2 = d2;
    c3 = d3;
  }
  return [c0, c1, c2, c3];
}

/** Reference for ProverBackend.evaluateAtPoints: every column at every point, point-major. */
export function evaluateAtPointsReference(coefficients: readonly Uint32Array[], points: Uint32Array): Uint32Array {
  const m = coefficients.length;
  const np = points.length / 4;
  const out = new Uint32Array(4 * m * np);
  for (let j = 0; j < np; j++) {
    const z: Ext = [points[4 * j]!, points[4 * j + 1]!, points[4 * j + 2]!, points[4 * j + 3]!];
    for (let c = 0; c < m; c++) out.set(evalBaseAtExt(coefficients[c]!, z), 4 * (j * m + c));
  }
  return out;
}

/** Horner evaluation at z of a K-valued polynomial given by K coefficients. */
export function evalExtAtExt(coefficients: readonly Ext[], z: Ext): Ext {
  let acc: Ext = ZERO;
  for (let i = coefficients.length - 1; i >= 0; i--) acc = addE(mulE(acc, z), coefficients[i]!);
  return acc;
}

/**
 * Values at z ∈ K (z outside <w_n>) of polynomials of degree < n given by their evaluations over
 * <w_n> (natural order): P(z) = Σ_r v_r·L_r(z), L_r(z) = w^r·(z^n − 1) / (n·(z − w^r)).
 * This is how the verifier evaluates public columns itself (docs/proof-system.md §7.2).
 */
export function evalColumnsAtExt(columns: readonly ArrayLike<number>[], omega: number, z: Ext): Ext[] {
  const n = columns[0]?.length ?? 0;
  if (n === 0) return columns.map(() => ZERO);
  const points: number[] = new Array(n);
  let w = 1;
  for (let r = 0; r < n; r++) {
    points[r] = w;
    w = mul(w, omega);
  }
  const denoms = batchInverseE(points.map((x) => subE(z, [x, 0, 0, 0])));
  // factor = (z^n − 1)/n
  const zn = powE(z, n);
  const factor = scaleE(subE(zn, ONE), modInv(n));
  const weights = denoms.map((d, r) => mulE(scaleE(d, points[r]!), factor));
  return columns.map((col) => {
    let acc: Ext = ZERO;
    for (let r = 0; r < n; r++) {
      const v = col[r]!;
      if (v !== 0) acc = addE(acc, scaleE(weights[r]!, v));
    }
    return acc;
  });
}

function modInv(n: number): number {
  return invE([n % P, 0, 0, 0])[0];
}
