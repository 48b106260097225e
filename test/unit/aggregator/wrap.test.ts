/** The elected aggregator's wrap (aggregator/wrap.ts): only with the whole tree, only when the election allows, proven once. */
import { strict as assert } from "node:assert";
import type { Address } from "viem";
import { WrapSubmitter } from "../../../src/aggregator/wrap.js";
import type { SubmitWrapRequest } from "../../../src/aggregator/actions.js";
import type { AggregationPlan, NodeProof } from "../../../src/recursion/plan.js";

const PRIMARY = "0x00000000000000000000000000000000000000a1" as Address;
const PLAN = {} as AggregationPlan;

describe("aggregator: the wrap of a batch's tree (WrapSubmitter)", () => {
  it("waits for the tree and its turn, proves once, retries the submission", async () => {
    const top: NodeProof = { proof: new Uint8Array([1]), publicValues: new Uint32Array(54), proverAddress: new Uint8Array(20) };
    const joinProvers = [new Uint8Array(20).fill(2)];
    let tree: { top: NodeProof; joinProvers: Uint8Array[] } | null = null;
    let allowed = false;
    let failSubmit = true;
    const proved: unknown[][] = [];
    const submitted: SubmitWrapRequest[] = [];
    const w = new WrapSubmitter({
      coordinator: { top: () => tree },
      rights: async () => ({ allowed, primary: PRIMARY }),
      proveWrap: async (plan, t, jp, segments) => {
        proved.push([plan, t, jp, segments]);
        return { proof: new Uint8Array([9, 9]), publicValues: Uint32Array.of(1, 2, 3), proverAddress: new Uint8Array(20) };
      },
      submit: async (req) => {
        if (failSubmit) throw new Error("nonce too low");
        submitted.push(req);
      },
    });
    assert.equal(await w.attempt(5n, PLAN, 2), "waiting-for-tree");
    tree = { top, joinProvers };
    assert.equal(await w.attempt(5n, PLAN, 2), "not-our-turn");
    assert.equal(proved.length, 0, "no wrap proven before the election allows it");
    allowed = true;
    assert.equal(await w.attempt(5n, PLAN, 2), "failed");
    failSubmit = false;
    assert.equal(await w.attempt(5n, PLAN, 2), "submitted");
    assert.equal(proved.length, 1, "the wrap is proven once and kept across retries");
    assert.deepEqual(proved[0], [PLAN, top, joinProvers, 2]);
    assert.deepEqual(submitted.map((s) => [s.batchId, Array.from(s.proof), Array.from(s.publicInputs), s.primary]), [[5n, [9, 9], [1, 2, 3], PRIMARY]]);
  });
});
