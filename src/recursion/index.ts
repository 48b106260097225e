/** The recursion layer's public surface (docs/recursion.md): recursive statements, aggregation statements and plans. */
export { recurse, recursionProgram, recursionKey, childKey, verifyRecursion, describe, RECURSION_AIR_NAME, type RecursionDescriptor, type ChildInput, type RecurseResult } from "./recurse.js";
export { KeySet, DEFAULT_KEY_SET_DEPTH } from "./keys.js";
export {
  AGG, AGG_PUBLIC_VALUES, KIND_LEAF, KIND_JOIN, L1, L1_PUBLIC_VALUES, MAX_SEGMENTS, MAX_JOINS, encodeAggStatement, decodeAggStatement, joinStatements, proverSlots,
  canonicalTree, joinsPreOrder, type AggStatement, type SegmentLayout,
} from "./aggregate.js";
export {
  aggregationPlan, wrapKey, canonicalHeights, joinTasks, isTreeNode, verifyNode, proveLeaf, proveJoin, proveWrap,
  type AggregationGeometry, type AggregationPlan, type NodeProof, type NodeExpectation, type JoinTask, type SegmentProof, type ProveNodeParams,
} from "./plan.js";
export { RecursionError, type RecursionErrorType } from "./errors.js";
