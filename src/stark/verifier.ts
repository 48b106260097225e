/**
 * The STARK verifier (DESIGN §3.2). Never imports prover code. Every failure is a StarkError naming
 * the check that failed: PROOF_DECODE, INSUFFICIENT_SECURITY, INVALID_INPUT or VERIFY_FAILED.
 */
import { pow, twoAdicGenerator, mul } from "./field/babybear.js";
import { type Ext, addE, equals, mulE, powE, ZERO, readExt, fromBase } from "./field/extension.js";
import { StarkError, verifyFailed } from "./errors.js";
import { decodeProof, encodeProof, peekAirId, type StarkProof, type MerkleOpening } from "./proof.js";
import { Tag, extsToBytes, u64le, checkPow } from "./transcript.js";
import { checkStatement, initTranscript, type Statement } from "./statement.js";
import { drawOodPoint, drawQueries, domainPoint } from "./challenges.js";
import { buildClaims, deepAtPoint, extPowers } from "./deep.js";
import { friSchedule, foldCoset, evalFinalPoly } from "./fri.js";
import { computeMultiRoot, hashWords } from "./merkle/tree.js";
import { evalColumnsAtExt } from "./poly/eval.js";
import { COSET_SHIFT } from "./poly/ntt.js";
import { evalConstraintsExt } from "./air/evaluate.js";
import { SELECTOR_CODES } from "./air/ir.js";
import { quotientAtPoint } from "./quotient.js";
import { estimateSecurity, type SecurityReport } from "./security.js";
import { bytesEqual, toHex } from "./hash/keccak.js";
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
  readonly logTraceHeight: number;
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

function checkOpening(what: string, o: MerkleOpening, leaves: number[], leafWords: number, depth: number, root: Uint8Array): void {
  if (o.values.length !== leaves.length * leafWords) {
    throw verifyFailed(`merkle:${what}`, `${o.values.length / leafWords} leaves opened, ${leaves.length} expected`);
  }
  const digests = leaves.map((_, k) => hashWords(o.values.subarray(k * leafWords, (k + 1) * leafWords)));
  const computed = computeMultiRoot(digests, leaves, o.siblings, depth);
  if (computed === null) throw verifyFailed(`merkle:${what}`, "malformed multi-proof (sibling count)");
  if (!bytesEqual(computed, root)) throw verifyFailed(`merkle:${what}`, "root mismatch");
}

