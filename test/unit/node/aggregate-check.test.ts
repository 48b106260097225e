/** The start-up check of config `aggregate` against the Rollup's deployment (node.ts checkAggregateDeployment). */
import { strict as assert } from "node:assert";
import type { Hex } from "viem";
import { checkAggregateDeployment, NodeError, requireProfile } from "../../../src/node/node.js";

const A = `0x${"0a".repeat(32)}` as Hex;
const B = `0x${"0b".repeat(32)}` as Hex;

describe("node: config `aggregate` against the deployed Rollup", () => {
  it("passes when the plan's key-set root and wrap AIR id are the Rollup's, and names the field that differs", () => {
    checkAggregateDeployment({ airId: A, keySetRoot: B }, { airId: A.toUpperCase().replace("0X", "0x") as Hex, keySetRoot: B });
    const mismatch = (field: string) => (e: unknown) => e instanceof NodeError && e.type.code === "NODE_AGGREGATE_MISMATCH" && e.type.field === field && e.message.includes(field);
    assert.throws(() => checkAggregateDeployment({ airId: A, keySetRoot: A }, { airId: A, keySetRoot: B }), mismatch("keySetRoot"));
    assert.throws(() => checkAggregateDeployment({ airId: B, keySetRoot: B }, { airId: A, keySetRoot: B }), mismatch("airId"));
  });

  it("a node that proves data batches needs a measured profile of transfer-v2 at the rollup's depth", () => {
    const profile = { version: 1 as const, measuredAt: 0, backends: { wasm: { "transfer-v1": { secondsPerSegment: 3 }, "transfer-v2-d20": { secondsPerSegment: 2 } } } };
    requireProfile(profile, "wasm", "transfer-v2-d20", 8);
    assert.throws(() => requireProfile(profile, "cuda", "transfer-v2-d20", 8), (e: unknown) => e instanceof NodeError && e.type.code === "NODE_PROFILE" && /prover-node bench --air transfer-v2-d20 --log-rows 8/.test(e.message));
    assert.throws(() => requireProfile(profile, "wasm", "transfer-v2-d16", 8), /no transfer-v2-d16 on backend wasm/);
  });
});
