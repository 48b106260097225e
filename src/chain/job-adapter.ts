/**
 * The runner's view of the SegmentMarket (jobs/'s `JobChain`, matched structurally: chain/ sits below
 * jobs/ in DESIGN §2 and must not import it; the composition root and the tests check the fit).
 *
 * Segment ids: `batchId << 32 | index` (`segmentIdOf` / `splitSegmentId`).
 */
import { encodeFunctionData, getAddress, type Address, type Hex, type PublicClient } from "viem";
import { segmentMarketAbi } from "./abi/index.js";
import { packRoot } from "./statement.js";
import { PI } from "../rollup/air/layout.js";
import type { TxOutcome, TxSender } from "./sender.js";

export function segmentIdOf(batchId: bigint, index: number): bigint {
  return (batchId << 32n) | BigInt(index >>> 0);
}

export function splitSegmentId(segmentId: bigint): { batchId: bigint; index: number } {
  return { batchId: segmentId >> 32n, index: Number(segmentId & 0xffffffffn) };
}

/** Same shape as jobs/'s SegmentChainState. */
export interface MarketSegmentState {
  readonly status: "open" | "locked" | "committed" | "finalized" | "slashed" | "expired";
  readonly lockedBy: Address | null;
  readonly lockDeadline: number | null;
  readonly committedProofHash: string | null;
  readonly slashed: readonly Address[];
}

/** SegmentStatus.Locked with its deadline passed (`lock()` may take it over: the contract's `block.timestamp > lockDeadline`). */
function lockExpired(seg: { status: number; lockDeadline: bigint }, timestamp: bigint): boolean {
  return seg.status === 2 && timestamp > seg.lockDeadline;
}

export interface ChainJobAdapterOpts {
  market: Address;
  /** Block from which slash events are searched (the deployment block). */
  fromBlock: bigint;
}

export interface ChainJobAdapterModules {
  publicClient: PublicClient;
  sender: TxSender;
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ZERO_HASH = `0x${"00".repeat(32)}`;
const SLASH_EVENTS = ["LockExpired", "ProofChallenged", "UnavailabilitySlashed"] as const;

export class ChainJobAdapter {
  readonly address: Address;
  private readonly opts: ChainJobAdapterOpts;
  private readonly client: PublicClient;
  private readonly sender: TxSender;

  constructor(opts: ChainJobAdapterOpts, modules: ChainJobAdapterModules) {
    this.opts = opts;
    this.client = modules.publicClient;
    this.sender = modules.sender;
    this.address = modules.sender.address;
  }

  async readSegment(segmentId: bigint, _signal?: AbortSignal): Promise<MarketSegmentState> {
    const { batchId, index } = splitSegmentId(segmentId);
    const [batch, seg, slashed, block] = await Promise.all([
      this.client.readContract({ address: this.opts.market, abi: segmentMarketAbi, functionName: "getBatch", args: [batchId] }),
      this.client.readContract({ address: this.opts.market, abi: segmentMarketAbi, functionName: "getSegment", args: [batchId, index] }),
      this.slashedFor(batchId, index),
      this.client.getBlock(),
    ]);
    const locker = seg.locker === ZERO_ADDRESS ? null : getAddress(seg.locker);
    const base = { slashed };
    // BatchStatus: 0 None, 1 Open, 2 Finalized, 3 TimedOut. SegmentStatus: 0 None, 1 Open, 2 Locked, 3 Committed.
    if (batch.status === 2) return { ...base, status: "finalized", lockedBy: locker, lockDeadline: null, committedProofHash: seg.proofHash === ZERO_HASH ? null : seg.proofHash };
    const timedOut = batch.status === 3 || (batch.status === 1 && block.timestamp >= batch.timeoutAt && seg.status !== 3);
    if (batch.status === 0 || timedOut) return { ...base, status: "expired", lockedBy: null, lockDeadline: null, committedProofHash: null };
    // A lock past its deadline without a commitment is anyone's to take (lock() expires it first): open.
    if (lockExpired(seg, block.timestamp)) return { ...base, status: "open", lockedBy: null, lockDeadline: null, committedProofHash: null };
    if (seg.status === 2) return { ...base, status: "locked", lockedBy: locker, lockDeadline: Number(seg.lockDeadline), committedProofHash: null };
    if (seg.status === 3) return { ...base, status: "committed", lockedBy: locker, lockDeadline: Number(seg.lockDeadline), committedProofHash: seg.proofHash };
    return { ...base, status: "open", lockedBy: null, lockDeadline: null, committedProofHash: null };
  }

  /**
   * Whether anyone may lock the segment now — open, or locked past its deadline without a commitment —
   * with three reads (no event scan, unlike readSegment): cheap enough to ask for many segments.
   */
  async lockability(segmentId: bigint): Promise<"lockable" | "taken" | "closed"> {
    const { batchId, index } = splitSegmentId(segmentId);
    const [batch, seg, block] = await Promise.all([
      this.client.readContract({ address: this.opts.market, abi: segmentMarketAbi, functionName: "getBatch", args: [batchId] }),
      this.client.readContract({ address: this.opts.market, abi: segmentMarketAbi, functionName: "getSegment", args: [batchId, index] }),
      this.client.getBlock(),
    ]);
    if (batch.status !== 1 || block.timestamp >= batch.timeoutAt) return "closed";
    return seg.status === 1 || lockExpired(seg, block.timestamp) ? "lockable" : "taken";
  }

  /** Provers slashed for this segment (expired lock, failed challenge, withheld proof), from indexed events. */
  private async slashedFor(batchId: bigint, index: number): Promise<Address[]> {
    const batches = await Promise.all(
      SLASH_EVENTS.map((eventName) =>
        this.client.getContractEvents({ address: this.opts.market, abi: segmentMarketAbi, eventName, args: { batchId, index }, fromBlock: this.opts.fromBlock, toBlock: "latest" }),
      ),
    );
    const out: Address[] = [];
    for (const e of batches.flat()) {
      const prover = getAddress((e.args as { prover: Address }).prover);
      if (!out.includes(prover)) out.push(prover);
    }
    return out;
  }

  async sendLock(job: { readonly segmentId: bigint }, _signal?: AbortSignal): Promise<string> {
    const { batchId, index } = splitSegmentId(job.segmentId);
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "lock", args: [batchId, index] });
    return (await this.sender.send({ to: this.opts.market, data })).hash;
  }

  async sendCommit(
    job: { readonly segmentId: bigint },
    proof: { readonly proofHash: string; readonly publicInputs: Uint32Array | readonly number[] },
    _signal?: AbortSignal,
  ): Promise<string> {
    const { batchId, index } = splitSegmentId(job.segmentId);
    const pi = Array.from(proof.publicInputs);
    const rootIn = packRoot(pi.slice(PI.rootIn, PI.rootIn + 8));
    const rootOut = packRoot(pi.slice(PI.rootOut, PI.rootOut + 8));
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "commitProof", args: [batchId, index, proof.proofHash as Hex, rootIn, rootOut] });
    return (await this.sender.send({ to: this.opts.market, data })).hash;
  }

  waitForTx(hash: string, timeoutMs: number, signal?: AbortSignal): Promise<TxOutcome> {
    return this.sender.waitForTx(hash, timeoutMs, signal);
  }
}
