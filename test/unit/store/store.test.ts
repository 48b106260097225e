import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bucket, Store, StoreError, decodeJson, encodeJson, uint256Key, type JobRecord, type ProofRecord, type SegmentRecord } from "../../../src/store/index.js";

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
    assert.deepEqual({ ...Bucket }, { ...Bucket, jobs: 1, segments: 2, proofs: 3, chainCursor: 4, meta: 5, witnesses: 6 });
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
});
