/**
 * The public side of a segment: public inputs and public columns of `transfer-v1`, built from the
 * statement alone (tree depth, height, batch id, segment index, roots, transactions). Prover and
 * verifier call the same function, so the proof is bound to exactly these transactions.
 */
import type { Ext } from "../../stark/field/extension.js";
import { AMOUNT_LIMIT } from "../options.js";
import type { Digest } from "../digest.js";
import { rowsPerTransaction, segmentCapacity } from "../segment.js";
import type { Transaction } from "../transaction.js";
import type { SegmentWitness } from "../witness.js";
import { LIMB_BITS, NUM_PUBLIC_COLUMNS, NUM_PUBLIC_INPUTS, PC, PI } from "./layout.js";
import { RollupError } from "../errors.js";

/** What the verifier needs besides the proof (everything in a witness but the openings). */
export interface SegmentStatement {
  readonly treeDepth: number;
  readonly logRows: number;
  readonly batchId: bigint;
  readonly segmentIndex: number;
  readonly rootIn: Digest;
  readonly rootOut: Digest;
  readonly transactions: readonly Transaction[];
  /** transfer-v2: the batch's randomness r (required: publicInputsV2 refuses a statement without it; transfer-v1 has none). */
  readonly randomness?: Ext;
}

export function statementOf(w: SegmentWitness): SegmentStatement {
  return {
    treeDepth: w.treeDepth,
    logRows: w.logRows,
    batchId: w.batchId,
    segmentIndex: w.segmentIndex,
    rootIn: w.rootIn,
    rootOut: w.rootOut,
    transactions: w.steps.map((s) => s.tx),
    ...(w.randomness ? { randomness: w.randomness } : {}),
  };
}

export function publicInputsOf(s: SegmentStatement): Uint32Array {
  const pi = new Uint32Array(NUM_PUBLIC_INPUTS);
  pi[PI.batchLo] = Number(s.batchId & 0x3fffffffn);
  pi[PI.batchHi] = Number((s.batchId >> 30n) & 0x3fffffffn);
  pi[PI.segmentIndex] = s.segmentIndex;
  pi[PI.treeDepth] = s.treeDepth;
  pi.set(s.rootIn, PI.rootIn);
  pi.set(s.rootOut, PI.rootOut);
  pi[PI.txCount] = s.transactions.length;
  return pi;
}

/**
 * The public columns: structural selectors (where each kind of row is) and, over each transaction's
 * block, its path bits, nonce, amount as two 15-bit limbs and the publicly checkable conditions
 * (amount < 2^30 and from ≠ to; when they fail the amount limbs are 0). Padding rows are all zero.
 */
export function publicColumnsOf(s: SegmentStatement): Uint32Array[] {
  const n = 2 ** s.logRows;
  const D = s.treeDepth;
  const R = rowsPerTransaction(D);
  if (s.transactions.length > segmentCapacity(D, s.logRows)) {
    throw new RollupError(`${s.transactions.length} transactions do not fit a segment of 2^${s.logRows} rows`);
  }
  const cols = Array.from({ length: NUM_PUBLIC_COLUMNS }, () => new Uint32Array(n));
  s.transactions.forEach((tx, t) => {
    const base = t * R;
    const ok = tx.amount < AMOUNT_LIMIT && tx.from !== tx.to;
    const amount = ok ? tx.amount : 0;
    for (let k = 0; k < R; k++) {
      const row = base + k;
      cols[PC.nonce]![row] = tx.nonce;
      cols[PC.amountHi]![row] = Math.floor(amount / 2 ** LIMB_BITS);
      cols[PC.amountLo]![row] = amount % 2 ** LIMB_BITS;
      cols[PC.publicOk]![row] = ok ? 1 : 0;
    }
    cols[PC.txStart]![base] = 1;
    for (const [half, index] of [[0, tx.from], [1, tx.to]] as const) {
      const h = base + half * (D + 2);
      cols[PC.leafA]![h] = 1;
      cols[half === 0 ? PC.leafBSender : PC.leafBReceiver]![h + 1] = 1;
      for (let l = 0; l < D; l++) {
        cols[PC.level]![h + 2 + l] = 1;
        cols[PC.pathBit]![h + 2 + l] = Math.floor(index / 2 ** l) % 2;
      }
      cols[PC.top]![h + 1 + D] = 1;
    }
  });
  return cols;
}
