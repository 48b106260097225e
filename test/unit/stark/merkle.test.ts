import { strict as assert } from "node:assert";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { buildMerkleTree, computeMultiRoot, hashWords, leafWords, merkleRoot, openMulti, multiProofSize } from "../../../src/stark/merkle/tree.js";
import { hashPair, wordsToBytes } from "../../../src/stark/hash/keccak.js";
import { Rng } from "../../utils/rng.js";

describe("stark/merkle: Keccak trees and batched multi-proofs", () => {
  const rng = new Rng(4);

  it("hashes a leaf as keccak256 of its rows' u32 LE words (strided rows per leaf)", () => {
    const cols = [Uint32Array.of(1, 2, 3, 4), Uint32Array.of(5, 6, 7, 8)];
    const tree = buildMerkleTree(cols, 2);
    // Leaf 0 groups rows 0 and 2; leaf 1 rows 1 and 3.
    const leaf0 = keccak_256(wordsToBytes([1, 5, 3, 7]));
    const leaf1 = keccak_256(wordsToBytes([2, 6, 4, 8]));
    assert.deepEqual(tree.levels[0]!.subarray(0, 32), leaf0);
    assert.deepEqual(merkleRoot(tree), hashPair(leaf0, leaf1));
    assert.deepEqual(leafWords(cols, 2, 1), Uint32Array.of(2, 6, 4, 8));
  });

  for (const [logH, arity, opened] of [[0, 1, 1], [4, 1, 3], [6, 4, 5], [8, 2, 20], [8, 1, 256]] as const) {
    it(`multi-proof for ${opened} leaves of a 2^${logH}-row tree (arity ${arity}) verifies`, () => {
      const cols = [rng.fieldArray(1 << logH), rng.fieldArray(1 << logH), rng.fieldArray(1 << logH)];
      const tree = buildMerkleTree(cols, arity);
      const leafCount = (1 << logH) / arity;
      const depth = Math.log2(leafCount);
      const idx = [...new Set(Array.from({ length: opened }, () => rng.int(leafCount)))].sort((a, b) => a - b);
      const sib = openMulti(tree, idx);
      assert.equal(sib.length, multiProofSize(idx, depth));
      const digests = idx.map((i) => hashWords(leafWords(cols, arity, i)));
      assert.deepEqual(computeMultiRoot(digests, idx, sib, depth), merkleRoot(tree));
    });
  }

  it("rejects every single-bit change of leaves, siblings and indices", () => {
    const cols = [rng.fieldArray(32), rng.fieldArray(32)];
    const tree = buildMerkleTree(cols, 1);
    const root = merkleRoot(tree);
    const idx = [3, 4, 17, 30];
    const sib = openMulti(tree, idx);
    const leaves = idx.map((i) => leafWords(cols, 1, i));
    const ok = (ls: Uint32Array[], s: Uint8Array[], ix: number[]) => {
      const r = computeMultiRoot(ls.map(hashWords), ix, s, 5);
      return r !== null && Buffer.from(r).equals(Buffer.from(root));
    };
    assert.ok(ok(leaves, sib, idx));
    for (let l = 0; l < leaves.length; l++) {
      for (let w = 0; w < leaves[l]!.length; w++) {
        for (let bit = 0; bit < 32; bit++) {
          const mod = leaves.map((x) => x.slice());
          mod[l]![w] = (mod[l]![w]! ^ (1 << bit)) >>> 0;
          assert.ok(!ok(mod, sib, idx), `leaf ${l} word ${w} bit ${bit}`);
        }
      }
    }
    for (let s = 0; s < sib.length; s++) {
      for (let bit = 0; bit < 256; bit++) {
        const mod = sib.map((x) => x.slice());
        mod[s]![bit >> 3] ^= 1 << (bit & 7);
        assert.ok(!ok(leaves, mod, idx), `sibling ${s} bit ${bit}`);
      }
    }
    for (let k = 0; k < idx.length; k++) {
      for (let bit = 0; bit < 5; bit++) {
        const mod = idx.slice();
        mod[k] = mod[k]! ^ (1 << bit);
        assert.ok(!ok(leaves, sib, mod), `index ${k} bit ${bit}`);
      }
    }
  });

  it("returns null for malformed inputs instead of throwing", () => {
    const d = new Uint8Array(32);
    assert.equal(computeMultiRoot([d, d], [1, 1], [], 2), null, "duplicate index");
    assert.equal(computeMultiRoot([d, d], [2, 1], [], 2), null, "unsorted");
    assert.equal(computeMultiRoot([d], [4], [d, d], 2), null, "out of range");
    assert.equal(computeMultiRoot([d], [0], [d], 2), null, "too few siblings");
    assert.equal(computeMultiRoot([d], [0], [d, d, d], 2), null, "too many siblings");
    assert.equal(computeMultiRoot([], [], [], 2), null, "nothing opened");
  });
});
