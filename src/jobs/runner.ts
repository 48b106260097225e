/**
 * Drives segment jobs through the state machine. Each step reads the persisted job, performs the one
 * action its state enables, and persists the next state; a crash between any two lines leaves a job
 * whose state says exactly what may have happened. Recovery rules (applied by `step`, so a fresh run
 * and a resumed run follow the same code):
 *
 * | persisted state  | on (re)entry                                                                        |
 * |------------------|-------------------------------------------------------------------------------------|
 * | observed         | ask the market again (nothing was sent).                                            |
 * | decided          | read the segment; still open → persist "lockSent", then send the lock.              |
 * | lockSent         | READ CHAIN FIRST: locked by us → locked; taken or closed → failed(LOCK_LOST); still |
 * |                  | open → (re)send the lock only if no tx hash was recorded, else wait for that tx.    |
 * | locked           | check we still hold the lock, fetch + store the witness.                            |
 * | witnessFetched   | check the lock, persist "proving", prove from the stored witness.                   |
 * | proving          | check the lock, persist a new attempt (proving → proving), prove again.             |
 * | proven           | READ CHAIN FIRST: our commitment is there → committed (never commit twice); else    |
 * |                  | send the commit unless a recorded commit tx is still pending. A commit tx the chain |
 * |                  | module reports dropped is forgotten and sent again; a reverted one fails the job.   |
 * | committed        | publish the proof (gossip is idempotent, republishing is harmless).                 |
 * | published        | read chain: finalized / slashed, else wait for the next chain event. Our lock       |
 * |                  | without our commitment (a reorg removed it) → proven: commit the stored proof again |
 * |                  | (never prove again). Lock gone, not slashed, for `lostLockGraceMs` → failed         |
 * |                  | (LOCK_LOST); the batch timed out → failed (BATCH_TIMED_OUT).                         |
 *
 * A lock-holding job whose lock is gone on chain becomes slashed (our address in the slashed list) or
 * failed(LOCK_LOST). Cancelling (`signal`) leaves every job in its persisted state for the next start;
 * jobs/scheduler.ts drives every unfinished job again on the next start, by these same rules.
 */
import { declined, isTerminal, type ProofRecord, type SegmentRecord, type Store } from "../store/index.js";
import type { ProofOptions } from "../stark/options.js";
import { OPTION_PRESETS } from "../stark/options.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import type { Clock } from "../util/clock.js";
import { systemClock } from "../util/clock.js";
import { keccakHex } from "../util/keccak.js";
import { JobError } from "./errors.js";
import { dataWitnessProblems, isDataSegmentAir } from "./data-binding.js";
import { decodeWitness } from "../rollup/witness.js";
import { describeError } from "../util/errors.js";
import type { JobStateMachine, PersistedJob } from "./machine.js";
import type { JobChain, JobMarket, JobNetwork, SegmentChainState } from "./interface.js";
import type { Prover, ProveProgress } from "./pool.js";
import { defaultJobRunnerOpts, type JobRunnerOpts } from "./options.js";

export interface JobRunnerModules {
  store: Store;
  machine: JobStateMachine;
  chain: JobChain;
  network: JobNetwork;
  market: JobMarket;
  prover: Prover;
  signal: AbortSignal;
  logger?: Logger;
  clock?: Clock;
  /** Progress of proofs in flight (CLI progress bars, periodic log lines). */
  onProgress?: (segmentId: bigint, p: ProveProgress) => void;
}

/** `wait`: nothing to do until something changes on chain (a pending tx, finalization). */
export type StepResult = PersistedJob | "wait";

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/^0x/, ""), "hex"));
}

export class JobRunner {
  private readonly opts: JobRunnerOpts;
  private readonly store: Store;
  private readonly machine: JobStateMachine;
  private readonly chain: JobChain;
  private readonly network: JobNetwork;
  private readonly market: JobMarket;
  private readonly prover: Prover;
  private readonly signal: AbortSignal;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly onProgress?: JobRunnerModules["onProgress"];
  /** Published jobs whose lock is not ours on chain, since when (the slash event may lag). */
  private readonly lostSince = new Map<bigint, number>();

  constructor(opts: Partial<JobRunnerOpts>, modules: JobRunnerModules) {
    this.opts = { ...defaultJobRunnerOpts, ...opts };
    this.store = modules.store;
    this.machine = modules.machine;
    this.chain = modules.chain;
    this.network = modules.network;
    this.market = modules.market;
    this.prover = modules.prover;
    this.signal = modules.signal;
    this.log = modules.logger ?? nullLogger;
    this.clock = modules.clock ?? systemClock;
    this.onProgress = modules.onProgress;
  }

