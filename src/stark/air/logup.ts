/**
 * LogUp (docs/proof-system.md §6.4): the auxiliary columns and constraints that prove every bus
 * balances across the tables of an AIR.
 *
 * Challenges (drawn after the main commitments): λ = challenge 0, μ = challenge 1.
 * Interaction i (bus b_i, tuple v_i, multiplicity m_i, sign s_i = +1 send / −1 receive):
 *   fingerprint φ_i = b_i + Σ_j μ^(j+1)·v_ij,  denominator d_i = λ − φ_i,  contribution s_i·m_i/d_i.
 * Interactions are cut, in declaration order, into batches of at most `batch`; batch k has a helper
 * column h_k = Σ_{i∈k} s_i·m_i/d_i, constrained on every row by
 *   h_k·Π_{i∈k} d_i − Σ_{i∈k} s_i·m_i·Π_{j∈k, j≠i} d_j = 0.
 * The running sum S (the last auxiliary column) adds the helpers row by row:
 *   first row  S − Σ_k h_k = 0,   transition  S' − S − Σ_k h_k' = 0,   last row  S − T = 0,
 * T being the table's terminal sum, sent in the proof. The verifier checks Σ_tables T = 0.
 */
import { Expr, type ConstraintGraph } from "./ir.js";
import { StarkError } from "../errors.js";

export const LOOKUP_CHALLENGES = 2;
export const DEFAULT_LOOKUP_BATCH = 2;

/** Batches of interaction indices (consecutive, at most `batch` each). */
export function lookupBatches(count: number, batch: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < count; i += batch) out.push(Array.from({ length: Math.min(batch, count - i) }, (_, k) => i + k));
  return out;
}

/** Number of auxiliary (K) columns LogUp adds to a table: one helper per batch plus the running sum. */
export function lookupAuxColumns(interactions: number, batch: number): number {
  return interactions === 0 ? 0 : Math.ceil(interactions / batch) + 1;
}

/** The denominator d = λ − (bus + Σ_j μ^(j+1)·v_j) of interaction i, as an expression. */
export function denominatorExpr(g: ConstraintGraph, i: number): Expr {
  const it = g.interactions[i]!;
  const lambda = g.challenge(0), mu = g.challenge(1);
  let phi: Expr = g.constant(it.bus);
  let muPow = mu;
  for (const v of it.values) {
    phi = phi.add(muPow.mul(new Expr(g, v)));
    muPow = muPow.mul(mu);
  }
  return lambda.sub(phi);
}

/** Declare the auxiliary columns, challenges and LogUp constraints of a table whose interactions are declared. */
export function addLookupConstraints(g: ConstraintGraph, batch: number): void {
  const n = g.interactions.length;
  if (n === 0) return;
  if (!Number.isInteger(batch) || batch < 1) throw new StarkError({ code: "INVALID_AIR", detail: `lookup batch must be a positive integer, got ${batch}` });
  const batches = lookupBatches(n, batch);
  g.shape.numChallenges = LOOKUP_CHALLENGES;
  g.shape.numAux = batches.length + 1;
  const node = (id: number): Expr => new Expr(g, id);
  const dens = Array.from({ length: n }, (_, i) => denominatorExpr(g, i));
  batches.forEach((members, k) => {
    let prod: Expr = g.constant(1);
    for (const i of members) prod = prod.mul(dens[i]!);
    let rhs: Expr = g.constant(0);
    for (const i of members) {
      const it = g.interactions[i]!;
      let term = node(it.multiplicity);
      for (const j of members) if (j !== i) term = term.mul(dens[j]!);
      rhs = it.kind === "send" ? rhs.add(term) : rhs.sub(term);
    }
    g.assert(g.aux(k).mul(prod).sub(rhs), "everyRow");
  });
  const s = batches.length;
  let hCur: Expr = g.constant(0), hNext: Expr = g.constant(0);
  for (let k = 0; k < s; k++) {
    hCur = hCur.add(g.aux(k));
    hNext = hNext.add(g.auxNext(k));
  }
  g.assert(g.aux(s).sub(hCur), "firstRow");
  g.assert(g.auxNext(s).sub(g.aux(s)).sub(hNext), "transition");
  g.assert(g.aux(s).sub(g.terminal()), "lastRow");
}
