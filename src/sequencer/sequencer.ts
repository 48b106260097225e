/**
 * The devnet sequencer: keeps the L2 state, builds batches of random transfers, cuts them into
 * segments, posts them to the SegmentMarket with their fee escrow and serves the segment witnesses.
 *
 * Trust and limits (docs/sequencer.md): the sequencer is the rollup's single, trusted orderer (the
 * Rollup only accepts its postings); it signs nothing on L2 (no signatures in v1); its state lives in
 * memory only. A batch that times out on L1 (SegmentMarket.batchTimeout passes before it is finalised)
 * is NOT re-posted: the next batch continues from the sequencer's state, which then no longer chains
 * from the Rollup's root, so no later batch can be finalised either. A real sequencer would have to
 * re-post the timed-out batch's transactions (or roll its state back to the L1 root) before going on.
 */
import { encodeFunctionData, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { rollupAbi, segmentMarketAbi, stakeTokenAbi } from "../chain/abi/index.js";
import type { SystemAddresses } from "../chain/contracts.js";
import type { TxSender } from "../chain/sender.js";
import { packRoot, txDataHash } from "../chain/statement.js";
import { MemoryContentStore } from "../p2p/content.js";
import type { GossipBody } from "../p2p/messages/payloads.js";
import { publicColumnsOf, statementOf } from "../rollup/air/index.js";
import {
  buildBatch,
  encodeWitness,
  type Genesis,
  RollupState,
  segmentCapacity,
  type Transaction,
  witnessFromSegment,
  witnessHash,
} from "../rollup/index.js";
import { AbortError, describeError } from "../util/errors.js";
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

/** Where witnesses are kept and served from (p2p's ContentStore plus `put`). */
export interface WitnessStore {
  put(data: Uint8Array): Hex;
  get(hash: Hex): Promise<Uint8Array | null>;
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
  /** Time limit of one DHT `provide` (ms); default 10000. */
  announceTimeoutMs?: number;
}

export interface SequencerModules {
  publicClient: PublicClient;
  /** Sends from the rollup's sequencer account (the deployer on devnets). */
  sender: TxSender;
  addresses: SystemAddresses;
  /** null: witnesses are stored but neither announced nor gossiped (tests, offline use). */
  network: SequencerNetwork | null;
  /** Defaults to a new MemoryContentStore; pass the store the p2p network serves `witness/1` from. */
  witnessStore?: WitnessStore;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface PostedSegment {
  index: number;
  rootIn: Hex;
  rootOut: Hex;
  witnessHash: Hex;
  txDataHash: Hex;
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
}

const MAX_SEGMENTS_PER_BATCH = 256;

export class Sequencer {
  readonly genesis: Genesis;
  /** Packed genesis root: what the Rollup must have been deployed with. */
  readonly genesisRoot: Hex;
  readonly witnessStore: WitnessStore;
  private readonly opts: Required<SequencerOpts>;
  private readonly client: PublicClient;
  private readonly sender: TxSender;
  private readonly addresses: SystemAddresses;
  private readonly network: SequencerNetwork | null;
  private readonly log: Logger;
  private readonly signal: AbortSignal | undefined;
  private readonly random: () => number;
  private state: RollupState;
  /** Transactions of every batch accepted on L1, in order (to rebuild the state after a failed post). */
  private readonly history: Transaction[][] = [];
  private readonly posted = new Map<bigint, PostedBatch>();
  private checked = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: SequencerOpts, modules: SequencerModules) {
    this.opts = { failingShare: 0.1, txTimeoutMs: 30_000, announceTimeoutMs: 10_000, ...opts };
    const bad = (detail: string): never => {
      throw new SequencerError({ code: "SEQUENCER_OPTIONS", detail });
    };
    if (!Number.isInteger(opts.txsPerBatch) || opts.txsPerBatch < 1) bad(`txsPerBatch must be a positive integer, got ${opts.txsPerBatch}`);
    if (opts.minPrice < 0n || opts.maxPrice <= 0n || opts.minPrice > opts.maxPrice) bad(`prices must satisfy 0 <= minPrice <= maxPrice, 0 < maxPrice`);
    if (this.opts.failingShare < 0 || this.opts.failingShare > 1) bad(`failingShare must be in [0, 1]`);
    let capacity = 0;
    try {
      capacity = segmentCapacity(opts.treeDepth, opts.segmentLogRows);
    } catch (err) {
      bad(describeError(err));
    }
    if (capacity < 1) bad(`a segment of 2^${opts.segmentLogRows} rows holds no transaction at tree depth ${opts.treeDepth}`);
    if (Math.ceil(opts.txsPerBatch / capacity) > MAX_SEGMENTS_PER_BATCH) {
      bad(`${opts.txsPerBatch} transactions make more than ${MAX_SEGMENTS_PER_BATCH} segments of ${capacity}`);
    }
    const { genesis, root } = genesisFor(opts);
    this.genesis = genesis;
    this.genesisRoot = root;
    this.state = RollupState.fromGenesis(genesis);
    this.random = prng(opts.seed ^ 0x3c6ef372);
    this.client = modules.publicClient;
    this.sender = modules.sender;
    this.addresses = modules.addresses;
    this.network = modules.network;
    this.witnessStore = modules.witnessStore ?? new MemoryContentStore();
    this.log = (modules.logger ?? nullLogger).child({ module: "sequencer" });
    this.signal = modules.signal;
  }

  /** The sequencer's current state root, packed (bytes32). */
  stateRoot(): Hex {
    return packRoot(this.state.root);
  }

  /** The root the Rollup should reach once `batchId` is finalised (null: not posted by us). */
  expectedRoot(batchId: bigint): Hex | null {
    return this.posted.get(batchId)?.rootOut ?? null;
  }

  postedBatches(): PostedBatch[] {
    return [...this.posted.values()];
  }

  /**
   * Check the deployment against this sequencer: our account is the Rollup's sequencer, the tree depth
   * matches, and (before any batch is finalised) the Rollup's root is our genesis root. Run once by the
   * first postNextBatch; callable earlier to fail fast.
   */
  async verifyDeployment(): Promise<void> {
    const read = <F extends "sequencer" | "treeDepth" | "stateRoot" | "lastFinalizedBatch">(functionName: F) =>
      this.client.readContract({ address: this.addresses.rollup, abi: rollupAbi, functionName });
    const [sequencer, depth, root, finalized] = await Promise.all([read("sequencer"), read("treeDepth"), read("stateRoot"), read("lastFinalizedBatch")]);
    if (sequencer.toLowerCase() !== this.sender.address.toLowerCase()) {
      throw new SequencerError({ code: "SEQUENCER_NOT_SEQUENCER", sender: this.sender.address, sequencer }, `${this.sender.address} is not the rollup's sequencer (${sequencer})`);
    }
    if (Number(depth) !== this.opts.treeDepth) {
      throw new SequencerError({ code: "SEQUENCER_TREE_DEPTH_MISMATCH", expected: this.opts.treeDepth, onChain: Number(depth) }, `the rollup's tree depth is ${depth}, the sequencer's ${this.opts.treeDepth}`);
    }
    if (finalized === 0n && this.posted.size === 0 && root.toLowerCase() !== this.genesisRoot.toLowerCase()) {
      throw new SequencerError({ code: "SEQUENCER_GENESIS_MISMATCH", expected: this.genesisRoot, onChain: root }, `the rollup's root ${root} is not this sequencer's genesis root ${this.genesisRoot} (same accounts, treeDepth and seed?)`);
    }
    const next = await this.client.readContract({ address: this.addresses.market, abi: segmentMarketAbi, functionName: "nextBatchId" });
    if (this.posted.size === 0 && next > 1n) {
      this.log.warn("The market already has batches this sequencer did not post; its state starts from genesis", { nextBatchId: next });
    }
    this.checked = true;
  }

  /** Build, post and announce the next batch. Calls are serialised. */
  postNextBatch(): Promise<PostedBatch> {
    const run = this.queue.then(() => this.postNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async postNow(): Promise<PostedBatch> {
    if (this.signal?.aborted) throw new AbortError();
    if (!this.checked) await this.verifyDeployment();
    const { market, token } = this.addresses;
    const batchId = await this.client.readContract({ address: market, abi: segmentMarketAbi, functionName: "nextBatchId" });

    const txs = randomTransfers(this.state, this.opts.txsPerBatch, { accounts: this.opts.accounts, failingShare: this.opts.failingShare }, this.random);
    const batch = buildBatch(this.state, batchId, txs, this.opts.segmentLogRows); // advances this.state
    const segments: PostedSegment[] = [];
    let txHash: Hex | null = null;
    try {
      for (const seg of batch.segments) {
        const witness = witnessFromSegment(seg);
        const bytes = encodeWitness(witness);
        const hash = witnessHash(bytes);
        // Stored before posting: a prover may see SegmentPosted before postBatch returns here.
        if (this.witnessStore.put(bytes).toLowerCase() !== hash.toLowerCase()) throw new Error("the witness store does not key objects by keccak256");
        const column = publicColumnsOf(statementOf(witness)).flatMap((col) => Array.from(col));
        segments.push({
          index: seg.index,
          rootIn: packRoot(seg.rootIn),
          rootOut: packRoot(seg.rootOut),
          witnessHash: hash,
          txDataHash: txDataHash(column),
          txCount: seg.steps.length,
          size: bytes.length,
        });
      }
      const escrow = this.opts.maxPrice * BigInt(segments.length);
      await this.ensureEscrowAllowance(token, market, escrow);
      const data = encodeFunctionData({
        abi: segmentMarketAbi,
        functionName: "postBatch",
        args: [
          segments.map((s) => ({ rootIn: s.rootIn, witnessHash: s.witnessHash, txDataHash: s.txDataHash, txCount: s.txCount })),
          packRoot(batch.rootOut),
          this.opts.minPrice,
          this.opts.maxPrice,
        ],
      });
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
      // Not on L1 (as far as the chain says now): undo the state change so the next batch chains from
      // the last posted one. If the market moved past batchId, the batch is there: keep the state.
      const mismatch = err instanceof SequencerError && err.code === "SEQUENCER_BATCH_ID_MISMATCH";
      const onChain = !mismatch && segments.length === batch.segments.length && (await this.nextBatchId().then((n) => n > batchId, () => false));
      if (!onChain) {
        this.log.error("Batch not posted", { batchId, error: describeError(err) });
        this.rebuildState();
        throw err;
      }
      this.log.warn("Posting reported an error but the batch is on L1; keeping it", { batchId, error: describeError(err) });
    }
    const posted: PostedBatch = {
      batchId,
      segments,
      rootIn: packRoot(batch.rootIn),
      rootOut: packRoot(batch.rootOut),
      transactions: txs.length,
      failed: batch.outcomes.filter((o) => o !== null).length,
      txHash,
    };
    this.history.push(txs);
    this.posted.set(batchId, posted);
    this.log.info("Batch posted", {
      batchId,
      segments: posted.segments.length,
      transactions: posted.transactions,
      failed: posted.failed,
      rootOut: posted.rootOut,
      tx: posted.txHash,
    });
    await this.announce(posted);
    return posted;
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

  /** State = genesis + every batch accepted on L1. */
  private rebuildState(): void {
    const state = RollupState.fromGenesis(this.genesis);
    for (const txs of this.history) for (const tx of txs) state.apply(tx);
    this.state = state;
  }
}
