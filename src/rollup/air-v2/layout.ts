/**
 * Tables, columns, buses and public inputs of `transfer-v2` (docs/rollup.md §5 explains each).
 *
 * - `paths` (the segment's height): per row four Poseidon2 lanes, the Merkle paths of a transaction's
 *   two slot updates side by side, each before (O) and after (N) the update over the same siblings;
 *   the block structure is preprocessed.
 * - `txs` (one row per transaction): the transaction's 16 bytes, the validity logic on byte limbs, the
 *   txCommitment sponge, the `active` prefix and its counter.
 * - `range` (256 rows, preprocessed): byte and 6-bit range checks by LogUp.
 */
import { ROUND_COLUMNS_X7F } from "./poseidon2-lane.js";

export const TRANSFER_V2 = "transfer-v2";

/** Buses (LogUp). */
export const BUS = {
  /**
   * A transaction's two slot updates: paths sends (t, then for the sender and the receiver: slot index,
   * exists, old balance, old nonce, new balance, new nonce), txs receives it.
   */
  update: 1,
  /** A byte: txs sends, range receives. */
  range8: 2,
  /** A value below 2^6: txs sends, range receives on its first 64 rows. */
  range6: 3,
} as const;

/**
 * Public inputs: [batchId lo30, batchId hi30, segment index, tree depth, rootIn[8], rootOut[8], tx count,
 * txCommitment[8], r[4], E[4]] — r the batch's randomness and E the Horner evaluation at r of the
 * segment's transactions (src/rollup/batch-binding.ts), both elements of K in coefficient order.
 */
export const PI = { batchLo: 0, batchHi: 1, segmentIndex: 2, treeDepth: 3, rootIn: 4, rootOut: 12, txCount: 20, txCommitment: 21, r: 29, e: 33 } as const;
export const NUM_PUBLIC_INPUTS = 37;

/** Initial capacity of the account-leaf sponge: state[8] = input length (key 8 + balance + nonce). */
export const LEAF_INPUT_LENGTH = 10;
/** txCommitment absorbs 8 u16 halves per transaction (its 16 bytes): one full rate block. */
export const TX_HALVES = 8;

/** Column allocator: `take(n)` returns the first index of n consecutive columns. */
function columns(): { take(n?: number): number; readonly width: number } {
  let next = 0;
  return {
    take(n = 1) {
      const at = next;
      next += n;
      return at;
    },
    get width() {
      return next;
    },
  };
}

/** The two slot updates of a transaction, side by side in the paths table. */
export const SENDER = 0;
export const RECEIVER = 1;

/** Columns of the paths table for a lane gadget of `laneWidth` columns. */
export function pathsColumns(laneWidth: number) {
  const c = columns();
  // Per side (sender, receiver): lane O computes the slot's path before the update, lane N after it.
  const lanes = [0, 1].map(() => ({ old: c.take(laneWidth), new: c.take(laneWidth) }));
  const sides = lanes.map((l) => ({
    ...l,
    /** Path bit of this level row (1: the node is the right child). */
    bit: c.take(),
    /** Σ_{l' ≥ l} bit_l'·2^l' over the level rows: the slot index at level 0. */
    acc: c.take(),
    /** leafB row: the slot holds an account; level rows: 1. */
    exists: c.take(),
  }));
  return {
    sides,
    /** The block belongs to a transaction of the segment (constant over a block). */
    active: c.take(),
    /** Running state root. */
    root: c.take(8),
    width: c.width,
  };
}

/** Preprocessed columns of the paths table (functions of the tree depth and the height). */
export const PATHS_PRE = {
  /** First row of a transaction's block: the leaf sponges' first blocks (key ‖ (10, 0⁷)). */
  leafA: 0,
  /** Second row: the sponges' second blocks (balance, nonce); both updates go on the bus here. */
  leafB: 1,
  /** One of the D level rows (the top included). */
  level: 2,
  /** The last level row of a block: its outputs are the roots before, between and after the updates. */
  top: 3,
  /** 2^l on the row of level l. */
  pow2: 4,
  /** The transaction index t of the block, on its leafB row (its updates are 2·t and 2·t + 1). */
  tx: 5,
} as const;
export const NUM_PATHS_PRE = 6;

const txc = columns();
/** Columns of the txs table. */
export const TXS = {
  /** The transaction's 16 bytes: from, to, amount, nonce as u32 little-endian. */
  bytes: txc.take(16),
  /** Sponge capacity entering this row's permutation (state[8..16)). */
  cap: txc.take(8),
  /** The sponge permutation's x^7 columns, last round folded (its rate input: the bytes as 8 u16 halves). */
  rounds: txc.take(ROUND_COLUMNS_X7F),
  /** The sponge's digest after the last active row, carried down to the last row. */
  digest: txc.take(8),
  /** Row is a transaction (a prefix of the table). */
  active: txc.take(),
  /** Active rows up to and including this one. */
  count: txc.take(),
  existsS: txc.take(),
  /** Sender's balance before, 4 bytes (the top one < 2^6). */
  balS: txc.take(4),
  nonceS: txc.take(),
  existsR: txc.take(),
  balR: txc.take(4),
  nonceR: txc.take(),
  /** amount < 2^30. */
  amountOk: txc.take(),
  /** amountOk · amount: the amount the arithmetic uses. */
  amt: txc.take(),
  /** Witness of the nonce's canonicity gadget: 1/(0x78 − top byte) when that is not zero. */
  nonceW: txc.take(),
  selfInv: txc.take(),
  /** from ≠ to. */
  notSelf: txc.take(),
  nonceInv: txc.take(),
  /** tx nonce = sender's nonce. */
  nonceOk: txc.take(),
  /** sender balance ≥ amt. */
  enough: txc.take(),
  /** |balS − amt| as 4 bytes (balS − amt, or amt − balS − 1). */
  diffS: txc.take(4),
  /** receiver balance + amt < 2^30. */
  noOverflow: txc.take(),
  diffR: txc.take(4),
  /** The transaction is applied. */
  valid: txc.take(),
  /** Horner at r over the transactions so far, two K elements each (an element of K, 4 columns). */
  eval: txc.take(4),
};
export const TXS_WIDTH = txc.width;

/** The range table: preprocessed value v = row and f6 = [v < 64]; main: multiplicities. */
export const RANGE_PRE = { value: 0, small: 1 } as const;
export const RANGE = { count8: 0, count6: 1 } as const;
export const RANGE_LOG_ROWS = 8;
