/**
 * The aggregator role every node runs (docs/aggregator.md). Every node follows every open batch:
 *  - the collector (collector.ts) gathers each committed segment's proof and public column and verifies
 *    the proof locally against the statement rebuilt from chain state;
 *  - the duties (duties.ts) act on it once the batch is fully committed and this node is within the
 *    election's fallback ranks (or the open race has started): challenge, report, slash, submit; and,
 *    as a prover, answer reports against its own segments.
 *
 * Nothing is persisted: the working set is rebuilt from chain (`recover`) and from the market events of
 * each ingested block (`onMarketBlock`, decoded once by chain/market-events.ts); every action re-reads
 * chain state just before it is sent. Passes are serialised and coalesced. Errors are logged with their
 * context and retried on the next block; nothing is thrown to the node.
 */
import { getAddress, hexToBytes, type Address } from "viem";
import type { AggregationPlan } from "../recursion/plan.js";
import type { MarketBlockEvents } from "../chain/market-events.js";
import { BatchKind, BatchStatus, SegmentStatus, type AggregatorParams, type BatchView, type Head, type MarketReader, type SegmentView } from "../chain/market-reader.js";
import { describeError } from "../util/errors.js";
import { nullLogger, type Logger } from "../util/logger.js";
import { errorContext, type AggregatorActions } from "./actions.js";
import { ProofCollector, type AggregatorNetwork, type FollowedBatch, type SegmentToVerify } from "./collector.js";
import type { JoinCoordinator } from "./joins.js";
import type { WrapSubmitter } from "./wrap.js";
import { dataSegmentProblem } from "./verify.js";
import { Duties } from "./duties.js";
import type { AggregatorMetrics } from "./metrics.js";
import { defaultAggregatorOpts, type AggregatorOpts } from "./options.js";

/**
 * The tree path of data batches (docs/aggregator.md, "Aggregation by proof trees"): the deployment's plan,
 * the join coordinator the verified segment proofs feed, and the wrap submitter the pass asks once the
 * batch is fully committed. Without it, data batches are not aggregated by this node.
 */
export interface AggregatorTrees {
  readonly plan: AggregationPlan;
  readonly coordinator: Pick<JoinCoordinator, "follow" | "addSegment" | "forget" | "tick">;
  readonly wrap: Pick<WrapSubmitter, "attempt" | "forget">;
  /** Check a transfer-v2 segment proof: null if valid, else why not (default: verify.ts dataSegmentProblem with the plan). */
  readonly dataSegmentProblem?: (s: { proof: Uint8Array; publicInputs: number[]; prover: Address }) => string | null;
}

export interface AggregatorModules {
  reader: MarketReader;
  /** The L1 writes (actions.ts's MarketActions; node/faults.ts may wrap it). */
  actions: AggregatorActions;
  /** This node's staking address. */
  self: Address;
  network: AggregatorNetwork;
  /** The STARK verifier with the deployed verifier's policy (verify.ts); a throw counts as invalid. */
  verifySegment(s: SegmentToVerify): Promise<boolean>;
  /** The rollup's public columns of a witness (flattened column-major for the contracts). */
  publicColumnsOf(witness: Uint8Array): Uint32Array[];
  /** This node's stored proof of a segment, if any. */
  ownProof(batchId: bigint, index: number): Promise<Uint8Array | null>;
  logger?: Logger;
  signal?: AbortSignal;
  metrics?: AggregatorMetrics | null;
  /** Milliseconds clock (tests). */
  now?: () => number;
  /** Data batches: the proof tree and the wrap. */
  trees?: AggregatorTrees;
}

export class Aggregator {
  readonly address: Address;
  private readonly opts: AggregatorOpts;
  private readonly m: AggregatorModules;
  private readonly log: Logger;
  private readonly followed = new Map<bigint, FollowedBatch>();
  private readonly collector: ProofCollector;
  private readonly duties: Duties;
  private running: Promise<void> | null = null;
  /** Wrap attempts in flight (proving a wrap takes seconds; the pass does not wait for it). */
  private readonly wrapping = new Map<bigint, Promise<unknown>>();
  private readonly warnedNoTrees = new Set<bigint>();
  private again = false;

