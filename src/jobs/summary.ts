import { AWAITING_PAYOUT_STATES, JOB_STATES, type JobRecord, type JobState } from "../store/index.js";

export interface JobsSummary {
  readonly byState: Record<JobState, number>;
  /** Payment-token base units: finalized jobs' prices. */
  readonly earned: bigint;
  /** Committed or published, not yet finalized (AWAITING_PAYOUT_STATES). */
  readonly pending: bigint;
}

/** Jobs by state and earnings, for /status (node/status.ts). */
export function summariseJobs(jobs: Iterable<JobRecord>): JobsSummary {
  const byState = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const awaiting: readonly JobState[] = AWAITING_PAYOUT_STATES;
  let earned = 0n;
  let pending = 0n;
  for (const j of jobs) {
    byState[j.state]++;
    if (j.state === "finalized") earned += j.price ?? 0n;
    if (awaiting.includes(j.state)) pending += j.price ?? 0n;
  }
  return { byState, earned, pending };
}
