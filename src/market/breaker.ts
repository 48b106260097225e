/**
 * Circuit breaker on job outcomes: after N consecutive failures the node stops locking (open). After
 * the cooldown it lets exactly one trial lock through (half-open); that job's success closes the
 * breaker (counter reset), its failure opens it again for another cooldown. A success at any time
 * resets the consecutive-failure count. Outcomes of jobs locked before the breaker opened still count.
 */
import type { Clock } from "../util/clock.js";

export type BreakerState = "closed" | "open" | "halfOpen";

export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly opts: { failures: number; cooldownSeconds: number },
    private readonly clock: Clock,
  ) {}

  get state(): BreakerState {
    if (this.openedAt === null) return "closed";
    return this.clock.now() - this.openedAt >= this.opts.cooldownSeconds * 1000 ? "halfOpen" : "open";
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** May we lock now? In half-open state only one trial lock is allowed until its outcome is known. */
  canLock(): boolean {
    const s = this.state;
    if (s === "closed") return true;
    if (s === "open") return false;
    return !this.trialInFlight;
  }

  /** Call when a lock is taken, so half-open admits only one. */
  onLock(): void {
    if (this.state === "halfOpen") this.trialInFlight = true;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.failures++;
    const trialFailed = this.state === "halfOpen";
    if (trialFailed || this.failures >= this.opts.failures) {
      this.openedAt = this.clock.now();
      this.trialInFlight = false;
    }
  }
}
