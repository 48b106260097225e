/**
 * Proof collection: for each committed segment of a followed batch, the proof (own store, an on-chain
 * ProofPublished, else p2p by the committed hash with the locker as signer hint) and the witness's public
 * column (checked against the posted txDataHash), then a local verification against the statement
 * rebuilt from chain state. Work is keyed by the committed proof hash: a reopen and a new commitment
 * start over. Collection runs in the background; `onSettled` asks the aggregator for another pass.
 */
import { keccak256, type Address, type Hex } from "viem";
import type { MarketReader, SegmentView, AggregatorParams } from "../chain/market-reader.js";
import type { PublishedProof } from "../chain/market-events.js";
import { packRoot, segmentPublicInputs, txDataHash, unpackRoot } from "../chain/statement.js";
import type { Ext } from "../stark/field/extension.js";
import { decodeWitness, WITNESS_VERSION_V2 } from "../rollup/witness.js";
import { transactionsEvaluation, txCommitment } from "../rollup/batch-binding.js";
import { NUM_PUBLIC_INPUTS as V2_PUBLIC_INPUTS, PI as V2_PI } from "../rollup/air-v2/layout.js";
import { describeError } from "../util/errors.js";
import { nullLogger, type Logger } from "../util/logger.js";
import { errorContext } from "./actions.js";
import { AggregatorError } from "./errors.js";
import type { AggregatorMetrics } from "./metrics.js";

/** What the aggregator needs from p2p (the node implements it with P2pNetwork). */
export interface AggregatorNetwork {
  /** Fetch a proof by its keccak256 (hinted signers first, then DHT providers). Rejects when nobody serves it. */
  fetchProof(hash: Hex, o: { signers?: Address[]; signal?: AbortSignal }): Promise<Uint8Array>;
  /** Fetch a witness by its keccak256; the network checks the hash of what it returns. */
  fetchWitness(hash: Hex, o: { signers?: Address[]; signal?: AbortSignal }): Promise<Uint8Array>;
  /** Gossip on the `aggregates` topic. */
  publishProgress?(p: { batchId: bigint; collected: number; total: number }): Promise<unknown> | void;
}

export interface SegmentToVerify {
  proof: Uint8Array;
  publicInputs: number[];
  publicColumns: Uint32Array[];
  /** The locker: proofs are bound to their prover's address. */
  prover: Address;
}

/** Work on one committed proof. */
export interface Collected {
  readonly proofHash: Hex;
  proof: Uint8Array | null;
  proofSource: "own" | "published" | "fetched" | null;
  /** The public column flattened as the contracts take it. */
  column: number[] | null;
  publicColumns: Uint32Array[] | null;
  verdict: "valid" | "invalid" | null;
  /** Data batch: the transfer-v2 statement rebuilt from chain (and E from the witness's transactions). */
  publicInputs?: number[] | null;
  inflight: Promise<void> | null;
  proofFailedAt: number | null;
  /** First failed fetch of this commitment: a proof counts as withheld only after fetchTimeoutMs of failures. */
  firstFailedAt: number | null;
  witnessFailedAt: number | null;
}

/** A batch the aggregator follows: its segments' collection state, cancelled together when it closes. */
export interface FollowedBatch {
  readonly batchId: bigint;
  readonly segments: Map<number, Collected>;
  ranks: { fcb: bigint; ranked: Address[] } | null;
  progress: number;
  readonly abort: AbortController;
  /** Data batch: L1's r and the segment verifier, once its binding was read. */
  data?: DataBatchContext;
}

/** A data batch's segments are transfer-v2 proofs, verified against L1's binding (docs/aggregator.md, "Aggregation by proof trees"). */
export interface DataBatchContext {
  /** The batch's randomness r, as the market stored it. */
  readonly r: Ext;
  /** Check a transfer-v2 proof against its statement and the plan's segment geometry (verify.ts dataSegmentProblem): null if valid, else why not. */
  problem(s: { proof: Uint8Array; publicInputs: number[]; prover: Address }): string | null;
}

