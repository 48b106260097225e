/**
 * The lock decision: every rail in a fixed order, the first refusal wins and is named.
 *   0. the segment fits this machine's backend (SEGMENT_TOO_LARGE: e.g. the GPU's free memory, or the
 *      measured peak memory of a proof times the proofs that would run at once exceeds the memory given)
 *   1. circuit breaker (BREAKER_OPEN)
 *   2. concurrency cap (MAX_CONCURRENT_JOBS)
 *   3. price: the auction's current price ≥ our minimum (PRICE_TOO_LOW, with the time it will be)
 *   4. deadlines: measured throughput can prove it and everything already locked in time (NO_CAPACITY)
 *   5. stake and gas (INSUFFICIENT_FREE_STAKE, INSUFFICIENT_GAS_BALANCE), with warnings logged
 */
import { WORK_STATES, type DeclineReason, type JobRecord, type JobState, type SegmentRecord } from "../store/index.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import { CircuitBreaker } from "./breaker.js";
import { checkCapacity, type CapacityJob } from "./capacity.js";
import type { MarketMetrics } from "./metrics.js";
import { defaultMarketOpts, type MarketOpts } from "./options.js";
import { auctionPrice, minimumPrice, peakRssFor, secondsPerSegment, timeWhenPriceReaches, type ProvingProfile } from "./pricing.js";
import { checkStake, type StakeView } from "./stake.js";

/** The agent's own refusals (store/'s DeclineReason also has the decider's INTENT_YIELDED). */
export type AgentDeclineReason = Exclude<DeclineReason, "INTENT_YIELDED">;

export type MarketDecision =
  | { readonly lock: true; readonly price: bigint; readonly minimumPrice: bigint }
  | { readonly lock: false; readonly reason: AgentDeclineReason; readonly minimumPrice?: bigint; readonly retryAt?: number };

export interface MarketModules {
  clock: Clock;
  profile: ProvingProfile;
  /** The backend proving runs on (picks the profile entry). */
  backend: string;
  /** Prover workers proving in parallel. */
  workers: number;
  /**
   * Largest trace height (log2) the backend can prove for an AIR, e.g. the cuda backend's
   * `maxLogRows` from the card's free memory; null or absent: no limit known.
   */
  maxLogRows?: (air: string) => number | null;
  /**
   * Memory the node's proofs may use at once, in bytes (e.g. the machine's total memory); with a peak
   * recorded in the profile, a segment whose proof would not fit next to those running is declined
   * (SEGMENT_TOO_LARGE). Absent: no limit.
   */
  memoryBytes?: number;
  /** Current free stake and gas balance (reads the chain). */
  stake: () => Promise<StakeView> | StakeView;
  /** The node's jobs (those in WORK_STATES take capacity). */
  activeJobs: () => Promise<readonly JobRecord[]> | readonly JobRecord[];
  logger?: Logger;
  metrics?: MarketMetrics | null;
}

/** Turn active jobs into capacity entries; a job without a known deadline is assumed due soonest. */
export function capacityFromJobs(jobs: readonly JobRecord[], secondsFor: (job: JobRecord) => number, nowSec: number): CapacityJob[] {
  return jobs.map((j) => {
    const running = j.state === "proving";
    const started = running ? (j.history.at(-1)?.at ?? j.updatedAt) / 1000 : nowSec;
    const remaining = Math.max(0, secondsFor(j) - (nowSec - started));
    return { remainingSeconds: remaining, deadline: j.lockDeadline ?? nowSec, running };
  });
}

const WORK: readonly JobState[] = WORK_STATES;

export class MarketAgent {
  readonly breaker: CircuitBreaker;
  private readonly opts: MarketOpts;
  private readonly m: MarketModules;
  private readonly log: Logger;

  constructor(opts: Partial<MarketOpts>, modules: MarketModules) {
    this.opts = { ...defaultMarketOpts, ...opts };
    this.m = modules;
    this.log = modules.logger ?? nullLogger;
    this.breaker = new CircuitBreaker({ failures: this.opts.breakerFailures, cooldownSeconds: this.opts.breakerCooldownSeconds }, modules.clock);
  }

  minimumPriceFor(air: string): bigint {
    return minimumPrice(secondsPerSegment(this.m.profile, this.m.backend, air), this.opts.costPerHour, this.opts.marginBps);
  }

