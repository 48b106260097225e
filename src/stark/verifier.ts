/**
 * The STARK verifier (docs/proof-system.md §11). Never imports prover code. It derives every part of
 * the statement that is not the statement's own data itself — the layout from the AIR and the
 * header, the verification key and the preprocessed commitments — and every failure is a StarkError
 * naming the check that failed: PROOF_DECODE, INSUFFICIENT_SECURITY, INVALID_INPUT or VERIFY_FAILED.
 */
import { pow, twoAdicGenerator, mul } from "./field/babybear.js";
import { type Ext, addE, equals, mulE, powE, ZERO, ONE, readExt, fromBase } from "./field/extension.js";
import { StarkError, verifyFailed } from "./errors.js";
import { decodeProof, encodeProof, peekAirId, type StarkProof, type MerkleOpening } from "./proof.js";
import { Tag } from "./transcript.js";
import { checkStatement, initTranscript, type Statement } from "./statement.js";
import { drawOodPoint, domainPoint } from "./challenges.js";
import { deepClaimsOfGroup, deepAtPoint, extPowers } from "./deep.js";
import { foldCoset, evalFinalPoly } from "./fri.js";
import { walkMultiProof } from "./merkle/tree.js";
import { hasherFor, type MerkleHasher } from "./merkle/hasher.js";
import { evalColumnsAtExt } from "./poly/eval.js";
import { evalConstraintsExt } from "./air/evaluate.js";
import { SELECTOR_CODES } from "./air/ir.js";
import { quotientAtPoint } from "./quotient.js";
import { estimateSecurity, type SecurityReport } from "./security.js";
import { bytesEqual, toHex } from "./hash/keccak.js";
import { proofLayout, treeCapHeight, type ProofLayout } from "./layout.js";
import { verificationKey } from "./vk.js";
import type { Air } from "./air/air.js";

export interface VerifierPolicy {
  /** Minimum conjectured security in bits (default 96). The verifier, not the proof, sets it. */
  readonly minSecurityBits: number;
}

export const DEFAULT_POLICY: VerifierPolicy = Object.freeze({ minSecurityBits: 96 });

export interface VerifyParams extends Statement {
  readonly air: Air;
  /** Encoded proof bytes (decoded strictly here) or an already decoded proof. */
  readonly proof: Uint8Array | StarkProof;
  readonly policy?: VerifierPolicy;
}

export interface VerifyResult {
  readonly security: SecurityReport;
  /** log2 of the tallest table's height. */
  readonly logTraceHeight: number;
  readonly logHeights: readonly number[];
  readonly hash: StarkProof["hash"];
  /** The verification key the proof was checked against (derived by the verifier). */
  readonly vk: Uint8Array;
}

/** Verify; resolves on success, throws StarkError on any failure. */
export function verifyStark(p: VerifyParams): VerifyResult {
  try {
    return verifyInner(p);
  } catch (err) {
    if (err instanceof StarkError) throw err;
    // Anything unexpected still rejects the proof, with a typed error.
    throw verifyFailed("internal", err instanceof Error ? err.message : String(err));
  }
}

/** X^e·a in K (multiplying by the basis element X^e; X^4 = 11). */
function mulByXPower(a: Ext, e: number): Ext {
  let r = a;
  for (let i = 0; i < e; i++) r = [mul(11, r[3]), r[0], r[1], r[2]];
  return r;
}

/** A K value from its 4 coordinate values: Σ_e X^e·c_e. */
function fromCoordinates(c: readonly Ext[]): Ext {
  let v: Ext = ZERO;
  for (let e = 0; e < 4; e++) v = addE(v, mulByXPower(c[e]!, e));
  return v;
}

/** Check an opening of `positions` (sorted, distinct) against a cap; `leafWords` words per leaf. */
function checkOpening(what: string, o: MerkleOpening, positions: readonly number[], leafWords: number, depth: number, cap: readonly Uint8Array[], layout: ProofLayout, hasher: MerkleHasher): void {
  if (o.leafCount !== positions.length || o.values.length !== positions.length * leafWords) {
    throw verifyFailed(`merkle:${what}`, `${o.leafCount} leaves opened, ${positions.length} expected`);
  }
  const digests = positions.map((_, k) => hasher.leaf(o.values.subarray(k * leafWords, (k + 1) * leafWords)));
  const levels = depth - treeCapHeight(layout.options, depth);
  const walked = walkMultiProof(digests, positions, o.siblings, depth, levels, hasher);
  if (walked === null) throw verifyFailed(`merkle:${what}`, "malformed multi-proof (sibling count)");
  walked.indices.forEach((idx, k) => {
    if (!bytesEqual(walked.digests[k]!, cap[idx]!)) throw verifyFailed(`merkle:${what}`, "root mismatch");
  });
}

