import { strict as assert } from "node:assert";
import { TEST_OPTIONS } from "../../../src/stark/options.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import { airRegistry } from "../../../src/stark/air/air.js";
import "../../../src/stark/airs/index.js";
import { ProverPool, JobError, encodeSampleWitness, type ProveProgress } from "../../../src/jobs/index.js";
import { wasmAvailability } from "../../../src/backends/wasm/index.js";
import { sampleBatch } from "../../../src/rollup/sample.js";
import { decodeWitness, encodeWitness, witnessFromSegment } from "../../../src/rollup/witness.js";
import { buildTransferInstance, transferAir, TRANSFER_AIR_NAME } from "../../../src/rollup/air/index.js";

const proverAddress = new Uint8Array(20).fill(0xaa);

describe("jobs: prover pool (worker threads)", function () {
  this.timeout(60_000);
  let pool: ProverPool;
  before(() => {
    pool = new ProverPool({ workers: 2 });
  });
  after(() => pool.close());

  it("proves fib-v1 and mix-v1 in parallel, with phase events, and the proofs verify", async () => {
    const progress: Record<string, ProveProgress[]> = { "fib-v1": [], "mix-v1": [] };
    const [fib, mix] = await Promise.all(
      (["fib-v1", "mix-v1"] as const).map((air) =>
        pool.prove({ air, witness: encodeSampleWitness(5, 3), options: TEST_OPTIONS, proverAddress }, { onProgress: (p) => progress[air]!.push(p) }),
      ),
    );
    for (const [name, out] of [["fib-v1", fib!], ["mix-v1", mix!]] as const) {
      const air = airRegistry.getByName(name)!;
      const inst = air.sample(5, 3);
      // Throws on an invalid proof.
      const res = verifyStark({ proof: out.bytes, air, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress, policy: { minSecurityBits: 0 } });
      assert.equal(res.logTraceHeight, 5, `${name} proof verifies`);
      assert.match(out.proofHash, /^0x[0-9a-f]{64}$/);
      assert.deepEqual(progress[name]!.map((p) => p.phase).slice(0, 2), ["check", "trace"]);
      assert.ok(progress[name]!.some((p) => p.phase === "open"));
    }
  });

  it("cancels a running proof through its AbortSignal and keeps serving", async () => {
    const ac = new AbortController();
    const big = pool.prove({ air: "fib-v1", witness: encodeSampleWitness(16, 1), options: TEST_OPTIONS, proverAddress }, { signal: ac.signal, onProgress: () => ac.abort() });
    await assert.rejects(big, (e: unknown) => e instanceof JobError && e.code === "PROVER_CANCELLED");
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(pool.prove({ air: "fib-v1", witness: encodeSampleWitness(5, 1), options: TEST_OPTIONS, proverAddress }, { signal: pre.signal }), (e: unknown) => e instanceof JobError && e.code === "PROVER_CANCELLED");
    const after = await pool.prove({ air: "fib-v1", witness: encodeSampleWitness(5, 1), options: TEST_OPTIONS, proverAddress });
    assert.ok(after.bytes.length > 0);
    assert.equal(pool.load.running, 0);
  });

  it("reports a bad witness as PROVER_FAILED", async () => {
    await assert.rejects(pool.prove({ air: "fib-v1", witness: new Uint8Array([1, 2]), options: TEST_OPTIONS, proverAddress }), (e: unknown) => e instanceof JobError && e.code === "PROVER_FAILED");
    await assert.rejects(pool.prove({ air: "nope", witness: new Uint8Array([1, 2]), options: TEST_OPTIONS, proverAddress }), (e: unknown) => e instanceof JobError && e.code === "PROVER_FAILED");
  });
});

