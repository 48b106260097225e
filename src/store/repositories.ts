import { Bucket } from "./buckets.js";
import { stringKey, uint256Key } from "./codec.js";
import { Repository, type Db } from "./repository.js";
import type { ChainCursor, JobRecord, JobState, ProofRecord, SegmentRecord } from "./records.js";

export class JobRepository extends Repository<bigint, JobRecord> {
  constructor(db: Db) {
    super(db, Bucket.jobs, uint256Key);
  }

  /** Jobs currently in one of `states` (a full scan: job records are ~1 kB; the big proofs and witnesses of finished jobs are pruned by `JobStateMachine.pruneFinished`). */
  async listByState(...states: JobState[]): Promise<JobRecord[]> {
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

export class ProofRepository extends Repository<bigint, ProofRecord> {
  constructor(db: Db) {
    super(db, Bucket.proofs, uint256Key);
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
