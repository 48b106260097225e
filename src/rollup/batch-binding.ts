/**
 * How a batch's proofs are bound to the transactions L1 holds (docs/aggregation.md §2), without
 * proving Keccak:
 *
 * - dataHash = keccak256(B), B the batch's transactions as posted (16 bytes each);
 * - txRoot: the segments' txCommitments (Poseidon2) folded over the canonical tree, pair by pair with
 *   poseidon2Hash(left ‖ right);
 * - r = keccak256(dataHash ‖ txRoot as 32 bytes): four big-endian u32 words of the hash, each masked
 *   to 30 bits, as an element of the extension K (so r is uniform over 2^120 elements of K);
 * - E = Horner at r over the transactions' K elements in order: each transaction's 8 u16 halves are
 *   two elements (halves 0..3, then 4..7), so E = Σ_j k_j·r^(2n−1−j).
 *
 * A segment proof takes r and shows E over its own transactions; joins combine E by Horner; L1
 * computes dataHash, r and E itself from B and the posted txRoot, and compares them with the final
 * proof's statement. Because txRoot fixes the transactions the proofs apply before r exists, a proof
 * over transactions T ≠ B passes only if E(T, r) = E(B, r), which happens with probability ≤ 2n/2^120.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { type Ext, ZERO as ZERO_E, addE, mulE, powE } from "../stark/field/extension.js";
import { poseidon2Hash } from "../stark/hash/poseidon2.js";
import { canonicalTree, foldTree } from "../util/batch-tree.js";
import { type Digest, digestToBytes } from "./digest.js";
import { encodeTransaction, type Transaction, TX_BYTES } from "./transaction.js";

/** r masks each word to 30 bits: canonical BabyBear elements, uniform. */
const R_WORD_MASK = 0x3fffffff;

/** The batch's transactions as posted on L1: 16 bytes each, in order. */
export function batchData(transactions: readonly Transaction[]): Uint8Array {
  const out = new Uint8Array(transactions.length * TX_BYTES);
  transactions.forEach((tx, i) => out.set(transactionBytes(tx), i * TX_BYTES));
  return out;
}

/** keccak256 of the posted transactions. */
export function batchDataHash(transactions: readonly Transaction[]): Uint8Array {
  return keccak_256(batchData(transactions));
}

/** txRoot over the segments' txCommitments, in segment order, on the canonical tree. */
export function batchTxRoot(commitments: readonly Digest[]): Digest {
  return foldTree(canonicalTree(commitments.length), (i) => commitments[i]!, (l, r) => poseidon2Hash([...l, ...r]));
}

/** r = keccak256(dataHash ‖ txRoot) as four 30-bit words (big-endian u32 words of the hash, in order). */
export function batchRandomness(dataHash: Uint8Array, txRoot: Digest): Ext {
  if (dataHash.length !== 32) throw new RangeError(`dataHash is 32 bytes, not ${dataHash.length}`);
  const input = new Uint8Array(64);
  input.set(dataHash, 0);
  input.set(digestToBytes(txRoot), 32);
  const h = keccak_256(input);
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
  return [0, 1, 2, 3].map((i) => view.getUint32(4 * i, false) & R_WORD_MASK) as unknown as Ext;
}

/** The transaction's 16 bytes (from, to, amount, nonce as u32 little-endian): what L1 holds. */
export function transactionBytes(tx: Transaction): Uint8Array {
  const out = new Uint8Array(TX_BYTES);
  encodeTransaction(tx, new DataView(out.buffer), 0);
  return out;
}

/** The 16 bytes as 8 u16 little-endian halves: one rate block of the txCommitment sponge. */
export function transactionHalves(tx: Transaction): number[] {
  const b = transactionBytes(tx);
  return Array.from({ length: TX_BYTES / 2 }, (_, i) => b[2 * i]! | (b[2 * i + 1]! << 8));
}

/**
 * A segment's txCommitment: `poseidon2Hash` (rate 8, the input length 8·count in state[8]) over its
 * transactions' halves, in order. The empty segment's commitment is the hash of the empty input.
 */
export function txCommitment(transactions: readonly Transaction[]): Digest {
  return poseidon2Hash(transactions.flatMap(transactionHalves));
}

/** A transaction's two elements of K: its 8 u16 little-endian halves, four per element (coefficient order). */
export function transactionElements(tx: Transaction): [Ext, Ext] {
  const h = transactionHalves(tx);
  return [h.slice(0, 4) as unknown as Ext, h.slice(4, 8) as unknown as Ext];
}

/** E at r over `transactions` in order (Horner, two elements per transaction); 0 for none. */
export function transactionsEvaluation(transactions: readonly Transaction[], r: Ext): Ext {
  let acc: Ext = ZERO_E;
  for (const tx of transactions) {
    const [k0, k1] = transactionElements(tx);
    acc = addE(mulE(addE(mulE(acc, r), k0), r), k1);
  }
  return acc;
}

/** E of a concatenation: E_left·r^(2·count_right) + E_right. */
export function concatEvaluation(left: Ext, right: Ext, rightCount: number, r: Ext): Ext {
  return addE(mulE(left, powE(r, 2 * rightCount)), right);
}

/** Everything L1 derives from a batch at posting: what its final proof must match. */
export interface BatchBinding {
  readonly dataHash: Uint8Array;
  readonly txRoot: Digest;
  readonly randomness: Ext;
  readonly evaluation: Ext;
}

/** The binding of a batch: its transactions, cut into segments of these transaction counts. */
export function batchBinding(transactions: readonly Transaction[], segmentCounts: readonly number[]): BatchBinding {
  if (segmentCounts.reduce((a, b) => a + b, 0) !== transactions.length) throw new RangeError("segment counts do not add up to the batch's transactions");
  let at = 0;
  const commitments = segmentCounts.map((n) => txCommitment(transactions.slice(at, (at += n))));
  const dataHash = batchDataHash(transactions);
  const txRoot = batchTxRoot(commitments);
  const randomness = batchRandomness(dataHash, txRoot);
  return { dataHash, txRoot, randomness, evaluation: transactionsEvaluation(transactions, randomness) };
}