describe("jobs: prover pool listeners", function () {
  this.timeout(60_000);
  it("a long-lived signal does not collect listeners across tasks", async () => {
    const { getEventListeners } = (await import("node:events")) as unknown as { getEventListeners: (t: EventTarget, name: string) => unknown[] };
    const pool = new ProverPool({ workers: 1 });
    const ac = new AbortController();
    try {
      for (let i = 0; i < 3; i++) await pool.prove({ air: "fib-v1", witness: encodeSampleWitness(4, i + 1), options: TEST_OPTIONS, proverAddress }, { signal: ac.signal });
      assert.equal(getEventListeners(ac.signal, "abort").length, 0);
    } finally {
      await pool.close();
    }
  });
});

describe("jobs: prover pool with a chosen backend (transfer-v1 witnesses)", function () {
  this.timeout(60_000);
  const { genesisWitness, decodeError } = ((): { genesisWitness: () => Uint8Array; decodeError: (b: Uint8Array) => string } => ({
    genesisWitness: () => {
      const { batch } = sampleBatch({ accounts: 8, txs: 1, treeDepth: 4, logRows: 5, batchId: 3n, seed: 7 });
      return encodeWitness(witnessFromSegment(batch.segments[0]!));
    },
    decodeError: (b) => {
      try {
        decodeWitness(b);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("witness decoded");
    },
  }))();
  let pool: ProverPool;
  before(() => {
    // `npm run build` builds the wasm kernels; a machine without them fails here rather than skipping.
    assert.ok(wasmAvailability().available, `wasm backend unavailable: ${JSON.stringify(wasmAvailability())}`);
    pool = new ProverPool({ workers: 1, backend: { kind: "wasm", threads: 2 } });
  });
  after(() => pool?.close());

  it("proves a transfer-v1 witness on wasm without workerModules, and the proof verifies", async () => {
    const bytes = genesisWitness();
    const out = await pool.prove({ air: TRANSFER_AIR_NAME, witness: bytes, options: TEST_OPTIONS, proverAddress });
    assert.equal(out.backend, "wasm");
    const inst = buildTransferInstance(decodeWitness(bytes));
    assert.deepEqual(out.publicInputs, inst.publicInputs);
    const res = verifyStark({ proof: out.bytes, air: transferAir, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress, policy: { minSecurityBits: 0 } });
    assert.equal(res.logTraceHeight, 5);
    // The same worker (and backend) serves the next task.
    const again = await pool.prove({ air: TRANSFER_AIR_NAME, witness: bytes, options: TEST_OPTIONS, proverAddress });
    assert.equal(again.proofHash, out.proofHash);
  });

  it("a malformed witness is PROVER_FAILED with the decoder's message", async () => {
    const bytes = genesisWitness();
    const bad = bytes.slice(0, bytes.length - 5);
    const expected = decodeError(bad);
    await assert.rejects(pool.prove({ air: TRANSFER_AIR_NAME, witness: bad, options: TEST_OPTIONS, proverAddress }), (e: unknown) => e instanceof JobError && e.type.code === "PROVER_FAILED" && e.type.detail === expected);
  });

  it("the default pool proves on js and reports it", async () => {
    const js = new ProverPool({ workers: 1 });
    try {
      const out = await js.prove({ air: "fib-v1", witness: encodeSampleWitness(4, 1), options: TEST_OPTIONS, proverAddress });
      assert.equal(out.backend, "js");
    } finally {
      await js.close();
    }
  });

  it("a backend that cannot be created fails each task with PROVER_FAILED", async () => {
    const p = new ProverPool({ workers: 1, backend: { kind: "cuda", threads: 0 } });
    try {
      const out = await p.prove({ air: "fib-v1", witness: encodeSampleWitness(4, 1), options: TEST_OPTIONS, proverAddress }).then(
        (o) => o.backend,
        (e: unknown) => (e instanceof JobError && e.type.code === "PROVER_FAILED" ? "failed" : e),
      );
      // Where cuda runs, it proves and says so; elsewhere the refusal is a prover failure, not a crash.
      assert.ok(out === "cuda" || out === "failed", String(out));
    } finally {
      await p.close();
    }
  });
});