  private get proofOptions(): ProofOptions {
    return OPTION_PRESETS[this.opts.proofOptionsPreset];
  }

  /** A new auction seen on chain: store the segment and its job together (idempotent per segment). */
  async observe(segment: SegmentRecord): Promise<PersistedJob> {
    const existing = await this.machine.get(segment.segmentId);
    if (existing) return existing;
    return this.machine.create(segment.segmentId, [this.store.segments.putOp(segment.segmentId, segment)]);
  }

  /** Step until the job is terminal or must wait. */
  async drive(job: PersistedJob): Promise<PersistedJob> {
    let current = job;
    while (!isTerminal(current.state)) {
      this.signal.throwIfAborted();
      const next = await this.step(current);
      if (next === "wait") return current;
      current = next;
    }
    return current;
  }

  /** Perform the action `job.state` enables and persist the result. */
  async step(job: PersistedJob): Promise<StepResult> {
    const segment = await this.store.segments.get(job.segmentId);
    if (!segment) throw new JobError({ code: "JOB_MISSING_DATA", segmentId: job.segmentId, what: "segment" });
    switch (job.state) {
      case "observed": {
        const decision = await this.market.decide(segment);
        if (!decision.lock) return this.machine.transition(job, "failed", { failureReason: declined(decision.reason) });
        return this.machine.transition(job, "decided", { price: decision.price });
      }
      case "decided": {
        const chain = await this.chain.readSegment(job.segmentId, this.signal);
        if (chain.status !== "open") return this.machine.transition(job, "failed", { failureReason: "LOCK_LOST" });
        return this.machine.transition(job, "lockSent");
      }
      case "lockSent":
        return this.stepLockSent(job as PersistedJob<"lockSent">);
      case "locked": {
        const lost = await this.checkLock(job);
        if (lost) return lost;
        const witness = await this.network.fetchWitness(job as PersistedJob<"locked">, segment, this.signal);
        const witnessHash = keccakHex(witness);
        if (witnessHash !== segment.witnessHash.toLowerCase()) {
          throw new JobError({ code: "JOB_MISSING_DATA", segmentId: job.segmentId, what: `witness matching ${segment.witnessHash}` });
        }
        if (isDataSegmentAir(segment.air)) {
          const unbound = await this.checkDataWitness(job, segment, witness);
          if (unbound) return unbound;
        }
        return this.machine.transition(job, "witnessFetched", { witnessHash }, [this.store.witnesses.putOp(job.segmentId, witness)]);
      }
      case "witnessFetched":
      case "proving": {
        const lost = await this.checkLock(job);
        if (lost) return lost;
        // proving → proving on a restart: the attempt is recorded before the work starts again.
        const proving = await this.machine.transition(job, "proving");
        return this.prove(proving, segment);
      }
      case "proven":
        return this.stepProven(job as PersistedJob<"proven">);
      case "committed": {
        const proof = await this.requireProof(job);
        await this.network.publishProof(job as PersistedJob<"committed">, proof, this.signal);
        return this.machine.transition(job, "published");
      }
      case "published":
        return this.stepPublished(job as PersistedJob<"published">);
      default:
        return job;
    }
  }

  /**
   * The slashed list is the segment's whole history (a reopened segment may show an old slash of ours):
   * while the lock on chain is ours, only finalization matters. A commitment of ours that is no longer on
   * chain while the lock still is — a reorg dropped the commit transaction — is sent again from the
   * stored proof before the lock's deadline passes: waiting for a finalization that cannot come would
   * get an honest node slashed.
   */
  private async stepPublished(job: PersistedJob<"published">): Promise<StepResult> {
    const chain = await this.chain.readSegment(job.segmentId, this.signal);
    const ours = this.isOurs(chain);
    if (ours && chain.status === "finalized") return this.machine.transition(job, "finalized");
    if (ours && chain.status === "locked") {
      this.lostSince.delete(job.segmentId);
      this.log.warn("Our commitment is gone from the chain (reorg); committing the stored proof again", { segmentId: job.segmentId, lockDeadline: chain.lockDeadline });
      return this.machine.transition(job, "proven", { txs: { ...job.txs, commit: undefined } });
    }
    if (ours) {
      this.lostSince.delete(job.segmentId);
      return "wait";
    }
    if (chain.slashed.includes(this.chain.address)) return this.machine.transition(job, "slashed", { failureReason: "SLASHED" });
    if (chain.status === "expired") return this.machine.transition(job, "failed", { failureReason: "BATCH_TIMED_OUT" });
    // Not ours and no slash of ours ingested yet: a slash (challenge, unavailability) whose event is
    // still on its way, or a reorg that took our lock away. The event gets a grace period; after it,
    // the lock is lost (the segment can be locked again — by us too).
    const now = this.clock.now();
    const since = this.lostSince.get(job.segmentId) ?? now;
    this.lostSince.set(job.segmentId, since);
    if (now - since < this.opts.lostLockGraceMs) return "wait";
    this.lostSince.delete(job.segmentId);
    return this.machine.transition(job, "failed", { failureReason: "LOCK_LOST" });
  }

