/**
 * A batch's proof tree (issue 19): leaves over segment statements, joins checking continuity and
 * combining txRoot, E and the join provers, the wrap exposing the L1 statement. Segments here are a
 * stand-in AIR with transfer-v2's statement layout (the circuits read only the statement).
 */
import { strict as assert } from "node:assert";
import { recurse, recursionProgram, childKey, verifyRecursion, type ChildInput } from "../../../src/recursion/recurse.js";
import { aggregationPlan, joinTasks, proveJoin, proveLeaf, proveWrap, verifyNode, type AggregationGeometry, type NodeProof } from "../../../src/recursion/plan.js";
import { AGG, L1, KIND_JOIN, canonicalTree, joinsPreOrder, decodeAggStatement, MAX_JOINS, type SegmentLayout } from "../../../src/recursion/aggregate.js";
import { RecursionError } from "../../../src/recursion/errors.js";
import { airRegistry, defineAir } from "../../../src/stark/air/air.js";
import { proveStark } from "../../../src/stark/prover.js";
import { decodeProof } from "../../../src/stark/proof.js";
import { TEST_OPTIONS } from "../../../src/stark/options.js";
import { StarkError } from "../../../src/stark/errors.js";
import { type Ext, addE, mulE } from "../../../src/stark/field/extension.js";
import { poseidon2Hash } from "../../../src/stark/hash/poseidon2.js";
import { bytesToHalves } from "../../../src/stark/vk.js";
import { createWasmBackend } from "../../../src/backends/wasm/index.js";
import { Rng } from "../../utils/rng.js";

// [batchLo, batchHi, segment, D, rootIn 8, rootOut 8, txCount, txCommitment 8, r 4, E 4]
const LAYOUT: SegmentLayout = { batchLo: 0, batchHi: 1, segmentIndex: 2, rootIn: 4, rootOut: 12, txCount: 20, txCommitment: 21, r: 29, e: 33 };
const standIn = airRegistry.register(
  defineAir({
    name: "segment-standin-v1",
    version: 1,
    width: 1,
    numPublicInputs: 37,
    numPublicColumns: 0,
    constraints(g) {
      g.assert(g.cur(0).sub(g.publicInput(0)), "firstRow");
      g.assert(g.next(0).sub(g.cur(0)), "transition");
    },
  }),
);
const ADDRESSES = [0x11, 0x22, 0x33, 0x44, 0x55].map((b) => new Uint8Array(20).fill(b));

