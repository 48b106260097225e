/**
 * SegmentMarket logs of one ingested block, decoded once for everything that follows the market: the
 * segments that went up for auction (shaped like store/'s SegmentRecord, which chain/ may not import),
 * the segments and batches whose state changed (the job scheduler drives their jobs), the batches the
 * aggregator follows or drops, the proofs published on chain, and who was slashed for which segment
 * (the job runner's slash ledger: no history scan per step).
 */
import { getAddress, hexToBytes, parseEventLogs, type Address } from "viem";
import { segmentIdOf } from "../util/segment-id.js";
import { segmentMarketAbi } from "./abi/index.js";
import type { IngestedBlock } from "./ingest.js";
import type { MarketTerms } from "./market-reader.js";

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

export interface PublishedProof {
  batchId: bigint;
  index: number;
  proof: Uint8Array;
}

/** A prover's collateral taken for a segment: its lock expired, its proof failed a challenge, or it withheld the proof. */
export interface SegmentSlash {
  segmentId: bigint;
  prover: Address;
  kind: "expired" | "challenged" | "unavailable";
}

export interface MarketBlockEvents {
  number: bigint;
  auctioned: AuctionedSegment[];
  /** Segments locked, committed, expired, challenged, verified, reported, slashed, reopened or paid. */
  changed: bigint[];
  postedBatches: bigint[];
  fullyCommittedBatches: bigint[];
  finalizedBatches: bigint[];
  timedOutBatches: bigint[];
  published: PublishedProof[];
  slashes: SegmentSlash[];
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

const SLASH_KIND = { LockExpired: "expired", ProofChallenged: "challenged", UnavailabilitySlashed: "unavailable" } as const;

export function emptyMarketBlock(number: bigint): MarketBlockEvents {
  return { number, auctioned: [], changed: [], postedBatches: [], fullyCommittedBatches: [], finalizedBatches: [], timedOutBatches: [], published: [], slashes: [] };
}

/**
 * `air` names the AIR of a bundle's segments (SegmentPosted); `dataAir` that of a data batch's segments
 * (DataSegmentPosted: transfer-v2 at the rollup's depth). Without `dataAir` the segments of data batches
 * are not auctioned to this node (it does not prove them); the batches are still reported as posted.
 */
export function decodeMarketBlock(block: IngestedBlock, market: Address, terms: MarketTerms, air = "transfer-v1", dataAir?: string): MarketBlockEvents {
  const logs = block.logs.filter((l) => l.address.toLowerCase() === market.toLowerCase());
  const out = emptyMarketBlock(block.number);
  if (logs.length === 0) return out;
  const events = parseEventLogs({ abi: segmentMarketAbi, logs, strict: true });
  // BatchPosted is emitted after its SegmentPosted events (same transaction): collect prices first.
  const prices = new Map<bigint, { minPrice: bigint; maxPrice: bigint }>();
  for (const e of events) {
    if (e.eventName === "BatchPosted") prices.set(e.args.batchId, { minPrice: e.args.minPrice, maxPrice: e.args.maxPrice });
  }
  const changed = (batchId: bigint, index: number): void => {
    const id = segmentIdOf(batchId, index);
    if (!out.changed.includes(id)) out.changed.push(id);
  };
  for (const e of events) {
    switch (e.eventName) {
      case "BatchPosted":
        out.postedBatches.push(e.args.batchId);
        break;
      case "SegmentPosted":
      case "DataSegmentPosted": {
        const { batchId, index } = e.args;
        const b = prices.get(batchId);
        const segmentAir = e.eventName === "SegmentPosted" ? air : dataAir;
        if (!b || segmentAir === undefined) break;
        out.auctioned.push({
          segmentId: segmentIdOf(batchId, index),
          batchId,
          index,
          air: segmentAir,
          witnessHash: e.args.witnessHash,
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
      case "BatchFullyCommitted":
        out.fullyCommittedBatches.push(e.args.batchId);
        break;
      case "BatchFinalized":
        out.finalizedBatches.push(e.args.batchId);
        break;
      case "BatchTimedOut":
        out.timedOutBatches.push(e.args.batchId);
        break;
      case "ProofPublished":
        out.published.push({ batchId: e.args.batchId, index: e.args.index, proof: hexToBytes(e.args.proof) });
        changed(e.args.batchId, e.args.index);
        break;
      case "LockExpired":
      case "ProofChallenged":
      case "UnavailabilitySlashed":
        out.slashes.push({ segmentId: segmentIdOf(e.args.batchId, e.args.index), prover: getAddress(e.args.prover), kind: SLASH_KIND[e.eventName] });
        changed(e.args.batchId, e.args.index);
        break;
      default:
        if (SEGMENT_EVENTS.has(e.eventName)) {
          const a = e.args as { batchId: bigint; index: number };
          changed(a.batchId, a.index);
        }
    }
  }
  return out;
}
