/**
 * The segment-job transition table (docs/node-runtime.md, "Segment jobs"). Anything not listed is illegal and throws
 * JOB_ILLEGAL_TRANSITION. `failed` and `slashed` are reachable from every state where they can happen:
 * before the lock nothing can be slashed. After the commit a job is normally finalized or slashed (a
 * challenge); a reorg can take the commitment away again (committed/published → proven: commit again,
 * the lock is still ours) or the lock with it (→ failed, LOCK_LOST), and a batch can time out with our
 * commitment in it (→ failed, BATCH_TIMED_OUT: collateral released, nothing paid).
 */
import type { JobState } from "../store/index.js";

export const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  observed: ["decided", "failed"],
  decided: ["lockSent", "failed"],
  lockSent: ["locked", "failed"],
  locked: ["witnessFetched", "failed", "slashed"],
  witnessFetched: ["proving", "failed", "slashed"],
  // proving → proving: a restart after a crash begins a new attempt (recorded, counted).
  proving: ["proving", "proven", "failed", "slashed"],
  proven: ["committed", "failed", "slashed"],
  committed: ["published", "proven", "finalized", "failed", "slashed"],
  published: ["proven", "finalized", "failed", "slashed"],
  finalized: [],
  failed: [],
  slashed: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export { TERMINAL_STATES, ACTIVE_STATES, LOCK_HELD_STATES, WORK_STATES, AWAITING_PAYOUT_STATES, isTerminal } from "../store/index.js";
