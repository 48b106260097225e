/** Rollup parameters. The tree depth is part of the AIR's shape and of every witness. */
export interface RollupOpts {
  /** Depth D of the sparse Merkle state tree: 2^D account slots. */
  treeDepth: number;
}

export const defaultRollupOpts: RollupOpts = { treeDepth: 20 };

/** Largest supported tree depth: account indices stay below 2^30 (< p, and fit every u32 field). */
export const MAX_TREE_DEPTH = 30;

/** Balances and transferred amounts are < 2^30; the AIR range-checks them as two 15-bit limbs. */
export const AMOUNT_BITS = 30;
export const AMOUNT_LIMIT = 2 ** AMOUNT_BITS;
/** Width of the limbs used by the AIR's range checks. */
export const LIMB_BITS = 15;

export function checkTreeDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TREE_DEPTH) {
    throw new RangeError(`tree depth must be an integer in [1, ${MAX_TREE_DEPTH}], got ${depth}`);
  }
}
