/**
 * Column layout of `transfer-v1` (docs/rollup.md explains every column and constraint).
 *
 * A transaction is a block of 2·(D + 2) rows: a sender slot update then a receiver slot update, each
 * [leafA, leafB, level 0, …, level D−1]. Every row carries two Poseidon2 lanes: lane O computes the
 * slot's path before the update, lane N after it, over the same siblings.
 */
import { LANE_WIDTH } from "./poseidon2-air.js";

export const LANE_O = 0;
export const LANE_N = LANE_WIDTH;
/** Node entering the current level, per lane (8 each). */
export const CUR_O = 2 * LANE_WIDTH;
export const CUR_N = CUR_O + 8;
/** Sibling at the current level (shared by both lanes). */
export const SIB = CUR_N + 8;
/** Running state root. */
export const ROOT = SIB + 8;
/** Slot holds an account (leafB rows). */
export const EXISTS = ROOT + 8;
/** Inverse of (tx nonce − account nonce), when non-zero (sender leafB row). */
export const NONCE_INV = EXISTS + 1;
/** tx nonce = account nonce (sender leafB row). */
export const NONCE_OK = NONCE_INV + 1;
/** exists · nonceOk (sender leafB row). */
export const T_SENDER = NONCE_OK + 1;
/** exists · nonceOk · enough (sender leafB row). */
export const U_SENDER = T_SENDER + 1;
/** The sender-side conditions all hold (constant over a transaction block). */
export const VALID_S = U_SENDER + 1;
/** validS · receiver exists (receiver leafB row). */
export const W_RECEIVER = VALID_S + 1;
/** The transaction is applied (constant over a transaction block). */
export const VALID = W_RECEIVER + 1;
/** Carry / borrow between the low and high 15-bit limbs. */
export const CARRY_LO = VALID + 1;
/** Borrow out of the sender's subtraction (insufficient balance) or carry out of the receiver's addition (overflow). */
export const CARRY_HI = CARRY_LO + 1;
/** Four 15-bit limbs as bits (LSB first): balance hi, balance lo, result hi, result lo. */
export const BITS = CARRY_HI + 1;
export const LIMB_BITS = 15;
export const LIMB_BAL_HI = 0;
export const LIMB_BAL_LO = 1;
export const LIMB_RES_HI = 2;
export const LIMB_RES_LO = 3;
export const TRACE_WIDTH = BITS + 4 * LIMB_BITS;

/** Public columns: structure selectors (functions of D and the row) and per-transaction values. */
export const PC = {
  leafA: 0,
  leafBSender: 1,
  leafBReceiver: 2,
  level: 3,
  top: 4,
  txStart: 5,
  pathBit: 6,
  nonce: 7,
  amountHi: 8,
  amountLo: 9,
  /** amount < 2^30 and from ≠ to (checked by whoever builds the column from the transaction list). */
  publicOk: 10,
} as const;
export const NUM_PUBLIC_COLUMNS = 11;

/** Public inputs: [batchId lo30, batchId hi30, segment index, tree depth, rootIn[8], rootOut[8], tx count]. */
export const PI = { batchLo: 0, batchHi: 1, segmentIndex: 2, treeDepth: 3, rootIn: 4, rootOut: 12, txCount: 20 } as const;
export const NUM_PUBLIC_INPUTS = 21;

/** Initial capacity of the leaf sponge: state[8] = input length (10), the rest 0. */
export const LEAF_INPUT_LENGTH = 10;
