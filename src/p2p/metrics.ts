import type { Counter, Gauge, Histogram, MetricsRegister } from "../util/metrics.js";

export interface P2pMetrics {
  peers: Gauge;
  gossipMessages: Counter<"topic" | "verdict">;
  gossipPublished: Counter<"topic">;
  bytes: Counter<"direction" | "protocol">;
  reqrespRequests: Counter<"protocol" | "direction" | "outcome">;
  reqrespSeconds: Histogram<"protocol" | "outcome">;
  scoreActions: Counter<"action">;
}

/** Metrics of the p2p layer; `null` where no register is wired (tests, library use). */
export function createP2pMetrics(register: MetricsRegister): P2pMetrics {
  return {
    peers: register.gauge("prover_p2p_peers", "Connected peers"),
    gossipMessages: register.counter("prover_p2p_gossip_messages_total", "Gossip messages validated, by topic and verdict", [
      "topic",
      "verdict",
    ]),
    gossipPublished: register.counter("prover_p2p_gossip_published_total", "Gossip messages published by this node", ["topic"]),
    bytes: register.counter("prover_p2p_bytes_total", "Application bytes sent and received", ["direction", "protocol"]),
    reqrespRequests: register.counter("prover_p2p_reqresp_requests_total", "Request/response exchanges", [
      "protocol",
      "direction",
      "outcome",
    ]),
    reqrespSeconds: register.histogram(
      "prover_p2p_reqresp_seconds",
      "Outbound request latency, transfer included",
      ["protocol", "outcome"],
      [0.005, 0.02, 0.1, 0.5, 1, 2, 5, 15, 60],
    ),
    scoreActions: register.counter("prover_p2p_score_actions_total", "Peers disconnected or banned by app-level scoring", ["action"]),
  };
}
