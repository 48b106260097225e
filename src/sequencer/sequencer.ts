/**
 * The devnet sequencer: keeps the L2 state, builds batches of random transfers, cuts them into
 * segments, posts them to the SegmentMarket with their fee escrow and serves the segment witnesses.
 *
 * Trust and limits (docs/sequencer.md): the sequencer is the rollup's single, trusted orderer (the
 * Rollup only accepts its postings); it signs nothing on L2 (no signatures in v1).
 *
 * Persistence and recovery (docs/sequencer.md, "Persistence"): every batch is written to the
 * SequencerStore — transactions, segments, witnesses — before its postBatch is sent, so a restarted
 * sequencer serves the witnesses again and rebuilds its L2 state. `reconcile()` (run before every post,
 * and callable on a timer) compares each open batch with L1: finalized, timed out (the sequencer calls
 * `timeoutBatch` itself once the timeout has passed, which refunds its escrow), or gone (a post that
 * never landed, or a reorg). The transactions of a batch that timed out or vanished are RE-POSTED, in
 * their order, before any new transaction, from the state of the batches still standing; an open batch
 * that no longer chains from them is orphaned (re-posted too, and refunded at its timeout).
 *
 * Two kinds of batch (`batchKind`): "bundle" (M1: transfer-v1 segments, postBatch with each segment's
 * public-column hash) and "data" (docs/aggregator.md, "Aggregation by proof trees": transfer-v2
 * segments proven at the batch's randomness r, postBatch carrying the transactions as calldata, 16
 * bytes each, with txRoot; L1 stores dataHash, txRoot, r and E, and the sequencer checks them against
 * its own binding after posting).
 */
import { encodeFunctionData, parseEventLogs, zeroHash, type Address, type Hex, type PublicClient } from "viem";
import { rollupAbi, segmentMarketAbi, stakeTokenAbi } from "../chain/abi/index.js";
import type { SystemAddresses } from "../chain/contracts.js";
import type { TxSender } from "../chain/sender.js";
import { packRoot, txDataHash } from "../chain/statement.js";
import { PLACEHOLDER_AGGREGATE_AIR_ID } from "../chain/params.js";
import { encodePostDataBatch, MAX_SEGMENTS as MAX_DATA_SEGMENTS, postedBinding, readBatchBinding, type PostedBinding } from "../chain/aggregate.js";
import type { ContentStore } from "../p2p/content.js";
import type { GossipBody } from "../p2p/messages/payloads.js";
import { publicColumnsOf, statementOf } from "../rollup/air/index.js";
import {
  buildBatch,
  digestToBytes32,
  encodeWitness,
  type Genesis,
  RollupState,
  segmentCapacity,
  type Transaction,
  txCommitment,
  witnessFromSegment,
  witnessHash,
} from "../rollup/index.js";
import { AbortError, describeError } from "../util/errors.js";
import { BatchStatus, MarketReader } from "../chain/market-reader.js";
import { MemorySequencerStore, type BatchRecord, type BatchStatusName, type SequencerStore } from "./store.js";
import { nullLogger, type Logger } from "../util/logger.js";
import { SequencerError } from "./errors.js";
import { genesisFor } from "./genesis.js";
import { prng } from "../rollup/random.js";
import { randomTransfers } from "./transactions.js";

/** What the sequencer needs from the p2p layer; P2pNetwork implements it structurally. */
export interface SequencerNetwork {
  /** Sign and publish a gossip message (returns the number of peers it was sent to). */
  publish(body: GossipBody): Promise<number>;
  /** Announce on the DHT that we serve the object with this keccak256. */
  provide(hash: Hex, signal?: AbortSignal): Promise<void>;
}

export interface SequencerOpts {
  /** Genesis accounts (slots 0 … accounts−1); transfers run between them. */
  accounts: number;
  txsPerBatch: number;
  /** log2 of the rows of one segment's trace. */
  segmentLogRows: number;
  treeDepth: number;
  /** Seeds the genesis and the transaction stream. */
  seed: number;
  /** Auction prices per segment (token base units). */
  minPrice: bigint;
  maxPrice: bigint;
  /** Share of deliberately failing transactions; default 0.1. */
  failingShare?: number;
  /** Receipt wait before chain state is re-read (ms); default 30000. */
  txTimeoutMs?: number;
  /** How long a post whose transaction may still be pending is left undecided before it counts as dropped (ms); default 60000. */
  undecidedPostMs?: number;
  /** Time limit of one DHT `provide` (ms); default 10000. */
  announceTimeoutMs?: number;
  /** Blocks a finalization or timeout must be buried under before reconcile stops re-reading it; default 12. */
  finalityDepth?: number;
  /**
   * "bundle" (default): transfer-v1 segments, one proof each on L1 (M1). "data": transfer-v2 segments
   * (version-2 witnesses carrying the batch's r), the transactions posted as calldata with txRoot, and
   * one aggregate proof per batch.
   */
  batchKind?: BatchKind;
}