describe("recursion: a batch's proof tree (leaves, joins, the wrap)", function () {
  this.timeout(600_000);
  const backend = createWasmBackend({ threads: 1 });
  after(() => backend.close());
  const rng = new Rng(3);
  const ext = (): Ext => [rng.field(), rng.field(), rng.field(), rng.field()];
  const S = 3;
  const r = ext();
  const roots = Array.from({ length: S + 1 }, () => Array.from({ length: 8 }, () => rng.field()));
  const counts = [2, 3, 1];
  const txs = counts.map((n) => Array.from({ length: 2 * n }, ext));
  const horner = (ks: Ext[], acc: Ext = [0, 0, 0, 0]) => ks.reduce((a, k) => addE(mulE(a, r), k), acc);
  const commitments = counts.map(() => Array.from({ length: 8 }, () => rng.field()));

  async function segment(i: number): Promise<ChildInput> {
    const pi = [5, 0, i, 20, ...roots[i]!, ...roots[i + 1]!, counts[i]!, ...commitments[i]!, ...r, ...horner(txs[i]!)];
    const instance = { trace: [new Uint32Array(8).fill(pi[0]!)], publicInputs: Uint32Array.from(pi), publicColumns: [] };
    const { bytes } = await proveStark({ air: standIn, instance, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: ADDRESSES[i]!, backend });
    return { air: standIn, proof: bytes, publicInputs: instance.publicInputs, proverAddress: ADDRESSES[i]! };
  }

  it("proves a tree of 3 segments through the plan: continuity, txRoot, E and the join provers reach the L1 statement", async () => {
    const segs = await Promise.all([0, 1, 2].map(segment));
    const segProof = decodeProof(segs[0]!.proof, standIn);
    // The plan: the canonical heights of leaves and joins (one join program serves every level), the keys.
    const geometry: AggregationGeometry = { segmentAir: standIn, segmentOptions: TEST_OPTIONS, segmentLogHeights: segProof.logHeights, layout: LAYOUT, options: TEST_OPTIONS, wrapOptions: TEST_OPTIONS };
    const plan = await aggregationPlan(geometry, backend);
    assert.equal(await aggregationPlan({ ...geometry, segmentLogHeights: [...segProof.logHeights] }, backend), plan, "cached per geometry");
    const h = plan.canonical;
    assert.deepEqual(recursionProgram(plan.leaf).program.logHeights, h, "the leaf is padded to the canonical heights");
    assert.deepEqual(recursionProgram(plan.join).program.logHeights, h, "a join of two canonical children fits them");
    assert.deepEqual(plan.keys.keys, [plan.segmentKey, plan.leafKey, plan.joinKey]);
    assert.deepEqual(plan.segmentKey, await childKey({ air: standIn, proof: segProof }, backend));
    assert.deepEqual(joinTasks(3).map((t) => [t.first, t.last, t.slot]), [[0, 1, 1], [0, 2, 0]]);
    const at = (_b: number, i: number) => ({ proverAddress: ADDRESSES[i]!, backend, segments: S });
    const leaves: NodeProof[] = [];
    for (const [i, s] of segs.entries()) leaves.push(await proveLeaf(plan, s, at(0, i)));
    leaves.forEach((l, i) => verifyNode(plan, l, { kind: "leaf", batchId: 5n, segments: S, first: i, last: i, r }));
    // The canonical tree of 3: J(J(L0, L1), L2).
    const t = canonicalTree(3);
    assert.equal(joinsPreOrder(t).length, 2);
    const j01 = await proveJoin(plan, leaves[0]!, leaves[1]!, at(S, 3));
    verifyNode(plan, j01, { kind: "join", batchId: 5n, segments: S, first: 0, last: 1 });
    const top = await proveJoin(plan, j01, leaves[2]!, at(S, 4));
    const st = verifyNode(plan, top, { kind: "join", batchId: 5n, segments: S, first: 0, last: 2, r }) as ReturnType<typeof decodeAggStatement>;
    assert.deepEqual(st, decodeAggStatement(top.publicValues));
    assert.equal(st.kind, KIND_JOIN);
    assert.deepEqual([st.first, st.last, st.txCount], [0, 2, 6]);
    assert.deepEqual(st.rootIn, roots[0]);
    assert.deepEqual(st.rootOut, roots[3]);
    assert.deepEqual(st.txRoot, poseidon2Hash([...poseidon2Hash([...commitments[0]!, ...commitments[1]!]), ...commitments[2]!]));
    assert.deepEqual(st.e, horner(txs.flat()), "E is Horner over the whole batch in order");

    // What a peer refuses: another span, kind, batch or randomness; a statement changed; another prover.
    const refusedAs = (re: RegExp) => (e: unknown) => e instanceof RecursionError && e.code === "CHILD_REFUSED" && re.test(e.message);
    assert.throws(() => verifyNode(plan, j01, { kind: "join", batchId: 5n, segments: S, first: 1, last: 2 }), refusedAs(/not a join of the canonical tree/));
    assert.throws(() => verifyNode(plan, leaves[0]!, { kind: "join", batchId: 5n, segments: S, first: 0, last: 1 }), refusedAs(/statement kind|covers/));
    assert.throws(() => verifyNode(plan, j01, { kind: "join", batchId: 6n, segments: S, first: 0, last: 1 }), refusedAs(/batch 5, not 6/));
    assert.throws(() => verifyNode(plan, j01, { kind: "join", batchId: 5n, segments: S, first: 0, last: 1, r: [1, 2, 3, 4] }), refusedAs(/randomness/));
    const changed = Uint32Array.from(j01.publicValues);
    changed[AGG.txCount] = 4;
    assert.throws(() => verifyNode(plan, { ...j01, publicValues: changed }, { kind: "join", batchId: 5n, segments: S, first: 0, last: 1 }), refusedAs(/is invalid/));
    assert.throws(() => verifyNode(plan, { ...j01, proverAddress: ADDRESSES[0]! }, { kind: "join", batchId: 5n, segments: S, first: 0, last: 1 }), refusedAs(/is invalid/));
    assert.throws(() => verifyNode(plan, j01, { kind: "wrap", batchId: 5n, segments: S }), refusedAs(/public values/));

    // The wrap: the L1 statement, the join provers in pre-order (the top join, then J01).
    const wrap = await proveWrap(plan, top, [ADDRESSES[4]!, ADDRESSES[3]!], { ...at(S, 0), proverAddress: ADDRESSES[0]! });
    const pv = verifyNode(plan, wrap, { kind: "wrap", batchId: 5n, segments: S, r }) as Uint32Array;
    assert.equal(pv[L1.segments], 3);
    assert.deepEqual(Array.from(pv.subarray(L1.r, L1.r + 4)), [...r]);
    assert.deepEqual(Array.from(pv.subarray(L1.e, L1.e + 4)), [...horner(txs.flat())]);
    assert.deepEqual(Array.from(pv.subarray(L1.provers, L1.provers + 20)), [...bytesToHalves(ADDRESSES[4]!), ...bytesToHalves(ADDRESSES[3]!)]);
    assert.ok(pv.subarray(L1.provers + 20, L1.provers + 10 * MAX_JOINS).every((x) => x === 0));
    assert.throws(() => verifyNode(plan, wrap, { kind: "wrap", batchId: 5n, segments: 2 }), refusedAs(/3 segments, not 2/));

    // A join of non-adjacent segments: refused while building, and rejected when forced.
    await assert.rejects(proveJoin(plan, leaves[0]!, leaves[2]!, at(S, 3)), refusedAs(/not the two children of a join/));
    const asChild = (p: NodeProof): ChildInput => ({ air: plan.leafAir, proof: p.proof, publicInputs: p.publicValues, proverAddress: p.proverAddress });
    await assert.rejects(recurse({ keys: plan.keys, options: TEST_OPTIONS, hash: "poseidon2", backend, minHeights: h, program: { kind: "agg-join" }, children: [asChild(leaves[0]!), asChild(leaves[2]!)], proverAddress: ADDRESSES[3]! }), (e: unknown) => e instanceof RecursionError && /adjacent segments|roots continue/.test(e.message));
    const forced = await recurse({ keys: plan.keys, options: TEST_OPTIONS, hash: "poseidon2", backend, minHeights: h, program: { kind: "agg-join" }, children: [asChild(leaves[0]!), asChild(leaves[2]!)], proverAddress: ADDRESSES[3]!, check: false });
    assert.throws(() => verifyNode(plan, { proof: forced.bytes, publicValues: forced.publicValues, proverAddress: ADDRESSES[3]! }, { kind: "join", batchId: 5n, segments: S, first: 0, last: 2 }), refusedAs(/is invalid/));
    assert.throws(() => verifyRecursion({ descriptor: forced.descriptor, proof: forced.bytes, publicValues: forced.publicValues, proverAddress: ADDRESSES[3]!, policy: { minSecurityBits: 0 } }), StarkError);
    // A wrap claiming other join provers: refused.
    await assert.rejects(proveWrap(plan, top, [ADDRESSES[3]!, ADDRESSES[4]!], at(S, 0)), refusedAs(/top join's prover comes first/));
    await assert.rejects(recurse({ keys: plan.keys, options: TEST_OPTIONS, hash: "keccak", backend, program: { kind: "agg-wrap" }, children: [{ air: plan.joinAir, proof: top.proof, publicInputs: top.publicValues, proverAddress: top.proverAddress }], joinProvers: [ADDRESSES[4]!, ADDRESSES[0]!], proverAddress: ADDRESSES[0]! }), /join provers|top join's prover/);
    assert.equal(AGG.kind, 44);
  });
});
