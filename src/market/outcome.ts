/**
 * Which job transitions count for the circuit breaker. Only what happens to a lock we held counts:
 * losing a lock race or declining a segment is not a failure of this node's infrastructure.
 */
import type { JobState } from "../store/index.js";

const HELD: ReadonlySet<JobState> = new Set(["locked", "witnessFetched", "proving", "proven"]);

export function lockOutcome(from: JobState | null, to: JobState): "success" | "failed" | "slashed" | null {
  if (to === "slashed") return "slashed";
  if (to === "finalized") return "success";
  if (to === "failed" && from !== null && HELD.has(from)) return "failed";
  return null;
}