/** What the sequencer posts: M1 bundles or data batches (the aggregate path). */
export type BatchKind = "data" | "bundle";

export interface SequencerModules {
  publicClient: PublicClient;
  /** Sends from the rollup's sequencer account (the deployer on devnets). */
  sender: TxSender;
  addresses: SystemAddresses;
  /** null: witnesses are stored but neither announced nor gossiped (tests, offline use). */
  network: SequencerNetwork | null;
  /** Batches and witnesses (the p2p network serves `witness/1` from it); a MemorySequencerStore when omitted. */
  store?: SequencerStore;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface PostedSegment {
  index: number;
  rootIn: Hex;
  rootOut: Hex;
  witnessHash: Hex;
  /** Bundle batches: keccak256 of the segment's public columns (zero in a data batch). */
  txDataHash: Hex;
  /** Data batches: the segment's Poseidon2 txCommitment packed as a root (what postBatch takes). */
  txCommitment?: Hex;
  txCount: number;
  /** Witness size in bytes. */
  size: number;
}

export interface PostedBatch {
  batchId: bigint;
  segments: PostedSegment[];
  /** Packed state roots (bytes32) before and after the batch. */
  rootIn: Hex;
  rootOut: Hex;
  transactions: number;
  /** Transactions that were recorded no-ops. */
  failed: number;
  /** Hash of the postBatch transaction (null: found on L1 after an error, hash unknown). */
  txHash: Hex | null;
  /** The batch whose transactions this one posts again (after a timeout or a reorg). */
  repostOf?: bigint;
  /** "data" or "bundle" (absent in records written before data batches: bundle). */
  kind: BatchKind;
  /** Data batches: dataHash, txRoot, r and E as L1 stores them (the sequencer's own, checked against L1's). */
  binding?: PostedBinding;
}

/** SegmentMarket's MAX_SEGMENTS_PER_BATCH (bundle batches). */
const MAX_SEGMENTS_PER_BATCH = 256;
/** SegmentMarket's MAX_BATCH_TRANSACTIONS (data batches). */
const MAX_DATA_BATCH_TRANSACTIONS = 8192;

/** What `reconcile()` found: batches whose status changed, by their new status. */
export interface ReconcileReport {
  readonly changed: readonly { batchId: bigint; from: BatchStatusName; to: BatchStatusName }[];
  /** Transactions waiting to be re-posted (of timed-out, dropped and orphaned batches). */
  readonly requeued: number;
}

/** Batches of these statuses make up the L2 state (in id order). */
const STANDING: ReadonlySet<BatchStatusName> = new Set(["posting", "posted", "finalized"]);
/** Batches whose transactions must be posted again, unless already re-posted. */
const REPOSTABLE: ReadonlySet<BatchStatusName> = new Set(["timedOut", "dropped", "orphaned"]);

export class Sequencer {
  readonly genesis: Genesis;
  /** Packed genesis root: what the Rollup must have been deployed with. */
  readonly genesisRoot: Hex;
  readonly store: SequencerStore;
  /** The witnesses served over `witness/1` (by keccak256). */
  readonly witnessStore: ContentStore;
  private readonly opts: Required<SequencerOpts>;
  private readonly client: PublicClient;
  private readonly sender: TxSender;
  private readonly addresses: SystemAddresses;
  private readonly reader: MarketReader;
  private readonly network: SequencerNetwork | null;
  private readonly log: Logger;
  private readonly signal: AbortSignal | undefined;
  private state: RollupState;
  /** Every batch record, by id (a cache of the store, loaded once). */
  private readonly records = new Map<bigint, BatchRecord>();
  private loaded: Promise<void> | null = null;
  private checked = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** When a "posting" record was first found undecided (its tx may still be pending). */
  private readonly undecidedSince = new Map<bigint, number>();

