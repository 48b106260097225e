/**
 * The one typed reader of the L1 market, for the job runner (through node/job-chain.ts) and the
 * aggregator: SegmentMarket batches and segments with their status enums, the market's terms, the
 * election's windows and ranks, the rollup's tree depth and the deployed verifier's security policy.
 * Every value keeps the type viem derives from the ABI; nothing here scans event history per step (events
 * come from ingestion: market-events.ts).
 */
import { getAddress, hexToBytes, type Address, type Hex, type PublicClient } from "viem";
import { readBatchBinding } from "./aggregate.js";
import { aggregatorElectionAbi, rollupAbi, segmentMarketAbi, transferV1VerifierAbi } from "./abi/index.js";

/** ISegmentMarket.BatchStatus */
export enum BatchStatus {
  None = 0,
  Open = 1,
  Finalized = 2,
  TimedOut = 3,
}

/** ISegmentMarket.BatchKind: a bundle (transfer-v1, every proof on L1) or a data batch (one proof per batch). */
export enum BatchKind {
  Bundle = 0,
  Data = 1,
}

/** ISegmentMarket.SegmentStatus */
export enum SegmentStatus {
  None = 0,
  Open = 1,
  Locked = 2,
  Committed = 3,
}

export interface BatchView {
  readonly batchId: bigint;
  readonly status: BatchStatus;
  readonly segmentCount: number;
  readonly committedCount: number;
  /** unix seconds; past it the batch can be timed out. */
  readonly timeoutAt: bigint;
  /** Block of the commitment that completed the batch; 0 while incomplete. */
  readonly fullyCommittedBlock: bigint;
  /** Bundle or data batch (absent: bundle). */
  readonly kind?: BatchKind;
  /** Expected rootOut of the last segment (zero: not specified). */
  readonly finalRoot?: Hex;
}

export interface SegmentView {
  readonly batchId: bigint;
  readonly index: number;
  readonly status: SegmentStatus;
  readonly witnessHash: Hex;
  readonly txDataHash: Hex;
  readonly txCount: number;
  /** Current locker; null when nobody holds the segment. */
  readonly locker: Address | null;
  /** unix seconds (0 when not locked). */
  readonly lockDeadline: bigint;
  /** The committed proof's keccak256; null before a commitment. */
  readonly proofHash: Hex | null;
  readonly committedRootIn: Hex;
  readonly committedRootOut: Hex;
  /** unix seconds of an unanswered unavailability report; 0 when none. */
  readonly reportedAt: bigint;
  /** The committed proof passed on-chain verification (a challenge that failed). */
  readonly verified: boolean;
  /** Data batch: the posted rootIn (zero: not specified) and the segment's Poseidon2 txCommitment packed as a root. */
  readonly rootIn?: Hex;
  readonly txCommitment?: Hex;
}

export interface Head {
  readonly number: bigint;
  readonly timestamp: bigint;
}

/** Market parameters a segment record needs; read once per process. */
export interface MarketTerms {
  rampPeriod: number;
  lockTimeout: number;
  collateralRatioBps: number;
}

/** Parameters the aggregator's duties depend on; read once per process. */
export interface AggregatorParams {
  treeDepth: number;
  /** Blocks of each exclusive window after a batch is fully committed. */
  aggregatorWindow: bigint;
  /** Ranks with a window before the open race. */
  fallbackRanks: number;
  /** Seconds a reported prover has to publish its proof. */
  responseWindow: bigint;
  /** Gas the market gives the verifier in challengeProof. */
  verifyGasLimit: bigint;
}

/** What the deployed verifier accepts: the aggregator verifies locally with the same bar. */
export interface VerifierPolicy {
  minSecurityBits: number;
}

export interface MarketReaderOpts {
  market: Address;
  election: Address;
  rollup: Address;
}

export interface MarketReaderModules {
  publicClient: PublicClient;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ZERO_HASH = `0x${"00".repeat(32)}`;

export class MarketReader {
  readonly addresses: MarketReaderOpts;
  private readonly client: PublicClient;
  private termsRead: Promise<MarketTerms> | null = null;
  private paramsRead: Promise<AggregatorParams> | null = null;
  private policyRead: Promise<VerifierPolicy> | null = null;

