import { Bucket } from "./buckets.js";
import { stringKey, uint256Key } from "./codec.js";
import { Repository, type BatchOp, type Db } from "./repository.js";
import type { ChainCursor, JobRecord, JobState, ProofRecord, SegmentRecord } from "./records.js";

export class JobRepository extends Repository<bigint, JobRecord> {
  constructor(db: Db) {
    super(db, Bucket.jobs, uint256Key);
  }

  /** Jobs currently in one of `states` (a full scan: job records are ~1 kB; the big proofs and witnesses of finished jobs are pruned by `JobStateMachine.pruneFinished`). */
  async listByState(...states: readonly JobState[]): Promise<JobRecord[]> {
    const want = new Set(states);
    return (await this.values()).filter((j) => want.has(j.state));
  }

  async countByState(): Promise<Record<JobState, number>> {
    const out = {} as Record<JobState, number>;
    for (const j of await this.values()) out[j.state] = (out[j.state] ?? 0) + 1;
    return out;
  }
}

export class SegmentRepository extends Repository<bigint, SegmentRecord> {
  constructor(db: Db) {
    super(db, Bucket.segments, uint256Key);
  }
}

/** proof hash → segment id, written in the same batch as the proof (ProofRepository.putOps). */
export class ProofHashIndex extends Repository<string, bigint> {
  constructor(db: Db) {
    super(db, Bucket.proofsByHash, stringKey);
  }
}

export class ProofRepository extends Repository<bigint, ProofRecord> {
  readonly byHash: ProofHashIndex;

  constructor(db: Db) {
    super(db, Bucket.proofs, uint256Key);
    this.byHash = new ProofHashIndex(db);
  }

  /** The proof and its hash-index entry: write both in one batch. */
  putOps(proof: ProofRecord): BatchOp[] {
    return [this.putOp(proof.segmentId, proof), this.byHash.putOp(proof.proofHash.toLowerCase(), proof.segmentId)];
  }

  /** Delete a segment's proof and, when its hash is known (the job's `proofHash`), its index entry. */
  deleteOps(segmentId: bigint, proofHash: string | undefined): BatchOp[] {
    return [this.deleteOp(segmentId), ...(proofHash ? [this.byHash.deleteOp(proofHash.toLowerCase())] : [])];
  }

  /** The stored proof whose keccak256 is `hash`: one index read and one proof read. */
  async getByHash(hash: string): Promise<ProofRecord | null> {
    const segmentId = await this.byHash.get(hash.toLowerCase());
    if (segmentId === null) return null;
    const proof = await this.get(segmentId);
    return proof !== null && proof.proofHash.toLowerCase() === hash.toLowerCase() ? proof : null;
  }

  /** Proof bytes are stored as binary after a JSON header so a 100 kB proof does not become 200 kB of hex. */
  override encodeValue(value: ProofRecord): Uint8Array {
    const { bytes, publicInputs, ...meta } = value;
    const head = super.encodeValue({ ...meta, publicInputs: Array.from(publicInputs) } as unknown as ProofRecord);
    const out = new Uint8Array(4 + head.length + bytes.length);
    new DataView(out.buffer).setUint32(0, head.length, true);
    out.set(head, 4);
    out.set(bytes, 4 + head.length);
    return out;
  }

  override decodeValue(raw: Uint8Array): ProofRecord {
    const headLen = new DataView(raw.buffer, raw.byteOffset, raw.byteLength).getUint32(0, true);
    const meta = super.decodeValue(raw.subarray(4, 4 + headLen)) as unknown as Omit<ProofRecord, "bytes"> & { publicInputs: number[] };
    return { ...meta, publicInputs: Uint32Array.from(meta.publicInputs), bytes: new Uint8Array(raw.subarray(4 + headLen)) };
  }
}

/** Provers slashed for a segment (expired lock, failed challenge, withheld proof), as ingested from market events. */
export class SlashRepository extends Repository<bigint, readonly string[]> {
  constructor(db: Db) {
    super(db, Bucket.slashes, uint256Key);
  }

  /** Ops adding `slashes` to what is stored (idempotent: a block ingested twice adds nothing new). */
  async addOps(slashes: readonly { readonly segmentId: bigint; readonly prover: string }[]): Promise<BatchOp[]> {
    const merged = new Map<bigint, string[]>();
    for (const { segmentId, prover } of slashes) {
      const list = merged.get(segmentId) ?? [...((await this.get(segmentId)) ?? [])];
      if (!list.some((p) => p.toLowerCase() === prover.toLowerCase())) list.push(prover);
      merged.set(segmentId, list);
    }
    return [...merged].map(([segmentId, provers]) => this.putOp(segmentId, provers));
  }
}

/** Named cursors (e.g. "market", "election") so several ingesters can keep their own position. */
export class ChainCursorRepository extends Repository<string, ChainCursor> {
  constructor(db: Db) {
    super(db, Bucket.chainCursor, stringKey);
  }
}

export class MetaRepository extends Repository<string, unknown> {
  constructor(db: Db) {
    super(db, Bucket.meta, stringKey);
  }
}

/** Raw witness bytes, so a restart in "witness fetched"/"proving" does not need the network again. */
export class WitnessRepository extends Repository<bigint, Uint8Array> {
  constructor(db: Db) {
    super(db, Bucket.witnesses, uint256Key);
  }
  override encodeValue(value: Uint8Array): Uint8Array {
    return value;
  }
  override decodeValue(raw: Uint8Array): Uint8Array {
    return new Uint8Array(raw);
  }
}