  constructor(opts: SequencerOpts, modules: SequencerModules) {
    this.opts = { failingShare: 0.1, txTimeoutMs: 30_000, announceTimeoutMs: 10_000, undecidedPostMs: 60_000, finalityDepth: 12, batchKind: "bundle", ...opts };
    const bad = (detail: string): never => {
      throw new SequencerError({ code: "SEQUENCER_OPTIONS", detail });
    };
    if (!Number.isInteger(opts.txsPerBatch) || opts.txsPerBatch < 1) bad(`txsPerBatch must be a positive integer, got ${opts.txsPerBatch}`);
    if (opts.minPrice < 0n || opts.maxPrice <= 0n || opts.minPrice > opts.maxPrice) bad(`prices must satisfy 0 <= minPrice <= maxPrice, 0 < maxPrice`);
    if (this.opts.failingShare < 0 || this.opts.failingShare > 1) bad(`failingShare must be in [0, 1]`);
    const kind = this.opts.batchKind;
    if (kind !== "data" && kind !== "bundle") bad(`batchKind must be "data" or "bundle", got ${JSON.stringify(kind)}`);
    let capacity = 0;
    try {
      capacity = segmentCapacity(opts.treeDepth, opts.segmentLogRows, kind === "data" ? "v2" : "v1");
    } catch (err) {
      bad(describeError(err));
    }
    if (capacity < 1) bad(`a segment of 2^${opts.segmentLogRows} rows holds no transaction at tree depth ${opts.treeDepth}`);
    const maxSegments = kind === "data" ? MAX_DATA_SEGMENTS : MAX_SEGMENTS_PER_BATCH;
    if (Math.ceil(opts.txsPerBatch / capacity) > maxSegments) {
      bad(`${opts.txsPerBatch} transactions make more than ${maxSegments} segments of ${capacity}`);
    }
    if (kind === "data" && opts.txsPerBatch > MAX_DATA_BATCH_TRANSACTIONS) bad(`a data batch holds at most ${MAX_DATA_BATCH_TRANSACTIONS} transactions, got ${opts.txsPerBatch}`);
    const { genesis, root } = genesisFor(opts);
    this.genesis = genesis;
    this.genesisRoot = root;
    this.state = RollupState.fromGenesis(genesis);
    this.client = modules.publicClient;
    this.sender = modules.sender;
    this.addresses = modules.addresses;
    this.reader = new MarketReader({ market: modules.addresses.market, election: modules.addresses.election, rollup: modules.addresses.rollup }, { publicClient: modules.publicClient });
    this.network = modules.network;
    this.store = modules.store ?? new MemorySequencerStore();
    const store = this.store;
    this.witnessStore = { get: (hash) => store.witness(hash) };
    this.log = (modules.logger ?? nullLogger).child({ module: "sequencer" });
    this.signal = modules.signal;
  }

  /** The sequencer's current state root, packed (bytes32). */
  stateRoot(): Hex {
    return packRoot(this.state.root);
  }

  /** The root the Rollup should reach once `batchId` is finalised (null: not a standing batch of ours). */
  expectedRoot(batchId: bigint): Hex | null {
    const r = this.records.get(batchId);
    return r !== undefined && STANDING.has(r.status) ? r.rootOut : null;
  }

  /** Batches on L1 or meant for it (every status but dropped), in id order. */
  postedBatches(): PostedBatch[] {
    return this.sortedRecords()
      .filter((r) => r.status !== "dropped")
      .map(toPosted);
  }

  /** Every batch record, in id order (what the store holds). */
  batchRecords(): BatchRecord[] {
    return this.sortedRecords();
  }

