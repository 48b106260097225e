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
 * statement rebuilt from chain and bound to its prover. null: valid; else why not (never throws).
 */
export function dataSegmentProblem(plan: AggregationPlan, s: { proof: Uint8Array; publicInputs: readonly number[]; prover: Address }): string | null {
  const g = plan.geometry;
  try {
    const proof = decodeProof(s.proof, g.segmentAir);
    if (proof.hash !== "poseidon2") return `a ${proof.hash} proof, not poseidon2`;
    const o = proof.options;
    const want = g.segmentOptions;
    const keys = ["logBlowup", "numQueries", "powBits", "friLogArity", "logFinalPolyLen", "logCap"] as const;
    if (keys.some((k) => o[k] !== want[k])) return `options ${JSON.stringify(o)} are not the plan's ${JSON.stringify(want)}`;
    if (proof.logHeights.join(",") !== g.segmentLogHeights.join(",")) return `table heights 2^[${proof.logHeights.join(",")}] are not the plan's 2^[${g.segmentLogHeights.join(",")}]`;
    // The options are exactly the plan's, which the deployment chose (and its key set binds): their security is
    // the deployment's, so no floor of our own (the default 96 bits would refuse a devnet's `test` preset).
    verifyStark({ air: g.segmentAir, proof, publicInputs: Uint32Array.from(s.publicInputs), publicColumns: [], proverAddress: hexToBytes(s.prover), policy: { minSecurityBits: 0 } });
    return null;
  } catch (err) {
    return (err as Error).message.slice(0, 300);
  }
}

/** dataSegmentProblem(plan, s) === null. */
export function verifyDataSegment(plan: AggregationPlan, s: { proof: Uint8Array; publicInputs: readonly number[]; prover: Address }): boolean {
  return dataSegmentProblem(plan, s) === null;
}
