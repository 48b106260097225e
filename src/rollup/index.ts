/** The proven computation: Poseidon2 state tree, transfer STF, batches, segments and witnesses. */
export * from "./options.js";
export * from "./errors.js";
export * from "./digest.js";
export * from "./account.js";
export * from "./tree.js";
export * from "./transaction.js";
export { RollupState, transition, type Genesis, type LeafOpening, type TxStep } from "./stf.js";
export * from "./segment.js";
export * from "./witness.js";
export * from "./batch-binding.js";
