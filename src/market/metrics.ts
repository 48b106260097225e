import type { Counter, Gauge, MetricsRegister } from "../util/metrics.js";

export interface MarketMetrics {
  decisions: Counter<"decision" | "reason">;
  locks: Counter<"result">;
  slashes: Counter;
  breakerOpen: Gauge;
  minimumPrice: Gauge<"air">;
  freeStake: Gauge;
}

export function createMarketMetrics(register: MetricsRegister): MarketMetrics {
  return {
    decisions: register.counter("prover_market_decisions_total", "Lock decisions, by outcome and reason", ["decision", "reason"]),
    locks: register.counter("prover_market_locks_total", "Locks taken, by final result (success, failed, slashed)", ["result"]),
    slashes: register.counter("prover_market_slashes_total", "Times this node was slashed"),
    breakerOpen: register.gauge("prover_market_breaker_open_count", "1 while the circuit breaker refuses locks"),
    minimumPrice: register.gauge("prover_market_minimum_price_units", "Least acceptable price per segment (payment-token base units; precision loss above 2^53)", ["air"]),
    freeStake: register.gauge("prover_market_free_stake_units", "Free stake at the last check (stake-token base units)"),
  };
}
