/**
 * When jobs run. The runner (runner.ts) knows how to take one job one step; the scheduler decides which
 * jobs to step and when:
 *   - resume()          after a start, every unfinished job (ACTIVE_STATES) is driven again;
 *   - onMarketChanges() per ingested block: new auctions are observed (our own preference order: nodes try
 *                       different segments first) and driven, changed segments are driven again, and the
 *                       committed jobs of a finalized batch are driven to their payout;
 *   - sweep()           every few seconds: jobs waiting on chain state are stepped again (nothing depends
 *                       on catching one event), segments we gave up on for a retryable reason
 *                       (`isRetryable`) are reconsidered once the chain says they can be locked again, and
 *                       the proofs of jobs that ended more than `proofRetentionMs` ago are pruned.
 * One drive per segment at a time; a second request while one runs makes it run once more afterwards.
 */
import { ACTIVE_STATES, AWAITING_PAYOUT_STATES, isDecline, isRetryable, isTerminal, type SegmentRecord, type Store } from "../store/index.js";
import type { Clock } from "../util/clock.js";
import { systemClock } from "../util/clock.js";
import { nullLogger, type Logger } from "../util/logger.js";
import { splitSegmentId } from "../util/segment-id.js";
import { every } from "../util/sleep.js";
import type { JobStateMachine, PersistedJob, TransitionEvent } from "./machine.js";
import { defaultJobSchedulerOpts, type JobSchedulerOpts } from "./options.js";
import type { JobRunner } from "./runner.js";

/** What one ingested block changed for the jobs (chain/'s decoded MarketBlockEvents fits). */
export interface MarketChanges {
  readonly auctioned: readonly SegmentRecord[];
  readonly changed: readonly bigint[];
  readonly finalizedBatches: readonly bigint[];
  readonly timedOutBatches: readonly bigint[];
}

export interface JobSchedulerModules {
  store: Store;
  machine: JobStateMachine;
  runner: Pick<JobRunner, "observe" | "drive">;
  /** Whether anyone may lock the segment now, from chain state ("closed": its batch is over). */
  lockability(segmentId: bigint): Promise<"lockable" | "taken" | "closed">;
  /** Our order of preference among new auctions, lowest first (market/'s intentPriority). */
  priority?: (segmentId: bigint) => bigint;
  signal: AbortSignal;
  clock?: Clock;
  logger?: Logger;
}

export class JobScheduler {
  private readonly opts: JobSchedulerOpts;
  private readonly m: JobSchedulerModules;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly driving = new Map<bigint, Promise<void>>();
  private readonly again = new Set<bigint>();
  /** Batches known finalized or timed out: their failed jobs are never reconsidered. */
  private readonly closedBatches = new Set<bigint>();
  private lastPruneAt = 0;

  constructor(opts: Partial<JobSchedulerOpts>, modules: JobSchedulerModules) {
    this.opts = { ...defaultJobSchedulerOpts, ...opts };
    this.m = modules;
    this.log = modules.logger ?? nullLogger;
    this.clock = modules.clock ?? systemClock;
  }

  /** Segments being driven right now. */
  get inFlight(): number {
    return this.driving.size;
  }

  /** Drive every unfinished job (after a start or a crash: the runner's recovery rules apply). */
  async resume(): Promise<void> {
    for (const job of await this.m.machine.list(...ACTIVE_STATES)) this.drive(job.segmentId);
  }

  /** The sweep loop, until the signal aborts. */
  run(): Promise<void> {
    return every(this.opts.sweepIntervalMs, this.m.signal, () => this.sweep(), (err) => this.log.warn("The sweep failed; retrying", { error: (err as Error).message }));
  }

  /** Resolves once no job is being driven. */
  async idle(): Promise<void> {
    while (this.driving.size > 0) await Promise.allSettled([...this.driving.values()]);
  }

