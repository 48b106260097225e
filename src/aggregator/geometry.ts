/**
 * The aggregation geometry of transfer-v2 segments (docs/aggregator.md): the segment AIR of the
 * rollup's tree depth, its proofs' table heights at a paths height of 2^logRows, and where its
 * statement sits (transfer-v2's PI layout). Its plan (recursion/plan.ts) is the batch's proof tree.
 */
import { OPTION_PRESETS, type OptionPresetName, type ProofOptions } from "../stark/options.js";
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

/**
 * The aggregation geometry of a deployment, by option preset names: what every node of the network and
 * the deployment of the wrap verifier agree on (node config `aggregate`, devnet deployment.json). The
 * plan (and so Rollup's key-set root and the wrap's AIR id) is a function of exactly these fields.
 */
export interface AggregateDeploymentParams {
  readonly treeDepth: number;
  /** The paths height of every data segment (log2 rows). */
  readonly segmentLogRows: number;
  /** Segment proofs (transfer-v2, poseidon2); their blowup is raised to the AIR's quotient degree. */
  readonly segmentOptions: OptionPresetName;
  /** Leaves and joins (poseidon2). */
  readonly treeOptions: OptionPresetName;
  /** The wrap (keccak), what L1 verifies: `l1` on a real chain. */
  readonly wrapOptions: OptionPresetName;
}

/** Segment proof options of a preset: its blowup raised to cover transfer-v2's quotient degree. */
export function segmentOptionsFor(treeDepth: number, preset: OptionPresetName): ProofOptions {
  const options = OPTION_PRESETS[preset];
  const quotient = Math.max(...transferV2Air(treeDepth).tables.map((t) => t.numQuotientChunks));
  return { ...options, logBlowup: Math.max(options.logBlowup, Math.ceil(Math.log2(quotient))) };
}

export function transferV2GeometryParams(p: AggregateDeploymentParams): TransferV2GeometryParams {
  for (const name of [p.segmentOptions, p.treeOptions, p.wrapOptions]) {
    if (!(name in OPTION_PRESETS)) throw new RangeError(`unknown proof option preset ${JSON.stringify(name)}`);
  }
  return {
    treeDepth: p.treeDepth,
    logRows: p.segmentLogRows,
    segmentOptions: segmentOptionsFor(p.treeDepth, p.segmentOptions),
    options: OPTION_PRESETS[p.treeOptions],
    wrapOptions: OPTION_PRESETS[p.wrapOptions],
  };
}

/** The plan of a deployment's aggregation geometry (cached per geometry). */
export function aggregatePlanFor(p: AggregateDeploymentParams, backend?: ProverBackend): Promise<AggregationPlan> {
  return transferV2Plan(transferV2GeometryParams(p), backend);
}
