import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Level } from "level";
import { Bucket, SCHEMA_VERSION, Store, StoreError, decodeJson, encodeJson, uint256Key, type JobRecord, type ProofRecord, type SegmentRecord } from "../../../src/store/index.js";

function job(segmentId: bigint, state: JobRecord["state"]): JobRecord {
  return { segmentId, state, txs: {}, provingAttempts: 0, createdAt: 1, updatedAt: 1, history: [{ state, at: 1 }] };
}

describe("store", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-store-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("bucket numbers are stable (on-disk format)", () => {
    assert.deepEqual({ ...Bucket }, { ...Bucket, jobs: 1, segments: 2, proofs: 3, chainCursor: 4, meta: 5, witnesses: 6, proofsByHash: 7, slashes: 8 });
    const numbers = Object.values(Bucket).filter((v) => typeof v === "number");
    assert.equal(new Set(numbers).size, numbers.length, "no two buckets share a number");
  });

  it("codec round-trips bigint, bytes and nested values", () => {
    const v = { a: 2n ** 200n, b: new Uint8Array([0, 1, 255]), c: [{ d: -5n }], e: "x", f: null };
    assert.deepEqual(decodeJson(encodeJson(v)), v);
    assert.deepEqual(uint256Key.decode(uint256Key.encode(2n ** 255n + 7n)), 2n ** 255n + 7n);
    assert.throws(() => uint256Key.encode(-1n), StoreError);
    // Keys sort numerically.
    const a = Buffer.from(uint256Key.encode(255n)), b = Buffer.from(uint256Key.encode(256n));
    assert.equal(Buffer.compare(a, b), -1);
  });

  it("writes atomically and finds everything after a reopen", async () => {
    let store = await Store.open({ path: dir });
    const seg: SegmentRecord = {
      segmentId: 7n, batchId: 3n, index: 1, air: "fib-v1", witnessHash: "0xab", minPrice: 10n, maxPrice: 100n,
      auctionStart: 1000, rampSeconds: 60, lockDuration: 600, collateral: 1000n, observedBlock: 12n,
    };
    const proof: ProofRecord = {
      segmentId: 7n, air: "fib-v1", proofHash: "0x01", bytes: new Uint8Array([9, 8, 7, 6]), publicInputs: Uint32Array.of(1, 2, 3),
      provedAt: 5, backend: "js", provingSeconds: 1.5,
    };
    await store.batch([store.jobs.putOp(7n, job(7n, "proven")), store.segments.putOp(7n, seg), store.proofs.putOp(7n, proof)]);
    await store.jobs.put(8n, job(8n, "locked"));
    await store.jobs.put(9n, job(9n, "locked"));
    await store.chainCursor.put("market", { blockNumber: 123n, blockHash: "0xbeef" });
    await store.close();

    store = await Store.open({ path: dir });
    try {
      assert.deepEqual(await store.jobs.get(7n), job(7n, "proven"));
      assert.deepEqual(await store.segments.get(7n), seg);
      assert.deepEqual(await store.proofs.get(7n), proof);
      assert.deepEqual(await store.chainCursor.get("market"), { blockNumber: 123n, blockHash: "0xbeef" });
      assert.equal(await store.jobs.get(1n), null);
      assert.deepEqual((await store.jobs.listByState("locked")).map((j) => j.segmentId), [8n, 9n]);
      assert.deepEqual(await store.jobs.countByState(), { proven: 1, locked: 2 });
      // Buckets do not leak into each other.
      assert.equal((await store.segments.values()).length, 1);
      await store.batch([store.jobs.deleteOp(8n), store.jobs.deleteOp(9n)]);
      assert.equal((await store.jobs.values()).length, 1);
    } finally {
      await store.close();
    }
  });

  it("a second opener gets STORE_LOCKED, naming the likely cause", async () => {
    const store = await Store.open({ path: dir });
    try {
      await assert.rejects(Store.open({ path: dir }), (e: unknown) => e instanceof StoreError && e.code === "STORE_LOCKED" && /another prover-node/.test(e.message));
    } finally {
      await store.close();
    }
  });

  it("refuses a database written by a newer schema", async () => {
    const store = await Store.open({ path: dir });
    await store.meta.put("schemaVersion", 999);
    await store.close();
    await assert.rejects(Store.open({ path: dir }), (e: unknown) => e instanceof StoreError && e.code === "STORE_SCHEMA_TOO_NEW");
  });

  it("serves a proof by its hash through the index written with it, after a reopen, without reading other proofs", async () => {
    const proof = (id: bigint, hash: string): ProofRecord => ({ segmentId: id, air: "fib-v1", proofHash: hash, bytes: new Uint8Array([Number(id)]), publicInputs: [], provedAt: 1, backend: "js", provingSeconds: 0 });
    let store = await Store.open({ path: dir });
    await store.batch([...store.proofs.putOps(proof(1n, "0xAA")), ...store.proofs.putOps(proof(2n, "0xbb"))]);
    await store.close();
    store = await Store.open({ path: dir });
    try {
      assert.deepEqual((await store.proofs.getByHash("0xaa"))?.bytes, new Uint8Array([1]), "hashes match whatever their case");
      assert.deepEqual((await store.proofs.getByHash("0xBB"))?.segmentId, 2n);
      assert.equal(await store.proofs.getByHash("0xcc"), null);
      await store.batch(store.proofs.deleteOps(1n, "0xAA"));
      assert.equal(await store.proofs.getByHash("0xaa"), null);
      assert.equal(await store.proofs.byHash.get("0xaa"), null, "the index entry went with the proof");
      // A stale index entry (a segment's proof replaced) never serves the wrong bytes.
      await store.proofs.put(2n, proof(2n, "0xdd"));
      assert.equal(await store.proofs.getByHash("0xbb"), null);
    } finally {
      await store.close();
    }
  });

  it("migrates a version-1 database: the proof-hash index is built once from its proofs", async () => {
    // A version-1 database as an older node left it: proofs, no index.
    let store = await Store.open({ path: dir });
    const p: ProofRecord = { segmentId: 5n, air: "fib-v1", proofHash: "0xAbC", bytes: new Uint8Array([5, 5]), publicInputs: [], provedAt: 1, backend: "js", provingSeconds: 0 };
    await store.batch([store.proofs.putOp(5n, p), store.meta.putOp("schemaVersion", 1)]);
    await store.close();
    store = await Store.open({ path: dir });
    try {
      assert.equal(await store.meta.get("schemaVersion"), SCHEMA_VERSION);
      assert.deepEqual((await store.proofs.getByHash("0xabc"))?.bytes, new Uint8Array([5, 5]));
    } finally {
      await store.close();
    }
    // Nothing else is in the database: the migration wrote the index and the version only.
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
    const buckets = new Set<number>();
    for await (const k of db.keys()) buckets.add(k[0]!);
    await db.close();
    assert.deepEqual([...buckets].sort(), [Bucket.proofs, Bucket.meta, Bucket.proofsByHash].sort());
  });

  it("the slash ledger adds provers per segment, idempotently", async () => {
    const store = await Store.open({ path: dir });
    try {
      const a = "0x00000000000000000000000000000000000000Aa";
      const b = "0x00000000000000000000000000000000000000bB";
      await store.batch(await store.slashes.addOps([{ segmentId: 1n, prover: a }, { segmentId: 1n, prover: b }, { segmentId: 2n, prover: a }]));
      // The same block ingested again (a reorg, a crash before the cursor moved) adds nothing.
      await store.batch(await store.slashes.addOps([{ segmentId: 1n, prover: a.toLowerCase() }]));
      assert.deepEqual(await store.slashes.get(1n), [a, b]);
      assert.deepEqual(await store.slashes.get(2n), [a]);
      assert.equal(await store.slashes.get(3n), null);
    } finally {
      await store.close();
    }
  });
});