  async onMarketChanges(ev: MarketChanges): Promise<void> {
    for (const b of [...ev.finalizedBatches, ...ev.timedOutBatches]) this.closedBatches.add(b);
    const priority = this.m.priority;
    const fresh = priority ? [...ev.auctioned].sort((a, b) => (priority(a.segmentId) < priority(b.segmentId) ? -1 : 1)) : ev.auctioned;
    for (const seg of fresh) {
      if (!(await this.m.machine.get(seg.segmentId))) {
        await this.m.runner.observe(seg);
        this.log.info("Segment auctioned", { segmentId: seg.segmentId, batchId: seg.batchId, index: seg.index, maxPrice: seg.maxPrice });
      }
      this.drive(seg.segmentId);
    }
    for (const id of ev.changed) {
      const job = await this.m.machine.get(id);
      if (job && !isTerminal(job.state)) this.drive(id);
    }
    if (ev.finalizedBatches.length > 0) {
      for (const job of await this.m.machine.list(...AWAITING_PAYOUT_STATES)) {
        if (ev.finalizedBatches.includes(splitSegmentId(job.segmentId).batchId)) this.drive(job.segmentId);
      }
    }
  }

  /** Drive a job in the background; one drive per segment at a time (a second request re-runs it after). */
  drive(segmentId: bigint): void {
    if (this.m.signal.aborted) return;
    if (this.driving.has(segmentId)) {
      this.again.add(segmentId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(segmentId);
        const job = await this.m.machine.get(segmentId);
        if (!job || isTerminal(job.state)) break;
        await this.m.runner.drive(job);
      } while (this.again.has(segmentId) && !this.m.signal.aborted);
    })()
      .catch((err: Error) => {
        if (this.m.signal.aborted) return;
        this.log.warn("Job step failed; will retry", { segmentId, error: err.message });
      })
      .finally(() => this.driving.delete(segmentId));
    this.driving.set(segmentId, run);
  }

  /** Re-step waiting jobs; reconsider segments we gave up on that are open again; prune old proofs. */
  async sweep(): Promise<void> {
    for (const job of await this.m.store.jobs.values()) {
      if (this.m.signal.aborted) return;
      if (!isTerminal(job.state)) {
        if (!this.driving.has(job.segmentId)) this.drive(job.segmentId);
        continue;
      }
      if (job.state === "finalized" || !isRetryable(job.failureReason)) continue;
      const { batchId } = splitSegmentId(job.segmentId);
      if (this.closedBatches.has(batchId)) continue;
      const state = await this.m.lockability(job.segmentId);
      if (state === "closed") {
        this.closedBatches.add(batchId);
        continue;
      }
      if (state !== "lockable") continue;
      const reopened = await this.m.machine.reopen(job as PersistedJob, isDecline(job.failureReason) ? "RECONSIDER" : "REOPENED");
      this.log.debug("Segment reconsidered", { segmentId: reopened.segmentId, previous: job.failureReason });
      this.drive(reopened.segmentId);
    }
    await this.pruneIfDue();
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastPruneAt < this.opts.pruneIntervalMs) return;
    this.lastPruneAt = now;
    const pruned = await this.m.machine.pruneFinished(now - this.opts.proofRetentionMs);
    if (pruned > 0) this.log.info("Pruned the proofs of finished jobs", { jobs: pruned, retentionMs: this.opts.proofRetentionMs });
  }
}

/** The node's log line for a persisted transition (a machine observer). */
export function logTransition(log: Logger, e: TransitionEvent): void {
  const { job, from, to } = e;
  const ctx = { segmentId: job.segmentId, from, to, ...(job.failureReason ? { reason: job.failureReason } : {}) };
  if (to === "slashed") log.error("Slashed for a segment", ctx);
  else if (to === "failed") {
    const passed = isDecline(job.failureReason) || job.failureReason === "LOCK_LOST";
    // A segment reconsidered every sweep would log the same decline again and again: once at info is enough.
    const again = job.history.filter((h) => h.state === "observed").length > 1;
    if (passed && again) log.debug("Segment passed", ctx);
    else log.info(passed ? "Segment passed" : "Job failed", ctx);
  } else if (to === "locked" || to === "proven" || to === "committed" || to === "published" || to === "finalized") log.info(`Segment ${to}`, ctx);
}
