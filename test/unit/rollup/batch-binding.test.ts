import { strict as assert } from "node:assert";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { addE, mulE, powE, type Ext } from "../../../src/stark/field/extension.js";
import { poseidon2Hash } from "../../../src/stark/hash/poseidon2.js";
import {
  batchBinding, batchData, batchRandomness, batchTxRoot, concatEvaluation, digestToBytes, transactionElements, transactionsEvaluation, txCommitment,
} from "../../../src/rollup/index.js";
import { canonicalTree, foldTree, joinsPreOrder, treeSpan } from "../../../src/util/batch-tree.js";
import { rng, tx } from "./helpers.js";

describe("rollup/batch-binding: dataHash, txRoot, r and E", () => {
  const next = rng(7);
  const txs = Array.from({ length: 23 }, () => tx(Math.floor(next() * 2 ** 20), Math.floor(next() * 2 ** 20), Math.floor(next() * 2 ** 32), Math.floor(next() * 2 ** 31)));

  it("the canonical tree pairs adjacent nodes level by level and carries an odd one up", () => {
    const show = (n: ReturnType<typeof canonicalTree>): string => ("leaf" in n ? `${n.leaf}` : `(${show(n.left)} ${show(n.right)})`);
    assert.equal(show(canonicalTree(1)), "0");
    assert.equal(show(canonicalTree(3)), "((0 1) 2)");
    assert.equal(show(canonicalTree(5)), "(((0 1) (2 3)) 4)");
    assert.equal(show(canonicalTree(6)), "(((0 1) (2 3)) (4 5))");
    for (let s = 1; s <= 16; s++) {
      assert.equal(joinsPreOrder(canonicalTree(s)).length, s - 1);
      assert.deepEqual(treeSpan(canonicalTree(s)), [0, s - 1]);
      assert.equal(foldTree(canonicalTree(s), () => 1, (l, r) => l + r), s);
    }
    assert.throws(() => canonicalTree(0), RangeError);
  });

  it("E is Horner at r over two K elements per transaction, and splits by concatenation", () => {
    const r: Ext = [11, 22, 33, 44];
    let expected: Ext = [0, 0, 0, 0];
    const ks = txs.flatMap(transactionElements);
    ks.forEach((k, j) => (expected = addE(expected, mulE(k, powE(r, ks.length - 1 - j)))));
    assert.deepEqual(transactionsEvaluation(txs, r), expected);
    assert.deepEqual(transactionsEvaluation([], r), [0, 0, 0, 0]);
    for (const cut of [0, 1, 9, 23]) {
      const joined = concatEvaluation(transactionsEvaluation(txs.slice(0, cut), r), transactionsEvaluation(txs.slice(cut), r), txs.length - cut, r);
      assert.deepEqual(joined, expected, `cut at ${cut}`);
    }
    const [k0, k1] = transactionElements(tx(0x04030201, 0x08070605, 0x0c0b0a09, 0x100f0e0d));
    assert.deepEqual(k0, [0x0201, 0x0403, 0x0605, 0x0807]);
    assert.deepEqual(k1, [0x0a09, 0x0c0b, 0x0e0d, 0x100f]);
  });

  it("txRoot folds the segments' txCommitments; r is keccak256(dataHash ‖ txRoot) masked to 30-bit words", () => {
    const counts = [10, 10, 3];
    const b = batchBinding(txs, counts);
    const c = [txs.slice(0, 10), txs.slice(10, 20), txs.slice(20)].map(txCommitment);
    assert.deepEqual(b.txRoot, poseidon2Hash([...poseidon2Hash([...c[0]!, ...c[1]!]), ...c[2]!]));
    assert.deepEqual(batchTxRoot([c[0]!]), c[0]);
    assert.deepEqual(b.dataHash, keccak_256(batchData(txs)));
    assert.equal(batchData(txs).length, 16 * txs.length);
    const h = keccak_256(new Uint8Array([...b.dataHash, ...digestToBytes(b.txRoot)]));
    const words = [0, 1, 2, 3].map((i) => new DataView(h.buffer).getUint32(4 * i, false) & 0x3fffffff);
    assert.deepEqual(b.randomness, words);
    assert.deepEqual(b.evaluation, transactionsEvaluation(txs, b.randomness));
    assert.notDeepEqual(batchBinding(txs, [10, 13]).randomness, b.randomness, "another cut, another txRoot, another r");
    assert.notDeepEqual(batchRandomness(new Uint8Array(32), b.txRoot), b.randomness);
    assert.throws(() => batchBinding(txs, [10, 10]), RangeError);
  });
});
