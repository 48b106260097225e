/**
 * The statement of a `transfer-v2` segment: its public inputs, txCommitment included, rebuilt from the
 * segment's transactions alone. Prover and verifier call the same functions.
 */
import { poseidon2Hash } from "../../stark/hash/poseidon2.js";
import type { Digest } from "../digest.js";
import { encodeTransaction, TX_BYTES, type Transaction } from "../transaction.js";
import type { SegmentStatement } from "../air/statement.js";
import { NUM_PUBLIC_INPUTS, PI } from "./layout.js";

/** The transaction's 16 bytes (from, to, amount, nonce as u32 LE): what L1 holds. */
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
 * txCommitment: `poseidon2Hash` (rate 8, the input length 8·count in state[8]) over the transactions'
 * halves, in order. The empty segment's commitment is the hash of the empty input.
 */
export function txCommitment(transactions: readonly Transaction[]): Digest {
  return poseidon2Hash(transactions.flatMap(transactionHalves));
}

/** [batchId lo30, hi30, segment index, D, rootIn[8], rootOut[8], tx count, txCommitment[8]]. */
export function publicInputsV2(s: SegmentStatement): Uint32Array {
  const pi = new Uint32Array(NUM_PUBLIC_INPUTS);
  pi[PI.batchLo] = Number(s.batchId & 0x3fffffffn);
  pi[PI.batchHi] = Number((s.batchId >> 30n) & 0x3fffffffn);
  pi[PI.segmentIndex] = s.segmentIndex;
  pi[PI.treeDepth] = s.treeDepth;
  pi.set(s.rootIn, PI.rootIn);
  pi.set(s.rootOut, PI.rootOut);
  pi[PI.txCount] = s.transactions.length;
  pi.set(txCommitment(s.transactions), PI.txCommitment);
  return pi;
}
