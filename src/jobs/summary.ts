import { JOB_STATES, type JobRecord, type JobState } from "../store/index.js";

export interface JobsSummary {
  readonly byState: Record<JobState, number>;
  /** Payment-token base units: finalized jobs' prices. */
  readonly earned: bigint;
  /** Committed or published, not yet finalized. */
  readonly pending: bigint;
}

/** Jobs by state and earnings, for /status and the CLI's status command. */
export function summariseJobs(jobs: Iterable<JobRecord>): JobsSummary {
  const byState = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  let earned = 0n;
  let pending = 0n;
  for (const j of jobs) {
    byState[j.state]++;
    if (j.state === "finalized") earned += j.price ?? 0n;
    if (j.state === "committed" || j.state === "published") pending += j.price ?? 0n;
  }
  return { byState, earned, pending };
}
