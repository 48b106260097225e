/**
 * The block structure of `transfer-v2`'s paths table: a function of the tree depth D and the height
 * only, committed as preprocessed columns (in the verification key, derived by the verifier).
 *
 * Transaction t (t < capacity) owns rows [t·R, (t + 1)·R) with R = 2·(D + 2): the sender's slot update,
 * then the receiver's, each [leafA, leafB, level 0, …, level D−1]. Rows after the last block are
 * padding (there is always at least one: capacity = ⌊(2^k − 1)/R⌋), so no structure touches the
 * last row and no transition constraint is needed across the wrap.
 */
import { rowsPerTransaction, segmentCapacity } from "../segment.js";
import { NUM_PATHS_PRE, PATHS_PRE } from "./layout.js";

/** First row of update u = 2·t + role. */
export function updateStart(treeDepth: number, u: number): number {
  return (u >> 1) * rowsPerTransaction(treeDepth) + (u & 1) * (treeDepth + 2);
}

/** Smallest log2 height of a paths table that holds one transaction at depth D. */
export function minPathsLogRows(treeDepth: number): number {
  return Math.max(3, Math.ceil(Math.log2(rowsPerTransaction(treeDepth) + 1)));
}

/** log2 height of the txs table for a segment of 2^logRows paths rows: room for every transaction. */
export function txsLogRows(treeDepth: number, logRows: number): number {
  return Math.max(2, Math.ceil(Math.log2(segmentCapacity(treeDepth, logRows))));
}

/** The paths table's preprocessed columns at 2^logRows rows (PATHS_PRE order). */
export function pathsStructure(treeDepth: number, logRows: number): Uint32Array[] {
  const n = 2 ** logRows;
  const cols = Array.from({ length: NUM_PATHS_PRE }, () => new Uint32Array(n));
  const capacity = segmentCapacity(treeDepth, logRows);
  for (let u = 0; u < 2 * capacity; u++) {
    const s = updateStart(treeDepth, u);
    cols[PATHS_PRE.leafA]![s] = 1;
    cols[PATHS_PRE.leafB]![s + 1] = 1;
    cols[PATHS_PRE.update]![s + 1] = u;
    for (let l = 0; l < treeDepth; l++) {
      cols[PATHS_PRE.level]![s + 2 + l] = 1;
      cols[PATHS_PRE.pow2]![s + 2 + l] = 2 ** l;
    }
    cols[PATHS_PRE.top]![s + 1 + treeDepth] = 1;
  }
  return cols;
}
