/**
 * The join coordinator over an in-memory mesh of three nodes: who proves which node of a batch's
 * tree, what a peer accepts, the withheld-join takeover, the penalty of an invalid join. Proofs are
 * stand-ins (the prover's address inside, checked by the stand-in verifier as `verifyNode` checks a
 * proof's binding); the real proofs and verifyNode are tested in test/unit/recursion/aggregate.test.ts.
 */
import { strict as assert } from "node:assert";
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import { JoinCoordinator, decodeNodeProof, encodeNodeProof, nodeProofHash, type JoinCoordinatorModules, type NodeAnnouncement } from "../../../src/aggregator/joins.js";
import { AGG, AGG_PUBLIC_VALUES, KIND_JOIN, KIND_LEAF } from "../../../src/recursion/aggregate.js";
import type { AggregationPlan, NodeProof } from "../../../src/recursion/plan.js";

const PLAN = { id: "stand-in" } as unknown as AggregationPlan;
const addr = (b: number): Address => bytesToHex(new Uint8Array(20).fill(b)) as Address;
const [A, B, C, M] = [0xa1, 0xb2, 0xc3, 0xee].map(addr) as [Address, Address, Address, Address];

/** A stand-in node proof: the statement's span and kind, the prover's address as the "proof". */
function standIn(first: number, last: number, prover: Address, valid = true): NodeProof {
  const pv = new Uint32Array(AGG_PUBLIC_VALUES);
  pv[AGG.first] = first;
  pv[AGG.last] = last;
  pv[AGG.kind] = first === last ? KIND_LEAF : KIND_JOIN;
  const proof = new Uint8Array(21);
  proof.set(hexToBytes(prover), 0);
  proof[20] = valid ? 1 : 0;
  return { proof, publicValues: pv, proverAddress: hexToBytes(prover) };
}

interface Peer {
  readonly self: Address;
  readonly c: JoinCoordinator;
  readonly proved: string[];
  withhold: boolean;
}

function mesh(S: number, opts: { takeoverMs?: number } = {}) {
  let clock = 0;
  const store = new Map<Hex, Uint8Array>();
  const penalties: { signer: Address; reason: string }[] = [];
  const peers: Peer[] = [];
  const deliveries: Promise<unknown>[] = [];
  const broadcast = (from: Address, a: NodeAnnouncement) => {
    for (const p of peers) if (p.self !== from) deliveries.push(p.c.onAnnouncement(a));
  };
  const make = (self: Address): Peer => {
    const peer: Peer = { self, proved: [], withhold: false, c: null as unknown as JoinCoordinator };
    const modules: JoinCoordinatorModules = {
      self,
      now: () => clock,
      proveLeaf: async (_plan, seg) => {
        const index = (seg.publicInputs as Uint32Array)[0]!;
        peer.proved.push(`${index},${index}`);
        return standIn(index, index, self);
      },
      proveJoin: async (_plan, l, r) => {
        peer.proved.push(`${l.publicValues[AGG.first]},${r.publicValues[AGG.last]}`);
        return standIn(l.publicValues[AGG.first]!, r.publicValues[AGG.last]!, self);
      },
      verify: (_plan, node, expect) => {
        assert.ok(expect.kind !== "wrap");
        if (node.proof[20] !== 1) throw new Error("ood: the quotient identity fails");
        if (bytesToHex(node.proof.subarray(0, 20)) !== bytesToHex(node.proverAddress)) throw new Error("bound to another prover");
        if (node.publicValues[AGG.first] !== expect.first || node.publicValues[AGG.last] !== expect.last) throw new Error("another span");
      },
      announce: async (a, bytes) => {
        if (peer.withhold) return;
        store.set(a.proofHash, bytes);
        broadcast(self, { ...a, signer: self });
      },
      fetch: async (hash) => {
        const b = store.get(hash);
        if (!b) throw new Error("no provider");
        return b;
      },
      penalize: (signer, reason) => penalties.push({ signer, reason }),
    };
    (peer as { c: JoinCoordinator }).c = new JoinCoordinator({ takeoverMs: opts.takeoverMs ?? 1000, maxConcurrent: 1 }, modules);
    peers.push(peer);
    return peer;
  };
  const settle = async () => {
    for (let round = 0; round < 50; round++) {
      await Promise.all(peers.map((p) => p.c.idle()));
      const pending = deliveries.splice(0);
      if (pending.length === 0 && peers.every((p) => p.c.snapshot().every((s) => s.proving.length === 0))) return;
      await Promise.all(pending);
    }
  };
  const segment = (index: number, prover: Address) => ({ proof: new Uint8Array([index]), publicInputs: Uint32Array.of(index), proverAddress: hexToBytes(prover) });
  return { make, peers, penalties, store, settle, segment, advance: (ms: number) => (clock += ms), S };
}

