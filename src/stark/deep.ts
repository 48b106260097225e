/**
 * DEEP composition (docs/proof-system.md §7.5). Claims k = 0..m−1 say column c_k equals v_k at point z_k;
 *   f(x) = Σ_k gamma^k · (P_{c_k}(x) − v_k) / (x − z_k).
 * Claims that share a point share one division: f(x) = Σ_p (Σ_{k∈p} gamma^k·P_{c_k}(x) − V_p)/(x − z_p).
 */
import { add, mul } from "./field/babybear.js";
import { type Ext, ONE, addE, batchInverseE, mulE, readExt, scaleE, subE, fromBase, ZERO, flattenExt } from "./field/extension.js";
import type { ProofLayout } from "./layout.js";
import type { DeepInputs, ExtColumns } from "./backend.js";
import { cosetPoints } from "./poly/ntt.js";

export interface DeepClaims {
  readonly claimColumn: Uint32Array;
  readonly claimPoint: Uint32Array;
  readonly values: Uint32Array;
  readonly points: Uint32Array;
}

/** Powers gamma^0 … gamma^(m−1). */
export function extPowers(g: Ext, m: number): Ext[] {
  const out: Ext[] = new Array(m);
  let x: Ext = ONE;
  for (let i = 0; i < m; i++) {
    out[i] = x;
    x = mulE(x, g);
  }
  return out;
}

/**
 * The DEEP claims of one height group (docs/proof-system.md §7.5). Columns are indexed in the group's
 * concatenated order [preprocessed | main | auxiliary coordinates | quotient]; per table (index
 * order) the claims follow its OOD block: main at z, main at z·ω, preprocessed at z and z·ω,
 * auxiliary coordinates at z and z·ω, quotient columns at z. Point 0 is z, point 1 is z·ω_g.
 */
export function deepClaimsOfGroup(layout: ProofLayout, g: number, z: Ext, zNext: Ext, ood: readonly Ext[]): DeepClaims {
  const grp = layout.groups[g]!;
  const mainBase = grp.preWidth, auxBase = mainBase + grp.mainWidth, quotBase = auxBase + grp.auxWidth;
  const cols: number[] = [], pts: number[] = [], vals: Ext[] = [];
  for (const ti of grp.tables) {
    const tl = layout.tables[ti]!;
    const t = tl.table;
    let o = tl.oodOffset;
    const put = (count: number, firstCol: number, point: number) => {
      for (let c = 0; c < count; c++) {
        cols.push(firstCol + c);
        pts.push(point);
        vals.push(ood[o++]!);
      }
    };
    put(t.width, mainBase + tl.mainOffset, 0);
    put(t.width, mainBase + tl.mainOffset, 1);
    put(t.numPreprocessed, tl.preOffset, 0);
    put(t.numPreprocessed, tl.preOffset, 1);
    put(4 * t.numAux, auxBase + tl.auxOffset, 0);
    put(4 * t.numAux, auxBase + tl.auxOffset, 1);
    put(4 * t.numQuotientChunks, quotBase + tl.quotientOffset, 0);
  }
  const points = new Uint32Array(8);
  points.set(z, 0);
  points.set(zNext, 4);
  return { claimColumn: Uint32Array.from(cols), claimPoint: Uint32Array.from(pts), values: flattenExt(vals), points };
}

interface PointGroup {
  readonly point: Ext;
  /** Claim indices at this point. */
  readonly claims: number[];
  /** Σ gamma^k·v_k over the group. */
  readonly vSum: Ext;
}

function groupClaims(claims: DeepClaims, gammaPowers: readonly Ext[]): PointGroup[] {
  const numPoints = claims.points.length / 4;
  const groups: PointGroup[] = [];
  for (let p = 0; p < numPoints; p++) {
    const ks: number[] = [];
    let vSum: Ext = ZERO;
    for (let k = 0; k < claims.claimColumn.length; k++) {
      if (claims.claimPoint[k] !== p) continue;
      ks.push(k);
      vSum = addE(vSum, mulE(gammaPowers[k]!, readExt(claims.values, k)));
    }
    groups.push({ point: readExt(claims.points, p), claims: ks, vSum });
  }
  return groups;
}

/** f(x) at one base-field point x, from the opened row values of every column (verifier side). */
export function deepAtPoint(claims: DeepClaims, gammaPowers: readonly Ext[], rowValue: (col: number) => number, x: number): Ext {
  const groups = groupClaims(claims, gammaPowers);
  const dens = batchInverseE(groups.map((g) => subE(fromBase(x), g.point)));
  let f: Ext = ZERO;
  groups.forEach((g, gi) => {
    let s: Ext = ZERO;
    for (const k of g.claims) s = addE(s, scaleE(gammaPowers[k]!, rowValue(claims.claimColumn[k]!)));
    f = addE(f, mulE(subE(s, g.vSum), dens[gi]!));
  });
  return f;
}

/** Reference DEEP composition over the whole LDE domain (js backend). */
export function deepComposeReference(inp: DeepInputs): ExtColumns {
  const N = 1 << inp.logHeight;
  const gamma = readExt(inp.gamma, 0);
  const m = inp.claimColumn.length;
  const gp = extPowers(gamma, m);
  const groups = groupClaims(inp, gp);
  const xs = cosetPoints(inp.logHeight, inp.shift);
  const out: ExtColumns = [new Uint32Array(N), new Uint32Array(N), new Uint32Array(N), new Uint32Array(N)];
  for (const g of groups) {
    if (g.claims.length === 0) continue;
    const inverses = batchInverseE(Array.from(xs, (x) => subE(fromBase(x), g.point)));
    for (let i = 0; i < N; i++) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (const k of g.claims) {
        const v = inp.columns[inp.claimColumn[k]!]![i]!;
        const w = gp[k]!;
        s0 = add(s0, mul(w[0], v));
        s1 = add(s1, mul(w[1], v));
        s2 = add(s2, mul(w[2], v));
        s3 = add(s3, mul(w[3], v));
      }
      const term = mulE(subE([s0, s1, s2, s3], g.vSum), inverses[i]!);
      out[0][i] = add(out[0][i]!, term[0]);
      out[1][i] = add(out[1][i]!, term[1]);
      out[2][i] = add(out[2][i]!, term[2]);
      out[3][i] = add(out[3][i]!, term[3]);
    }
  }
  return out;
}
