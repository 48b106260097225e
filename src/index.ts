/**
 * prover-node public API: prove and verify STARKs for registered AIRs, the AIR registry, and the
 * field and hash helpers. `import { prove, verify, airRegistry } from "prover-node"`.
 */
import { airRegistry, type Air, type AirInstance } from "./stark/air/air.js";
import "./stark/airs/index.js";
import { proveStark, type ProveResult, type ProvePhase } from "./stark/prover.js";
import { verifyStark, type VerifierPolicy, type VerifyResult } from "./stark/verifier.js";
import { peekAirId } from "./stark/proof.js";
import { DEFAULT_OPTIONS, type ProofOptions } from "./stark/options.js";
import type { ProverBackend } from "./stark/backend.js";
import type { HashConfig } from "./stark/hash/config.js";
import { JsBackend } from "./backends/js/index.js";

export interface ProveOptions {
  /** Proof options (default: DEFAULT_OPTIONS, ≥ 96 conjectured bits up to 2^21 rows). */
  readonly options?: ProofOptions;
  /** Hash configuration: keccak (default, verified on L1) or poseidon2 (verified inside a proof). */
  readonly hash?: HashConfig;
  /** 20-byte address the proof is bound to (default: zero address). */
  readonly proverAddress?: Uint8Array;
  /** Backend running the hot loops (default: the js reference backend). */
  readonly backend?: ProverBackend;
  readonly signal?: AbortSignal;
  readonly onPhase?: (phase: ProvePhase, ms: number) => void;
}

/** Prove that `instance` satisfies the AIR (an Air or a registered name). */
export async function prove(air: Air | string, instance: AirInstance, opts: ProveOptions = {}): Promise<ProveResult> {
  const a = typeof air === "string" ? airRegistry.resolve(air) : air;
  const backend = opts.backend ?? new JsBackend();
  try {
    return await proveStark({
      air: a, instance, backend, options: opts.options ?? DEFAULT_OPTIONS, hash: opts.hash ?? "keccak", proverAddress: opts.proverAddress ?? new Uint8Array(20),
      ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onPhase ? { onPhase: opts.onPhase } : {}),
    });
  } finally {
    if (!opts.backend) await backend.close();
  }
}

export interface VerifyOptions {
  readonly publicInputs: ArrayLike<number>;
  readonly publicColumns?: readonly ArrayLike<number>[];
  readonly proverAddress: Uint8Array;
  readonly policy?: VerifierPolicy;
}

/** Verify encoded proof bytes; the AIR is looked up by the id in the proof. Throws StarkError if invalid. */
export function verify(proof: Uint8Array, opts: VerifyOptions): VerifyResult {
  const air = airRegistry.resolve(toHexId(peekAirId(proof)));
  return verifyStark({ air, proof, publicInputs: opts.publicInputs, publicColumns: opts.publicColumns ?? [], proverAddress: opts.proverAddress, ...(opts.policy ? { policy: opts.policy } : {}) });
}

function toHexId(id: Uint8Array): string {
  return "0x" + Buffer.from(id).toString("hex");
}

export { airRegistry, AirRegistry, Air, defineAir, type AirDefinition, type AirInstance } from "./stark/air/air.js";
export { ConstraintGraph, Expr, type Selector } from "./stark/air/ir.js";
export { fibAir, mixAir, lookupAir } from "./stark/airs/index.js";
export { type HashConfig } from "./stark/hash/config.js";
export { verificationKey, type VerificationKey } from "./stark/vk.js";
export { F, K, type Ext } from "./stark/field/index.js";
export { keccak256, toHex, fromHex } from "./stark/hash/keccak.js";
export { DEFAULT_OPTIONS, TEST_OPTIONS, OPTION_PRESETS, type ProofOptions } from "./stark/options.js";
export { DEFAULT_POLICY, type VerifierPolicy, type VerifyResult } from "./stark/verifier.js";
export type { ProveResult, ProvePhase } from "./stark/prover.js";
export { encodeProof, decodeProof, type StarkProof } from "./stark/proof.js";
export { estimateSecurity, formatSecurityReport, type SecurityReport } from "./stark/security.js";
export { StarkError } from "./stark/errors.js";
export type { ProverBackend } from "./stark/backend.js";
export { JsBackend } from "./backends/js/index.js";
export { ProverNodeError, UsageError, AbortError } from "./util/errors.js";
export { poseidon2Permute16, poseidon2Permute24, poseidon2Hash, poseidon2Compress } from "./stark/hash/poseidon2.js";
// The transfer rollup: registering transfer-v1 lets `verify` resolve its proofs by AIR id.
import "./rollup/air/index.js";
export * as rollup from "./rollup/index.js";
export { transferAir, buildTransferInstance, publicInputsOf, publicColumnsOf, statementOf, type SegmentStatement } from "./rollup/air/index.js";