export interface CollectorOpts {
  fetchTimeoutMs: number;
  refetchMs: number;
  publishedLookbackBlocks: number;
}

export interface CollectorModules {
  self: Address;
  reader: MarketReader;
  network: AggregatorNetwork;
  /** The STARK verifier with the deployed verifier's policy (aggregator/verify.ts); a throw counts as invalid. */
  verifySegment(s: SegmentToVerify): Promise<boolean>;
  /** The rollup's public columns of a witness. */
  publicColumnsOf(witness: Uint8Array): Uint32Array[];
  /** This node's stored proof of a segment, if any. */
  ownProof(batchId: bigint, index: number): Promise<Uint8Array | null>;
  /** Called when a background collection settled: time for another pass. */
  onSettled(batch: FollowedBatch): void;
  now: () => number;
  logger?: Logger;
  metrics?: AggregatorMetrics | null;
  signal?: AbortSignal;
}

export class ProofCollector {
  private readonly log: Logger;
  /** ProofPublished bytes seen in blocks, by "batchId:index". */
  private readonly published = new Map<string, Uint8Array[]>();

  constructor(
    private readonly opts: CollectorOpts,
    private readonly m: CollectorModules,
  ) {
    this.log = m.logger ?? nullLogger;
  }

  /** A ProofPublished event: kept for later, and taken at once by a collection waiting for these bytes. */
  takePublished(p: PublishedProof, batch: FollowedBatch | undefined): void {
    const key = `${p.batchId}:${p.index}`;
    this.published.set(key, [...(this.published.get(key) ?? []), p.proof]);
    const c = batch?.segments.get(p.index);
    if (c && c.proof === null && keccak256(p.proof) === c.proofHash) this.gotProof(c, p.proof, "published");
  }

  /** The batch closed: drop what was kept for it. */
  forget(batchId: bigint): void {
    for (const key of [...this.published.keys()]) if (key.startsWith(`${batchId}:`)) this.published.delete(key);
  }

  /** Start (or leave running) the collection of a committed segment's proof and column. */
  collect(f: FollowedBatch, seg: SegmentView, params: AggregatorParams, data?: DataBatchContext): void {
    let c = f.segments.get(seg.index);
    if (!c || c.proofHash !== seg.proofHash) {
      c = { proofHash: seg.proofHash!, proof: null, proofSource: null, column: null, publicColumns: null, verdict: null, inflight: null, proofFailedAt: null, firstFailedAt: null, witnessFailedAt: null };
      f.segments.set(seg.index, c);
    }
    if (c.inflight || c.verdict !== null) return;
    const now = this.m.now();
    if (c.proof === null && c.proofFailedAt !== null && now - c.proofFailedAt < this.opts.refetchMs) return;
    if (c.publicColumns === null && c.witnessFailedAt !== null && now - c.witnessFailedAt < this.opts.refetchMs) return;
    const entry = c;
    entry.inflight = (data ? this.collectData(f, seg, entry, params, data) : this.collectNow(f, seg, entry, params))
      .catch((err) => this.log.warn("Segment proof collection failed", { batchId: f.batchId, index: seg.index, ...errorContext(err) }))
      .finally(() => {
        entry.inflight = null;
        if (!f.abort.signal.aborted) this.m.onSettled(f);
      });
  }

  /** A ProofPublished for this commitment we missed (e.g. before a restart): use it instead of reporting again. */
  async publishedOnChain(f: FollowedBatch, index: number, c: Collected): Promise<boolean> {
    const head = await this.m.reader.head();
    const lookback = BigInt(this.opts.publishedLookbackBlocks);
    for (const bytes of await this.m.reader.publishedProofs(f.batchId, index, head.number > lookback ? head.number - lookback : 0n)) {
      if (keccak256(bytes) === c.proofHash) {
        this.gotProof(c, bytes, "published");
        this.m.onSettled(f);
        return true;
      }
    }
    return false;
  }