function verifyInner(p: VerifyParams): VerifyResult {
  const { air } = p;
  if (p.proof instanceof Uint8Array && !bytesEqual(peekAirId(p.proof), air.id)) {
    throw verifyFailed("air", `proof is for AIR ${toHex(peekAirId(p.proof))}, not ${air.name}`);
  }
  // A decoded proof object is re-encoded and decoded again so it meets every strict decoding rule.
  const proof = decodeProof(p.proof instanceof Uint8Array ? p.proof : encodeProof(p.proof), air);
  if (!bytesEqual(proof.airId, air.id)) throw verifyFailed("air", `proof is for AIR ${toHex(proof.airId)}, not ${air.name}`);
  const { options, logTraceHeight: logN } = proof;
  if (logN < air.minLogRows) throw verifyFailed("shape", `trace height 2^${logN} below ${air.name}'s minimum`);
  const n = 1 << logN;
  checkStatement(air, p, n);

  const policy = p.policy ?? DEFAULT_POLICY;
  const security = estimateSecurity(air, options, logN);
  if (security.conjecturedBits < policy.minSecurityBits) {
    throw new StarkError(
      { code: "INSUFFICIENT_SECURITY", bits: security.conjecturedBits, required: policy.minSecurityBits },
      `proof options give ${security.conjecturedBits} bits, policy requires ${policy.minSecurityBits}`,
    );
  }

  const shift = COSET_SHIFT;
  const logLde = logN + options.logBlowup;
  const chunks = air.numQuotientChunks;
  const qCols = 4 * chunks;
  const t = initTranscript(air, options, logN, p);
  t.absorb(Tag.MainCommit, proof.traceRoot);
  const alpha = t.sampleExt();
  t.absorb(Tag.QuotientCommit, proof.quotientRoot);
  const z = drawOodPoint(t, logN, logLde, shift);
  const omega = twoAdicGenerator(logN);
  const zNext = mulE(z, fromBase(omega));
  t.absorb(Tag.OodValues, extsToBytes([...proof.oodTraceZ, ...proof.oodTraceZNext, ...proof.oodQuotient]));

  // Quotient identity at z: the constraints, combined and divided, equal Σ_j z^(jn)·Q_j(z).
  const pubCur = evalColumnsAtExt(p.publicColumns, omega, z);
  const pubNext = evalColumnsAtExt(p.publicColumns, omega, zNext);
  const cvals = evalConstraintsExt(air.graph, { cur: proof.oodTraceZ, next: proof.oodTraceZNext, publicInputs: p.publicInputs, pubCur, pubNext });
  const alphaPowers = extPowers(alpha, air.numConstraints);
  const acc: [Ext, Ext, Ext, Ext] = [ZERO, ZERO, ZERO, ZERO];
  air.graph.constraints.forEach((c, i) => {
    const s = SELECTOR_CODES[c.selector];
    acc[s] = addE(acc[s], mulE(alphaPowers[i]!, cvals[i]!));
  });
  const lhs = quotientAtPoint(acc, z, logN);
  const zn = powE(z, n);
  let rhs: Ext = ZERO;
  let znj: Ext = [1, 0, 0, 0];
  for (let j = 0; j < chunks; j++) {
    let qj: Ext = ZERO;
    for (let e = 0; e < 4; e++) qj = addE(qj, mulByXPower(proof.oodQuotient[4 * j + e]!, e));
    rhs = addE(rhs, mulE(znj, qj));
    znj = mulE(znj, zn);
  }
  if (!equals(lhs, rhs)) throw verifyFailed("ood", "quotient identity does not hold at z");

  const gamma = t.sampleExt();
  const { steps, logFinalLen } = friSchedule(logN, options);
  if (proof.friRoots.length !== steps.length || proof.friOpenings.length !== steps.length) throw verifyFailed("fri", "wrong number of FRI layers");
  if (proof.finalPoly.length !== 1 << logFinalLen) throw verifyFailed("fri", "wrong final polynomial length");
  const betas: Ext[] = [];
  for (const root of proof.friRoots) {
    t.absorb(Tag.FriCommit, root);
    betas.push(t.sampleExt());
  }
  t.absorb(Tag.FinalPoly, extsToBytes(proof.finalPoly));
  if (!checkPow(t.state, proof.powNonce, options.powBits)) throw verifyFailed("pow", `nonce does not give ${options.powBits} zero bits`);
  t.absorb(Tag.PowNonce, u64le(proof.powNonce));
  const queries = drawQueries(t, options.numQueries, logLde);

  checkOpening("trace", proof.traceOpening, queries, air.width, logLde, proof.traceRoot);
  checkOpening("quotient", proof.quotientOpening, queries, qCols, logLde, proof.quotientRoot);

  // DEEP values at the query points.
  const claims = buildClaims(air.width, qCols, z, zNext, proof.oodTraceZ, proof.oodTraceZNext, proof.oodQuotient);
  const gammaPowers = extPowers(gamma, claims.claimColumn.length);
  let current = new Map<number, Ext>();
  queries.forEach((q, k) => {
    const row = (col: number): number =>
      col < air.width ? proof.traceOpening.values[k * air.width + col]! : proof.quotientOpening.values[k * qCols + col - air.width]!;
    current.set(q, deepAtPoint(claims, gammaPowers, row, domainPoint(logLde, shift, q)));
  });

  // FRI query phase: each layer's opened coset must contain the running value; fold it onward.
  let logM = logLde;
  let layerShift = shift;
  steps.forEach((s, r) => {
    const k = 1 << s;
    const L = 1 << (logM - s);
    const leaves = [...new Set([...current.keys()].map((x) => x % L))].sort((a, b) => a - b);
    const opening = proof.friOpenings[r]!;
    checkOpening(`fri layer ${r}`, opening, leaves, 4 * k, logM - s, proof.friRoots[r]!);
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
    current = next;
    logM -= s;
    layerShift = pow(layerShift, k);
  });
  for (const [pos, value] of current) {
    const x = domainPoint(logM, layerShift, pos);
    if (!equals(evalFinalPoly(proof.finalPoly, x), value)) throw verifyFailed("fri", `final polynomial mismatch at position ${pos}`);
  }
  return { security, logTraceHeight: logN };
}
