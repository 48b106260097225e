/** The Poseidon2 lane gadget now lives with the constraint IR (shared with src/recursion). */
export { LANE_WIDTH, poseidon2LaneConstraints, fillPoseidon2Lane } from "../../stark/air/poseidon2-lane.js";
