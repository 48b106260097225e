/**
 * The aggregator's L1 writes: challenge, report, slash, respond, submit. Each is idempotent: it re-reads
 * chain state just before sending (and while waiting), and a revert that means "someone already did it"
 * counts as done. Failures are logged and left to the next pass. `AggregatorActions` is the port the
 * duties call (node/faults.ts wraps it for the fault-injection tests).
 */
import { encodeFunctionData, getAddress, toHex, type Address, type Hex, type PublicClient } from "viem";
import { encodeSubmitAggregate } from "../chain/aggregate.js";
import { rollupAbi, segmentMarketAbi } from "../chain/abi/index.js";
import { ChainError } from "../chain/chain-error.js";
import { decodeRevert } from "../chain/errors.js";
import { BatchStatus, SegmentStatus, type MarketReader, type SegmentView } from "../chain/market-reader.js";
import type { TxRequest, TxSender } from "../chain/sender.js";
import { describeError } from "../util/errors.js";
import { nullLogger, type Logger } from "../util/logger.js";
import { AggregatorError } from "./errors.js";
import type { AggregatorAction, AggregatorMetrics } from "./metrics.js";

/** One committed segment an action is about (the commitment is named by its proof hash). */
export interface SegmentRef {
  readonly batchId: bigint;
  readonly index: number;
  readonly proofHash: Hex;
  /** The locker, for the logs. */
  readonly prover: Address | null;
}

export interface SubmitRequest {
  readonly batchId: bigint;
  /** Per segment: the proof and its public column, or empty for a segment already verified on chain. */
  readonly proofs: readonly { readonly proof: Hex; readonly publicColumn: readonly number[] }[];
  readonly fullyCommittedBlock: bigint;
  /** The batch's rank-0 aggregator and whether the open race has started (anyone may submit). */
  readonly primary: Address;
  readonly openRace: boolean;
}

/** A data batch's one proof: the wrap of its proof tree and its L1 statement (docs/aggregator.md, "Aggregation by proof trees"). */
export interface SubmitWrapRequest {
  readonly batchId: bigint;
  readonly proof: Uint8Array;
  readonly publicInputs: ArrayLike<number>;
  readonly primary: Address;
}

export interface AggregatorActions {
  challenge(seg: SegmentRef, proof: Uint8Array, column: readonly number[], verifyGasLimit: bigint): Promise<void>;
  report(seg: SegmentRef): Promise<void>;
  slash(seg: SegmentRef, reportedAt: bigint): Promise<void>;
  /** Publish the committed proof on chain (respondUnavailable) so that its prover is not slashed. */
  respond(seg: SegmentRef, proof: Uint8Array): Promise<void>;
  submit(req: SubmitRequest): Promise<void>;
  /** Submit the wrap of a data batch's tree (`Rollup.submitAggregate(batchId, proof, publicInputs)`). */
  submitWrap?(req: SubmitWrapRequest): Promise<void>;
}

export interface MarketActionsOpts {
  /** How long one transaction may wait for its receipt before chain state is re-read (ms). */
  txTimeoutMs: number;
  /** Gas of submitAggregate; when absent, the market's bound per verification times the segments (estimated when that exceeds a block). */
  submitGas?: bigint;
  /** Gas of challengeProof; when absent verifyGasLimit + verifyGasLimit/63 + reserve + calldata + overhead. */
  challengeGas?: bigint;
}

export interface MarketActionsModules {
  reader: MarketReader;
  publicClient: PublicClient;
  /** This node's staking account. */
  sender: TxSender;
  logger?: Logger;
  metrics?: AggregatorMetrics | null;
  signal?: AbortSignal;
}

/** SegmentMarket.VERIFY_GAS_RESERVE */
const VERIFY_GAS_RESERVE = 100_000n;
/** Gas around the verifier call in challengeProof besides calldata: hashing, statement, storage, slashing. */
const CHALLENGE_OVERHEAD = 1_000_000n;
/** submitAggregate, per segment besides its verification: statement, continuity, payout. */
const SUBMIT_PER_SEGMENT_OVERHEAD = 500_000n;
/** submitAggregate, once: the root update, the aggregator's fee, the batch's escrow. */
const SUBMIT_OVERHEAD = 2_000_000n;

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

const ACTION_LOG: Record<AggregatorAction, string> = {
  submit: "Aggregate submitted",
  challenge: "Segment proof challenged",
  report: "Segment proof reported unavailable",
  slash: "Withheld segment proof slashed",
  respond: "Reported segment proof published on chain",
};

export class MarketActions implements AggregatorActions {
  private readonly opts: MarketActionsOpts;
  private readonly m: MarketActionsModules;
  private readonly log: Logger;
  private readonly self: Address;

  constructor(opts: MarketActionsOpts, modules: MarketActionsModules) {
    this.opts = opts;
    this.m = modules;
    this.log = modules.logger ?? nullLogger;
    this.self = getAddress(modules.sender.address);
  }

