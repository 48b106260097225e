/**
 * The AIR `transfer-v2` (one per tree depth, `transfer-v2-d<D>`). Importing this module registers the
 * default depth and a resolver, so any `transfer-v2-d<D>` is found by name in the AIR registry.
 */
import { airRegistry } from "../../stark/air/air.js";
import { defaultRollupOpts } from "../options.js";
import { transferV2Air, transferV2DepthOf } from "./air.js";

airRegistry.addNameResolver((name) => {
  const depth = transferV2DepthOf(name);
  return depth === null ? undefined : transferV2Air(depth);
});
airRegistry.register(transferV2Air(defaultRollupOpts.treeDepth));

export { transferV2Air, buildTransferV2Air, transferV2Name, transferV2DepthOf } from "./air.js";
export { buildTransferV2Instance, buildTransferV2Trace, buildPathsTrace, buildTxsTrace, fillTxsSponge, rangeCounts } from "./trace.js";
export { publicInputsV2, txCommitment, transactionBytes, transactionHalves } from "./statement.js";
export { pathsStructure, pathsCapacity, txsLogRows, minPathsLogRows, blockStart } from "./structure.js";
export { LANE_X7F, LANE_X7, LANE_X3, ROUND_COLUMNS_X7, ROUND_COLUMNS_X7F, poseidon2Rounds7, fillPoseidon2Rounds7, type LaneGadget } from "./poseidon2-lane.js";
export * as transferV2Layout from "./layout.js";
