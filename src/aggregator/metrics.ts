import type { Counter, Gauge, MetricsRegister } from "../util/metrics.js";

export type AggregatorAction = "submit" | "challenge" | "report" | "slash" | "respond";

export interface AggregatorMetrics {
  /** result: "sent" (confirmed), "done" (someone else did it first), "failed". */
  actions: Counter<"action" | "result">;
  /** source: own, published, fetched; result: ok, failed. */
  proofs: Counter<"source" | "result">;
  verifications: Counter<"verdict">;
  followedBatches: Gauge;
}

export function createAggregatorMetrics(register: MetricsRegister): AggregatorMetrics {
  return {
    actions: register.counter("prover_aggregator_actions_total", "Aggregator transactions (submit, challenge, report, slash, respond), by result", ["action", "result"]),
    proofs: register.counter("prover_aggregator_proofs_total", "Segment proofs collected, by source and result", ["source", "result"]),
    verifications: register.counter("prover_aggregator_verifications_total", "Local verifications of segment proofs, by verdict", ["verdict"]),
    followedBatches: register.gauge("prover_aggregator_followed_batches_count", "Open batches the aggregator follows"),
  };
}
