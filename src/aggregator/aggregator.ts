/**
 * The aggregator role every node runs (DESIGN §1, §5). Every node follows every open batch:
 *  - collects each committed segment's proof (own store, an on-chain ProofPublished, else p2p by the
 *    committed hash with the locker as signer hint) and the witness's public column, and verifies the
 *    proof locally against the statement rebuilt from chain state;
 *  - once the batch is fully committed and this node is within the election's fallback ranks (or the
 *    open race has started): challenges invalid proofs, reports withheld ones, slashes unanswered
 *    reports, and submits the bundle when `submissionRights` allows it;
 *  - as a prover: answers reports against its own segments with respondUnavailable.
 *
 * Nothing is persisted: the working set is rebuilt from chain (`recover`) and every action re-reads
 * chain state just before it is sent; an action someone else already did counts as done. Passes are
 * serialised and coalesced; proof collection runs in the background and schedules a pass when done.
 * Errors are logged with their context and retried on the next block; nothing is thrown to the node.
 */
import {
  encodeFunctionData,
  getAddress,
  hexToBytes,
  keccak256,
  parseEventLogs,
  toHex,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { aggregatorElectionAbi, rollupAbi, segmentMarketAbi } from "../chain/abi/index.js";
import { ChainError } from "../chain/chain-error.js";
import { decodeRevert } from "../chain/errors.js";
import type { IngestedBlock } from "../chain/ingest.js";
import type { TxRequest, TxSender } from "../chain/sender.js";
import { segmentPublicInputs, txDataHash } from "../chain/statement.js";
import { describeError } from "../util/errors.js";
import { nullLogger, type Logger } from "../util/logger.js";
import { AggregatorError } from "./errors.js";
import type { AggregatorAction, AggregatorMetrics } from "./metrics.js";
import { defaultAggregatorOpts, type AggregatorOpts } from "./options.js";

/** What the aggregator needs from p2p (the node implements it with P2pNetwork). */
export interface AggregatorNetwork {
  /** Fetch a proof by its keccak256 (hinted signers first, then DHT providers). Rejects when nobody serves it. */
  fetchProof(hash: Hex, o: { signers?: Address[]; signal?: AbortSignal }): Promise<Uint8Array>;
  /** Fetch a witness by its keccak256; the network checks the hash of what it returns. */
  fetchWitness(hash: Hex, o: { signers?: Address[]; signal?: AbortSignal }): Promise<Uint8Array>;
  /** Gossip on the `aggregates` topic. */
  publishProgress?(p: { batchId: bigint; collected: number; total: number }): Promise<unknown> | void;
}

export interface SegmentToVerify {
  proof: Uint8Array;
  publicInputs: number[];
  publicColumns: Uint32Array[];
  /** The locker: proofs are bound to their prover's address. */
  prover: Address;
}

export interface AggregatorAddresses {
  market: Address;
  election: Address;
  rollup: Address;
}

export interface AggregatorModules {
  publicClient: PublicClient;
  /** This node's staking account. */
  sender: TxSender;
  addresses: AggregatorAddresses;
  network: AggregatorNetwork;
  /** The STARK verifier with the deployment's policy; a throw counts as invalid. */
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
}

// ISegmentMarket.BatchStatus / SegmentStatus
const BATCH_OPEN = 1;
const SEG_COMMITTED = 3;
/** SegmentMarket.VERIFY_GAS_RESERVE */
const VERIFY_GAS_RESERVE = 100_000n;
/** Gas around the verifier call in challengeProof besides calldata: hashing, statement, storage, slashing. */
const CHALLENGE_OVERHEAD = 1_000_000n;

/** Reverts that mean "someone already did it" (or the segment moved on): not failures. */
const ALREADY_DONE = new Set([
  "SegmentMarket__AlreadyVerified",
  "SegmentMarket__AlreadyReported",
  "SegmentMarket__NotReported",
  "SegmentMarket__NotCommitted",
  "SegmentMarket__BatchNotOpen",
  "SegmentMarket__ProofHashMismatch",
  "Rollup__BatchNotOpen",
]);

interface Params {
  treeDepth: number;
  aggregatorWindow: bigint;
  fallbackRanks: number;
  responseWindow: bigint;
  verifyGasLimit: bigint;
}

/** Work on one committed proof (keyed by its hash: a reopen and a new commitment start over). */
interface Collected {
  proofHash: Hex;
  proof: Uint8Array | null;
  proofSource: "own" | "published" | "fetched" | null;
  /** The public column flattened as the contracts take it. */
  column: number[] | null;
  publicColumns: Uint32Array[] | null;
  verdict: "valid" | "invalid" | null;
  inflight: Promise<void> | null;
  proofFailedAt: number | null;
  /** First failed fetch of this commitment: a proof counts as withheld only after fetchTimeoutMs of failures. */
  firstFailedAt: number | null;
  witnessFailedAt: number | null;
}

interface Followed {
  batchId: bigint;
  segments: Map<number, Collected>;
  ranks: { fcb: bigint; ranked: Address[] } | null;
  progress: number;
  /** fullyCommittedBlock for which silentAsPrimary last held us back (logged once). */
  silencedAt: bigint | null;
  abort: AbortController;
}

type Segment = {
  witnessHash: Hex;
  txDataHash: Hex;
  txCount: number;
  status: number;
  locker: Address;
  proofHash: Hex;
  committedRootIn: Hex;
  committedRootOut: Hex;
  reportedAt: bigint;
  verified: boolean;
};

interface Head {
  number: bigint;
  timestamp: bigint;
}

export class Aggregator {
  readonly address: Address;
  private readonly opts: AggregatorOpts;
  private readonly m: AggregatorModules;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly followed = new Map<bigint, Followed>();
  /** ProofPublished bytes seen in blocks, by "batchId:index". */
  private readonly published = new Map<string, Uint8Array[]>();
  private params: Params | null = null;
  /** Reports we were told not to answer (logged once each). */
  private readonly unanswered = new Set<string>();
  private running: Promise<void> | null = null;
  private again = false;

  constructor(opts: Partial<AggregatorOpts>, modules: AggregatorModules) {
    this.opts = { ...defaultAggregatorOpts, ...opts };
    this.m = modules;
    this.log = modules.logger ?? nullLogger;
    this.now = modules.now ?? Date.now;
    this.address = getAddress(modules.sender.address);
  }

  /** Batch ids followed now (open on chain as far as we know). */
  get batches(): bigint[] {
    return [...this.followed.keys()];
  }

  /** Rebuild the working set from chain: the open batches among the most recent batch ids. */
  async recover(): Promise<void> {
    try {
      const next = await this.read<bigint>(this.m.addresses.market, segmentMarketAbi, "nextBatchId", []);
      const lowest = next - BigInt(this.opts.recoverBatches) > 1n ? next - BigInt(this.opts.recoverBatches) : 1n;
      const ids: bigint[] = [];
      for (let id = next - 1n; id >= lowest; id--) ids.push(id);
      for (let k = 0; k < ids.length; k += 32) {
        const chunk = ids.slice(k, k + 32);
        const batches = await Promise.all(chunk.map((id) => this.readBatch(id)));
        chunk.forEach((id, j) => {
          if (batches[j]!.status === BATCH_OPEN) this.follow(id);
        });
      }
      this.log.info("Aggregator recovered open batches", { batches: this.batches.map(String) });
    } catch (err) {
      this.log.warn("Aggregator recovery failed; batches are picked up from new blocks", { error: describeError(err) });
    }
    await this.schedule();
  }

  /**
   * One ingested block (its logs; the market's are used). Events are taken synchronously; the returned
   * promise resolves when the pass it triggered is done (the node need not await it).
   */
  onBlock(block: IngestedBlock): Promise<void> {
    try {
      this.takeEvents(block);
    } catch (err) {
      this.log.warn("Aggregator could not decode a block's market events", { block: block.number, error: describeError(err) });
    }
    return this.schedule();
  }

  /** Re-check windows and pending work (e.g. every block or on a timer). */
  tick(): Promise<void> {
    return this.schedule();
  }

  /** Resolves once no pass and no proof collection is in flight (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending: Promise<unknown>[] = [];
      if (this.running) pending.push(this.running);
      for (const f of this.followed.values()) for (const c of f.segments.values()) if (c.inflight) pending.push(c.inflight);
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }

  /** Stop following every batch and abort their fetches. */
  close(): void {
    for (const id of [...this.followed.keys()]) this.unfollow(id);
  }

  // ------------------------------------------------------------------ events and scheduling

  private takeEvents(block: IngestedBlock): void {
    const market = this.m.addresses.market.toLowerCase();
    const logs = block.logs.filter((l) => l.address.toLowerCase() === market);
    if (logs.length === 0) return;
    for (const e of parseEventLogs({ abi: segmentMarketAbi, logs, strict: true })) {
      switch (e.eventName) {
        case "BatchPosted":
          this.follow(e.args.batchId);
          break;
        case "BatchFullyCommitted":
          this.follow(e.args.batchId); // also a batch posted before recover()'s range
          break;
        case "BatchFinalized":
        case "BatchTimedOut":
          this.unfollow(e.args.batchId);
          break;
        case "ProofPublished": {
          const key = `${e.args.batchId}:${e.args.index}`;
          const bytes = hexToBytes(e.args.proof);
          this.published.set(key, [...(this.published.get(key) ?? []), bytes]);
          const c = this.followed.get(e.args.batchId)?.segments.get(e.args.index);
          if (c && c.proof === null && keccak256(bytes) === c.proofHash) {
            c.proof = bytes;
            c.proofSource = "published";
            this.m.metrics?.proofs.inc({ source: "published", result: "ok" });
          }
          break;
        }
        default:
          break;
      }
    }
  }

  private follow(batchId: bigint): void {
    if (this.followed.has(batchId)) return;
    const abort = new AbortController();
    this.followed.set(batchId, { batchId, segments: new Map(), ranks: null, progress: -1, silencedAt: null, abort });
    this.m.metrics?.followedBatches.set({}, this.followed.size);
  }

  private unfollow(batchId: bigint): void {
    const f = this.followed.get(batchId);
    if (!f) return;
    f.abort.abort();
    this.followed.delete(batchId);
    for (const key of [...this.published.keys()]) if (key.startsWith(`${batchId}:`)) this.published.delete(key);
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
    let params: Params;
    try {
      params = await this.loadParams();
      const b = await this.m.publicClient.getBlock({ blockTag: "latest" });
      head = { number: b.number, timestamp: b.timestamp };
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

  // ------------------------------------------------------------------ per batch

  private async processBatch(f: Followed, head: Head, params: Params): Promise<void> {
    const batch = await this.readBatch(f.batchId);
    if (batch.status !== BATCH_OPEN) {
      this.unfollow(f.batchId);
      return;
    }
    if (batch.committedCount === 0) return;
    const segs = await Promise.all(Array.from({ length: batch.segmentCount }, (_, i) => this.readSegment(f.batchId, i)));

    // Collection (every committed segment, from the first commitment on) and the prover-side duty.
    segs.forEach((seg, i) => {
      if (seg.status !== SEG_COMMITTED) {
        f.segments.delete(i);
        return;
      }
      if (seg.verified) return;
      this.collect(f, i, seg, params);
    });
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (seg.status === SEG_COMMITTED && seg.reportedAt !== 0n && seg.locker === this.address) {
        await this.respondOwn(f, i, seg, head, params);
      }
    }

    const fcb = batch.fullyCommittedBlock;
    if (fcb === 0n || head.timestamp >= batch.timeoutAt) return;
    const window = (head.number > fcb ? head.number - fcb : 0n) / params.aggregatorWindow;
    const openRace = window >= BigInt(params.fallbackRanks);
    const ranked = await this.ranks(f, fcb, params);
    const onDuty = openRace || ranked.includes(this.address);

    let ready = 0;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const c = f.segments.get(i);
      if (seg.verified || c?.verdict === "valid") ready++;
      if (!onDuty || seg.verified || !c || seg.locker === this.address) continue;
      await this.police(f, i, seg, c, head, params);
    }
    if (ranked.includes(this.address) && ready !== f.progress) {
      f.progress = ready;
      try {
        await this.m.network.publishProgress?.({ batchId: f.batchId, collected: ready, total: segs.length });
      } catch (err) {
        this.log.debug("Aggregate progress not published", { batchId: f.batchId, error: describeError(err) });
      }
    }
    if (ready === segs.length) await this.maybeSubmit(f, segs, fcb, openRace);
  }

  /** Challenge an invalid proof, report a withheld one, slash an unanswered report, or answer a report with bytes we hold. */
  private async police(f: Followed, i: number, seg: Segment, c: Collected, head: Head, params: Params): Promise<void> {
    const ctx = { batchId: f.batchId, index: i, prover: seg.locker };
    if (c.verdict === "invalid" && c.proof && c.column) {
      const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "challengeProof", args: [f.batchId, i, toHex(c.proof), c.column] });
      const gas = this.opts.challengeGas ?? challengeGasFor(params.verifyGasLimit, data);
      await this.act("challenge", ctx, { to: this.m.addresses.market, data, gas }, () =>
        this.segmentMoved(f.batchId, i, c.proofHash, (s) => s.verified),
      );
      return;
    }
    const deadline = seg.reportedAt + params.responseWindow;
    if (seg.reportedAt !== 0n && c.proof) {
      // Someone could not reach the prover but we hold the bytes: publish them so an honest prover is not slashed.
      if (head.timestamp <= deadline && this.opts.respondToReports) await this.respond(f.batchId, i, c.proofHash, c.proof, ctx);
      return;
    }
    if (c.proof || c.proofFailedAt === null) return;
    if (seg.reportedAt === 0n) {
      // One failed fetch is not withholding (the prover may be publishing right now): keep trying for
      // fetchTimeoutMs before accusing anyone on chain.
      if (c.firstFailedAt === null || this.now() - c.firstFailedAt < this.opts.fetchTimeoutMs) return;
      if (await this.publishedOnChain(f, i, c)) return;
      const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "reportUnavailable", args: [f.batchId, i] });
      await this.act("report", ctx, { to: this.m.addresses.market, data }, () =>
        this.segmentMoved(f.batchId, i, c.proofHash, (s) => s.reportedAt !== 0n),
      );
    } else if (head.timestamp > deadline) {
      const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "slashUnavailable", args: [f.batchId, i] });
      await this.act("slash", { ...ctx, reportedAt: seg.reportedAt }, { to: this.m.addresses.market, data }, () =>
        this.segmentMoved(f.batchId, i, c.proofHash, (s) => s.reportedAt === 0n),
      );
    }
  }

  /** Prover-side duty: a report against our own segment is answered with our stored proof. */
  private async respondOwn(f: Followed, i: number, seg: Segment, head: Head, params: Params): Promise<void> {
    const ctx = { batchId: f.batchId, index: i, reportedAt: seg.reportedAt };
    if (!this.opts.respondToReports) {
      const key = `${f.batchId}:${i}:${seg.reportedAt}`;
      if (!this.unanswered.has(key)) this.log.warn("Report against our segment left unanswered (respondToReports is off)", ctx);
      this.unanswered.add(key);
      return;
    }
    if (head.timestamp > seg.reportedAt + params.responseWindow) {
      this.log.error("Report against our segment: response window already closed", ctx);
      return;
    }
    let proof = f.segments.get(i)?.proof ?? null;
    if (!proof || keccak256(proof) !== seg.proofHash) proof = await this.m.ownProof(f.batchId, i);
    if (!proof || keccak256(proof) !== seg.proofHash) {
      this.log.error("Report against our segment but we do not hold the committed proof", { ...ctx, proofHash: seg.proofHash, held: proof !== null });
      return;
    }
    await this.respond(f.batchId, i, seg.proofHash, proof, ctx);
  }

  private async respond(batchId: bigint, i: number, proofHash: Hex, proof: Uint8Array, ctx: Record<string, unknown>): Promise<void> {
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "respondUnavailable", args: [batchId, i, toHex(proof)] });
    await this.act("respond", ctx, { to: this.m.addresses.market, data }, () => this.segmentMoved(batchId, i, proofHash, (s) => s.reportedAt === 0n));
  }

  private async maybeSubmit(f: Followed, segs: Segment[], fcb: bigint, openRace: boolean): Promise<void> {
    const [allowed, primary] = await this.read<readonly [boolean, Address, boolean]>(this.m.addresses.election, aggregatorElectionAbi, "submissionRights", [this.address, fcb]);
    if (!allowed) return;
    if (this.opts.silentAsPrimary && getAddress(primary) === this.address && !openRace) {
      if (f.silencedAt !== fcb) this.log.warn("Not submitting as primary (silentAsPrimary test fault)", { batchId: f.batchId });
      f.silencedAt = fcb;
      return;
    }
    const proofs = segs.map((seg, i) => {
      const c = f.segments.get(i);
      if (seg.verified || !c?.proof || !c.column) return { proof: "0x" as Hex, publicColumn: [] as number[] };
      return { proof: toHex(c.proof), publicColumn: c.column };
    });
    const data = encodeFunctionData({ abi: rollupAbi, functionName: "submitAggregate", args: [f.batchId, proofs] });
    const ctx = { batchId: f.batchId, segments: segs.length, primary };
    await this.act("submit", ctx, { to: this.m.addresses.rollup, data, gas: this.opts.submitGas }, async () => (await this.readBatch(f.batchId)).status !== BATCH_OPEN);
  }

  // ------------------------------------------------------------------ collection

  private collect(f: Followed, i: number, seg: Segment, params: Params): void {
    let c = f.segments.get(i);
    if (!c || c.proofHash !== seg.proofHash) {
      c = { proofHash: seg.proofHash, proof: null, proofSource: null, column: null, publicColumns: null, verdict: null, inflight: null, proofFailedAt: null, firstFailedAt: null, witnessFailedAt: null };
      f.segments.set(i, c);
    }
    if (c.inflight || c.verdict !== null) return;
    const now = this.now();
    if (c.proof === null && c.proofFailedAt !== null && now - c.proofFailedAt < this.opts.refetchMs) return;
    if (c.publicColumns === null && c.witnessFailedAt !== null && now - c.witnessFailedAt < this.opts.refetchMs) return;
    const entry = c;
    entry.inflight = this.collectNow(f, i, seg, entry, params)
      .catch((err) => this.log.warn("Segment proof collection failed", { batchId: f.batchId, index: i, ...errorContext(err) }))
      .finally(() => {
        entry.inflight = null;
        if (this.followed.get(f.batchId) === f && !f.abort.signal.aborted) void this.schedule();
      });
  }

  private async collectNow(f: Followed, i: number, seg: Segment, c: Collected, params: Params): Promise<void> {
    const ctx = { batchId: f.batchId, index: i, prover: seg.locker, proofHash: c.proofHash };
    if (c.proof === null) {
      const own = seg.locker === this.address ? await this.m.ownProof(f.batchId, i) : null;
      const published = (this.published.get(`${f.batchId}:${i}`) ?? []).find((p) => keccak256(p) === c.proofHash);
      if (own && keccak256(own) === c.proofHash) this.gotProof(c, own, "own");
      else if (published) this.gotProof(c, published, "published");
      else {
        try {
          const bytes = await this.m.network.fetchProof(c.proofHash, { signers: [seg.locker], signal: this.fetchSignal(f) });
          const actual = keccak256(bytes);
          if (actual !== c.proofHash) {
            throw new AggregatorError({ code: "AGGREGATOR_PROOF_MISMATCH", batchId: f.batchId, index: i, expected: c.proofHash, actual, source: "fetched" });
          }
          this.gotProof(c, bytes, "fetched");
        } catch (err) {
          if (f.abort.signal.aborted) return;
          if (c.proof !== null) return; // ProofPublished arrived meanwhile
          c.proofFailedAt = this.now();
          c.firstFailedAt ??= c.proofFailedAt;
          this.m.metrics?.proofs.inc({ source: "fetched", result: "failed" });
          this.log.warn("Committed proof not fetchable", { ...ctx, timeoutMs: this.opts.fetchTimeoutMs, error: describeError(err) });
          return;
        }
      }
    }
    if (c.publicColumns === null) {
      try {
        const witness = await this.m.network.fetchWitness(seg.witnessHash, { signal: this.fetchSignal(f) });
        const columns = this.m.publicColumnsOf(witness);
        const flat = columns.flatMap((col) => Array.from(col));
        const actual = txDataHash(flat);
        if (actual !== seg.txDataHash) {
          throw new AggregatorError({ code: "AGGREGATOR_TX_DATA_MISMATCH", batchId: f.batchId, index: i, expected: seg.txDataHash, actual });
        }
        c.publicColumns = columns;
        c.column = flat;
      } catch (err) {
        if (f.abort.signal.aborted) return;
        // Not the prover's fault: the sequencer serves witnesses. Retry later; never report for it.
        c.witnessFailedAt = this.now();
        this.log.warn("Segment witness not available for verification", { ...ctx, witnessHash: seg.witnessHash, error: describeError(err) });
        return;
      }
    }
    const publicInputs = segmentPublicInputs(f.batchId, i, params.treeDepth, seg.committedRootIn, seg.committedRootOut, seg.txCount);
    let ok: boolean;
    try {
      ok = await this.m.verifySegment({ proof: c.proof!, publicInputs, publicColumns: c.publicColumns, prover: seg.locker });
    } catch (err) {
      // A challenge of a valid proof only marks it verified on chain: treating a throw as invalid is safe.
      this.log.warn("Local verification threw; treating the proof as invalid", { ...ctx, error: describeError(err) });
      ok = false;
    }
    c.verdict = ok ? "valid" : "invalid";
    this.m.metrics?.verifications.inc({ verdict: c.verdict });
    if (ok) this.log.debug("Segment proof verified", ctx);
    else this.log.warn("Segment proof failed local verification", ctx);
  }

  private gotProof(c: Collected, bytes: Uint8Array, source: "own" | "published" | "fetched"): void {
    c.proof = bytes;
    c.proofSource = source;
    this.m.metrics?.proofs.inc({ source, result: "ok" });
  }

  private fetchSignal(f: Followed): AbortSignal {
    const signals = [f.abort.signal, AbortSignal.timeout(this.opts.fetchTimeoutMs)];
    if (this.m.signal) signals.push(this.m.signal);
    return AbortSignal.any(signals);
  }

  /** A ProofPublished for this commitment we missed (e.g. before a restart): use it instead of reporting again. */
  private async publishedOnChain(f: Followed, i: number, c: Collected): Promise<boolean> {
    const head = await this.m.publicClient.getBlockNumber({ cacheTime: 0 });
    const lookback = BigInt(this.opts.publishedLookbackBlocks);
    const events = await this.m.publicClient.getContractEvents({
      address: this.m.addresses.market,
      abi: segmentMarketAbi,
      eventName: "ProofPublished",
      args: { batchId: f.batchId, index: i },
      fromBlock: head > lookback ? head - lookback : 0n,
      toBlock: "latest",
    });
    for (const e of events) {
      const bytes = hexToBytes(e.args.proof!);
      if (keccak256(bytes) === c.proofHash) {
        this.gotProof(c, bytes, "published");
        void this.schedule();
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ chain

  /**
   * Send one action unless chain state says it is done; an "already done" revert is fine.
   * Failures are logged and retried on a later block.
   */
  private async act(action: AggregatorAction, ctx: Record<string, unknown>, request: TxRequest, isDone: () => Promise<boolean>): Promise<void> {
    if (await isDone()) return;
    try {
      if (request.gas !== undefined) {
        // Explicit gas skips estimation, which is where a revert would surface: simulate first.
        await this.m.publicClient.call({ account: this.address, to: request.to, data: request.data, gas: request.gas });
      }
      const r = await this.m.sender.sendAndConfirm(request, { timeoutMs: this.opts.txTimeoutMs, isDone, signal: this.m.signal });
      this.m.metrics?.actions.inc({ action, result: r.receipt ? "sent" : "done" });
      this.log.info(ACTION_LOG[action], { ...ctx, tx: r.hash, gasUsed: r.receipt?.gasUsed });
    } catch (err) {
      const name = revertName(err);
      if (name && ALREADY_DONE.has(name)) {
        this.m.metrics?.actions.inc({ action, result: "done" });
        this.log.debug("Aggregator action already done elsewhere", { action, ...ctx, errorName: name });
        return;
      }
      this.m.metrics?.actions.inc({ action, result: "failed" });
      this.log.warn("Aggregator action failed; retrying on the next block", { action, ...ctx, ...errorContext(err) });
    }
  }

  /** Re-read a segment: is the commitment gone (reopened, replaced, batch closed) or `done(segment)` true? */
  private async segmentMoved(batchId: bigint, i: number, proofHash: Hex, done: (s: Segment) => boolean): Promise<boolean> {
    const [batch, seg] = await Promise.all([this.readBatch(batchId), this.readSegment(batchId, i)]);
    return batch.status !== BATCH_OPEN || seg.status !== SEG_COMMITTED || seg.proofHash !== proofHash || done(seg);
  }

  private async ranks(f: Followed, fcb: bigint, params: Params): Promise<Address[]> {
    if (f.ranks?.fcb === fcb) return f.ranks.ranked;
    const epoch = await this.read<bigint>(this.m.addresses.election, aggregatorElectionAbi, "epochOf", [fcb]);
    const ranked = (await this.read<readonly Address[]>(this.m.addresses.election, aggregatorElectionAbi, "rankedAggregators", [epoch, params.fallbackRanks])).map((a) => getAddress(a));
    f.ranks = { fcb, ranked };
    this.log.debug("Aggregator ranks for batch", { batchId: f.batchId, epoch, ranked, ours: ranked.indexOf(this.address) });
    return ranked;
  }

  private async loadParams(): Promise<Params> {
    if (this.params) return this.params;
    const { market, election, rollup } = this.m.addresses;
    const [treeDepth, aggregatorWindow, fallbackRanks, responseWindow, verifyGasLimit] = await Promise.all([
      this.read<number>(rollup, rollupAbi, "treeDepth", []),
      this.read<bigint>(election, aggregatorElectionAbi, "aggregatorWindow", []),
      this.read<number>(election, aggregatorElectionAbi, "fallbackRanks", []),
      this.read<bigint>(market, segmentMarketAbi, "responseWindow", []),
      this.read<bigint>(market, segmentMarketAbi, "verifyGasLimit", []),
    ]);
    this.params = { treeDepth: Number(treeDepth), aggregatorWindow, fallbackRanks: Number(fallbackRanks), responseWindow, verifyGasLimit };
    return this.params;
  }

  private readBatch(batchId: bigint) {
    return this.m.publicClient.readContract({ address: this.m.addresses.market, abi: segmentMarketAbi, functionName: "getBatch", args: [batchId] });
  }

  private async readSegment(batchId: bigint, index: number): Promise<Segment> {
    const s = await this.m.publicClient.readContract({ address: this.m.addresses.market, abi: segmentMarketAbi, functionName: "getSegment", args: [batchId, index] });
    return {
      witnessHash: s.witnessHash,
      txDataHash: s.txDataHash,
      txCount: Number(s.txCount),
      status: Number(s.status),
      locker: getAddress(s.locker),
      proofHash: s.proofHash,
      committedRootIn: s.committedRootIn,
      committedRootOut: s.committedRootOut,
      reportedAt: BigInt(s.reportedAt),
      verified: s.verified,
    };
  }

  /** A view call whose result type the caller states (the ABIs are typed; this keeps call sites short). */
  private async read<T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]): Promise<T> {
    const params = { address, abi, functionName, args } as unknown as Parameters<PublicClient["readContract"]>[0];
    return (await this.m.publicClient.readContract(params)) as T;
  }
}

const ACTION_LOG: Record<AggregatorAction, string> = {
  submit: "Aggregate submitted",
  challenge: "Segment proof challenged",
  report: "Segment proof reported unavailable",
  slash: "Withheld segment proof slashed",
  respond: "Reported segment proof published on chain",
};

/** verifyGasLimit + 1/63 the EVM withholds + the contract's reserve + calldata + the rest of the call. */
export function challengeGasFor(verifyGasLimit: bigint, data: Hex): bigint {
  const bytes = BigInt((data.length - 2) / 2);
  return verifyGasLimit + verifyGasLimit / 63n + VERIFY_GAS_RESERVE + 21_000n + 16n * bytes + CHALLENGE_OVERHEAD;
}

function revertName(err: unknown): string | null {
  if (err instanceof ChainError) {
    const t = err.type;
    if ((t.code === "TX_REJECTED" || t.code === "TX_REVERTED") && t.errorName) return t.errorName;
  }
  return decodeRevert(err)?.errorName ?? null;
}

function errorContext(err: unknown): Record<string, unknown> {
  if (err instanceof ChainError || err instanceof AggregatorError) return { error: err.message, code: err.code };
  return { error: describeError(err) };
}

