import { ProverNodeError } from "../util/errors.js";

export type SequencerErrorType =
  | { code: "SEQUENCER_OPTIONS"; detail: string }
  | { code: "SEQUENCER_NOT_SEQUENCER"; sender: string; sequencer: string }
  | { code: "SEQUENCER_TREE_DEPTH_MISMATCH"; expected: number; onChain: number }
  | { code: "SEQUENCER_GENESIS_MISMATCH"; expected: string; onChain: string }
  | { code: "SEQUENCER_INSUFFICIENT_BALANCE"; needed: bigint; balance: bigint }
  | { code: "SEQUENCER_BATCH_ID_MISMATCH"; expected: bigint; posted: bigint }
  | { code: "SEQUENCER_KEY_MISMATCH"; sender: string; keyAddress: string }
  | { code: "SEQUENCER_STORE_MISMATCH"; detail: string }
  | { code: "SEQUENCER_POST_UNDECIDED"; batchId: bigint }
  | { code: "SEQUENCER_STATE"; detail: string };

/** Refusals of the sequencer: bad options, a deployment that does not match its genesis, L1 surprises. */
export class SequencerError extends ProverNodeError<SequencerErrorType> {}
