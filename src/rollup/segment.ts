import type { Ext } from "../stark/field/extension.js";
import { type BatchBinding, batchBinding } from "./batch-binding.js";
import { type Digest } from "./digest.js";
import { RollupError } from "./errors.js";
import { checkTreeDepth } from "./options.js";
import { RollupState, type TxStep } from "./stf.js";
import type { Transaction, TxFailure } from "./transaction.js";

/** Smallest and largest trace heights a segment may have (log2). */
export const MIN_LOG_ROWS = 3;
export const MAX_LOG_ROWS = 26;

/**
 * How a segment's transactions map to trace rows, i.e. how many a segment of 2^k rows holds:
 * - `v1` (transfer-v1): the sender's then the receiver's slot update, each 2 leaf rows (the two sponge
 *   permutations) and D level rows: 2·(D + 2) rows per transaction;
 * - `v2` (transfer-v2): both slot updates side by side (four Poseidon2 lanes per row): D + 2 rows.
 */
export type SegmentGeometry = "v1" | "v2";

/** Rows one transaction occupies in a segment of this geometry. */
export function rowsPerTransaction(treeDepth: number, geometry: SegmentGeometry = "v1"): number {
  checkTreeDepth(treeDepth);
  return geometry === "v1" ? 2 * (treeDepth + 2) : treeDepth + 2;
}

/**
 * Transactions one segment of 2^logRows rows holds. The last row is always padding (the root-carry
 * transition is not enforced on it), so capacity = floor((2^logRows − 1) / rowsPerTransaction).
 */
export function segmentCapacity(treeDepth: number, logRows: number, geometry: SegmentGeometry = "v1"): number {
  if (!Number.isInteger(logRows) || logRows < MIN_LOG_ROWS || logRows > MAX_LOG_ROWS) {
    throw new RangeError(`segment height must be 2^k with k in [${MIN_LOG_ROWS}, ${MAX_LOG_ROWS}], got k = ${logRows}`);
  }
  return Math.floor((2 ** logRows - 1) / rowsPerTransaction(treeDepth, geometry));
}

/** A segment of a batch: consecutive executed transactions, chained by state roots. */
export interface Segment {
  readonly batchId: bigint;
  readonly index: number;
  readonly treeDepth: number;
  readonly logRows: number;
  readonly geometry: SegmentGeometry;
  readonly rootIn: Digest;
  readonly rootOut: Digest;
  readonly steps: readonly TxStep[];
  /** v2: the batch's randomness r (its binding's), which the segment's proof evaluates its transactions at. */
  readonly randomness?: Ext;
}

/** A batch: its transactions executed in order from `rootIn`, cut into segments. */
export interface Batch {
  readonly batchId: bigint;
  readonly treeDepth: number;
  readonly logRows: number;
  readonly geometry: SegmentGeometry;
  readonly rootIn: Digest;
  readonly rootOut: Digest;
  readonly transactions: readonly Transaction[];
  /** Per transaction: null (applied) or the failure recorded. */
  readonly outcomes: readonly (TxFailure | null)[];
  readonly segments: readonly Segment[];
  /** v2: dataHash, txRoot, r and E, as L1 derives them at posting (src/rollup/batch-binding.ts). */
  readonly binding?: BatchBinding;
}

/** Largest batch id: it enters the public inputs as two 30-bit limbs. */
export const MAX_BATCH_ID = 2n ** 60n - 1n;

/**
 * Execute `transactions` on `state` (mutated) and cut them into segments of at most
 * segmentCapacity(D, logRows, geometry) transactions. An empty batch is one empty segment.
 */
export function buildBatch(state: RollupState, batchId: bigint, transactions: readonly Transaction[], logRows: number, geometry: SegmentGeometry = "v1"): Batch {
  if (batchId < 0n || batchId > MAX_BATCH_ID) throw new RollupError(`batch id ${batchId} outside [0, 2^60)`);
  const capacity = segmentCapacity(state.treeDepth, logRows, geometry);
  if (capacity < 1) throw new RollupError(`a segment of 2^${logRows} rows holds no transaction at tree depth ${state.treeDepth}`);
  const rootIn = state.root;
  const steps = transactions.map((tx) => state.apply(tx));
  const segments: Segment[] = [];
  for (let start = 0; start < steps.length || segments.length === 0; start += capacity) {
    const part = steps.slice(start, start + capacity);
    const segRootIn = segments.length === 0 ? rootIn : segments[segments.length - 1]!.rootOut;
    segments.push({
      batchId,
      index: segments.length,
      treeDepth: state.treeDepth,
      logRows,
      geometry,
      rootIn: segRootIn,
      rootOut: part.length === 0 ? segRootIn : part[part.length - 1]!.rootAfter,
      steps: part,
    });
  }
  const binding = geometry === "v2" ? batchBinding(transactions, segments.map((s) => s.steps.length)) : undefined;
  return {
    batchId,
    treeDepth: state.treeDepth,
    logRows,
    geometry,
    rootIn,
    rootOut: state.root,
    transactions,
    outcomes: steps.map((s) => s.failure),
    segments: binding ? segments.map((s) => ({ ...s, randomness: binding.randomness })) : segments,
    ...(binding ? { binding } : {}),
  };
}