  constructor(opts: Partial<AggregatorOpts>, modules: AggregatorModules) {
    this.opts = { ...defaultAggregatorOpts, ...opts };
    this.m = modules;
    this.log = modules.logger ?? nullLogger;
    this.address = getAddress(modules.self);
    const now = modules.now ?? Date.now;
    this.collector = new ProofCollector(this.opts, {
      ...modules,
      self: this.address,
      now,
      onSettled: (f) => {
        if (this.followed.get(f.batchId) === f) void this.schedule();
      },
    });
    this.duties = new Duties(this.opts, { self: this.address, reader: modules.reader, actions: modules.actions, collector: this.collector, ownProof: modules.ownProof, now, logger: modules.logger });
  }

  /** Batch ids followed now (open on chain as far as we know). */
  get batches(): bigint[] {
    return [...this.followed.keys()];
  }

  /** Rebuild the working set from chain: the open batches among the most recent batch ids. */
  async recover(): Promise<void> {
    try {
      const next = await this.m.reader.nextBatchId();
      const lowest = next - BigInt(this.opts.recoverBatches) > 1n ? next - BigInt(this.opts.recoverBatches) : 1n;
      const ids: bigint[] = [];
      for (let id = next - 1n; id >= lowest; id--) ids.push(id);
      for (let k = 0; k < ids.length; k += 32) {
        const batches = await Promise.all(ids.slice(k, k + 32).map((id) => this.m.reader.batch(id)));
        for (const b of batches) if (b.status === BatchStatus.Open) this.follow(b.batchId);
      }
      this.log.info("Aggregator recovered open batches", { batches: this.batches.map(String) });
    } catch (err) {
      this.log.warn("Aggregator recovery failed; batches are picked up from new blocks", { error: describeError(err) });
    }
    await this.schedule();
  }

  /**
   * One ingested block's market events. They are taken synchronously; the returned promise resolves
   * when the pass they triggered is done (the node need not await it).
   */
  onMarketBlock(ev: MarketBlockEvents): Promise<void> {
    // A batch fully committed may have been posted before recover()'s range: follow it too.
    for (const id of [...ev.postedBatches, ...ev.fullyCommittedBatches]) this.follow(id);
    for (const id of [...ev.finalizedBatches, ...ev.timedOutBatches]) this.unfollow(id);
    for (const p of ev.published) this.collector.takePublished(p, this.followed.get(p.batchId));
    return this.schedule();
  }

  /**
   * The chain reorganised: a batch this node stopped following (finalized or timed out in a block the
   * reorg took away) may be open again, and no event will say so. Re-read the recent batches and follow
   * the open ones (chaos soak seed 1: an aggregate undone by a 4-block reorg was never re-submitted and
   * the batch stayed open past its timeout). Not awaited by ingestion.
   */
  onReorg(): Promise<void> {
    return this.recover();
  }

  /** Re-check windows and pending work (e.g. on a timer). */
  tick(): Promise<void> {
    this.m.trees?.coordinator.tick();
    return this.schedule();
  }

  /** Resolves once no pass and no proof collection is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending: Promise<unknown>[] = [];
      if (this.running) pending.push(this.running);
      pending.push(...this.wrapping.values());
      for (const f of this.followed.values()) for (const c of f.segments.values()) if (c.inflight) pending.push(c.inflight);
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  /** Stop following every batch and abort their fetches. */
  close(): void {
    for (const id of [...this.followed.keys()]) this.unfollow(id);
  }

  private follow(batchId: bigint): void {
    if (this.followed.has(batchId)) return;
    this.followed.set(batchId, { batchId, segments: new Map(), ranks: null, progress: -1, abort: new AbortController() });
    this.m.metrics?.followedBatches.set({}, this.followed.size);
  }

  private unfollow(batchId: bigint): void {
    const f = this.followed.get(batchId);
    if (!f) return;
    f.abort.abort();
    this.followed.delete(batchId);
    this.collector.forget(batchId);
    this.m.trees?.coordinator.forget(batchId);
    this.m.trees?.wrap.forget(batchId);
    this.warnedNoTrees.delete(batchId);
    this.m.metrics?.followedBatches.set({}, this.followed.size);
    this.log.debug("Aggregator stopped following batch", { batchId });
  }