function verifyInner(p: VerifyParams): VerifyResult {
  const { air } = p;
  if (p.proof instanceof Uint8Array && !bytesEqual(peekAirId(p.proof), air.id)) {
    throw verifyFailed("air", `proof is for AIR ${toHex(peekAirId(p.proof))}, not ${air.name}`);
  }
  // A decoded proof object is re-encoded and decoded again so it meets every strict decoding rule.
  const proof = decodeProof(p.proof instanceof Uint8Array ? p.proof : encodeProof(p.proof), air);
  if (!bytesEqual(proof.airId, air.id)) throw verifyFailed("air", `proof is for AIR ${toHex(proof.airId)}, not ${air.name}`);
  const { options, logHeights, hash } = proof;
  checkStatement(air, p, logHeights);
  const layout = proofLayout(air, options, hash, logHeights);

  const policy = p.policy ?? DEFAULT_POLICY;
  const security = estimateSecurity(layout);
  if (security.conjecturedBits < policy.minSecurityBits) {
    throw new StarkError(
      { code: "INSUFFICIENT_SECURITY", bits: security.conjecturedBits, required: policy.minSecurityBits },
      `proof options give ${security.conjecturedBits} bits, policy requires ${policy.minSecurityBits}`,
    );
  }

  const hasher = hasherFor(hash);
  const vk = verificationKey(air, hash, options, logHeights);
  const t = initTranscript(layout, vk.digest, p);
  proof.mainCaps.forEach((c) => t.absorbDigests(Tag.MainCommit, c));
  let challenges: Ext[] = [];
  if (air.numChallenges > 0) {
    challenges = [t.sampleExt(), t.sampleExt()];
    layout.groups.forEach((g, gi) => {
      if (g.auxWidth > 0) t.absorbDigests(Tag.AuxCommit, proof.auxCaps[gi]!);
    });
    t.absorbExts(Tag.TerminalSums, proof.terminalSums);
    if (!equals(proof.terminalSums.reduce(addE, ZERO), ZERO)) throw verifyFailed("logup", "the tables' terminal sums do not cancel: a bus is unbalanced");
  }
  const alpha = t.sampleExt();
  proof.quotientCaps.forEach((c) => t.absorbDigests(Tag.QuotientCommit, c));
  const z = drawOodPoint(t, layout.groups);
  t.absorbExts(Tag.OodValues, proof.ood);

  // Each table's quotient identity at z: its constraints, combined and divided, equal Σ_j z^(jn)·Q_j(z).
  let pubOffset = 0;
  for (const tl of layout.tables) {
    const tb = tl.table;
    const n = 2 ** tl.logRows;
    const omega = twoAdicGenerator(tl.logRows);
    const zNext = mulE(z, fromBase(omega));
    let o = tl.oodOffset;
    const take = (count: number) => {
      const out = proof.ood.slice(o, o + count);
      o += count;
      return out;
    };
    const cur = take(tb.width), next = take(tb.width);
    const preCur = take(tb.numPreprocessed), preNext = take(tb.numPreprocessed);
    const auxCurCoords = take(4 * tb.numAux), auxNextCoords = take(4 * tb.numAux);
    const quot = take(4 * tb.numQuotientChunks);
    const auxOf = (coords: readonly Ext[]) => Array.from({ length: tb.numAux }, (_, a) => fromCoordinates(coords.slice(4 * a, 4 * a + 4)));
    const pubCols = p.publicColumns.slice(pubOffset, pubOffset + tb.numPublicColumns);
    pubOffset += tb.numPublicColumns;
    const cvals = evalConstraintsExt(tb.graph, {
      cur, next, preCur, preNext, publicInputs: p.publicInputs,
      pubCur: evalColumnsAtExt(pubCols, omega, z), pubNext: evalColumnsAtExt(pubCols, omega, zNext),
      auxCur: auxOf(auxCurCoords), auxNext: auxOf(auxNextCoords), challenges,
      ...(tl.terminalIndex >= 0 ? { terminal: proof.terminalSums[tl.terminalIndex]! } : {}),
    });
    const alphaPowers = extPowers(alpha, tb.numConstraints);
    const acc: [Ext, Ext, Ext, Ext] = [ZERO, ZERO, ZERO, ZERO];
    tb.graph.constraints.forEach((c, i) => {
      const s = SELECTOR_CODES[c.selector];
      acc[s] = addE(acc[s], mulE(alphaPowers[i]!, cvals[i]!));
    });
    const lhs = quotientAtPoint(acc, z, tl.logRows);
    const zn = powE(z, n);
    let rhs: Ext = ZERO;
    let znj: Ext = ONE;
    for (let j = 0; j < tb.numQuotientChunks; j++) {
      rhs = addE(rhs, mulE(znj, fromCoordinates(quot.slice(4 * j, 4 * j + 4))));
      znj = mulE(znj, zn);
    }
    if (!equals(lhs, rhs)) throw verifyFailed("ood", `table ${tb.name}: quotient identity does not hold at z`);
  }

  const gamma = t.sampleExt();
  const { steps, joins } = layout.fri;
  const betas: Ext[] = [];
  for (const c of proof.friCaps) {
    t.absorbDigests(Tag.FriCommit, c);
    betas.push(t.sampleExt());
  }
  t.absorbExts(Tag.FinalPoly, proof.finalPoly);
  if (!t.absorbPow(proof.powNonce, options.powBits)) throw verifyFailed("pow", `nonce does not give ${options.powBits} proof-of-work bits`);
  const queries = t.drawQueries(options.numQueries, layout.logQueryDomain);

  // Openings of every group's trees at its positions, and its DEEP function there.
  const deepValues = layout.groups.map((g, gi) => {
    const positions = [...new Set(queries.map((q) => q % 2 ** g.logLde))].sort((a, b) => a - b);
    const op = proof.groupOpenings[gi]!;
    const name = `group ${gi}`;
    const preTables = g.tables.filter((ti) => air.tables[ti]!.numPreprocessed > 0);
    if (op.pre.length !== preTables.length) throw verifyFailed(`merkle:${name} preprocessed`, "wrong number of preprocessed openings");
    preTables.forEach((ti, k) => {
      const tb = air.tables[ti]!;
      checkOpening(`${name} ${tb.name} preprocessed`, op.pre[k]!, positions, tb.numPreprocessed, g.logLde, vk.preprocessedCaps[ti]!, layout, hasher);
    });
    checkOpening(`${name} main`, op.main, positions, g.mainWidth, g.logLde, proof.mainCaps[gi]!, layout, hasher);
    if (g.auxWidth > 0) checkOpening(`${name} aux`, op.aux!, positions, g.auxWidth, g.logLde, proof.auxCaps[gi]!, layout, hasher);
    checkOpening(`${name} quotient`, op.quotient, positions, g.quotientWidth, g.logLde, proof.quotientCaps[gi]!, layout, hasher);
    const claims = deepClaimsOfGroup(layout, gi, z, mulE(z, fromBase(twoAdicGenerator(g.logRows))), proof.ood);
    const gammaPowers = extPowers(gamma, claims.claimColumn.length);
    const values = new Map<number, Ext>();
    positions.forEach((q, k) => {
      const row = (col: number): number => {
        if (col < g.preWidth) {
          // The group's preprocessed columns are its tables' trees side by side.
          for (let j = 0; j < preTables.length; j++) {
            const w = air.tables[preTables[j]!]!.numPreprocessed;
            if (col < w) return op.pre[j]!.values[k * w + col]!;
            col -= w;
          }
        }
        col -= g.preWidth;
        if (col < g.mainWidth) return op.main.values[k * g.mainWidth + col]!;
        col -= g.mainWidth;
        if (col < g.auxWidth) return op.aux!.values[k * g.auxWidth + col]!;
        col -= g.auxWidth;
        return op.quotient.values[k * g.quotientWidth + col]!;
      };
      values.set(q, deepAtPoint(claims, gammaPowers, row, domainPoint(g.logLde, g.shift, q)));
    });
    return values;
  });

  // FRI query phase: each layer's opened coset must contain the running value; fold it onward, and
  // add a smaller group's DEEP value where it joins.
  let current = deepValues[0]!;
  let logM = layout.logQueryDomain;
  let layerShift = layout.groups[0]!.shift;
  steps.forEach((s, r) => {
    const k = 1 << s;
    const L = 1 << (logM - s);
    const leaves = [...new Set([...current.keys()].map((x) => x % L))].sort((a, b) => a - b);
    const opening = proof.friOpenings[r]!;
    checkOpening(`fri layer ${r}`, opening, leaves, 4 * k, logM - s, proof.friCaps[r]!, layout, hasher);
    const leafPos = new Map(leaves.map((leaf, i) => [leaf, i]));
    const next = new Map<number, Ext>();
    for (const [pos, value] of current) {
      const leaf = pos % L;
      const li = leafPos.get(leaf)!;
      const coset: Ext[] = [];
      for (let m = 0; m < k; m++) coset.push(readExt(opening.values, li * k + m));
      if (!equals(coset[Math.floor(pos / L)]!, value)) throw verifyFailed("fri", `layer ${r}: opened value mismatch at position ${pos}`);
      const y = mul(layerShift, pow(twoAdicGenerator(logM), leaf));
      const folded = foldCoset(coset, y, betas[r]!, s);
      const prev = next.get(leaf);
      if (prev && !equals(prev, folded)) throw verifyFailed("fri", `layer ${r}: inconsistent fold at ${leaf}`);
      next.set(leaf, folded);
    }
    if (joins[r]! >= 0) {
      const joining = deepValues[joins[r]!]!;
      const weight = powE(betas[r]!, k);
      for (const [pos, v] of next) next.set(pos, addE(v, mulE(weight, joining.get(pos)!)));
    }
    current = next;
    logM -= s;
    layerShift = pow(layerShift, k);
  });
  for (const [pos, value] of current) {
    const x = domainPoint(logM, layerShift, pos);
    if (!equals(evalFinalPoly(proof.finalPoly, x), value)) throw verifyFailed("fri", `final polynomial mismatch at position ${pos}`);
  }
  return { security, logTraceHeight: Math.max(...logHeights), logHeights, hash, vk: vk.digest };
}