describe("aggregator: join work over the mesh (JoinCoordinator)", () => {
  it("encodes a node for proof/1 and refuses what is not one", () => {
    const n = standIn(0, 1, A);
    const bytes = encodeNodeProof(n);
    const back = decodeNodeProof(bytes, hexToBytes(A));
    assert.deepEqual(back.publicValues, n.publicValues);
    assert.deepEqual(back.proof, n.proof);
    assert.equal(nodeProofHash(bytes), nodeProofHash(Uint8Array.from(bytes)));
    assert.throws(() => decodeNodeProof(bytes.subarray(0, 8 + 4 * AGG_PUBLIC_VALUES), hexToBytes(A)), /without proof bytes/);
    const bad = Uint8Array.from(bytes);
    bad[0] ^= 1;
    assert.throws(() => decodeNodeProof(bad, hexToBytes(A)), /magic/);
    const wrongCount = Uint8Array.from(bytes);
    new DataView(wrongCount.buffer).setUint32(4, 16, true);
    assert.throws(() => decodeNodeProof(wrongCount, hexToBytes(A)), /16 public values/);
  });

  it("three nodes build a tree of 3: each node proved once by its assignee, the same top and join provers everywhere", async () => {
    const m = mesh(3);
    const [a, b, c] = [A, B, C].map(m.make) as [Peer, Peer, Peer];
    for (const p of m.peers) p.c.follow(7n, PLAN, 3);
    const provers = [A, B, C];
    for (const p of m.peers) for (let i = 0; i < 3; i++) p.c.addSegment(7n, i, m.segment(i, provers[i]!));
    await m.settle();
    assert.deepEqual(a.proved.sort(), ["0,0", "0,1", "0,2"], "A proves its leaf, the join of its leaf, then the join of its join");
    assert.deepEqual(b.proved, ["1,1"]);
    assert.deepEqual(c.proved, ["2,2"]);
    for (const p of m.peers) {
      const top = p.c.top(7n);
      assert.ok(top, `${p.self} holds the top`);
      assert.deepEqual([top.top.publicValues[AGG.first], top.top.publicValues[AGG.last]], [0, 2]);
      assert.deepEqual(top.joinProvers.map((x) => bytesToHex(x)), [A, A], "pre-order: the top join, then [0, 1]");
      assert.deepEqual(p.c.snapshot(), [{ batchId: "7", segments: 3, leaves: 3, joins: 2, joinsTotal: 2, proving: [], ready: [], top: true }]);
    }
    assert.equal(m.penalties.length, 0);
    assert.equal(a.c.top(8n), null, "a batch not followed");
  });

  it("a withheld join is proven by another node once its takeover time passed", async () => {
    const m2 = mesh(2, { takeoverMs: 5000 });
    const [a2, b2] = [A, B].map(m2.make) as [Peer, Peer];
    for (const p of m2.peers) p.c.follow(9n, PLAN, 2);
    // A announces its leaf but withholds its join: stop announcing after the leaf.
    a2.c.addSegment(9n, 0, m2.segment(0, A));
    b2.c.addSegment(9n, 0, m2.segment(0, A));
    await m2.settle();
    a2.withhold = true;
    for (const p of m2.peers) p.c.addSegment(9n, 1, m2.segment(1, B));
    await m2.settle();
    assert.deepEqual(b2.proved, ["1,1"], "B does not take the join before its time");
    assert.equal(b2.c.top(9n), null);
    assert.match(b2.c.snapshot()[0]!.ready.join(), /\[0,1\] 0s/);
    m2.advance(5000);
    b2.c.tick();
    await m2.settle();
    assert.deepEqual(b2.proved, ["1,1", "0,1"], "B proves the withheld join");
    assert.deepEqual(b2.c.top(9n)!.joinProvers.map((x) => bytesToHex(x)), [B]);
    assert.deepEqual(a2.proved, ["0,0", "0,1"], "A proved the join but kept it");
  });

  it("an invalid join on the mesh is rejected and its signer penalised; a valid one is still taken", async () => {
    const m = mesh(2);
    const [, b] = [A, B].map(m.make) as [Peer, Peer];
    for (const p of m.peers) p.c.follow(4n, PLAN, 2);
    // M's forged join arrives first: one with a failing proof, one bound to another address.
    const forged = encodeNodeProof(standIn(0, 1, M, false));
    const stolen = encodeNodeProof(standIn(0, 1, A));
    m.store.set(nodeProofHash(forged), forged);
    m.store.set(nodeProofHash(stolen), stolen);
    assert.equal(await b.c.onAnnouncement({ batchId: 4n, first: 0, last: 1, proofHash: nodeProofHash(forged), signer: M }), "invalid");
    assert.equal(await b.c.onAnnouncement({ batchId: 4n, first: 0, last: 1, proofHash: nodeProofHash(stolen), signer: M }), "invalid");
    assert.equal(await b.c.onAnnouncement({ batchId: 4n, first: 1, last: 2, proofHash: nodeProofHash(stolen), signer: M }), "invalid", "not a node of a tree of 2");
    assert.equal(await b.c.onAnnouncement({ batchId: 5n, first: 0, last: 1, proofHash: nodeProofHash(stolen), signer: M }), "ignored", "a batch not followed");
    assert.deepEqual(m.penalties.map((p) => p.signer), [M, M, M]);
    assert.match(m.penalties[0]!.reason, /invalid join \[0, 1\] of batch 4: ood/);
    assert.match(m.penalties[1]!.reason, /bound to another prover/);
    for (const p of m.peers) for (let i = 0; i < 2; i++) p.c.addSegment(4n, i, m.segment(i, [A, B][i]!));
    await m.settle();
    assert.equal(b.c.held(4n, 0, 1)!.prover, A, "A's valid join is kept (the same bytes under M's signature did not shadow it)");
    assert.equal(await b.c.onAnnouncement({ batchId: 4n, first: 0, last: 1, proofHash: nodeProofHash(forged), signer: M }), "ignored", "the node is held already");
  });
});