  /** The committed proof: own, published on chain, or fetched from the locker (false: not held yet). */
  private async collectProof(f: FollowedBatch, seg: SegmentView, c: Collected): Promise<boolean> {
    const i = seg.index;
    const ctx = { batchId: f.batchId, index: i, prover: seg.locker, proofHash: c.proofHash };
    if (c.proof === null) {
      const own = seg.locker === this.m.self ? await this.m.ownProof(f.batchId, i) : null;
      const published = (this.published.get(`${f.batchId}:${i}`) ?? []).find((p) => keccak256(p) === c.proofHash);
      if (own && keccak256(own) === c.proofHash) this.gotProof(c, own, "own");
      else if (published) this.gotProof(c, published, "published");
      else {
        try {
          const bytes = await this.m.network.fetchProof(c.proofHash, { signers: seg.locker ? [seg.locker] : [], signal: this.fetchSignal(f) });
          const actual = keccak256(bytes);
          if (actual !== c.proofHash) {
            throw new AggregatorError({ code: "AGGREGATOR_PROOF_MISMATCH", batchId: f.batchId, index: i, expected: c.proofHash, actual, source: "fetched" });
          }
          this.gotProof(c, bytes, "fetched");
        } catch (err) {
          if (f.abort.signal.aborted) return false;
          if (c.proof !== null) return true; // ProofPublished arrived meanwhile
          c.proofFailedAt = this.m.now();
          c.firstFailedAt ??= c.proofFailedAt;
          this.m.metrics?.proofs.inc({ source: "fetched", result: "failed" });
          this.log.warn("Committed proof not fetchable", { ...ctx, timeoutMs: this.opts.fetchTimeoutMs, error: describeError(err) });
          return false;
        }
      }
    }
    return true;
  }

  /**
   * A data batch's segment: the committed transfer-v2 proof, verified against the statement rebuilt
   * from chain — the committed roots, the posted txCount and txCommitment, the batch's r — and E, the
   * segment's transactions evaluated at r, from the witness (whose transactions must hash to the posted
   * txCommitment: a witness that does not is the sequencer's fault, never the prover's).
   */
  private async collectData(f: FollowedBatch, seg: SegmentView, c: Collected, params: AggregatorParams, data: DataBatchContext): Promise<void> {
    const i = seg.index;
    const ctx = { batchId: f.batchId, index: i, prover: seg.locker, proofHash: c.proofHash };
    if (!(await this.collectProof(f, seg, c))) return;
    if (!c.publicInputs) {
      try {
        const witness = decodeWitness(await this.m.network.fetchWitness(seg.witnessHash, { signal: this.fetchSignal(f) }));
        const transactions = witness.steps.map((s) => s.tx);
        const commitment = packRoot(txCommitment(transactions));
        if (witness.version !== WITNESS_VERSION_V2 || transactions.length !== seg.txCount || commitment.toLowerCase() !== seg.txCommitment?.toLowerCase()) {
          throw new AggregatorError({ code: "AGGREGATOR_TX_DATA_MISMATCH", batchId: f.batchId, index: i, expected: seg.txCommitment ?? "none", actual: commitment });
        }
        c.publicInputs = dataSegmentInputs(f.batchId, i, params.treeDepth, seg, data.r, transactionsEvaluation(transactions, data.r));
      } catch (err) {
        if (f.abort.signal.aborted) return;
        c.witnessFailedAt = this.m.now();
        this.log.warn("Data segment witness not available for verification", { ...ctx, witnessHash: seg.witnessHash, error: describeError(err) });
        return;
      }
    }
    let problem: string | null;
    try {
      problem = data.problem({ proof: c.proof!, publicInputs: c.publicInputs, prover: seg.locker! });
    } catch (err) {
      problem = `the verifier threw: ${describeError(err)}`;
    }
    c.verdict = problem === null ? "valid" : "invalid";
    this.m.metrics?.verifications.inc({ verdict: c.verdict });
    if (problem === null) this.log.debug("Data segment proof verified", ctx);
    else this.log.warn("Data segment proof failed local verification", { ...ctx, problem });
  }