  /**
   * Load the persisted batches and rebuild the L2 state from them (once; every other call runs it
   * first). A store of another genesis is refused.
   */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      const meta = await this.store.meta();
      const mine = { accounts: this.opts.accounts, treeDepth: this.opts.treeDepth, seed: this.opts.seed, segmentLogRows: this.opts.segmentLogRows };
      if (meta === null) await this.store.putMeta(mine);
      else if (meta.accounts !== mine.accounts || meta.treeDepth !== mine.treeDepth || meta.seed !== mine.seed) {
        throw new SequencerError({ code: "SEQUENCER_STORE_MISMATCH", detail: `the store was written for ${JSON.stringify(meta)}, this sequencer is ${JSON.stringify(mine)}` });
      }
      for (const r of await this.store.batches()) this.records.set(r.batchId, r);
      this.rebuildState();
      if (this.records.size > 0) this.log.info("Sequencer state loaded", { batches: this.records.size, stateRoot: this.stateRoot() });
    })();
    return this.loaded;
  }

  /**
   * Check the deployment against this sequencer: our account is the Rollup's sequencer, the tree depth
   * matches, and (before any batch is finalised) the Rollup's root is our genesis root. Run once by the
   * first postNextBatch; callable earlier to fail fast.
   */
  async verifyDeployment(): Promise<void> {
    await this.load();
    const read = <F extends "sequencer" | "treeDepth" | "stateRoot" | "lastFinalizedBatch">(functionName: F) =>
      this.client.readContract({ address: this.addresses.rollup, abi: rollupAbi, functionName });
    const [sequencer, depth, root, finalized] = await Promise.all([read("sequencer"), read("treeDepth"), read("stateRoot"), read("lastFinalizedBatch")]);
    if (sequencer.toLowerCase() !== this.sender.address.toLowerCase()) {
      throw new SequencerError({ code: "SEQUENCER_NOT_SEQUENCER", sender: this.sender.address, sequencer }, `${this.sender.address} is not the rollup's sequencer (${sequencer})`);
    }
    if (Number(depth) !== this.opts.treeDepth) {
      throw new SequencerError({ code: "SEQUENCER_TREE_DEPTH_MISMATCH", expected: this.opts.treeDepth, onChain: Number(depth) }, `the rollup's tree depth is ${depth}, the sequencer's ${this.opts.treeDepth}`);
    }
    if (finalized === 0n && this.records.size === 0 && root.toLowerCase() !== this.genesisRoot.toLowerCase()) {
      throw new SequencerError({ code: "SEQUENCER_GENESIS_MISMATCH", expected: this.genesisRoot, onChain: root }, `the rollup's root ${root} is not this sequencer's genesis root ${this.genesisRoot} (same accounts, treeDepth and seed?)`);
    }
    if (this.opts.batchKind === "data") {
      const airId = await this.client.readContract({ address: this.addresses.rollup, abi: rollupAbi, functionName: "aggregateAirId" });
      if (airId.toLowerCase() === PLACEHOLDER_AGGREGATE_AIR_ID.toLowerCase()) {
        this.log.warn("The rollup was deployed without an aggregation plan (placeholder wrap AIR id): data batches can be posted but no aggregate proof can finalize them", { rollup: this.addresses.rollup });
      }
    }
    const next = await this.nextBatchId();
    const known = this.records.size === 0 ? 0n : this.sortedRecords().at(-1)!.batchId;
    if (next - 1n > known) {
      this.log.warn("The market has batches this sequencer has no record of; its state starts from its own records", { nextBatchId: next, lastKnown: known });
    }
    this.checked = true;
  }

  /** Build, post and announce the next batch (re-posted transactions first). Calls are serialised. */
  postNextBatch(): Promise<PostedBatch> {
    return this.serialised(() => this.postNow());
  }

  /**
   * Compare every open batch with L1 and act: finalized and timed-out batches are recorded, a batch past
   * its timeout is timed out (`timeoutBatch`, which refunds the escrow), a batch that is not on L1 is
   * dropped, and an open batch that no longer chains from the standing ones is orphaned. The
   * transactions of timed-out, dropped and orphaned batches are queued for re-posting. Serialised with
   * posts; also run at the start of each post.
   */
  reconcile(): Promise<ReconcileReport> {
    return this.serialised(() => this.reconcileNow());
  }

  private serialised<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private sortedRecords(): BatchRecord[] {
    return [...this.records.values()].sort((a, b) => (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0));
  }

  private async reconcileNow(): Promise<ReconcileReport> {
    await this.load();
    const changed: { batchId: bigint; from: BatchStatusName; to: BatchStatusName }[] = [];
    const set = (r: BatchRecord, to: BatchStatusName, patch: Partial<BatchRecord> = {}): BatchRecord => {
      const next: BatchRecord = { ...r, ...patch, status: to, updatedAt: Date.now() };
      if (to !== r.status) changed.push({ batchId: r.batchId, from: r.status, to });
      this.records.set(r.batchId, next);
      return next;
    };
    const dirty: BatchRecord[] = [];
    const head = await this.reader.head();
    const depth = BigInt(this.opts.finalityDepth);
    for (const r of this.sortedRecords()) {
      if (r.status === "finalized" || r.status === "timedOut") {
        // Settled, but perhaps not yet final: a reorg can undo a finalization or a timeout (chaos soak
        // seed 1: a finalization undone by a 4-block reorg left the batch open past its timeout while
        // its record said "finalized").
        if (r.settledAtBlock === undefined || head.number >= r.settledAtBlock + depth) continue;
        const again = await this.onChainStatus(r);
        if (again === "absent") {
          if (r.status === "finalized") dirty.push(set(r, "dropped", { settledAtBlock: undefined }));
        } else if (again.status === BatchStatus.Open) {
          this.log.warn("A reorg reopened a settled batch", { batchId: r.batchId, was: r.status });
          if (r.status === "finalized") dirty.push(set(r, "posted", { settledAtBlock: undefined }));
          else if (head.timestamp >= again.timeoutAt && (await this.timeOut(r.batchId))) dirty.push(set(r, "timedOut", { settledAtBlock: head.number }));
        }
        continue;
      }
      if (r.status !== "posting" && r.status !== "posted" && r.status !== "orphaned") continue;
      const onL1 = await this.onChainStatus(r);
      if (onL1 === "absent") {
        if (r.status === "posting" && (await this.mayStillLand(r))) continue;
        dirty.push(set(r, "dropped"));
        continue;
      }
      this.undecidedSince.delete(r.batchId);
      const settled = { settledAtBlock: head.number };
      if (onL1.status === BatchStatus.Finalized) dirty.push(set(r, "finalized", settled));
      else if (onL1.status === BatchStatus.TimedOut) dirty.push(set(r, "timedOut", settled));
      else if (head.timestamp >= onL1.timeoutAt) {
        if (await this.timeOut(r.batchId)) dirty.push(set(r, "timedOut", settled));
        else if (r.status === "posting") dirty.push(set(r, "posted"));
      } else if (r.status === "posting") dirty.push(set(r, "posted"));
    }
    // An open batch that does not start where the standing batches before it end can never finalize.
    let root = this.genesisRoot.toLowerCase();
    for (const r of this.sortedRecords()) {
      if (!STANDING.has(r.status)) continue;
      if (r.status === "posted" && r.rootIn.toLowerCase() !== root) {
        dirty.push(set(r, "orphaned"));
        continue;
      }
      root = r.rootOut.toLowerCase();
    }
    if (dirty.length > 0) {
      await this.store.write(dirty.map((d) => this.records.get(d.batchId)!));
      this.rebuildState();
    }
    for (const c of changed) this.log.info("Batch status changed", { batchId: c.batchId, from: c.from, to: c.to });
    return { changed, requeued: this.repostQueue().reduce((n, r) => n + r.transactions.length, 0) };
  }

  /** L1's view of a batch of ours: "absent" when the market has no batch with that id and our segments. */
  private async onChainStatus(r: BatchRecord): Promise<"absent" | { status: BatchStatus; timeoutAt: bigint }> {
    const b = await this.reader.batch(r.batchId);
    if (b.status === BatchStatus.None || b.segmentCount !== r.segments.length) return "absent";
    const first = await this.reader.segment(r.batchId, 0);
    if (first.witnessHash.toLowerCase() !== r.segments[0]!.witnessHash.toLowerCase()) return "absent";
    return { status: b.status, timeoutAt: b.timeoutAt };
  }

  /** A post not found on L1 may still land while our account has pending transactions (for a while). */
  private async mayStillLand(r: BatchRecord): Promise<boolean> {
    const [pending, latest] = await Promise.all([
      this.client.getTransactionCount({ address: this.sender.address, blockTag: "pending" }),
      this.client.getTransactionCount({ address: this.sender.address, blockTag: "latest" }),
    ]);
    if (pending === latest) return false;
    const since = this.undecidedSince.get(r.batchId) ?? Date.now();
    this.undecidedSince.set(r.batchId, since);
    return Date.now() - since < this.opts.undecidedPostMs;
  }

  /** `timeoutBatch(id)`: refunds our escrow. True once the batch is timed out on L1. */
  private async timeOut(batchId: bigint): Promise<boolean> {
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "timeoutBatch", args: [batchId] });
    const closed = async (): Promise<boolean> => (await this.reader.batch(batchId)).status !== BatchStatus.Open;
    try {
      await this.sender.sendAndConfirm({ to: this.addresses.market, data }, { timeoutMs: this.opts.txTimeoutMs, signal: this.signal, isDone: closed });
    } catch (err) {
      if (!(await closed().catch(() => false))) {
        this.log.warn("Batch not timed out yet; will retry", { batchId, error: describeError(err) });
        return false;
      }
    }
    const status = (await this.reader.batch(batchId)).status;
    this.log.info("Batch timed out", { batchId, status: BatchStatus[status] });
    return status === BatchStatus.TimedOut;
  }

  /** Records whose transactions still have to be posted again, oldest first. */
  private repostQueue(): BatchRecord[] {
    return this.sortedRecords().filter((r) => REPOSTABLE.has(r.status) && r.repostedIn === undefined);
  }

  private async postNow(): Promise<PostedBatch> {
    if (this.signal?.aborted) throw new AbortError();
    if (!this.checked) await this.verifyDeployment();
    await this.reconcileNow();
    const undecided = this.sortedRecords().find((r) => r.status === "posting");
    if (undecided) {
      throw new SequencerError({ code: "SEQUENCER_POST_UNDECIDED", batchId: undecided.batchId }, `batch ${undecided.batchId}'s post may still land; not posting another one before it is decided`);
    }
    const { market, token } = this.addresses;
    const batchId = await this.nextBatchId();
    const source = this.repostQueue()[0];
    const clash = this.records.get(batchId);
    if (clash && clash !== source && REPOSTABLE.has(clash.status) && clash.repostedIn === undefined) {
      throw new SequencerError({ code: "SEQUENCER_STATE", detail: `batch id ${batchId} is free on L1 but its record still waits to be re-posted behind batch ${source?.batchId}` });
    }
    if (clash && STANDING.has(clash.status)) {
      throw new SequencerError({ code: "SEQUENCER_STATE", detail: `batch id ${batchId} is free on L1 but recorded as ${clash.status}` });
    }
    const txs = source
      ? [...source.transactions]
      : randomTransfers(this.state, this.opts.txsPerBatch, { accounts: this.opts.accounts, failingShare: this.opts.failingShare }, prng(batchSeed(this.opts.seed, batchId)));
    const rootBefore = this.stateRoot();
    const kind = this.opts.batchKind;
    const segments: PostedSegment[] = [];
    const witnesses: Uint8Array[] = [];
    let record: BatchRecord;
    try {
      const batch = buildBatch(this.state, batchId, txs, this.opts.segmentLogRows, kind === "data" ? "v2" : "v1"); // advances this.state
      if (kind === "data" && batch.segments.length > MAX_DATA_SEGMENTS) {
        throw new SequencerError({ code: "SEQUENCER_STATE", detail: `batch ${batchId} makes ${batch.segments.length} segments, a data batch has at most ${MAX_DATA_SEGMENTS}` });
      }
      for (const seg of batch.segments) {
        const witness = witnessFromSegment(seg); // v2: carries the batch's r (never defaulted)
        const bytes = encodeWitness(witness);
        const hash = witnessHash(bytes);
        witnesses.push(bytes);
        const segTxs = seg.steps.map((s) => s.tx);
        segments.push({
          index: seg.index,
          rootIn: packRoot(seg.rootIn),
          rootOut: packRoot(seg.rootOut),
          witnessHash: hash,
          ...(kind === "data"
            ? { txDataHash: zeroHash, txCommitment: digestToBytes32(txCommitment(segTxs)) }
            : { txDataHash: txDataHash(publicColumnsOf(statementOf(witness)).flatMap((col) => Array.from(col))) }),
          txCount: seg.steps.length,
          size: bytes.length,
        });
      }
      const escrow = this.opts.maxPrice * BigInt(segments.length);
      await this.ensureEscrowAllowance(token, market, escrow);
      record = {
        batchId,
        status: "posting",
        transactions: txs,
        segments,
        rootIn: rootBefore,
        rootOut: packRoot(batch.rootOut),
        failed: batch.outcomes.filter((o) => o !== null).length,
        txHash: null,
        ...(source ? { repostOf: source.batchId } : {}),
        ...(kind === "data" ? { kind, binding: postedBinding(batch.binding!) } : {}),
        updatedAt: Date.now(),
      };
      // Persisted before posting: a prover may see SegmentPosted before postBatch returns here, and a
      // restart between the send and its receipt must know what may have landed.
      const sourceNow = source ? { ...source, repostedIn: batchId, updatedAt: Date.now() } : null;
      await this.store.write(sourceNow ? [sourceNow, record] : [record], witnesses);
      if (sourceNow) this.records.set(source!.batchId, sourceNow);
      this.records.set(batchId, record);
    } catch (err) {
      this.rebuildState();
      this.log.error("Batch not posted", { batchId, error: describeError(err) });
      throw err;
    }
    const data = postBatchCalldata(record, this.opts.minPrice, this.opts.maxPrice);
    let txHash: Hex | null = null;
    try {
      const sent = await this.sender.sendAndConfirm(
        { to: market, data },
        { timeoutMs: this.opts.txTimeoutMs, signal: this.signal, isDone: async () => (await this.nextBatchId()) > batchId },
      );
      txHash = sent.hash;
      if (sent.receipt !== null) {
        const events = parseEventLogs({ abi: segmentMarketAbi, eventName: "BatchPosted", logs: sent.receipt.logs });
        const id = events[0]?.args.batchId;
        if (id !== undefined && id !== batchId) {
          throw new SequencerError({ code: "SEQUENCER_BATCH_ID_MISMATCH", expected: batchId, posted: id }, `the batch was posted as ${id}, its witnesses say ${batchId} (another poster?)`);
        }
      }
    } catch (err) {
      // Whether it landed is decided from L1: now if it is there, else by the next reconcile (the
      // transaction may still be pending). The record stays "posting" until then.
      const there = await this.onChainStatus(record).catch(() => "absent" as const);
      if (there === "absent") {
        this.log.error("Batch post not confirmed; decided on the next reconcile", { batchId, error: describeError(err) });
        throw err;
      }
      this.log.warn("Posting reported an error but the batch is on L1; keeping it", { batchId, error: describeError(err) });
    }
    record = { ...record, status: "posted", txHash, updatedAt: Date.now() };
    await this.store.write([record]);
    this.records.set(batchId, record);
    if (record.binding !== undefined) await this.checkBinding(batchId, record.binding);
    const posted = toPosted(record);
    this.log.info("Batch posted", {
      batchId,
      segments: posted.segments.length,
      transactions: posted.transactions,
      failed: posted.failed,
      rootOut: posted.rootOut,
      tx: posted.txHash,
      ...(record.repostOf !== undefined ? { repostOf: record.repostOf } : {}),
    });
    await this.announce(posted);
    return posted;
  }

  /**
   * A data batch: L1's stored binding (dataHash, txRoot, r, E) must be the sequencer's own, or no proof
   * of its witnesses (proven at its r) can ever finalize it. A mismatch is logged as an error (the
   * batch then times out and is re-posted); false when it does not match or cannot be read.
   */
  private async checkBinding(batchId: bigint, mine: PostedBinding): Promise<boolean> {
    try {
      const l1 = await readBatchBinding(this.client, this.addresses.market, batchId);
      const differs = (["dataHash", "txRoot", "randomness", "evaluation"] as const).filter((k) =>
        typeof mine[k] === "string" ? (mine[k] as string).toLowerCase() !== (l1[k] as string).toLowerCase() : mine[k] !== l1[k],
      );
      if (differs.length === 0) return true;
      this.log.error("L1 stored another binding for a data batch than the sequencer's: its proofs cannot finalize it", {
        batchId,
        differs: differs.join(","),
        ...Object.fromEntries(differs.flatMap((k) => [[`l1.${k}`, String(l1[k])], [`ours.${k}`, String(mine[k])]])),
      });
    } catch (err) {
      this.log.error("L1's binding of a data batch could not be read", { batchId, error: describeError(err) });
    }
    return false;
  }

  /** Gossip `witnessAvailable` and announce every witness on the DHT; failures are logged only. */
  private async announce(b: PostedBatch): Promise<void> {
    const net = this.network;
    if (net === null) return;
    for (const s of b.segments) {
      try {
        await net.publish({ kind: "witnessAvailable", batchId: b.batchId, segmentIndex: s.index, witnessHash: s.witnessHash, size: s.size });
      } catch (err) {
        this.log.warn("WitnessAvailable not published", { batchId: b.batchId, segment: s.index, error: describeError(err) });
      }
    }
    await Promise.all(
      b.segments.map(async (s) => {
        const signals = [AbortSignal.timeout(this.opts.announceTimeoutMs)];
        if (this.signal !== undefined) signals.push(this.signal);
        try {
          await net.provide(s.witnessHash, AbortSignal.any(signals));
        } catch (err) {
          this.log.warn("Witness not announced on the DHT", { batchId: b.batchId, segment: s.index, error: describeError(err) });
        }
      }),
    );
  }

  private nextBatchId(): Promise<bigint> {
    return this.client.readContract({ address: this.addresses.market, abi: segmentMarketAbi, functionName: "nextBatchId" });
  }

  private async ensureEscrowAllowance(token: Address, market: Address, escrow: bigint): Promise<void> {
    const me = this.sender.address;
    const [balance, allowance] = await Promise.all([
      this.client.readContract({ address: token, abi: stakeTokenAbi, functionName: "balanceOf", args: [me] }),
      this.client.readContract({ address: token, abi: stakeTokenAbi, functionName: "allowance", args: [me, market] }),
    ]);
    if (balance < escrow) {
      throw new SequencerError({ code: "SEQUENCER_INSUFFICIENT_BALANCE", needed: escrow, balance }, `the sequencer ${me} holds ${balance} tokens, the batch's fee escrow is ${escrow}`);
    }
    if (allowance >= escrow) return;
    const data = encodeFunctionData({ abi: stakeTokenAbi, functionName: "approve", args: [market, escrow] });
    await this.sender.sendAndConfirm(
      { to: token, data },
      {
        timeoutMs: this.opts.txTimeoutMs,
        signal: this.signal,
        isDone: async () => (await this.client.readContract({ address: token, abi: stakeTokenAbi, functionName: "allowance", args: [me, market] })) >= escrow,
      },
    );
  }

  /** State = genesis + the transactions of every standing batch (posting, posted, finalized), in id order. */
  private rebuildState(): void {
    const state = RollupState.fromGenesis(this.genesis);
    for (const r of this.sortedRecords()) if (STANDING.has(r.status)) for (const tx of r.transactions) state.apply(tx);
    this.state = state;
  }
}