  /** Every rail in order; `pending`: decisions made but not persisted yet (the decider's reservations), counted as active jobs. */
  async decide(segment: SegmentRecord, pending: readonly JobRecord[] = []): Promise<MarketDecision> {
    const d = await this.evaluate(segment, pending);
    this.m.metrics?.decisions.inc({ decision: d.lock ? "lock" : "decline", reason: d.lock ? "OK" : d.reason });
    if (d.lock) this.breaker.onLock();
    this.log.debug("Lock decision", { segmentId: segment.segmentId, ...d });
    return d;
  }

  /** Feed job outcomes back (the node calls this from the state machine's transition hook). */
  recordOutcome(result: "success" | "failed" | "slashed"): void {
    this.m.metrics?.locks.inc({ result });
    if (result === "slashed") this.m.metrics?.slashes.inc();
    if (result === "success") this.breaker.recordSuccess();
    else this.breaker.recordFailure();
    this.m.metrics?.breakerOpen.set({}, this.breaker.canLock() ? 0 : 1);
    if (this.breaker.state === "open") this.log.warn("Circuit breaker open: not locking", { consecutiveFailures: this.breaker.consecutiveFailures, cooldownSeconds: this.opts.breakerCooldownSeconds });
  }

  private async evaluate(segment: SegmentRecord, pending: readonly JobRecord[]): Promise<MarketDecision> {
    const limit = segment.logRows === undefined ? null : (this.m.maxLogRows?.(segment.air) ?? null);
    if (limit !== null && segment.logRows! > limit) return { lock: false, reason: "SEGMENT_TOO_LARGE" };
    const active = [...(await this.m.activeJobs()), ...pending].filter((j) => WORK.includes(j.state) && j.segmentId !== segment.segmentId);
    const peak = this.m.memoryBytes === undefined ? null : peakRssFor(this.m.profile, this.m.backend, segment.air, segment.logRows);
    // Proofs running at once: this one and the active jobs, at most one per worker (every job is assumed as tall as this one).
    if (peak !== null && peak * Math.min(Math.max(1, this.m.workers), active.length + 1) > this.m.memoryBytes!) return { lock: false, reason: "SEGMENT_TOO_LARGE" };
    if (!this.breaker.canLock()) return { lock: false, reason: "BREAKER_OPEN" };
    if (active.length >= this.opts.maxConcurrentJobs) return { lock: false, reason: "MAX_CONCURRENT_JOBS" };

    const seconds = secondsPerSegment(this.m.profile, this.m.backend, segment.air);
    const min = minimumPrice(seconds, this.opts.costPerHour, this.opts.marginBps);
    this.m.metrics?.minimumPrice.set({ air: segment.air }, Number(min));
    const nowSec = Math.floor(this.m.clock.now() / 1000);
    const price = auctionPrice(segment, nowSec);
    if (price < min) return { lock: false, reason: "PRICE_TOO_LOW", minimumPrice: min, retryAt: timeWhenPriceReaches(segment, min) ?? undefined };

    const cost = (air: string): number => secondsPerSegment(this.m.profile, this.m.backend, air) * this.opts.safetyFactor + this.opts.overheadSeconds;
    // Every segment of a network is proven with the same AIR, so active jobs cost what this one does.
    const jobs = capacityFromJobs(active, () => cost(segment.air), nowSec);
    const candidate: CapacityJob = { remainingSeconds: cost(segment.air), deadline: nowSec + segment.lockDuration, running: false };
    if (!checkCapacity({ nowSec, workers: this.m.workers, jobs, candidate }).ok) return { lock: false, reason: "NO_CAPACITY", minimumPrice: min };

    const view = await this.m.stake();
    this.m.metrics?.freeStake.set({}, Number(view.freeStake));
    const stake = checkStake(view, segment.collateral, this.opts);
    for (const w of stake.warnings) this.log.warn(w === "LOW_FREE_STAKE" ? "Free stake is low" : "Gas balance is low", { freeStake: view.freeStake, gasBalance: view.gasBalance });
    if (!stake.ok) return { lock: false, reason: stake.refusal!, minimumPrice: min };
    return { lock: true, price, minimumPrice: min };
  }
}
