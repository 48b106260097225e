/**
 * The job runner's ports. node/job-chain.ts implements JobChain over chain/'s MarketReader and
 * TxSender (plus the store's slash ledger), node/job-network.ts implements JobNetwork over p2p/, and
 * market/'s LockDecider provides the decision. jobs/ imports none of them: the runner never assumes a
 * transaction went through, it reads chain state.
 */
import type { DeclineReason, ProofRecord, SegmentRecord } from "../store/index.js";
import type { PersistedJob } from "./machine.js";
import type { DataSegmentBinding } from "./data-binding.js";

export type Address = `0x${string}`;

/** The segment as the market contract sees it right now. */
export interface SegmentChainState {
  readonly status: "open" | "locked" | "committed" | "finalized" | "slashed" | "expired";
  /** Current locker (null when open). */
  readonly lockedBy: Address | null;
  /** unix seconds, when locked. */
  readonly lockDeadline: number | null;
  /** Commitment by the current locker (0x proof hash), if any. */
  readonly committedProofHash: string | null;
  /** Who was ever slashed for this segment (its whole history, from ingested events). */
  readonly slashed: readonly Address[];
}

/**
 * "timeout": unknown, still possibly pending — the runner waits and reads chain state again.
 * "dropped": will never be mined (evicted, or its nonce used by another transaction; the chain module's
 * nonce manager knows) — the runner may send a new one after reading chain state.
 */
export type TxOutcome = "success" | "reverted" | "timeout" | "dropped";

export interface JobChain {
  /** This node's staking address (locks and commitments are made from it). */
  readonly address: Address;
  readSegment(segmentId: bigint, signal: AbortSignal): Promise<SegmentChainState>;
  /** Broadcast `lock(segment)`; resolves with the tx hash as soon as it is sent. */
  sendLock(job: PersistedJob<"lockSent">, signal: AbortSignal): Promise<string>;
  /** Broadcast `commitProof(segment, proofHash, rootIn, rootOut)`; resolves with the tx hash. */
  sendCommit(job: PersistedJob<"proven">, proof: ProofRecord, signal: AbortSignal): Promise<string>;
  /** Wait for a receipt, at most `timeoutMs`. "timeout" means unknown: the caller reads chain state. */
  waitForTx(hash: string, timeoutMs: number, signal: AbortSignal): Promise<TxOutcome>;
  /** Data batches: what L1 stored for the segment at posting (its witness is checked against it before proving). */
  readDataSegment?(segmentId: bigint, signal: AbortSignal): Promise<DataSegmentBinding>;
}

export interface JobNetwork {
  /** Fetch the witness (req/resp, DHT) and check it against `segment.witnessHash`; throws if unavailable. */
  fetchWitness(job: PersistedJob<"locked">, segment: SegmentRecord, signal: AbortSignal): Promise<Uint8Array>;
  /** Announce the proof on gossip and serve it over req/resp. Idempotent. */
  publishProof(job: PersistedJob<"committed">, proof: ProofRecord, signal: AbortSignal): Promise<void>;
}

export type LockDecision = { readonly lock: true; readonly price: bigint } | { readonly lock: false; readonly reason: DeclineReason };

export interface JobMarket {
  /** Decide whether to lock this segment now (pricing, capacity, breaker, stake). */
  decide(segment: SegmentRecord): Promise<LockDecision> | LockDecision;
}