  constructor(opts: MarketReaderOpts, modules: MarketReaderModules) {
    this.addresses = opts;
    this.client = modules.publicClient;
  }

  /** The batch as of the latest block, or as of `blockNumber`. */
  async batch(batchId: bigint, blockNumber?: bigint): Promise<BatchView> {
    const b = await this.client.readContract({ address: this.addresses.market, abi: segmentMarketAbi, functionName: "getBatch", args: [batchId], ...(blockNumber !== undefined ? { blockNumber } : {}) });
    return {
      batchId,
      status: b.status as BatchStatus,
      segmentCount: b.segmentCount,
      committedCount: b.committedCount,
      timeoutAt: b.timeoutAt,
      fullyCommittedBlock: b.fullyCommittedBlock,
      kind: b.kind as BatchKind,
      finalRoot: b.finalRoot,
    };
  }

  async segment(batchId: bigint, index: number): Promise<SegmentView> {
    const s = await this.client.readContract({ address: this.addresses.market, abi: segmentMarketAbi, functionName: "getSegment", args: [batchId, index] });
    return {
      batchId,
      index,
      status: s.status as SegmentStatus,
      witnessHash: s.witnessHash,
      txDataHash: s.txDataHash,
      txCount: s.txCount,
      locker: s.locker === ZERO_ADDRESS ? null : getAddress(s.locker),
      lockDeadline: s.lockDeadline,
      proofHash: s.proofHash === ZERO_HASH ? null : s.proofHash,
      committedRootIn: s.committedRootIn,
      committedRootOut: s.committedRootOut,
      reportedAt: s.reportedAt,
      verified: s.verified,
      rootIn: s.rootIn,
      txCommitment: s.txCommitment,
    };
  }

  /** The binding the market stored for a data batch (chain/aggregate.ts readBatchBinding): r, E, txRoot, dataHash. */
  dataBinding(batchId: bigint): ReturnType<typeof readBatchBinding> {
    return readBatchBinding(this.client, this.addresses.market, batchId);
  }

  /** What the Rollup was deployed with for data batches: the wrap's AIR id and the key-set root. */
  async aggregateDeployment(): Promise<{ airId: Hex; keySetRoot: Hex }> {
    const [airId, keySetRoot] = await Promise.all([
      this.client.readContract({ address: this.addresses.rollup, abi: rollupAbi, functionName: "aggregateAirId" }),
      this.client.readContract({ address: this.addresses.rollup, abi: rollupAbi, functionName: "keySetRoot" }),
    ]);
    return { airId, keySetRoot };
  }

  /** The latest block's number and timestamp (time-based rules use the chain's clock, never ours). */
  async head(): Promise<Head> {
    const b = await this.client.getBlock({ blockTag: "latest" });
    return { number: b.number, timestamp: b.timestamp };
  }

  nextBatchId(): Promise<bigint> {
    return this.client.readContract({ address: this.addresses.market, abi: segmentMarketAbi, functionName: "nextBatchId" });
  }

  terms(): Promise<MarketTerms> {
    return (this.termsRead ??= retryable(readMarketTerms(this.client, this.addresses.market), () => (this.termsRead = null)));
  }

  aggregatorParams(): Promise<AggregatorParams> {
    return (this.paramsRead ??= retryable(this.readAggregatorParams(), () => (this.paramsRead = null)));
  }

  /** The deployed verifier's `minSecurityBits` (the verifier the market calls in challengeProof). */
  verifierPolicy(): Promise<VerifierPolicy> {
    return (this.policyRead ??= retryable(this.readVerifierPolicy(), () => (this.policyRead = null)));
  }

  /**
   * Proof bytes published on chain for a segment (ProofPublished) since `fromBlock`: the one bounded
   * event search, made only before reporting a proof unavailable (its event may predate a restart).
   */
  async publishedProofs(batchId: bigint, index: number, fromBlock: bigint): Promise<Uint8Array[]> {
    const events = await this.client.getContractEvents({ address: this.addresses.market, abi: segmentMarketAbi, eventName: "ProofPublished", args: { batchId, index }, fromBlock, toBlock: "latest" });
    return events.map((e) => hexToBytes(e.args.proof!));
  }