  private schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.m.signal?.aborted);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.m.signal?.aborted || this.followed.size === 0) return;
    let head: Head;
    let params: AggregatorParams;
    try {
      [params, head] = await Promise.all([this.m.reader.aggregatorParams(), this.m.reader.head()]);
    } catch (err) {
      this.log.warn("Aggregator could not read chain state; retrying on the next block", { error: describeError(err) });
      return;
    }
    for (const f of [...this.followed.values()]) {
      if (this.m.signal?.aborted) return;
      try {
        await this.processBatch(f, head, params);
      } catch (err) {
        this.log.warn("Aggregator step failed; retrying on the next block", { batchId: f.batchId, ...errorContext(err) });
      }
    }
  }

  private async processBatch(f: FollowedBatch, head: Head, params: AggregatorParams): Promise<void> {
    const batch = await this.m.reader.batch(f.batchId);
    if (batch.status !== BatchStatus.Open) {
      this.unfollow(f.batchId);
      return;
    }
    if (batch.kind === BatchKind.Data) return this.processDataBatch(f, batch, head, params);
    if (batch.committedCount === 0) return;
    const segs = await Promise.all(Array.from({ length: batch.segmentCount }, (_, i) => this.m.reader.segment(f.batchId, i)));

    // Collection (every committed segment, from the first commitment on) and the prover-side duty.
    for (const seg of segs) {
      if (seg.status !== SegmentStatus.Committed) f.segments.delete(seg.index);
      else if (!seg.verified) this.collector.collect(f, seg, params);
    }
    for (const seg of segs) {
      if (seg.status === SegmentStatus.Committed && seg.reportedAt !== 0n && seg.locker === this.address) await this.duties.respondOwn(f, seg, head, params);
    }

    const fcb = batch.fullyCommittedBlock;
    if (fcb === 0n || head.timestamp >= batch.timeoutAt) return;
    const { openRace, ranked, onDuty } = await this.duty(f, fcb, head, params);

    let ready = 0;
    for (const seg of segs) {
      const c = f.segments.get(seg.index);
      if (seg.verified || c?.verdict === "valid") ready++;
      if (!onDuty || seg.verified || !c || seg.locker === this.address) continue;
      await this.duties.police(f, seg, c, head, params);
    }
    if (ranked.includes(this.address) && ready !== f.progress) await this.publishProgress(f, ready, segs);
    if (ready === segs.length) await this.duties.submit(f, segs, fcb, openRace);
  }

  /**
   * A data batch: its tree is followed from the posting on (with L1's r); each committed transfer-v2
   * proof is verified against the statement rebuilt from chain and, when valid, becomes its leaf's task;
   * the unavailability duties are the bundle's; once the batch is fully committed the wrap submitter is
   * asked on every pass (it waits for the tree's top and the election's consent, proves once, submits).
   */
  private async processDataBatch(f: FollowedBatch, batch: BatchView, head: Head, params: AggregatorParams): Promise<void> {
    const trees = this.m.trees;
    if (!trees) {
      if (!this.warnedNoTrees.has(f.batchId)) this.log.warn("A data batch, but this node has no aggregate configuration (node config `aggregate`): not aggregating it", { batchId: f.batchId });
      this.warnedNoTrees.add(f.batchId);
      return;
    }
    if (!f.data) {
      const binding = await this.m.reader.dataBinding(f.batchId);
      const problem = trees.dataSegmentProblem ?? ((s: { proof: Uint8Array; publicInputs: number[]; prover: Address }) => dataSegmentProblem(trees.plan, s));
      trees.coordinator.follow(f.batchId, trees.plan, batch.segmentCount, binding.r);
      f.data = { r: binding.r, problem };
    }
    if (batch.committedCount === 0) return;
    const segs = await Promise.all(Array.from({ length: batch.segmentCount }, (_, i) => this.m.reader.segment(f.batchId, i)));
    for (const seg of segs) {
      if (seg.status !== SegmentStatus.Committed) f.segments.delete(seg.index);
      else this.collector.collect(f, seg, params, f.data);
    }
    for (const seg of segs) {
      if (seg.status === SegmentStatus.Committed && seg.reportedAt !== 0n && seg.locker === this.address) await this.duties.respondOwn(f, seg, head, params);
    }
    let ready = 0;
    for (const seg of segs) {
      const c = f.segments.get(seg.index);
      if (c?.verdict !== "valid" || !c.proof || !c.publicInputs || !seg.locker) continue;
      ready++;
      trees.coordinator.addSegment(f.batchId, seg.index, { proof: c.proof, publicInputs: c.publicInputs, proverAddress: hexToBytes(seg.locker) });
    }

    const fcb = batch.fullyCommittedBlock;
    if (fcb === 0n || head.timestamp >= batch.timeoutAt) return;
    const { openRace, ranked, onDuty } = await this.duty(f, fcb, head, params);
    for (const seg of segs) {
      const c = f.segments.get(seg.index);
      if (!onDuty || !c || seg.locker === this.address) continue;
      if (c.verdict === "invalid") {
        // TODO(issue 19): SegmentMarket.reportInvalid (a dispute deposit; the prover answers with a keccak proof,
        // respondInvalid, or is slashed, slashInvalid). Not wired yet: logged, and the tree waits for a new commitment.
        this.logInvalidOnce(f, seg, c.proofHash);
        continue;
      }
      await this.duties.police(f, seg, c, head, params);
    }
    if (ranked.includes(this.address) && ready !== f.progress) await this.publishProgress(f, ready, segs);
    if (!this.wrapping.has(f.batchId)) {
      const attempt = trees.wrap
        .attempt(f.batchId, trees.plan, batch.segmentCount)
        .then((outcome) => {
          if (outcome !== "waiting-for-tree" && outcome !== "not-our-turn") this.log.debug("Wrap attempt", { batchId: f.batchId, outcome });
        })
        .catch((err) => this.log.warn("Wrap attempt failed", { batchId: f.batchId, ...errorContext(err) }))
        .finally(() => this.wrapping.delete(f.batchId));
      this.wrapping.set(f.batchId, attempt);
    }
  }

  private readonly invalidLogged = new Set<string>();

  private logInvalidOnce(f: FollowedBatch, seg: SegmentView, proofHash: string): void {
    const key = `${f.batchId}:${seg.index}:${proofHash}`;
    if (this.invalidLogged.has(key)) return;
    this.invalidLogged.add(key);
    this.log.error("Invalid segment proof in a data batch: not disputed on L1 yet (reportInvalid is not wired); the batch cannot finalize until it is replaced", { batchId: f.batchId, index: seg.index, prover: seg.locker, proofHash });
  }

  private async publishProgress(f: FollowedBatch, ready: number, segs: readonly SegmentView[]): Promise<void> {
    f.progress = ready;
    try {
      await this.m.network.publishProgress?.({ batchId: f.batchId, collected: ready, total: segs.length });
    } catch (err) {
      this.log.debug("Aggregate progress not published", { batchId: f.batchId, error: describeError(err) });
    }
  }

  /** The election's view of a fully committed batch now: whether the open race started, the ranks, and whether we are on duty. */
  private async duty(f: FollowedBatch, fcb: bigint, head: Head, params: AggregatorParams): Promise<{ openRace: boolean; ranked: Address[]; onDuty: boolean }> {
    const window = (head.number > fcb ? head.number - fcb : 0n) / params.aggregatorWindow;
    const openRace = window >= BigInt(params.fallbackRanks);
    const ranked = await this.ranks(f, fcb, params);
    return { openRace, ranked, onDuty: openRace || ranked.includes(this.address) };
  }

  private async ranks(f: FollowedBatch, fcb: bigint, params: AggregatorParams): Promise<Address[]> {
    if (f.ranks?.fcb === fcb) return f.ranks.ranked;
    const ranked = await this.m.reader.rankedAggregators(fcb, params.fallbackRanks);
    f.ranks = { fcb, ranked };
    this.log.debug("Aggregator ranks for batch", { batchId: f.batchId, ranked, ours: ranked.indexOf(this.address) });
    return ranked;
  }
}
