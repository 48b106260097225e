/**
 * The aggregator's local verification takes its policy from the deployed verifier (read through
 * chain/'s MarketReader), not from this node's proof options: the same proof is valid under a policy of
 * 0 bits and invalid under 96; a policy that cannot be read is an error, never a verdict.
 */
import { strict as assert } from "node:assert";
import { AggregatorError, SegmentVerifier } from "../../../src/aggregator/index.js";
import { airRegistry } from "../../../src/stark/air/air.js";
import { TEST_OPTIONS } from "../../../src/stark/options.js";
import { prove } from "../../../src/index.js";

describe("aggregator: verification with the deployed verifier's policy", function () {
  this.timeout(30_000);
  const prover = `0x${"ab".repeat(20)}` as const;
  let proof: Uint8Array;
  let publicInputs: number[];

  before(async () => {
    const instance = airRegistry.resolve("fib-v1").sample(6, 3);
    proof = (await prove("fib-v1", instance, { options: TEST_OPTIONS, proverAddress: Buffer.from(prover.slice(2), "hex") })).bytes;
    publicInputs = Array.from(instance.publicInputs);
  });

  const verifier = (policy: () => Promise<{ minSecurityBits: number }>) => new SegmentVerifier({ air: "fib-v1" }, { policy });

  it("accepts a test-options proof under the policy 0 and refuses it under 96", async () => {
    const s = { proof, publicInputs, publicColumns: [], prover };
    assert.equal(await verifier(async () => ({ minSecurityBits: 0 })).verify(s), true);
    assert.equal(await verifier(async () => ({ minSecurityBits: 96 })).verify(s), false);
  });

  it("a proof bound to another prover is invalid", async () => {
    assert.equal(await verifier(async () => ({ minSecurityBits: 0 })).verify({ proof, publicInputs, publicColumns: [], prover: `0x${"cd".repeat(20)}` }), false);
  });

  it("an unreadable policy throws AGGREGATOR_POLICY_UNAVAILABLE instead of a verdict", async () => {
    await assert.rejects(
      verifier(async () => Promise.reject(new Error("execution reverted"))).verify({ proof, publicInputs, publicColumns: [], prover }),
      (e: unknown) => e instanceof AggregatorError && e.code === "AGGREGATOR_POLICY_UNAVAILABLE",
    );
  });
});
