/** The backend contract; defined beside the proving core (stark/backend.ts), re-exported for implementations. */
export type { ProverBackend, ExtColumns, MerkleTreeData, QuotientInputs, DeepInputs } from "../stark/backend.js";
