/**
 * A batch's proof tree (issue 19): leaves over segment statements, joins checking continuity and
 * combining txRoot, E and the join provers, the wrap exposing the L1 statement. Segments here are a
 * stand-in AIR with transfer-v2's statement layout (the circuits read only the statement).
 */
import { strict as assert } from "node:assert";
import { recurse, recursionProgram, recursionKey, childKey, verifyRecursion, type ChildInput, type RecursionDescriptor } from "../../../src/recursion/recurse.js";
import { KeySet } from "../../../src/recursion/keys.js";
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

  it("proves a tree of 3 segments: continuity, txRoot, E and the join provers reach the L1 statement", async () => {
    const segs = await Promise.all([0, 1, 2].map(segment));
    const segProof = decodeProof(segs[0]!.proof, standIn);
    // Canonical heights: a leaf and a join padded to one shape, so one join program serves every level.
    const leafDesc = (min = {}): RecursionDescriptor => ({ version: 1, kind: "agg-leaf", segmentLayout: LAYOUT, children: [{ air: standIn.name, options: TEST_OPTIONS, logHeights: segProof.logHeights }], keySetDepth: 4, minHeights: min });
    let min = recursionProgram(leafDesc()).program.logHeights;
    for (;;) {
      const joinDesc: RecursionDescriptor = { version: 1, kind: "agg-join", children: [0, 1].map(() => ({ air: "recursion-v1", options: TEST_OPTIONS, logHeights: [min.inputs, min.public, min.alu, min.poseidon2], publicValues: 54 })), keySetDepth: 4, minHeights: min };
      const h = recursionProgram(joinDesc).program.logHeights;
      if (h.inputs === min.inputs && h.alu === min.alu && h.poseidon2 === min.poseidon2 && h.public === min.public) break;
      min = { inputs: Math.max(min.inputs, h.inputs), public: Math.max(min.public, h.public), alu: Math.max(min.alu, h.alu), poseidon2: Math.max(min.poseidon2, h.poseidon2) };
      min = recursionProgram(leafDesc(min)).program.logHeights;
    }
    const joinDesc: RecursionDescriptor = { version: 1, kind: "agg-join", children: [0, 1].map(() => ({ air: "recursion-v1", options: TEST_OPTIONS, logHeights: [min.inputs, min.public, min.alu, min.poseidon2], publicValues: 54 })), keySetDepth: 4, minHeights: min };
    const keys = new KeySet([await childKey({ air: standIn, proof: segProof }, backend), await recursionKey(leafDesc(min), TEST_OPTIONS, "poseidon2", backend), await recursionKey(joinDesc, TEST_OPTIONS, "poseidon2", backend)]);
    const common = { keys, options: TEST_OPTIONS, hash: "poseidon2" as const, backend, minHeights: min };
    const leaves: Awaited<ReturnType<typeof recurse>>[] = [];
    for (const [i, s] of segs.entries()) leaves.push(await recurse({ ...common, program: { kind: "agg-leaf", segmentLayout: LAYOUT }, children: [s], proverAddress: ADDRESSES[i]! }));
    const asChild = (p: (typeof leaves)[0], address: Uint8Array): ChildInput => ({ air: recursionProgram(p.descriptor).air, proof: p.bytes, publicInputs: p.publicValues, proverAddress: address });
    const l = leaves.map((p, i) => asChild(p, ADDRESSES[i]!));
    // The canonical tree of 3: J(J(L0, L1), L2).
    const t = canonicalTree(3);
    assert.equal(joinsPreOrder(t).length, 2);
    const j01 = await recurse({ ...common, program: { kind: "agg-join" }, children: [l[0]!, l[1]!], proverAddress: ADDRESSES[3]! });
    assert.equal(recursionProgram(j01.descriptor).program.logHeights.alu, min.alu, "a join has the canonical shape");
    const top = await recurse({ ...common, program: { kind: "agg-join" }, children: [asChild(j01, ADDRESSES[3]!), l[2]!], proverAddress: ADDRESSES[4]! });
    const st = decodeAggStatement(top.publicValues);
    assert.equal(st.kind, KIND_JOIN);
    assert.deepEqual([st.first, st.last, st.txCount], [0, 2, 6]);
    assert.deepEqual(st.rootIn, roots[0]);
    assert.deepEqual(st.rootOut, roots[3]);
    assert.deepEqual(st.txRoot, poseidon2Hash([...poseidon2Hash([...commitments[0]!, ...commitments[1]!]), ...commitments[2]!]));
    assert.deepEqual(st.e, horner(txs.flat()), "E is Horner over the whole batch in order");

    // The wrap: the L1 statement, the join provers in pre-order (the top join, then J01).
    const wrapDesc = { kind: "agg-wrap" as const };
    const wrap = await recurse({ ...common, minHeights: {}, program: wrapDesc, children: [asChild(top, ADDRESSES[4]!)], joinProvers: [ADDRESSES[4]!, ADDRESSES[3]!], hash: "keccak", proverAddress: ADDRESSES[0]! });
    const pv = wrap.publicValues;
    assert.equal(pv[L1.segments], 3);
    assert.deepEqual(Array.from(pv.subarray(L1.r, L1.r + 4)), [...r]);
    assert.deepEqual(Array.from(pv.subarray(L1.e, L1.e + 4)), [...horner(txs.flat())]);
    assert.deepEqual(Array.from(pv.subarray(L1.provers, L1.provers + 20)), [...bytesToHalves(ADDRESSES[4]!), ...bytesToHalves(ADDRESSES[3]!)]);
    assert.ok(pv.subarray(L1.provers + 20, L1.provers + 10 * MAX_JOINS).every((x) => x === 0));
    await recursionKey(wrap.descriptor, TEST_OPTIONS, "keccak", backend);
    verifyRecursion({ descriptor: wrap.descriptor, proof: wrap.bytes, publicValues: wrap.publicValues, proverAddress: ADDRESSES[0]!, policy: { minSecurityBits: 0 } });

    // A join of non-adjacent segments: refused while building, and rejected when forced.
    await assert.rejects(recurse({ ...common, program: { kind: "agg-join" }, children: [l[0]!, l[2]!], proverAddress: ADDRESSES[3]! }), (e: unknown) => e instanceof RecursionError && /adjacent segments|roots continue/.test(e.message));
    const forced = await recurse({ ...common, program: { kind: "agg-join" }, children: [l[0]!, l[2]!], proverAddress: ADDRESSES[3]!, check: false });
    await recursionKey(forced.descriptor, TEST_OPTIONS, "poseidon2", backend);
    assert.throws(() => verifyRecursion({ descriptor: forced.descriptor, proof: forced.bytes, publicValues: forced.publicValues, proverAddress: ADDRESSES[3]!, policy: { minSecurityBits: 0 } }), StarkError);
    // A wrap claiming other join provers: refused.
    await assert.rejects(recurse({ ...common, minHeights: {}, program: wrapDesc, children: [asChild(top, ADDRESSES[4]!)], joinProvers: [ADDRESSES[3]!, ADDRESSES[4]!], hash: "keccak", proverAddress: ADDRESSES[0]! }), /join provers|top join's prover/);
    assert.equal(AGG.kind, 44);
  });
});
