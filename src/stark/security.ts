/**
 * Security estimate of a proof configuration, term by term, at the actual table heights
 * (docs/proof-system.md §13). Conjectured security follows the ethSTARK conjecture (FRI behaves up to
 * the list-decoding regime). Every term is in bits; the overall figure is the minimum.
 */
import { P } from "./field/babybear.js";
import type { ProofOptions } from "./options.js";
import type { HashConfig } from "./hash/config.js";
import { proofLayout, type ProofLayout } from "./layout.js";
import type { Air } from "./air/air.js";

export const EXTENSION_FIELD_BITS = 4 * Math.log2(P);
/** Collision resistance of Keccak-256 commitments. */
export const HASH_BITS = 128;
/** Collision resistance of 8-element Poseidon2 digests (birthday bound on 8·log2 p bits). */
export const POSEIDON2_DIGEST_BITS = (8 * Math.log2(P)) / 2;

export interface SecurityTerm {
  readonly name: string;
  readonly bits: number;
  readonly explanation: string;
}

export interface SecurityReport {
  readonly conjecturedBits: number;
  readonly terms: SecurityTerm[];
  readonly insecure: boolean;
}

/** Proofs below this are labelled insecure in every report. */
export const INSECURE_BELOW_BITS = 80;

/**
 * The estimate for a proof layout; or for an AIR, options and heights (a single height applies to
 * every table, clamped to each table's range).
 */
export function estimateSecurity(layout: ProofLayout): SecurityReport;
export function estimateSecurity(air: Air, options: ProofOptions, logHeights: number | readonly number[], hash?: HashConfig): SecurityReport;
export function estimateSecurity(a: ProofLayout | Air, options?: ProofOptions, heights?: number | readonly number[], hash: HashConfig = "keccak"): SecurityReport {
  if ("groups" in a) return estimate(a);
  const hs = typeof heights === "number" ? a.tables.map((t) => Math.min(t.maxLogRows, Math.max(t.minLogRows, heights))) : [...heights!];
  return estimate(proofLayout(a, options!, hash, hs));
}

function estimate(layout: ProofLayout): SecurityReport {
  const K = EXTENSION_FIELD_BITS;
  const { options, fri, tables, groups } = layout;
  const logLde = layout.logQueryDomain;
  let friSum = 0, joinSum = 0;
  let m = logLde;
  fri.steps.forEach((s, r) => {
    friSum += (2 ** s - 1) * 2 ** m;
    if (fri.joins[r]! >= 0) joinSum += 2 ** m;
    m -= s;
  });
  const oodDegree = tables.reduce((a, t) => a + (t.table.maxDegree + 1) * 2 ** t.logRows, 0);
  const claims = tables.reduce((a, t) => a + 2 * t.table.width + 2 * t.table.numPreprocessed + 8 * t.table.numAux + 4 * t.table.numQuotientChunks, 0);
  const constraints = tables.reduce((a, t) => a + t.table.numConstraints, 0);
  const fractions = tables.reduce((a, t) => a + t.table.interactions.length * 2 ** t.logRows, 0);
  const maxTuple = Math.max(0, ...tables.flatMap((t) => t.table.interactions.map((it) => it.values.length)));
  const arities = fri.steps.map((s) => 2 ** s).join(", ") || "none";
  const terms: SecurityTerm[] = [
    {
      name: "queries + grinding",
      bits: options.numQueries * options.logBlowup + options.powBits,
      explanation: `${options.numQueries} queries × log2(blowup ${2 ** options.logBlowup}) + ${options.powBits} PoW bits (ethSTARK conjecture)`,
    },
    {
      name: "DEEP / OOD",
      bits: K - Math.log2(oodDegree + claims),
      explanation: `z must avoid the roots of every table's quotient identity (Σ (degree+1)·n = ${oodDegree}) and the ${claims} DEEP claims combined by powers of gamma`,
    },
    {
      name: "FRI folding rounds",
      bits: friSum === 0 ? K : K - Math.log2(friSum),
      explanation: `${fri.steps.length} folding rounds (arities ${arities}): Σ (arity − 1)·|domain| = ${friSum}`,
    },
    {
      name: "constraint combination",
      bits: K - Math.log2(constraints),
      explanation: `${constraints} constraints combined by powers of alpha (per table)`,
    },
    {
      name: "extension field size",
      bits: K - logLde,
      explanation: `|K| ≈ 2^${K.toFixed(1)} against the LDE domain of 2^${logLde} points`,
    },
  ];
  if (groups.length > 1) {
    terms.push({
      name: "mixed-height FRI",
      bits: K - Math.log2(joinSum),
      explanation: `${groups.length - 1} smaller height group(s) join FRI weighted by beta^arity: Σ |domain| at the joins = ${joinSum}`,
    });
  }
  if (fractions > 0) {
    terms.push({
      name: "LogUp",
      bits: K - Math.log2(fractions * (maxTuple + 1)),
      explanation: `${fractions} fractions (rows × interactions) over tuples of up to ${maxTuple} values: the bus identity has degree ≤ ${fractions}·${maxTuple + 1} in (lambda, mu)`,
    });
  }
  terms.push(
    layout.hash === "keccak"
      ? { name: "hash collisions", bits: HASH_BITS, explanation: "Keccak-256 commitments and transcript" }
      : { name: "Poseidon2 digests", bits: POSEIDON2_DIGEST_BITS, explanation: "8-element Poseidon2-BabyBear digests (248 bits) and a capacity-8 duplex transcript: birthday bound" },
  );
  const conjecturedBits = Math.floor(Math.min(...terms.map((t) => t.bits)));
  return { conjecturedBits, terms, insecure: conjecturedBits < INSECURE_BELOW_BITS };
}

export function formatSecurityReport(r: SecurityReport): string {
  const lines = [`conjectured security: ${r.conjecturedBits} bits${r.insecure ? "  (INSECURE: test options, never use in production)" : ""}`];
  for (const t of r.terms) lines.push(`  ${t.name.padEnd(24)} ${t.bits.toFixed(1).padStart(6)} bits  ${t.explanation}`);
  return lines.join("\n");
}
