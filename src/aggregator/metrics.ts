import type { Counter, Gauge, MetricsRegister } from "../util/metrics.js";
import type { JoinEvent } from "./joins.js";

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

/** Join work (aggregator/joins.ts): tree nodes proven here and received from the mesh. */
export interface JoinMetrics {
  /** kind: leaf, join; takeover: "yes" when proven after its assignee did not deliver. */
  proved: Counter<"kind" | "takeover">;
  proveSeconds: Counter<"kind">;
  /** verdict: valid, invalid (the signer penalised), late (someone else's arrived first). */
  received: Counter<"kind" | "verdict">;
  failed: Counter<"kind">;
  /** Tasks ready and not delivered yet, over every followed batch (set on each status read or tick). */
  pending: Gauge;
}

export function createJoinMetrics(register: MetricsRegister): JoinMetrics {
  return {
    proved: register.counter("prover_tree_nodes_proved_total", "Leaves and joins of batch proof trees proven by this node", ["kind", "takeover"]),
    proveSeconds: register.counter("prover_tree_node_prove_seconds_total", "Seconds spent proving leaves and joins", ["kind"]),
    received: register.counter("prover_tree_nodes_received_total", "Leaves and joins announced on the mesh and checked here, by verdict", ["kind", "verdict"]),
    failed: register.counter("prover_tree_node_failures_total", "Leaves and joins this node failed to prove", ["kind"]),
    pending: register.gauge("prover_tree_tasks_pending_count", "Leaf and join tasks ready and not yet delivered"),
  };
}

/** The coordinator's onEvent for these metrics. */
export function joinMetricsSink(m: JoinMetrics): (e: JoinEvent) => void {
  return (e) => {
    if (e.type === "proved") {
      m.proved.inc({ kind: e.kind, takeover: e.takeover ? "yes" : "no" });
      m.proveSeconds.inc({ kind: e.kind }, e.ms / 1000);
    } else if (e.type === "received") m.received.inc({ kind: e.kind, verdict: e.verdict });
    else m.failed.inc({ kind: e.kind });
  };
}
