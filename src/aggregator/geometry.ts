/**
 * The aggregation geometry of transfer-v2 segments (docs/aggregator.md): the segment AIR of the
 * rollup's tree depth, its proofs' table heights at a paths height of 2^logRows, and where its
 * statement sits (transfer-v2's PI layout). Its plan (recursion/plan.ts) is the batch's proof tree.
 */
import type { ProofOptions } from "../stark/options.js";
import type { ProverBackend } from "../stark/backend.js";
import { transferV2Air, txsLogRows } from "../rollup/air-v2/index.js";
import { PI, RANGE_LOG_ROWS } from "../rollup/air-v2/layout.js";
import { aggregationPlan, type AggregationGeometry, type AggregationPlan } from "../recursion/plan.js";
import type { SegmentLayout } from "../recursion/aggregate.js";

/** transfer-v2's statement fields, as the leaf program reads them. */
export const TRANSFER_V2_LAYOUT: SegmentLayout = Object.freeze({
  batchLo: PI.batchLo, batchHi: PI.batchHi, segmentIndex: PI.segmentIndex, rootIn: PI.rootIn, rootOut: PI.rootOut,
  txCount: PI.txCount, txCommitment: PI.txCommitment, r: PI.r, e: PI.e,
});

/** The table heights of a transfer-v2 proof (paths, txs, range) at 2^logRows paths rows. */
export function transferV2LogHeights(treeDepth: number, logRows: number): number[] {
  return [logRows, txsLogRows(treeDepth, logRows), RANGE_LOG_ROWS];
}

export interface TransferV2GeometryParams {
  readonly treeDepth: number;
  readonly logRows: number;
  /** Segment proofs (poseidon2). */
  readonly segmentOptions: ProofOptions;
  /** Leaves and joins (poseidon2). */
  readonly options: ProofOptions;
  /** The wrap (keccak, for L1). */
  readonly wrapOptions: ProofOptions;
}

export function transferV2Geometry(p: TransferV2GeometryParams): AggregationGeometry {
  return {
    segmentAir: transferV2Air(p.treeDepth), segmentOptions: p.segmentOptions, segmentLogHeights: transferV2LogHeights(p.treeDepth, p.logRows),
    layout: TRANSFER_V2_LAYOUT, options: p.options, wrapOptions: p.wrapOptions,
  };
}

/** The plan of transfer-v2 segments of this geometry (cached). */
export function transferV2Plan(p: TransferV2GeometryParams, backend?: ProverBackend): Promise<AggregationPlan> {
  return aggregationPlan(transferV2Geometry(p), backend);
}
