import { strict as assert } from "node:assert";
import { poseidon2Compress } from "../../../src/stark/hash/poseidon2.js";
import { ZERO_DIGEST, digestEquals, digestFromBytes32, digestToBytes32 } from "../../../src/rollup/digest.js";
import { emptyDigests, rootFromPath, SparseMerkleTree, verifyProof } from "../../../src/rollup/tree.js";
import { accountLeaf, keyDigestFromSeed } from "../../../src/rollup/account.js";

describe("rollup/tree", () => {
  it("empty subtree digests are compress(E_h, E_h) from the zero leaf", () => {
    const e = emptyDigests(5);
    assert.deepEqual(e[0], ZERO_DIGEST);
    for (let h = 0; h < 5; h++) assert.deepEqual(e[h + 1], poseidon2Compress(e[h]!, e[h]!));
    assert.deepEqual(new SparseMerkleTree(5).root, e[5]);
  });

  it("membership proofs verify for set and empty leaves, and fail for a wrong leaf, index or sibling", () => {
    const t = new SparseMerkleTree(6);
    const leaves = [3, 17, 40, 63].map((i) => [i, accountLeaf({ key: keyDigestFromSeed(i), balance: i * 10, nonce: 0 })] as const);
    for (const [i, leaf] of leaves) t.setLeaf(i, leaf);
    for (const [i, leaf] of leaves) {
      const proof = t.proof(i);
      assert.equal(proof.siblings.length, 6);
      assert.ok(verifyProof(t.root, leaf, proof));
      assert.ok(!verifyProof(t.root, ZERO_DIGEST, proof));
      assert.ok(!verifyProof(t.root, leaf, { index: i ^ 1, siblings: proof.siblings }));
      const bad = proof.siblings.map((s) => s.slice());
      bad[2]![0] = (bad[2]![0]! + 1) % 2013265921;
      assert.ok(!verifyProof(t.root, leaf, { index: i, siblings: bad }));
    }
    assert.ok(verifyProof(t.root, ZERO_DIGEST, t.proof(5)));
  });

  it("the root depends only on the leaf set (order-independent), and clearing a leaf restores the empty root", () => {
    const a = new SparseMerkleTree(4);
    const b = new SparseMerkleTree(4);
    const l1 = keyDigestFromSeed(1);
    const l2 = keyDigestFromSeed(2);
    a.setLeaf(1, l1);
    a.setLeaf(9, l2);
    b.setLeaf(9, l2);
    b.setLeaf(1, l1);
    assert.ok(digestEquals(a.root, b.root));
    assert.deepEqual(rootFromPath(l1, 1, a.proof(1).siblings), a.root);
    a.setLeaf(1, ZERO_DIGEST);
    a.setLeaf(9, ZERO_DIGEST);
    assert.deepEqual(a.root, emptyDigests(4)[4]);
  });

  it("rejects indices outside the tree", () => {
    const t = new SparseMerkleTree(3);
    assert.throws(() => t.setLeaf(8, ZERO_DIGEST), RangeError);
    assert.throws(() => t.proof(-1), RangeError);
    assert.throws(() => new SparseMerkleTree(0), RangeError);
    assert.throws(() => new SparseMerkleTree(31), RangeError);
  });

  it("packs roots as bytes32 = 8 × u32 little-endian and back", () => {
    const d = [1, 2, 3, 4, 5, 6, 7, 2013265920];
    const hex = digestToBytes32(d);
    assert.equal(hex, "0x" + "01000000020000000300000004000000050000000600000007000000" + "00000078");
    assert.deepEqual(digestFromBytes32(hex), d);
    assert.throws(() => digestFromBytes32("0x" + "01000000".repeat(7) + "01000078"), RangeError);
    assert.throws(() => digestFromBytes32("0x00"), RangeError);
  });
});
