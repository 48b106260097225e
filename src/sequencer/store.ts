/**
 * The sequencer's own database (docs/sequencer.md, "Persistence"): every batch it built — its
 * transactions, segments and where it stands on L1 — and every witness it serves. A restarted
 * sequencer rebuilds its L2 state from here, serves the witnesses again and reconciles each batch with
 * the chain. Two implementations: level on disk (devnets) and memory (tests, throwaway sequencers).
 */
import { Level } from "level";
import type { Hex } from "viem";
import { contentHash } from "../p2p/content.js";
import type { Transaction } from "../rollup/index.js";
import { Repository, stringKey, uint256Key, type BatchOp, type Db } from "../store/index.js";
import type { PostedBinding } from "../chain/aggregate.js";
import type { BatchKind, PostedSegment } from "./sequencer.js";

/** The sequencer database's buckets. Never renumber, never reuse a retired number. */
export enum SequencerBucket {
  /** string key → metadata (genesis parameters, schema version) */
  meta = 1,
  /** batch id → BatchRecord */
  batches = 2,
  /** witness hash (0x-hex, lower case) → witness bytes */
  witnesses = 3,
}

/**
 * Where a batch stands, as the sequencer last saw it on L1:
 * - posting:   built and persisted, postBatch sent or about to be (it may or may not have landed);
 * - posted:    open on L1, part of the L2 state's chain;
 * - orphaned:  open on L1 but can never finalize (an earlier batch was dropped or timed out); its
 *              transactions are re-posted, the batch itself is refunded at its timeout;
 * - finalized: accepted by the Rollup;
 * - timedOut:  refunded after its timeout; its transactions are re-posted (unless orphaned before);
 * - dropped:   not on L1 (the post never landed, or a reorg removed it); re-posted.
 */
export type BatchStatusName = "posting" | "posted" | "orphaned" | "finalized" | "timedOut" | "dropped";

export interface BatchRecord {
  readonly batchId: bigint;
  readonly status: BatchStatusName;
  readonly transactions: readonly Transaction[];
  readonly segments: readonly PostedSegment[];
  readonly rootIn: Hex;
  readonly rootOut: Hex;
  /** Transactions that were recorded no-ops. */
  readonly failed: number;
  /** The postBatch transaction, when known. */
  readonly txHash: Hex | null;
  /** The batch whose transactions this one posts again (after a timeout or a reorg). */
  readonly repostOf?: bigint;
  /** "data" for a data batch; absent for a bundle (records written before data batches are bundles). */
  readonly kind?: BatchKind;
  /** Data batches: the binding the sequencer computed (L1 must store the same; postBatch re-derives it from the transactions). */
  readonly binding?: PostedBinding;
  /** For timedOut / dropped / orphaned batches: the batch that re-posted its transactions. */
  readonly repostedIn?: bigint;
  /** For finalized / timedOut batches: the head block when that was seen. Until it is the sequencer's
   *  finalityDepth deep, reconcile re-reads the batch: a reorg may undo the finalization (or timeout). */
  readonly settledAtBlock?: bigint;
  readonly updatedAt: number;
}

export interface SequencerMeta {
  readonly accounts: number;
  readonly treeDepth: number;
  readonly seed: number;
  readonly segmentLogRows: number;
}

/** What the sequencer persists. Writes resolve once durable. */
export interface SequencerStore {
  meta(): Promise<SequencerMeta | null>;
  putMeta(meta: SequencerMeta): Promise<void>;
  /** Every batch record, by batch id. */
  batches(): Promise<BatchRecord[]>;
  batch(batchId: bigint): Promise<BatchRecord | null>;
  /** Write records (and witnesses) together. */
  write(records: readonly BatchRecord[], witnesses?: readonly Uint8Array[]): Promise<void>;
  /** A served witness by keccak256, or null. */
  witness(hash: Hex): Promise<Uint8Array | null>;
  close(): Promise<void>;
}

class WitnessRepository extends Repository<string, Uint8Array> {
  constructor(db: Db) {
    super(db, SequencerBucket.witnesses, stringKey);
  }
  override encodeValue(value: Uint8Array): Uint8Array {
    return value;
  }
  override decodeValue(raw: Uint8Array): Uint8Array {
    return raw;
  }
}

/** The sequencer's level database. */
export class LevelSequencerStore implements SequencerStore {
  private readonly metaRepo: Repository<string, SequencerMeta>;
  private readonly batchRepo: Repository<bigint, BatchRecord>;
  private readonly witnessRepo: WitnessRepository;

  private constructor(private readonly db: Db) {
    this.metaRepo = new Repository(db, SequencerBucket.meta, stringKey);
    this.batchRepo = new Repository(db, SequencerBucket.batches, uint256Key);
    this.witnessRepo = new WitnessRepository(db);
  }

  static async open(path: string): Promise<LevelSequencerStore> {
    const db: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: "view", valueEncoding: "view" });
    await db.open();
    return new LevelSequencerStore(db);
  }

  meta(): Promise<SequencerMeta | null> {
    return this.metaRepo.get("genesis");
  }
  putMeta(meta: SequencerMeta): Promise<void> {
    return this.metaRepo.put("genesis", meta);
  }
  batches(): Promise<BatchRecord[]> {
    return this.batchRepo.values();
  }
  batch(batchId: bigint): Promise<BatchRecord | null> {
    return this.batchRepo.get(batchId);
  }
  async write(records: readonly BatchRecord[], witnesses: readonly Uint8Array[] = []): Promise<void> {
    const ops: BatchOp[] = [
      ...witnesses.map((w) => this.witnessRepo.putOp(contentHash(w).toLowerCase(), w)),
      ...records.map((r) => this.batchRepo.putOp(r.batchId, r)),
    ];
    await this.db.batch(ops.map((op) => (op.type === "put" ? { type: "put" as const, key: op.key, value: op.value } : { type: "del" as const, key: op.key })), { sync: true });
  }
  witness(hash: Hex): Promise<Uint8Array | null> {
    return this.witnessRepo.get(hash.toLowerCase());
  }
  async close(): Promise<void> {
    if (this.db.status === "open") await this.db.close();
  }
}

/** In memory: the same contract, gone with the process. */
export class MemorySequencerStore implements SequencerStore {
  private metaValue: SequencerMeta | null = null;
  private readonly records = new Map<bigint, BatchRecord>();
  private readonly witnessMap = new Map<string, Uint8Array>();

  async meta(): Promise<SequencerMeta | null> {
    return this.metaValue;
  }
  async putMeta(meta: SequencerMeta): Promise<void> {
    this.metaValue = meta;
  }
  async batches(): Promise<BatchRecord[]> {
    return [...this.records.values()].sort((a, b) => (a.batchId < b.batchId ? -1 : 1));
  }
  async batch(batchId: bigint): Promise<BatchRecord | null> {
    return this.records.get(batchId) ?? null;
  }
  async write(records: readonly BatchRecord[], witnesses: readonly Uint8Array[] = []): Promise<void> {
    for (const w of witnesses) this.witnessMap.set(contentHash(w).toLowerCase(), w);
    for (const r of records) this.records.set(r.batchId, r);
  }
  async witness(hash: Hex): Promise<Uint8Array | null> {
    return this.witnessMap.get(hash.toLowerCase()) ?? null;
  }
  async close(): Promise<void> {}
}