/** Each batch's transfers come from their own stream, so a restart draws the same ones for the same id. */
function batchSeed(seed: number, batchId: bigint): number {
  return (seed ^ 0x3c6ef372 ^ Number((batchId * 0x9e3779b1n) & 0xffffffffn)) >>> 0;
}

function toPosted(r: BatchRecord): PostedBatch {
  return {
    batchId: r.batchId,
    segments: [...r.segments],
    rootIn: r.rootIn,
    rootOut: r.rootOut,
    transactions: r.transactions.length,
    failed: r.failed,
    txHash: r.txHash,
    ...(r.repostOf !== undefined ? { repostOf: r.repostOf } : {}),
    kind: r.kind ?? "bundle",
    ...(r.binding !== undefined ? { binding: r.binding } : {}),
  };
}

/**
 * The postBatch calldata of a record: a bundle's segments with their public-column hashes, or a data
 * batch's segments with their txCommitments, its transactions (16 bytes each) and txRoot.
 */
export function postBatchCalldata(r: BatchRecord, minPrice: bigint, maxPrice: bigint): Hex {
  if (r.kind === "data") {
    if (r.binding === undefined) throw new SequencerError({ code: "SEQUENCER_STATE", detail: `data batch ${r.batchId} has no binding in its record` });
    return encodePostDataBatch({
      segments: r.segments.map((s) => {
        if (s.txCommitment === undefined) throw new SequencerError({ code: "SEQUENCER_STATE", detail: `segment ${s.index} of data batch ${r.batchId} has no txCommitment` });
        return { rootIn: s.rootIn, witnessHash: s.witnessHash, txCommitment: s.txCommitment, txCount: s.txCount };
      }),
      transactions: r.transactions,
      txRoot: r.binding.txRoot,
      finalRoot: r.rootOut,
      minPrice,
      maxPrice,
    });
  }
  return encodeFunctionData({
    abi: segmentMarketAbi,
    functionName: "postBatch",
    args: [r.segments.map((s) => ({ rootIn: s.rootIn, witnessHash: s.witnessHash, txDataHash: s.txDataHash, txCount: s.txCount })), r.rootOut, minPrice, maxPrice],
  });
}
