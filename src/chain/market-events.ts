/**
 * SegmentMarket logs of one ingested block, decoded for the node: the segments that went up for auction
 * (shaped like store/'s SegmentRecord, which chain/ may not import) and the segments and batches whose
 * state changed, so the composition root knows which jobs to drive.
 */
import { parseEventLogs, type Address, type PublicClient } from "viem";
import { segmentMarketAbi } from "./abi/index.js";
import type { IngestedBlock } from "./ingest.js";
import { segmentIdOf } from "./job-adapter.js";

/** Market parameters a segment record needs; read once per process. */
export interface MarketTerms {
  rampPeriod: number;
  lockTimeout: number;
  collateralRatioBps: number;
}

export async function readMarketTerms(client: PublicClient, market: Address): Promise<MarketTerms> {
  const read = (functionName: "rampPeriod" | "lockTimeout" | "collateralRatioBps") => client.readContract({ address: market, abi: segmentMarketAbi, functionName });
  const [rampPeriod, lockTimeout, collateralRatioBps] = await Promise.all([read("rampPeriod"), read("lockTimeout"), read("collateralRatioBps")]);
  return { rampPeriod: Number(rampPeriod), lockTimeout: Number(lockTimeout), collateralRatioBps: Number(collateralRatioBps) };
}

/** Same fields as store/'s SegmentRecord. */
export interface AuctionedSegment {
  segmentId: bigint;
  batchId: bigint;
  index: number;
  air: string;
  witnessHash: string;
  minPrice: bigint;
  maxPrice: bigint;
  auctionStart: number;
  rampSeconds: number;
  lockDuration: number;
  collateral: bigint;
  observedBlock: bigint;
}

export interface MarketBlockEvents {
  auctioned: AuctionedSegment[];
  /** Segments locked, committed, expired, challenged, verified, reported, slashed, reopened or paid. */
  changed: bigint[];
  finalizedBatches: bigint[];
  timedOutBatches: bigint[];
}

const SEGMENT_EVENTS = new Set([
  "SegmentLocked",
  "ProofCommitted",
  "LockExpired",
  "ProofChallenged",
  "ProofVerified",
  "UnavailabilityReported",
  "ProofPublished",
  "UnavailabilitySlashed",
  "SegmentReopened",
  "SegmentPaid",
]);

export function decodeMarketBlock(block: IngestedBlock, market: Address, terms: MarketTerms, air = "transfer-v1"): MarketBlockEvents {
  const logs = block.logs.filter((l) => l.address.toLowerCase() === market.toLowerCase());
  const events = parseEventLogs({ abi: segmentMarketAbi, logs, strict: true });
  const out: MarketBlockEvents = { auctioned: [], changed: [], finalizedBatches: [], timedOutBatches: [] };
  // BatchPosted is emitted after its SegmentPosted events (same transaction): collect prices first.
  const batches = new Map<bigint, { minPrice: bigint; maxPrice: bigint }>();
  for (const e of events) {
    if (e.eventName === "BatchPosted") batches.set(e.args.batchId, { minPrice: e.args.minPrice, maxPrice: e.args.maxPrice });
  }
  for (const e of events) {
    const a = e.args as Record<string, unknown>;
    switch (e.eventName) {
      case "BatchPosted":
        break;
      case "SegmentPosted": {
        const batchId = a.batchId as bigint;
        const b = batches.get(batchId);
        if (!b) break;
        const index = Number(a.index);
        out.auctioned.push({
          segmentId: segmentIdOf(batchId, index),
          batchId,
          index,
          air,
          witnessHash: a.witnessHash as string,
          minPrice: b.minPrice,
          maxPrice: b.maxPrice,
          auctionStart: Number(block.timestamp),
          rampSeconds: terms.rampPeriod,
          lockDuration: terms.lockTimeout,
          collateral: (b.maxPrice * BigInt(terms.collateralRatioBps)) / 10_000n,
          observedBlock: block.number,
        });
        break;
      }
      case "BatchFinalized":
        out.finalizedBatches.push(a.batchId as bigint);
        break;
      case "BatchTimedOut":
        out.timedOutBatches.push(a.batchId as bigint);
        break;
      default:
        if (SEGMENT_EVENTS.has(e.eventName)) {
          const id = segmentIdOf(a.batchId as bigint, Number(a.index));
          if (!out.changed.includes(id)) out.changed.push(id);
        }
    }
  }
  return out;
}
