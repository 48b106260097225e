/**
 * The persistent job state machine. The only way to obtain a `PersistedJob<S>` is from this class,
 * after the record in state S has been written to the store; every action the runner takes requires
 * the PersistedJob of the state that enables it. So "write the transition, then act" is the only
 * order the API allows.
 */
import { JOB_STATES, isTerminal, type BatchOp, type JobRecord, type JobState, type ReopenReason, type Store } from "../store/index.js";
import type { Clock } from "../util/clock.js";
import { systemClock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import { JobError } from "./errors.js";
import { canTransition } from "./transitions.js";
import type { JobsMetrics } from "./metrics.js";

declare const persistedBrand: unique symbol;

/** A job record as it is on disk, in state S. */
export type PersistedJob<S extends JobState = JobState> = JobRecord & { readonly state: S; readonly [persistedBrand]: true };

/** Fields a transition may set; identity, history and timestamps are the machine's. */
export type JobPatch = Partial<Pick<JobRecord, "failureReason" | "price" | "lockDeadline" | "witnessHash" | "proofHash" | "txs">>;

export interface TransitionEvent {
  readonly job: PersistedJob;
  readonly from: JobState | null;
  readonly to: JobState;
}

export interface JobStateMachineModules {
  store: Store;
  logger?: Logger;
  metrics?: JobsMetrics | null;
  clock?: Clock;
  /** Called after each transition is durable (metrics, market breaker, tests). Must not throw. */
  onTransition?: (event: TransitionEvent) => void | Promise<void>;
}

/** Keep the newest history entries only, so a job that retries often does not grow without bound. */
const MAX_HISTORY = 32;

export class JobStateMachine {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly metrics: JobsMetrics | null;
  private readonly clock: Clock;
  private readonly onTransition?: JobStateMachineModules["onTransition"];
  /** Per-job write queue: transitions of one job never interleave. */
  private readonly locks = new Map<bigint, Promise<unknown>>();

  constructor(modules: JobStateMachineModules) {
    this.store = modules.store;
    this.log = modules.logger ?? nullLogger;
    this.metrics = modules.metrics ?? null;
    this.clock = modules.clock ?? systemClock;
    this.onTransition = modules.onTransition;
  }

  /** Record a newly observed segment. Throws JOB_EXISTS if the node already tracks it. */
  async create(segmentId: bigint, extraOps: readonly BatchOp[] = []): Promise<PersistedJob<"observed">> {
    return this.serial(segmentId, async () => {
      if (await this.store.jobs.has(segmentId)) throw new JobError({ code: "JOB_EXISTS", segmentId });
      const at = this.clock.now();
      const job: JobRecord = { segmentId, state: "observed", txs: {}, provingAttempts: 0, createdAt: at, updatedAt: at, history: [{ state: "observed", at }] };
      await this.store.batch([this.store.jobs.putOp(segmentId, job), ...extraOps]);
      return this.after(job as PersistedJob<"observed">, null);
    });
  }

  /** Set the jobs-by-state gauge from the store (call once at start; transitions keep it current). */
  async refreshMetrics(): Promise<void> {
    if (!this.metrics) return;
    const counts = await this.store.jobs.countByState();
    for (const state of JOB_STATES) this.metrics.jobsInState.set({ state }, counts[state] ?? 0);
  }

  async get(segmentId: bigint): Promise<PersistedJob | null> {
    return (await this.store.jobs.get(segmentId)) as PersistedJob | null;
  }

  async list(...states: readonly JobState[]): Promise<PersistedJob[]> {
    return (await this.store.jobs.listByState(...states)) as PersistedJob[];
  }

  /**
   * Move `job` to `to`, writing the new record (and `extraOps`, atomically) before returning it.
   * Throws JOB_ILLEGAL_TRANSITION for a move the table does not allow, JOB_STALE when `job` is not
   * the stored version.
   */
  async transition<S extends JobState>(job: PersistedJob, to: S, patch: JobPatch = {}, extraOps: readonly BatchOp[] = []): Promise<PersistedJob<S>> {
    const segmentId = job.segmentId;
    return this.serial(segmentId, async () => {
      const stored = await this.current(job);
      if (!canTransition(stored.state, to)) {
        throw new JobError({ code: "JOB_ILLEGAL_TRANSITION", segmentId, from: stored.state, to }, `job ${segmentId}: illegal transition ${stored.state} -> ${to}`);
      }
      // Strictly increasing updatedAt, so JOB_STALE detection works even within one millisecond.
      const at = Math.max(this.clock.now(), stored.updatedAt + 1);
      const next: JobRecord = {
        ...stored,
        ...patch,
        state: to,
        provingAttempts: stored.provingAttempts + (to === "proving" ? 1 : 0),
        updatedAt: at,
        history: [...stored.history, { state: to, at, ...(patch.failureReason ? { reason: patch.failureReason } : {}) }].slice(-MAX_HISTORY),
      };
      await this.store.batch([this.store.jobs.putOp(segmentId, next), ...extraOps]);
      return this.after(next as PersistedJob<S>, stored.state);
    });
  }

  /**
   * Delete the proof, witness and slash record of every job that ended (finalized, failed, slashed)
   * before `beforeMs` (unix ms). The job records stay (history, earnings). Only segments that still hold
   * data are looked at, so the cost follows what is stored, not every job ever seen. Returns how many
   * jobs were pruned.
   */
  async pruneFinished(beforeMs: number): Promise<number> {
    const held = new Set<bigint>();
    for await (const id of this.store.proofs.keys()) held.add(id);
    for await (const id of this.store.witnesses.keys()) held.add(id);
    let pruned = 0;
    for (const segmentId of held) {
      // Serialised with the job's transitions: a job reopened meanwhile keeps its new attempt's data.
      const done = await this.serial(segmentId, async () => {
        const job = await this.store.jobs.get(segmentId);
        if (job === null || !isTerminal(job.state) || job.updatedAt >= beforeMs) return false;
        await this.store.batch([...this.store.proofs.deleteOps(segmentId, job.proofHash), this.store.witnesses.deleteOp(segmentId), this.store.slashes.deleteOp(segmentId)]);
        return true;
      });
      if (done) pruned++;
    }
    return pruned;
  }

  /**
   * A segment this node gave up on (declined, lost the lock race, slashed after a crash) is up for
   * auction again: start a fresh attempt from "observed". Everything of the old attempt but its history
   * and counters is cleared (price, deadline, transactions, proof); the old proof and witness bytes are
   * deleted in the same write. Only terminal failures can reopen: a finalized job never does.
   */
  async reopen(job: PersistedJob, reason: ReopenReason): Promise<PersistedJob<"observed">> {
    const segmentId = job.segmentId;
    return this.serial(segmentId, async () => {
      const stored = await this.current(job);
      if (stored.state !== "failed" && stored.state !== "slashed") {
        throw new JobError({ code: "JOB_ILLEGAL_TRANSITION", segmentId, from: stored.state, to: "observed" }, `job ${segmentId}: only a failed or slashed job can reopen, not ${stored.state}`);
      }
      const at = Math.max(this.clock.now(), stored.updatedAt + 1);
      const next: JobRecord = {
        segmentId,
        state: "observed",
        txs: {},
        provingAttempts: stored.provingAttempts,
        createdAt: stored.createdAt,
        updatedAt: at,
        history: [...stored.history, { state: "observed" as const, at, reason }].slice(-MAX_HISTORY),
      };
      await this.store.batch([this.store.jobs.putOp(segmentId, next), ...this.store.proofs.deleteOps(segmentId, stored.proofHash), this.store.witnesses.deleteOp(segmentId)]);
      return this.after(next as PersistedJob<"observed">, stored.state);
    });
  }

  /** Record a broadcast transaction's hash on the current state (no state change); null forgets a dropped one. */
  async recordTx<S extends JobState>(job: PersistedJob<S>, purpose: "lock" | "commit", hash: string | null): Promise<PersistedJob<S>> {
    return this.serial(job.segmentId, async () => {
      const stored = await this.store.jobs.get(job.segmentId);
      if (!stored || stored.state !== job.state) throw new JobError({ code: "JOB_STALE", segmentId: job.segmentId, expected: job.state, stored: stored?.state ?? job.state });
      const txs = { ...stored.txs };
      if (hash === null) delete txs[purpose];
      else txs[purpose] = hash;
      const next: JobRecord = { ...stored, txs, updatedAt: Math.max(this.clock.now(), stored.updatedAt + 1) };
      await this.store.batch([this.store.jobs.putOp(job.segmentId, next)]);
      return next as PersistedJob<S>;
    });
  }

  private async after<S extends JobState>(job: PersistedJob<S>, from: JobState | null): Promise<PersistedJob<S>> {
    this.metrics?.transitions.inc({ from: from ?? "none", to: job.state });
    if (from !== null && from !== job.state) this.metrics?.jobsInState.dec({ state: from });
    if (from !== job.state) this.metrics?.jobsInState.inc({ state: job.state });
    this.log.debug("Job transition", { segmentId: job.segmentId, from, to: job.state, reason: job.failureReason });
    try {
      await this.onTransition?.({ job, from, to: job.state });
    } catch (err) {
      this.log.warn("Transition hook failed", { segmentId: job.segmentId, err });
    }
    return job;
  }

  /** The stored record, which must be exactly `job` (JOB_NOT_FOUND / JOB_STALE otherwise). */
  private async current(job: PersistedJob): Promise<JobRecord> {
    const stored = await this.store.jobs.get(job.segmentId);
    if (!stored) throw new JobError({ code: "JOB_NOT_FOUND", segmentId: job.segmentId });
    if (stored.state !== job.state || stored.updatedAt !== job.updatedAt) {
      throw new JobError({ code: "JOB_STALE", segmentId: job.segmentId, expected: job.state, stored: stored.state });
    }
    return stored;
  }

  private serial<T>(segmentId: bigint, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(segmentId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(segmentId, tail);
    void tail.then(() => {
      if (this.locks.get(segmentId) === tail) this.locks.delete(segmentId);
    });
    return run;
  }
}