  /** The election's ranking for the epoch of a fully committed block: rank 0 first. */
  async rankedAggregators(fullyCommittedBlock: bigint, ranks: number): Promise<Address[]> {
    const epoch = await this.client.readContract({ address: this.addresses.election, abi: aggregatorElectionAbi, functionName: "epochOf", args: [fullyCommittedBlock] });
    const ranked = await this.client.readContract({ address: this.addresses.election, abi: aggregatorElectionAbi, functionName: "rankedAggregators", args: [epoch, ranks] });
    return ranked.map((a) => getAddress(a));
  }

  /** Whether `who` may submit the aggregate of a batch fully committed at `fullyCommittedBlock` now, and who is primary. */
  async submissionRights(who: Address, fullyCommittedBlock: bigint): Promise<{ allowed: boolean; primary: Address }> {
    const [allowed, primary] = await this.client.readContract({ address: this.addresses.election, abi: aggregatorElectionAbi, functionName: "submissionRights", args: [who, fullyCommittedBlock] });
    return { allowed, primary: getAddress(primary) };
  }

  private async readAggregatorParams(): Promise<AggregatorParams> {
    const { market, election, rollup } = this.addresses;
    const [treeDepth, aggregatorWindow, fallbackRanks, responseWindow, verifyGasLimit] = await Promise.all([
      this.client.readContract({ address: rollup, abi: rollupAbi, functionName: "treeDepth" }),
      this.client.readContract({ address: election, abi: aggregatorElectionAbi, functionName: "aggregatorWindow" }),
      this.client.readContract({ address: election, abi: aggregatorElectionAbi, functionName: "fallbackRanks" }),
      this.client.readContract({ address: market, abi: segmentMarketAbi, functionName: "responseWindow" }),
      this.client.readContract({ address: market, abi: segmentMarketAbi, functionName: "verifyGasLimit" }),
    ]);
    return { treeDepth, aggregatorWindow, fallbackRanks, responseWindow, verifyGasLimit };
  }

  private async readVerifierPolicy(): Promise<VerifierPolicy> {
    const verifier = await this.client.readContract({ address: this.addresses.market, abi: segmentMarketAbi, functionName: "verifier" });
    // Every generated verifier has the same ABI (StarkVerifierBase); transfer-v1's is the rollup's.
    const bits = await this.client.readContract({ address: verifier, abi: transferV1VerifierAbi, functionName: "minSecurityBits" });
    return { minSecurityBits: Number(bits) };
  }
}

export async function readMarketTerms(client: PublicClient, market: Address): Promise<MarketTerms> {
  const read = (functionName: "rampPeriod" | "lockTimeout" | "collateralRatioBps") => client.readContract({ address: market, abi: segmentMarketAbi, functionName });
  const [rampPeriod, lockTimeout, collateralRatioBps] = await Promise.all([read("rampPeriod"), read("lockTimeout"), read("collateralRatioBps")]);
  return { rampPeriod: Number(rampPeriod), lockTimeout: Number(lockTimeout), collateralRatioBps: Number(collateralRatioBps) };
}

/** A Locked segment past its deadline without a commitment: `lock()` may take it over (the contract's `block.timestamp > lockDeadline`). */
export function lockExpired(seg: Pick<SegmentView, "status" | "lockDeadline">, timestamp: bigint): boolean {
  return seg.status === SegmentStatus.Locked && timestamp > seg.lockDeadline;
}

/** Whether anyone may lock the segment now: open, or locked past its deadline; "closed" once the batch is over. */
export function lockability(batch: BatchView, seg: SegmentView, head: Head): "lockable" | "taken" | "closed" {
  if (batch.status !== BatchStatus.Open || head.timestamp >= batch.timeoutAt) return "closed";
  return seg.status === SegmentStatus.Open || lockExpired(seg, head.timestamp) ? "lockable" : "taken";
}

/** A cached read that is forgotten when it fails, so the next call tries again. */
function retryable<T>(read: Promise<T>, forget: () => void): Promise<T> {
  read.catch(forget);
  return read;
}
