/**
 * Which job transitions count for the circuit breaker. Only what happens to a lock we held counts:
 * losing a lock race or declining a segment is not a failure of this node's infrastructure.
 */
import { LOCK_HELD_STATES, type JobState } from "../store/index.js";

const HELD: readonly JobState[] = LOCK_HELD_STATES;

export function lockOutcome(from: JobState | null, to: JobState): "success" | "failed" | "slashed" | null {
  if (to === "slashed") return "slashed";
  if (to === "finalized") return "success";
  if (to === "failed" && from !== null && HELD.includes(from)) return "failed";
  return null;
}
