import { Level } from "level";
import { SCHEMA_VERSION } from "./buckets.js";
import { StoreError } from "./errors.js";
import type { BatchOp, Db } from "./repository.js";
import { ChainCursorRepository, JobRepository, MetaRepository, ProofRepository, SegmentRepository, SlashRepository, WitnessRepository } from "./repositories.js";

export interface StoreOpts {
  /** Directory of the level database (created if missing). */
  path: string;
}

/**
 * The node's database: one level instance, one repository per bucket. Writes that must happen together
 * (a job entering "proven" and its proof) go through `batch`, which is atomic.
 */
export class Store {
  readonly jobs: JobRepository;
  readonly segments: SegmentRepository;
  readonly proofs: ProofRepository;
  readonly chainCursor: ChainCursorRepository;
  readonly meta: MetaRepository;
  readonly witnesses: WitnessRepository;
  readonly slashes: SlashRepository;

  private constructor(private readonly db: Db) {
    this.jobs = new JobRepository(db);
    this.segments = new SegmentRepository(db);
    this.proofs = new ProofRepository(db);
    this.chainCursor = new ChainCursorRepository(db);
    this.meta = new MetaRepository(db);
    this.witnesses = new WitnessRepository(db);
    this.slashes = new SlashRepository(db);
  }

  static async open(opts: StoreOpts): Promise<Store> {
    const db: Db = new Level<Uint8Array, Uint8Array>(opts.path, { keyEncoding: "view", valueEncoding: "view" });
    try {
      await db.open();
    } catch (err) {
      if ((err as { cause?: { code?: string } }).cause?.code === "LEVEL_LOCKED") {
        throw new StoreError({ code: "STORE_LOCKED", path: opts.path }, `the database ${opts.path} is in use by another process (is another prover-node running on this data directory?)`);
      }
      throw err;
    }
    const store = new Store(db);
    const version = (await store.meta.get("schemaVersion")) as number | null;
    if (version === null) {
      await store.meta.put("schemaVersion", SCHEMA_VERSION);
    } else if (version > SCHEMA_VERSION) {
      await db.close();
      throw new StoreError({ code: "STORE_SCHEMA_TOO_NEW", onDisk: version, supported: SCHEMA_VERSION }, `database schema ${version} is newer than this node supports (${SCHEMA_VERSION})`);
    } else if (version < SCHEMA_VERSION) {
      await store.migrate(version);
    }
    return store;
  }

  /** Bring an older database up to SCHEMA_VERSION, once. */
  private async migrate(from: number): Promise<void> {
    if (from < 2) {
      // Version 1 had no proof-hash index: build it from the stored proofs (the only full read of them).
      const ops: BatchOp[] = [];
      for await (const [segmentId, proof] of this.proofs.entries()) ops.push(this.proofs.byHash.putOp(proof.proofHash.toLowerCase(), segmentId));
      await this.batch([...ops, this.meta.putOp("schemaVersion", 2)]);
    }
  }

  /**
   * Apply every op or none. Once the promise resolves the write survives the process being killed;
   * with `sync` (the default) it also survives a power cut (fsync of LevelDB's log).
   */
  async batch(ops: readonly BatchOp[], { sync = true }: { sync?: boolean } = {}): Promise<void> {
    if (this.db.status !== "open") throw new StoreError({ code: "STORE_CLOSED" });
    const levelOps = ops.map((op) => (op.type === "put" ? { type: "put" as const, key: op.key, value: op.value } : { type: "del" as const, key: op.key }));
    await this.db.batch(levelOps, { sync });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
