/**
 * The statement of a `transfer-v2` segment: its public inputs, txCommitment included, rebuilt from the
 * segment's transactions alone. Prover and verifier call the same functions.
 */
import type { SegmentStatement } from "../air/statement.js";
import { transactionsEvaluation, txCommitment } from "../batch-binding.js";
import { requireRandomness } from "../errors.js";
import { NUM_PUBLIC_INPUTS, PI } from "./layout.js";

export { transactionBytes, transactionHalves, txCommitment } from "../batch-binding.js";

/** [batchId lo30, hi30, segment index, D, rootIn[8], rootOut[8], tx count, txCommitment[8], r[4], E[4]]. */
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
  const r = requireRandomness(s.randomness, `transfer-v2 statement of batch ${s.batchId} segment ${s.segmentIndex}`);
  pi.set(r, PI.r);
  pi.set(transactionsEvaluation(s.transactions, r), PI.e);
  return pi;
}
