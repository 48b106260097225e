export { ConstraintGraph, Expr, quotientChunksFor, SELECTORS, type Selector, type Constraint, type ExprLike, type AirShape } from "./ir.js";
export { Air, AirTable, AirRegistry, airRegistry, defineAir, type AirDefinition, type AirInstance, type TableDefinition } from "./air.js";
export { compileBytecode, interpretBlock, readHeader, Op, BYTECODE_VERSION, type BlockSource } from "./bytecode.js";
export { evalConstraintsExt, evalConstraintsBase } from "./evaluate.js";
