/**
 * Local verification of a committed segment proof with the policy of the verifier deployed on L1
 * (its `minSecurityBits`, read once through chain/'s MarketReader): the aggregator accepts exactly what
 * a challenge on chain would accept, whatever proof options this node proves with.
 */
import { hexToBytes } from "viem";
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