  private async stepLockSent(job: PersistedJob<"lockSent">): Promise<StepResult> {
    const before = await this.chain.readSegment(job.segmentId, this.signal);
    const settled = await this.settleLock(job, before, false);
    if (settled) return settled;
    let current = job;
    let hash = current.txs.lock;
    if (!hash) {
      hash = await this.chain.sendLock(current, this.signal);
      current = await this.machine.recordTx(current, "lock", hash);
    }
    const outcome = await this.chain.waitForTx(hash, this.opts.txWaitMs, this.signal);
    const after = await this.chain.readSegment(job.segmentId, this.signal);
    const settled2 = await this.settleLock(current, after, outcome === "reverted");
    if (settled2) return settled2;
    // A dropped lock is not retried: the decision may be stale and nothing is at stake yet.
    if (outcome === "dropped") return this.machine.transition(current, "failed", { failureReason: "LOCK_TX_DROPPED" });
    return "wait";
  }

  private async settleLock(job: PersistedJob<"lockSent">, chain: SegmentChainState, reverted: boolean): Promise<PersistedJob | null> {
    if (this.isOurs(chain)) {
      return this.machine.transition(job, "locked", { lockDeadline: chain.lockDeadline ?? undefined });
    }
    if (chain.status !== "open") return this.machine.transition(job, "failed", { failureReason: "LOCK_LOST" });
    if (reverted) return this.machine.transition(job, "failed", { failureReason: "LOCK_REVERTED" });
    return null;
  }

  /** For states holding a lock: if the lock is gone on chain, the job ends here. */
  private async checkLock(job: PersistedJob): Promise<PersistedJob | null> {
    const chain = await this.chain.readSegment(job.segmentId, this.signal);
    if (this.isOurs(chain)) return null;
    if (chain.slashed.includes(this.chain.address)) return this.machine.transition(job, "slashed", { failureReason: "SLASHED" });
    return this.machine.transition(job, "failed", { failureReason: "LOCK_LOST" });
  }

  /**
   * A data batch's witness must be the one L1 bound the batch to (r, txCommitment, txCount, roots); a
   * witness that is not cannot give a proof the tree or L1 accepts. The job fails for good
   * (WITNESS_UNBOUND): the sequencer's fault, logged as such. Our lock then runs out (docs/aggregator.md).
   */
  private async checkDataWitness(job: PersistedJob, segment: SegmentRecord, witness: Uint8Array): Promise<PersistedJob | null> {
    if (!this.chain.readDataSegment) throw new JobError({ code: "JOB_MISSING_DATA", segmentId: job.segmentId, what: "the data batch's binding on L1 (no reader configured)" });
    const binding = await this.chain.readDataSegment(job.segmentId, this.signal);
    let problems: string[];
    try {
      problems = dataWitnessProblems(decodeWitness(witness), segment.air, binding, this.opts.dataSegmentLogRows);
    } catch (err) {
      problems = [`undecodable witness: ${describeError(err)}`];
    }
    if (problems.length === 0) return null;
    const err = new JobError({ code: "JOB_WITNESS_UNBOUND", segmentId: job.segmentId, problems }, `the sequencer's witness for segment ${segment.batchId}:${segment.index} is not the one L1 bound the batch to: ${problems.join("; ")}`);
    this.log.error("Data batch witness does not match L1's binding (the sequencer's fault); not proving it", { segmentId: job.segmentId, problems: problems.map((p) => p.slice(0, 200)), error: err.message.slice(0, 500) });
    return this.machine.transition(job, "failed", { failureReason: "WITNESS_UNBOUND" });
  }

