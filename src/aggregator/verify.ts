/**
 * Local verification of a committed segment proof with the policy of the verifier deployed on L1
 * (its `minSecurityBits`, read once through chain/'s MarketReader): the aggregator accepts exactly what
 * a challenge on chain would accept, whatever proof options this node proves with.
 */
import { hexToBytes, type Address } from "viem";
import { decodeProof } from "../stark/proof.js";
import type { AggregationPlan } from "../recursion/plan.js";
import type { VerifierPolicy } from "../chain/market-reader.js";
import { airRegistry } from "../stark/air/air.js";
import { verifyStark } from "../stark/verifier.js";
import { TRANSFER_AIR_NAME } from "../rollup/air/index.js";
import { AggregatorError } from "./errors.js";
import type { SegmentToVerify } from "./collector.js";

export interface SegmentVerifierOpts {
  /** The AIR every segment is proven with (transfer-v1). */
  air: string;
}

export interface SegmentVerifierModules {
  /** The deployed verifier's policy (MarketReader.verifierPolicy: read once, then cached). */
  policy(): Promise<VerifierPolicy>;
}

export class SegmentVerifier {
  constructor(
    private readonly opts: SegmentVerifierOpts,
    private readonly m: SegmentVerifierModules,
  ) {}

  /** true: valid under the deployed policy; false: invalid. Throws AGGREGATOR_POLICY_UNAVAILABLE when the policy cannot be read. */
  async verify(s: SegmentToVerify): Promise<boolean> {
    let policy: VerifierPolicy;
    try {
      policy = await this.m.policy();
    } catch (err) {
      throw new AggregatorError({ code: "AGGREGATOR_POLICY_UNAVAILABLE", detail: (err as Error).message }, `cannot read the deployed verifier's policy: ${(err as Error).message}`);
    }
    try {
      verifyStark({ air: airRegistry.resolve(this.opts.air), proof: s.proof, publicInputs: Uint32Array.from(s.publicInputs), publicColumns: s.publicColumns, proverAddress: hexToBytes(s.prover), policy });
      return true;
    } catch {
      return false;
    }
  }
}

export const defaultSegmentVerifierOpts: SegmentVerifierOpts = { air: TRANSFER_AIR_NAME };

/**
 * A data batch's segment proof as the batch's tree can use it: transfer-v2 of the plan's depth, poseidon2,
 * exactly the plan's segment options and table heights (a leaf refuses anything else), valid for the
 * statement rebuilt from chain and bound to its prover. true: valid; false: invalid (never throws).
 */
export function verifyDataSegment(plan: AggregationPlan, s: { proof: Uint8Array; publicInputs: readonly number[]; prover: Address }): boolean {
  const g = plan.geometry;
  try {
    const proof = decodeProof(s.proof, g.segmentAir);
    if (proof.hash !== "poseidon2") return false;
    const o = proof.options;
    const want = g.segmentOptions;
    if (o.logBlowup !== want.logBlowup || o.numQueries !== want.numQueries || o.powBits !== want.powBits || o.friLogArity !== want.friLogArity || o.logFinalPolyLen !== want.logFinalPolyLen || o.logCap !== want.logCap) return false;
    if (proof.logHeights.join(",") !== g.segmentLogHeights.join(",")) return false;
    verifyStark({ air: g.segmentAir, proof, publicInputs: Uint32Array.from(s.publicInputs), publicColumns: [], proverAddress: hexToBytes(s.prover) });
    return true;
  } catch {
    return false;
  }
}