  private async collectNow(f: FollowedBatch, seg: SegmentView, c: Collected, params: AggregatorParams): Promise<void> {
    const i = seg.index;
    const ctx = { batchId: f.batchId, index: i, prover: seg.locker, proofHash: c.proofHash };
    if (!(await this.collectProof(f, seg, c))) return;
    if (c.publicColumns === null) {
      try {
        const witness = await this.m.network.fetchWitness(seg.witnessHash, { signal: this.fetchSignal(f) });
        const columns = this.m.publicColumnsOf(witness);
        const flat = columns.flatMap((col) => Array.from(col));
        const actual = txDataHash(flat);
        if (actual !== seg.txDataHash) {
          throw new AggregatorError({ code: "AGGREGATOR_TX_DATA_MISMATCH", batchId: f.batchId, index: i, expected: seg.txDataHash, actual });
        }
        c.publicColumns = columns;
        c.column = flat;
      } catch (err) {
        if (f.abort.signal.aborted) return;
        // Not the prover's fault: the sequencer serves witnesses. Retry later; never report for it.
        c.witnessFailedAt = this.m.now();
        this.log.warn("Segment witness not available for verification", { ...ctx, witnessHash: seg.witnessHash, error: describeError(err) });
        return;
      }
    }
    const publicInputs = segmentPublicInputs(f.batchId, i, params.treeDepth, seg.committedRootIn, seg.committedRootOut, seg.txCount);
    let ok: boolean;
    try {
      ok = await this.m.verifySegment({ proof: c.proof!, publicInputs, publicColumns: c.publicColumns, prover: seg.locker! });
    } catch (err) {
      if (err instanceof AggregatorError && err.code === "AGGREGATOR_POLICY_UNAVAILABLE") {
        // Not the proof's fault: verify again on a later pass.
        this.log.warn("The verifier's policy could not be read; verifying later", { ...ctx, error: err.message });
        return;
      }
      // A challenge of a valid proof only marks it verified on chain: treating a throw as invalid is safe.
      this.log.warn("Local verification threw; treating the proof as invalid", { ...ctx, error: describeError(err) });
      ok = false;
    }
    c.verdict = ok ? "valid" : "invalid";
    this.m.metrics?.verifications.inc({ verdict: c.verdict });
    if (ok) this.log.debug("Segment proof verified", ctx);
    else this.log.warn("Segment proof failed local verification", ctx);
  }

  private gotProof(c: Collected, bytes: Uint8Array, source: "own" | "published" | "fetched"): void {
    c.proof = bytes;
    c.proofSource = source;
    this.m.metrics?.proofs.inc({ source, result: "ok" });
  }

  private fetchSignal(f: FollowedBatch): AbortSignal {
    const signals = [f.abort.signal, AbortSignal.timeout(this.opts.fetchTimeoutMs)];
    if (this.m.signal) signals.push(this.m.signal);
    return AbortSignal.any(signals);
  }
}

/** transfer-v2's public inputs of a committed data segment: chain's roots, txCount, txCommitment and r; E from its transactions. */
export function dataSegmentInputs(batchId: bigint, index: number, treeDepth: number, seg: Pick<SegmentView, "committedRootIn" | "committedRootOut" | "txCount" | "txCommitment">, r: Ext, e: Ext): number[] {
  const pi = new Array<number>(V2_PUBLIC_INPUTS).fill(0);
  pi[V2_PI.batchLo] = Number(batchId & 0x3fffffffn);
  pi[V2_PI.batchHi] = Number((batchId >> 30n) & 0x3fffffffn);
  pi[V2_PI.segmentIndex] = index;
  pi[V2_PI.treeDepth] = treeDepth;
  pi.splice(V2_PI.rootIn, 8, ...unpackRoot(seg.committedRootIn));
  pi.splice(V2_PI.rootOut, 8, ...unpackRoot(seg.committedRootOut));
  pi[V2_PI.txCount] = seg.txCount;
  pi.splice(V2_PI.txCommitment, 8, ...unpackRoot(seg.txCommitment ?? `0x${"00".repeat(32)}`));
  pi.splice(V2_PI.r, 4, ...r);
  pi.splice(V2_PI.e, 4, ...e);
  return pi;
}
