/**
 * What the aggregator does with what it collected (docs/aggregator.md, "Duties"):
 *   - police: on duty (within the fallback ranks, or the open race), challenge an invalid proof, report
 *     a proof nobody served for fetchTimeoutMs, slash a report left unanswered past the response window,
 *     or answer a report with bytes we hold so that an honest prover is not slashed;
 *   - respondOwn: as a prover, answer a report against our own segment with our stored proof;
 *   - submit: once every proof of the batch is verified, submit the bundle when the election allows it.
 * Every L1 write goes through the `AggregatorActions` port (actions.ts).
 */
import { keccak256, toHex, type Address, type Hex } from "viem";
import type { AggregatorParams, Head, MarketReader, SegmentView } from "../chain/market-reader.js";
import { nullLogger, type Logger } from "../util/logger.js";
import type { AggregatorActions, SegmentRef } from "./actions.js";
import type { Collected, FollowedBatch, ProofCollector } from "./collector.js";

export interface DutiesModules {
  self: Address;
  reader: MarketReader;
  actions: AggregatorActions;
  collector: ProofCollector;
  ownProof(batchId: bigint, index: number): Promise<Uint8Array | null>;
  now: () => number;
  logger?: Logger;
}

export class Duties {
  private readonly log: Logger;
  /** Problems with reports against our own segments, logged once per report. */
  private readonly logged = new Set<string>();

  constructor(
    private readonly opts: { fetchTimeoutMs: number },
    private readonly m: DutiesModules,
  ) {
    this.log = m.logger ?? nullLogger;
  }

  /** Challenge an invalid proof, report a withheld one, slash an unanswered report, or answer a report with bytes we hold. */
  async police(f: FollowedBatch, seg: SegmentView, c: Collected, head: Head, params: AggregatorParams): Promise<void> {
    const ref = refOf(seg, c.proofHash);
    if (c.verdict === "invalid" && c.proof && c.column) {
      await this.m.actions.challenge(ref, c.proof, c.column, params.verifyGasLimit);
      return;
    }
    const deadline = seg.reportedAt + params.responseWindow;
    if (seg.reportedAt !== 0n && c.proof) {
      // Someone could not reach the prover but we hold the bytes: publish them so an honest prover is not slashed.
      if (head.timestamp <= deadline) await this.m.actions.respond(ref, c.proof);
      return;
    }
    if (c.proof || c.proofFailedAt === null) return;
    if (seg.reportedAt === 0n) {
      // One failed fetch is not withholding (the prover may be publishing right now): keep trying for
      // fetchTimeoutMs before accusing anyone on chain.
      if (c.firstFailedAt === null || this.m.now() - c.firstFailedAt < this.opts.fetchTimeoutMs) return;
      if (await this.m.collector.publishedOnChain(f, seg.index, c)) return;
      await this.m.actions.report(ref);
    } else if (head.timestamp > deadline) {
      await this.m.actions.slash(ref, seg.reportedAt);
    }
  }

  /** Prover-side duty: a report against our own segment is answered with our stored proof. */
  async respondOwn(f: FollowedBatch, seg: SegmentView, head: Head, params: AggregatorParams): Promise<void> {
    const ctx = { batchId: f.batchId, index: seg.index, reportedAt: seg.reportedAt };
    const once = (msg: string, extra: Record<string, unknown> = {}): void => {
      const key = `${f.batchId}:${seg.index}:${seg.reportedAt}:${msg}`;
      if (!this.logged.has(key)) this.log.error(msg, { ...ctx, ...extra });
      this.logged.add(key);
    };
    if (head.timestamp > seg.reportedAt + params.responseWindow) {
      once("Report against our segment: response window already closed");
      return;
    }
    let proof = f.segments.get(seg.index)?.proof ?? null;
    if (!proof || keccak256(proof) !== seg.proofHash) proof = await this.m.ownProof(f.batchId, seg.index);
    if (!proof || keccak256(proof) !== seg.proofHash) {
      once("Report against our segment but we do not hold the committed proof", { proofHash: seg.proofHash, held: proof !== null });
      return;
    }
    await this.m.actions.respond(refOf(seg, seg.proofHash!), proof);
  }

  /** Submit the bundle if the election lets us now; `segs` are all verified (on chain or locally). */
  async submit(f: FollowedBatch, segs: readonly SegmentView[], fcb: bigint, openRace: boolean): Promise<void> {
    const rights = await this.m.reader.submissionRights(this.m.self, fcb);
    if (!rights.allowed) return;
    const proofs = segs.map((seg) => {
      const c = f.segments.get(seg.index);
      if (seg.verified || !c?.proof || !c.column) return { proof: "0x" as Hex, publicColumn: [] as number[] };
      return { proof: toHex(c.proof), publicColumn: c.column };
    });
    await this.m.actions.submit({ batchId: f.batchId, proofs, fullyCommittedBlock: fcb, primary: rights.primary, openRace });
  }
}

function refOf(seg: SegmentView, proofHash: Hex): SegmentRef {
  return { batchId: seg.batchId, index: seg.index, proofHash, prover: seg.locker };
}
