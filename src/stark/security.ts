/**
 * Security estimate of a proof configuration, term by term, at the actual trace height (DESIGN §3.2).
 * Conjectured security follows the ethSTARK conjecture (FRI behaves up to the list-decoding regime).
 * Every term is in bits; the overall figure is the minimum.
 */
import { P } from "./field/babybear.js";
import type { ProofOptions } from "./options.js";
import { friSchedule } from "./fri.js";

export const EXTENSION_FIELD_BITS = 4 * Math.log2(P);
/** Collision resistance of Keccak-256 commitments. */
export const HASH_BITS = 128;

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

export interface AirSecurityShape {
  readonly width: number;
  readonly numConstraints: number;
  readonly maxDegree: number;
  readonly numQuotientChunks: number;
}

/** Proofs below this are labelled insecure in every report. */
export const INSECURE_BELOW_BITS = 80;

export function estimateSecurity(air: AirSecurityShape, options: ProofOptions, logTraceHeight: number): SecurityReport {
  const K = EXTENSION_FIELD_BITS;
  const n = 2 ** logTraceHeight;
  const logN = logTraceHeight + options.logBlowup;
  const { steps } = friSchedule(logTraceHeight, options);
  let friDomainSum = 0;
  let m = logN;
  for (const s of steps) {
    friDomainSum += 2 ** m;
    m -= s;
  }
  const numClaims = 2 * air.width + 4 * air.numQuotientChunks;
  const terms: SecurityTerm[] = [
    {
      name: "queries + grinding",
      bits: options.numQueries * options.logBlowup + options.powBits,
      explanation: `${options.numQueries} queries × log2(blowup ${2 ** options.logBlowup}) + ${options.powBits} PoW bits (ethSTARK conjecture)`,
    },
    {
      name: "DEEP / OOD",
      bits: K - Math.log2((air.maxDegree + 1) * n + numClaims),
      explanation: `z must avoid the roots of the quotient identity (degree ≤ ${air.maxDegree + 1}·n) and the ${numClaims} DEEP claims combined by powers of gamma`,
    },
    {
      name: "FRI folding rounds",
      bits: steps.length === 0 ? K : K - Math.log2(friDomainSum),
      explanation: `${steps.length} folding rounds (arities ${steps.map((s) => 2 ** s).join(", ") || "none"}) over domains of total size ${friDomainSum}`,
    },
    {
      name: "constraint combination",
      bits: K - Math.log2(air.numConstraints),
      explanation: `${air.numConstraints} constraints combined by powers of alpha`,
    },
    {
      name: "extension field size",
      bits: K - logN,
      explanation: `|K| ≈ 2^${K.toFixed(1)} against the LDE domain of 2^${logN} points`,
    },
    { name: "hash collisions", bits: HASH_BITS, explanation: "Keccak-256 commitments" },
  ];
  const conjecturedBits = Math.floor(Math.min(...terms.map((t) => t.bits)));
  return { conjecturedBits, terms, insecure: conjecturedBits < INSECURE_BELOW_BITS };
}

export function formatSecurityReport(r: SecurityReport): string {
  const lines = [`conjectured security: ${r.conjecturedBits} bits${r.insecure ? "  (INSECURE: test options, never use in production)" : ""}`];
  for (const t of r.terms) lines.push(`  ${t.name.padEnd(24)} ${t.bits.toFixed(1).padStart(6)} bits  ${t.explanation}`);
  return lines.join("\n");
}
