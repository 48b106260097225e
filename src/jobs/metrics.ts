import type { Counter, Gauge, Histogram, MetricsRegister } from "../util/metrics.js";

export interface JobsMetrics {
  transitions: Counter<"from" | "to">;
  jobsInState: Gauge<"state">;
  provingPhaseSeconds: Histogram<"phase" | "backend">;
  provingSeconds: Histogram<"backend" | "air">;
  provingFailures: Counter<"reason">;
  poolBusyWorkers: Gauge;
}

const PHASE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export function createJobsMetrics(register: MetricsRegister): JobsMetrics {
  return {
    transitions: register.counter("prover_jobs_transitions_total", "Segment-job state transitions", ["from", "to"]),
    jobsInState: register.gauge("prover_jobs_in_state_count", "Segment jobs currently in each state", ["state"]),
    provingPhaseSeconds: register.histogram("prover_jobs_proving_phase_seconds", "Duration of each proving phase", ["phase", "backend"], PHASE_BUCKETS),
    provingSeconds: register.histogram("prover_jobs_proving_seconds", "Duration of a whole segment proof", ["backend", "air"], PHASE_BUCKETS),
    provingFailures: register.counter("prover_jobs_proving_failures_total", "Proving attempts that failed or were cancelled", ["reason"]),
    poolBusyWorkers: register.gauge("prover_jobs_pool_busy_workers_count", "Prover workers currently proving"),
  };
}
