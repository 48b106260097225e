/** The backend contract; defined beside the proving core (stark/backend.ts), re-exported for implementations. */
export type {
  ProverBackend, ExtColumns, MerkleTreeData, QuotientInputs, DeepInputs, ResidentMatrix, ResidentColumn, Column, ConstraintCheckInputs, LogUpInputs, LogUpAux,
} from "../stark/backend.js";
export { residentColumns, columnLength } from "../stark/backend.js";
