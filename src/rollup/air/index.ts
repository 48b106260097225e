/** The AIR `transfer-v1`, registered in the process-wide AIR registry on import. */
import { airRegistry } from "../../stark/air/air.js";
import { transferAir } from "./transfer-air.js";

airRegistry.register(transferAir);

export { transferAir, TRANSFER_AIR_NAME } from "./transfer-air.js";
export { buildTransferInstance, buildTransferTrace } from "./trace.js";
export { publicColumnsOf, publicInputsOf, statementOf, type SegmentStatement } from "./statement.js";
export * as transferLayout from "./layout.js";
export { LANE_WIDTH, poseidon2LaneConstraints, fillPoseidon2Lane } from "./poseidon2-air.js";
