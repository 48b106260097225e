/**
 * jobs/'s JobChain over chain/: segment state from the MarketReader (three reads: batch, segment, head),
 * the slashes of the segment from the store's slash ledger (filled from ingested market events, so the
 * cost of a step does not grow with the chain's history), and the lock and commit transactions through
 * the TxSender.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";
import { segmentMarketAbi } from "../chain/abi/index.js";
import { BatchStatus, SegmentStatus, lockExpired, lockability, type MarketReader } from "../chain/market-reader.js";
import type { TxSender } from "../chain/sender.js";
import { packRoot } from "../chain/statement.js";
import type { JobChain, SegmentChainState, TxOutcome } from "../jobs/interface.js";
import type { DataSegmentBinding } from "../jobs/data-binding.js";
import { PI } from "../rollup/air/layout.js";
import type { SlashRepository } from "../store/index.js";
import { splitSegmentId } from "../util/segment-id.js";

export interface ChainJobAdapterModules {
  reader: MarketReader;
  /** Blocks a finalization must be buried under before the job reads it as final (chain.finalityDepth). */
  finalityDepth?: number;
  sender: TxSender;
  /** Provers slashed per segment, as ingested (store/'s SlashRepository). */
  slashes: Pick<SlashRepository, "get">;
}

const ZERO_ROOT = `0x${"00".repeat(32)}`;

export class ChainJobAdapter implements JobChain {
  readonly address: Address;

  constructor(private readonly m: ChainJobAdapterModules) {
    this.address = m.sender.address;
  }

  async readSegment(segmentId: bigint): Promise<SegmentChainState> {
    const { batchId, index } = splitSegmentId(segmentId);
    const [batch, seg, head, slashedRaw] = await Promise.all([this.m.reader.batch(batchId), this.m.reader.segment(batchId, index), this.m.reader.head(), this.m.slashes.get(segmentId)]);
    const slashed = (slashedRaw ?? []) as readonly Address[];
    if (batch.status === BatchStatus.Finalized) {
      // Final only once the finalization is finalityDepth blocks deep: until then the job waits as committed,
      // so a reorg that undoes the finalization (and perhaps our commitment) finds it still following.
      if (!(await this.finalizedDeep(batchId, head.number))) return { slashed, status: "committed", lockedBy: seg.locker, lockDeadline: Number(seg.lockDeadline), committedProofHash: seg.proofHash };
      return { slashed, status: "finalized", lockedBy: seg.locker, lockDeadline: null, committedProofHash: seg.proofHash };
    }
    const timedOut = batch.status === BatchStatus.TimedOut || (batch.status === BatchStatus.Open && head.timestamp >= batch.timeoutAt && seg.status !== SegmentStatus.Committed);
    if (batch.status === BatchStatus.None || timedOut) return { slashed, status: "expired", lockedBy: null, lockDeadline: null, committedProofHash: null };
    // A lock past its deadline without a commitment is anyone's to take (lock() expires it first): open.
    if (lockExpired(seg, head.timestamp)) return { slashed, status: "open", lockedBy: null, lockDeadline: null, committedProofHash: null };
    if (seg.status === SegmentStatus.Locked) return { slashed, status: "locked", lockedBy: seg.locker, lockDeadline: Number(seg.lockDeadline), committedProofHash: null };
    if (seg.status === SegmentStatus.Committed) return { slashed, status: "committed", lockedBy: seg.locker, lockDeadline: Number(seg.lockDeadline), committedProofHash: seg.proofHash };
    return { slashed, status: "open", lockedBy: null, lockDeadline: null, committedProofHash: null };
  }

  private async finalizedDeep(batchId: bigint, head: bigint): Promise<boolean> {
    const depth = BigInt(this.m.finalityDepth ?? 0);
    if (depth === 0n) return true;
    if (head < depth) return false;
    return (await this.m.reader.batch(batchId, head - depth)).status === BatchStatus.Finalized;
  }

  /** Whether anyone may lock the segment now (three reads, no slash lookup): the scheduler's reconsider check. */
  async lockability(segmentId: bigint): Promise<"lockable" | "taken" | "closed"> {
    const { batchId, index } = splitSegmentId(segmentId);
    const [batch, seg, head] = await Promise.all([this.m.reader.batch(batchId), this.m.reader.segment(batchId, index), this.m.reader.head()]);
    return lockability(batch, seg, head);
  }

  /** What L1 stored for a data batch's segment at posting: r (the batch's), txCommitment, txCount, rootIn, and finalRoot for the last. */
  async readDataSegment(segmentId: bigint): Promise<DataSegmentBinding> {
    const { batchId, index } = splitSegmentId(segmentId);
    const [batch, seg, binding] = await Promise.all([this.m.reader.batch(batchId), this.m.reader.segment(batchId, index), this.m.reader.dataBinding(batchId)]);
    return {
      batchId,
      index,
      r: binding.r,
      txCommitment: seg.txCommitment ?? ZERO_ROOT,
      txCount: seg.txCount,
      rootIn: seg.rootIn ?? ZERO_ROOT,
      finalRoot: index === batch.segmentCount - 1 ? (batch.finalRoot ?? null) : null,
    };
  }

  async sendLock(job: { readonly segmentId: bigint }): Promise<string> {
    const { batchId, index } = splitSegmentId(job.segmentId);
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "lock", args: [batchId, index] });
    return (await this.m.sender.send({ to: this.m.reader.addresses.market, data })).hash;
  }

  async sendCommit(job: { readonly segmentId: bigint }, proof: { readonly proofHash: string; readonly publicInputs: Uint32Array | readonly number[] }): Promise<string> {
    const { batchId, index } = splitSegmentId(job.segmentId);
    const pi = Array.from(proof.publicInputs);
    const rootIn = packRoot(pi.slice(PI.rootIn, PI.rootIn + 8));
    const rootOut = packRoot(pi.slice(PI.rootOut, PI.rootOut + 8));
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "commitProof", args: [batchId, index, proof.proofHash as Hex, rootIn, rootOut] });
    return (await this.m.sender.send({ to: this.m.reader.addresses.market, data })).hash;
  }

  waitForTx(hash: string, timeoutMs: number, signal?: AbortSignal): Promise<TxOutcome> {
    return this.m.sender.waitForTx(hash, timeoutMs, signal);
  }
}