  private isOurs(chain: SegmentChainState): boolean {
    return chain.lockedBy?.toLowerCase() === this.chain.address.toLowerCase();
  }

  private async prove(job: PersistedJob<"proving">, segment: SegmentRecord): Promise<StepResult> {
    const witness = await this.store.witnesses.get(job.segmentId);
    if (!witness) throw new JobError({ code: "JOB_MISSING_DATA", segmentId: job.segmentId, what: "witness" });
    this.log.info("Proving segment", { segmentId: job.segmentId, air: segment.air, attempt: job.provingAttempts });
    const data = isDataSegmentAir(segment.air);
    if (data && !this.opts.dataSegmentOptions) {
      this.log.error("A data batch's segment but no aggregate configuration (node config `aggregate`)", { segmentId: job.segmentId, air: segment.air });
      return this.machine.transition(job, "failed", { failureReason: "PROVING_FAILED" });
    }
    let outcome;
    try {
      outcome = await this.prover.prove(
        data
          ? { air: segment.air, witness, options: this.opts.dataSegmentOptions!, hash: "poseidon2", proverAddress: hexToBytes(this.chain.address) }
          : { air: segment.air, witness, options: this.proofOptions, proverAddress: hexToBytes(this.chain.address) },
        { signal: this.signal, onProgress: (p) => this.onProgress?.(job.segmentId, p) },
      );
    } catch (err) {
      // Shutdown: stay in "proving"; the next start proves again.
      if (this.signal.aborted) throw err;
      if (err instanceof JobError && err.code === "PROVER_FAILED") {
        return this.machine.transition(job, "failed", { failureReason: "PROVING_FAILED" });
      }
      throw err;
    }
    const proof: ProofRecord = {
      segmentId: job.segmentId,
      air: segment.air,
      proofHash: outcome.proofHash,
      bytes: outcome.bytes,
      publicInputs: outcome.publicInputs,
      provedAt: this.clock.now(),
      backend: outcome.backend,
      provingSeconds: outcome.seconds,
    };
    // The proof is stored in the same write as the state; the witness is no longer needed.
    return this.machine.transition(job, "proven", { proofHash: proof.proofHash }, [...this.store.proofs.putOps(proof), this.store.witnesses.deleteOp(job.segmentId)]);
  }

  private async stepProven(job: PersistedJob<"proven">): Promise<StepResult> {
    const proof = await this.requireProof(job);
    const before = await this.chain.readSegment(job.segmentId, this.signal);
    const settled = await this.settleCommit(job, before);
    if (settled) return settled;
    let current = job;
    let hash = current.txs.commit;
    if (!hash) {
      hash = await this.chain.sendCommit(current, proof, this.signal);
      current = await this.machine.recordTx(current, "commit", hash);
    }
    const outcome = await this.chain.waitForTx(hash, this.opts.txWaitMs, this.signal);
    const after = await this.chain.readSegment(job.segmentId, this.signal);
    const done = await this.settleCommit(current, after);
    if (done) return done;
    if (outcome === "reverted") return this.machine.transition(current, "failed", { failureReason: "COMMIT_REVERTED" });
    // A dropped commit must be sent again (the collateral is at stake): forget its hash and step again.
    if (outcome === "dropped") return this.machine.recordTx(current, "commit", null);
    return "wait";
  }

  private async settleCommit(job: PersistedJob<"proven">, chain: SegmentChainState): Promise<PersistedJob | null> {
    const ours = this.isOurs(chain);
    if (ours && chain.committedProofHash !== null) {
      if (chain.committedProofHash.toLowerCase() !== job.proofHash?.toLowerCase()) {
        this.log.warn("Commitment on chain differs from the stored proof", { segmentId: job.segmentId });
      }
      return this.machine.transition(job, "committed");
    }
    // Still our lock, not committed yet: go on (an old slash in the segment's history is not about this lock).
    if (ours) return null;
    if (chain.slashed.includes(this.chain.address)) return this.machine.transition(job, "slashed", { failureReason: "SLASHED" });
    return this.machine.transition(job, "failed", { failureReason: "LOCK_LOST" });
  }

  private async requireProof(job: PersistedJob): Promise<ProofRecord> {
    const proof = await this.store.proofs.get(job.segmentId);
    if (!proof) throw new JobError({ code: "JOB_MISSING_DATA", segmentId: job.segmentId, what: "proof" });
    return proof;
  }
}