  async challenge(seg: SegmentRef, proof: Uint8Array, column: readonly number[], verifyGasLimit: bigint): Promise<void> {
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "challengeProof", args: [seg.batchId, seg.index, toHex(proof), column] });
    const gas = this.opts.challengeGas ?? challengeGasFor(verifyGasLimit, data);
    await this.act("challenge", ctxOf(seg), { to: this.market, data, gas }, () => this.segmentMoved(seg, (s) => s.verified));
  }

  async report(seg: SegmentRef): Promise<void> {
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "reportUnavailable", args: [seg.batchId, seg.index] });
    await this.act("report", ctxOf(seg), { to: this.market, data }, () => this.segmentMoved(seg, (s) => s.reportedAt !== 0n));
  }

  async slash(seg: SegmentRef, reportedAt: bigint): Promise<void> {
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "slashUnavailable", args: [seg.batchId, seg.index] });
    await this.act("slash", { ...ctxOf(seg), reportedAt }, { to: this.market, data }, () => this.segmentMoved(seg, (s) => s.reportedAt === 0n));
  }

  async respond(seg: SegmentRef, proof: Uint8Array): Promise<void> {
    const data = encodeFunctionData({ abi: segmentMarketAbi, functionName: "respondUnavailable", args: [seg.batchId, seg.index, toHex(proof)] });
    await this.act("respond", ctxOf(seg), { to: this.market, data }, () => this.segmentMoved(seg, (s) => s.reportedAt === 0n));
  }

  async submit(req: SubmitRequest): Promise<void> {
    const proofs = req.proofs.map((p) => ({ proof: p.proof, publicColumn: [...p.publicColumn] }));
    const data = encodeFunctionData({ abi: rollupAbi, functionName: "submitAggregate", args: [req.batchId, proofs] });
    const ctx = { batchId: req.batchId, segments: req.proofs.length, primary: req.primary };
    const gas = this.opts.submitGas ?? (await this.submitGasBound(req.proofs.length, data));
    await this.act("submit", ctx, { to: this.m.reader.addresses.rollup, data, gas }, async () => (await this.m.reader.batch(req.batchId)).status !== BatchStatus.Open);
  }

  /**
   * The aggregate's gas from the market's own bound on one verification (an honest proof verifies
   * within verifyGasLimit, or challengeProof could not accept it), when that fits in a block; else
   * undefined (estimated). Estimating runs every segment's verifier a few dozen times over (a binary
   * search): on a loaded provider that took longer than the aggregator's window, and three aggregators
   * estimating at once slowed the whole RPC (chaos soak seed 1: liveness penalties nobody's fault
   * explained). With the bound, one simulation (eth_call) runs them once.
   */
  private async submitGasBound(segments: number, data: Hex): Promise<bigint | undefined> {
    const { verifyGasLimit } = await this.m.reader.aggregatorParams();
    const bytes = BigInt((data.length - 2) / 2);
    const bound = BigInt(segments) * (verifyGasLimit + verifyGasLimit / 63n + SUBMIT_PER_SEGMENT_OVERHEAD) + 21_000n + 16n * bytes + SUBMIT_OVERHEAD;
    const { gasLimit } = await this.m.publicClient.getBlock({ blockTag: "latest" });
    return bound <= gasLimit ? bound : undefined;
  }

  async submitWrap(req: SubmitWrapRequest): Promise<void> {
    const data = encodeSubmitAggregate(req.batchId, req.proof, req.publicInputs);
    const ctx = { batchId: req.batchId, proofBytes: req.proof.length, primary: req.primary };
    await this.act("submit", ctx, { to: this.m.reader.addresses.rollup, data, gas: this.opts.submitGas }, async () => (await this.m.reader.batch(req.batchId)).status !== BatchStatus.Open);
  }

  private get market(): Address {
    return this.m.reader.addresses.market;
  }

  /** Send one action unless chain state says it is done; an "already done" revert is fine. */
  private async act(action: AggregatorAction, ctx: Record<string, unknown>, request: TxRequest, isDone: () => Promise<boolean>): Promise<void> {
    if (await isDone()) return;
    try {
      if (request.gas !== undefined) {
        // Explicit gas skips estimation, which is where a revert would surface: simulate first.
        await this.m.publicClient.call({ account: this.self, to: request.to, data: request.data, gas: request.gas });
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
  private async segmentMoved(ref: SegmentRef, done: (s: SegmentView) => boolean): Promise<boolean> {
    const [batch, seg] = await Promise.all([this.m.reader.batch(ref.batchId), this.m.reader.segment(ref.batchId, ref.index)]);
    return batch.status !== BatchStatus.Open || seg.status !== SegmentStatus.Committed || seg.proofHash !== ref.proofHash || done(seg);
  }
}

function ctxOf(seg: SegmentRef): Record<string, unknown> {
  return { batchId: seg.batchId, index: seg.index, prover: seg.prover };
}

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

export function errorContext(err: unknown): Record<string, unknown> {
  if (err instanceof ChainError || err instanceof AggregatorError) return { error: err.message, code: err.code };
  return { error: describeError(err) };
}
