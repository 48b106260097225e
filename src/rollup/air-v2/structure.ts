/**
 * The block structure of `transfer-v2`'s paths table: a function of the tree depth D and the height
 * only, committed as preprocessed columns (in the verification key, derived by the verifier).
 *
 * Transaction t (t < capacity) owns rows [t·R, (t + 1)·R) with R = D + 2: [leafA, leafB, level 0, …,
 * level D−1], the sender's and the receiver's slot updates side by side. Rows after the last block are
 * padding (there is always at least one: capacity = ⌊(2^k − 1)/R⌋), so no structure touches the
 * last row and no transition constraint is needed across the wrap.
 */
import { rowsPerTransaction, segmentCapacity } from "../segment.js";
import { NUM_PATHS_PRE, PATHS_PRE } from "./layout.js";

/** First row of transaction t's block. */
export function blockStart(treeDepth: number, t: number): number {
  return t * rowsPerTransaction(treeDepth, "v2");
}

/** Smallest log2 height of a paths table that holds one transaction at depth D. */
export function minPathsLogRows(treeDepth: number): number {
  return Math.max(3, Math.ceil(Math.log2(rowsPerTransaction(treeDepth, "v2") + 1)));
}

/** Transactions a paths table of 2^logRows rows holds. */
export function pathsCapacity(treeDepth: number, logRows: number): number {
  return segmentCapacity(treeDepth, logRows, "v2");
}

/** log2 height of the txs table for a segment of 2^logRows paths rows: room for every transaction. */
export function txsLogRows(treeDepth: number, logRows: number): number {
  return Math.max(2, Math.ceil(Math.log2(pathsCapacity(treeDepth, logRows))));
}

/** The paths table's preprocessed columns at 2^logRows rows (PATHS_PRE order). */
export function pathsStructure(treeDepth: number, logRows: number): Uint32Array[] {
  const n = 2 ** logRows;
  const cols = Array.from({ length: NUM_PATHS_PRE }, () => new Uint32Array(n));
  const capacity = pathsCapacity(treeDepth, logRows);
  for (let t = 0; t < capacity; t++) {
    const s = blockStart(treeDepth, t);
    cols[PATHS_PRE.leafA]![s] = 1;
    cols[PATHS_PRE.leafB]![s + 1] = 1;
    cols[PATHS_PRE.tx]![s + 1] = t;
    for (let l = 0; l < treeDepth; l++) {
      cols[PATHS_PRE.level]![s + 2 + l] = 1;
      cols[PATHS_PRE.pow2]![s + 2 + l] = 2 ** l;
    }
    cols[PATHS_PRE.top]![s + 1 + treeDepth] = 1;
  }
  return cols;
}
