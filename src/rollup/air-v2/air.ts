/**
 * The AIR `transfer-v2`: "from state root rootIn, applying the transactions committed to by
 * txCommitment, txCount of them, in order, gives rootOut" — with every transaction's data range-checked
 * and its validity decided in the AIR, and the block structure preprocessed (docs/rollup.md §5).
 *
 * The tree depth D shapes the preprocessed structure, so there is one AIR per depth, named
 * `transfer-v2-d<D>` (memoized; D is a public input too, checked against the AIR's own).
 */
import { defineAir, type Air, type AirInstance } from "../../stark/air/air.js";
import { checkTreeDepth } from "../options.js";
import { MAX_LOG_ROWS } from "../segment.js";
import { sampleBatch } from "../sample.js";
import { witnessFromSegment } from "../witness.js";
import { NUM_PATHS_PRE, NUM_PUBLIC_INPUTS, RANGE_LOG_ROWS, TRANSFER_V2, TXS_WIDTH, pathsColumns } from "./layout.js";
import { LANE_X7F, type LaneGadget } from "./poseidon2-lane.js";
import { minPathsLogRows, pathsCapacity, pathsStructure } from "./structure.js";
import { pathsConstraints, rangeConstraints, txsConstraints } from "./tables.js";
import { buildTransferV2Instance } from "./trace.js";

/** Interactions per LogUp helper column in the txs table (the helper constraint then has degree ≤ 7). */
const TXS_LOOKUP_BATCH = 4;

/** The AIR's name at tree depth D. */
export function transferV2Name(treeDepth: number): string {
  return `${TRANSFER_V2}-d${treeDepth}`;
}

/** The depth of a `transfer-v2-d<D>` name, or null. */
export function transferV2DepthOf(name: string): number | null {
  const m = /^transfer-v2-d([1-9][0-9]?)$/.exec(name);
  if (!m) return null;
  const d = Number(m[1]);
  try {
    checkTreeDepth(d);
  } catch {
    return null;
  }
  return d;
}

/** The range table's preprocessed columns: value = row, small = [row < 2^6]. */
function rangeColumns(logRows: number): Uint32Array[] {
  const n = 2 ** logRows;
  return [Uint32Array.from({ length: n }, (_, r) => r), Uint32Array.from({ length: n }, (_, r) => (r < 64 ? 1 : 0))];
}

/**
 * Build (not memoized) the AIR at depth D with a lane gadget: `x7f` is transfer-v2; the others exist
 * only to measure the layout alternatives (bench/rollup.ts) and are named `…-x7`, `…-x3`.
 */
export function buildTransferV2Air(treeDepth: number, lane: LaneGadget = LANE_X7F): Air {
  checkTreeDepth(treeDepth);
  const name = transferV2Name(treeDepth) + (lane === LANE_X7F ? "" : `-${lane.name}`);
  const air: Air = defineAir({
    name,
    version: 1,
    numPublicInputs: NUM_PUBLIC_INPUTS,
    tables: [
      {
        name: "paths",
        width: pathsColumns(lane.width).width,
        numPublicColumns: 0,
        numPreprocessed: NUM_PATHS_PRE,
        preprocessed: (logRows) => pathsStructure(treeDepth, logRows),
        minLogRows: minPathsLogRows(treeDepth),
        maxLogRows: MAX_LOG_ROWS,
        constraints: pathsConstraints(lane, treeDepth),
      },
      { name: "txs", width: TXS_WIDTH, numPublicColumns: 0, minLogRows: 2, maxLogRows: MAX_LOG_ROWS, lookupBatch: TXS_LOOKUP_BATCH, constraints: txsConstraints },
      {
        name: "range",
        width: 2,
        numPublicColumns: 0,
        numPreprocessed: 2,
        preprocessed: rangeColumns,
        minLogRows: RANGE_LOG_ROWS,
        maxLogRows: RANGE_LOG_ROWS,
        constraints: rangeConstraints,
      },
    ],
    sample: (logRows, seed) => sampleInstance(air, treeDepth, logRows, seed, lane),
  });
  return air;
}

const memo = new Map<number, Air>();

/** `transfer-v2-d<D>` (memoized: one Air object per depth, so its verification keys are cached once). */
export function transferV2Air(treeDepth: number): Air {
  let air = memo.get(treeDepth);
  if (!air) memo.set(treeDepth, (air = buildTransferV2Air(treeDepth)));
  return air;
}

/** A full sample segment of 2^logRows paths rows at the AIR's depth (`prove --air`, benches). */
function sampleInstance(air: Air, treeDepth: number, logRows: number, seed: number, lane: LaneGadget): AirInstance {
  const { batch } = sampleBatch({ accounts: Math.min(2 ** treeDepth, 64), txs: pathsCapacity(treeDepth, logRows), treeDepth, logRows, batchId: 1n, seed, geometry: "v2" });
  return buildTransferV2Instance(witnessFromSegment(batch.segments[0]!), air, lane);
}
