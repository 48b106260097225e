/**
 * The join coordinator on the node's p2p network (node/join-network.ts): `aggNodeAvailable` gossip
 * reaches the coordinator, fetches ask the signer first, an invalid node or a span outside the tree
 * penalises the signer's peer, and `proof/1` serves the coordinator's nodes before the proof store.
 */
import { strict as assert } from "node:assert";
import type { Address, Hex } from "viem";
import { joinNetwork } from "../../../src/node/join-network.js";
import type { ReceivedMessage, FetchOptions } from "../../../src/p2p/index.js";
import type { AggregationPlan } from "../../../src/recursion/plan.js";
import { createJsBackend } from "../../../src/backends/js/index.js";

const SIGNER = "0x00000000000000000000000000000000000000e1" as Address;
const HASH = `0x${"ab".repeat(32)}` as Hex;

describe("node: join work on the mesh (joinNetwork)", () => {
  it("routes announcements, fetches from the signer, penalises invalid nodes, serves its own", async () => {
    let handler: ((m: ReceivedMessage) => void) | null = null;
    const fetches: { hash: Hex; opts: FetchOptions }[] = [];
    const penalties: { signer: Address; reason: string }[] = [];
    const p2p = {
      publish: async () => 1,
      provide: async () => undefined,
      fetchProof: async (hash: Hex, opts: FetchOptions = {}) => {
        fetches.push({ hash, opts });
        return new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]); // not a node proof
      },
      penalizeSigner: async (signer: Address, reason: string) => {
        penalties.push({ signer, reason });
        return -10;
      },
      onMessage: (h: (m: ReceivedMessage) => void) => {
        handler = h;
        return () => (handler = null);
      },
    };
    const { coordinator, store, detach } = joinNetwork({ takeoverMs: 1000, maxConcurrent: 1 }, { p2p, self: "0x00000000000000000000000000000000000000a1", backend: createJsBackend(), fetchTimeoutMs: 1000 });
    coordinator.follow(3n, { id: "x" } as unknown as AggregationPlan, 2);
    const announce = (first: number, last: number) =>
      handler!({ topic: "joins", message: { body: { kind: "aggNodeAvailable", batchId: 3n, first, last, proofHash: HASH, size: 9 }, signer: SIGNER, timestamp: 0, digest: "0x", signature: "0x" } as unknown as ReceivedMessage["message"] });
    announce(0, 1);
    announce(1, 2);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(fetches.map((f) => [f.hash, f.opts.signers]), [[HASH, [SIGNER]]], "only the tree's node is fetched, from its signer first");
    assert.equal(penalties.length, 2);
    assert.ok(penalties.every((p) => p.signer === SIGNER));
    assert.ok(penalties.some((p) => /not a node of batch 3's tree of 2/.test(p.reason)));
    assert.ok(penalties.some((p) => /invalid join \[0, 1\] of batch 3: not a node proof/.test(p.reason)));
    const inner = { get: async (h: Hex) => (h === HASH ? new Uint8Array([7]) : null) };
    assert.deepEqual(await store(inner).get(HASH), new Uint8Array([7]), "the proof store answers what the coordinator does not hold");
    detach();
    assert.equal(handler, null);
  });
});
