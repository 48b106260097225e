import { strict as assert } from "node:assert";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { createWasmBackend } from "../../../src/backends/wasm/index.js";
import { fibAir, mixAir } from "../../../src/stark/airs/index.js";
import { transferAir } from "../../../src/rollup/air/index.js";
import { evalBaseAtExt } from "../../../src/stark/poly/eval.js";
import { readExt } from "../../../src/stark/field/extension.js";
import { describeBackend, edgyColumn, extColumns, quotientInputs, randomColumn, rng, sameExt } from "./conformance.js";

// One worker; and three workers with a tiny parallel threshold, so even the small cases of the suite
// go through the multi-threaded paths (phase splitting, per-thread scratch, ragged ranges).
describeBackend("wasm, 1 thread", () => createWasmBackend({ threads: 1 }));
describeBackend("wasm, 3 threads", () => createWasmBackend({ threads: 3, parallelThreshold: 1 }));

describe("wasm: one-at-a-time Keccak path", () => {
  it("gives the same Merkle trees as the two-way path", async () => {
    const one = createWasmBackend({ threads: 2, keccakTwoWay: false, parallelThreshold: 1 });
    const two = createWasmBackend({ threads: 2, parallelThreshold: 1 });
    try {
      const next = rng(11);
      for (const [height, width, arity] of [[1, 3, 1], [2, 1, 1], [64, 35, 2], [4096, 3, 4]] as const) {
        const cols = Array.from({ length: width }, () => randomColumn(next, height));
        assert.deepEqual((await one.merkleCommit(cols, arity)).levels, (await two.merkleCommit(cols, arity)).levels);
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe("wasm backend agrees with js at larger sizes (2 threads)", function () {
  const js = createJsBackend();
  const wasm = createWasmBackend({ threads: 2, parallelThreshold: 1 << 10 });
  after(() => wasm.close());
  const next = rng(42);

  it("interpolate: 2^16 one column, 2^10 × 24 columns", async () => {
    for (const [logN, count] of [[16, 1], [10, 24]] as const) {
      const cols = Array.from({ length: count }, () => edgyColumn(next, 1 << logN));
      const a = cols.map((c) => c.slice());
      const b = cols.map((c) => c.slice());
      await js.interpolate(a);
      await wasm.interpolate(b);
      assert.deepEqual(b, a);
    }
  });

  it("evaluateOnCoset: 2^13 × 2 columns ×8, and 2^10 × 8 columns ×4", async () => {
    for (const [logN, count, logBlowup] of [[13, 2, 3], [10, 8, 2]] as const) {
      const cols = Array.from({ length: count }, () => edgyColumn(next, 1 << logN));
      assert.deepEqual(await wasm.evaluateOnCoset(cols, logBlowup, 31), await js.evaluateOnCoset(cols, logBlowup, 31));
    }
  });

  it("merkleCommit: 2^12 rows × 40 columns, leaf groups of 1 and 8", async () => {
    const cols = Array.from({ length: 40 }, () => randomColumn(next, 1 << 12));
    for (const arity of [1, 8]) assert.deepEqual((await wasm.merkleCommit(cols, arity)).levels, (await js.merkleCommit(cols, arity)).levels);
  });

  it("friFold 2^14 arity 8, deepCompose 2^12, quotient mix-v1 2^9 ×8", async () => {
    const values = extColumns(next, 1 << 14);
    const beta = randomColumn(next, 4);
    sameExt(await wasm.friFold(values, 3, beta, 31), await js.friFold(values, 3, beta, 31), "friFold");
    const columns = Array.from({ length: 6 }, () => edgyColumn(next, 1 << 12));
    const claimColumn = Uint32Array.from([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 5]);
    const deep = {
      columns, claimColumn, claimPoint: Uint32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]),
      values: randomColumn(next, 4 * claimColumn.length), points: randomColumn(next, 8), gamma: randomColumn(next, 4),
      logHeight: 12, shift: 31,
    };
    sameExt(await wasm.deepCompose(deep), await js.deepCompose(deep), "deepCompose");
    for (const air of [fibAir, mixAir]) {
      const inp = quotientInputs(air, 9, 3, next);
      sameExt(await wasm.evaluateQuotient(inp), await js.evaluateQuotient(inp), `quotient ${air.name}`);
    }
  });

  it("evaluateQuotient: transfer-v1 bytecode (698 columns, 805 constraints) agrees with js", async () => {
    const inp = quotientInputs(transferAir, 3, 2, next);
    sameExt(await wasm.evaluateQuotient(inp), await js.evaluateQuotient(inp), "quotient transfer-v1");
  });

  it("grind: 14 bits on 2 threads finds the same (smallest) nonce as js", async () => {
    for (let i = 0; i < 3; i++) {
      const state = Uint8Array.from({ length: 32 }, () => next() & 0xff);
      assert.equal(await wasm.grind(state, 14), await js.grind(state, 14));
    }
  });

  it("merkleCommit (poseidon2): 2^14 rows × 24 columns, leaf groups of 1 and 4, nodes split across threads", async () => {
    const cols = Array.from({ length: 24 }, () => edgyColumn(next, 1 << 14));
    for (const arity of [1, 4]) assert.deepEqual((await wasm.merkleCommit(cols, arity, "poseidon2")).levels, (await js.merkleCommit(cols, arity, "poseidon2")).levels);
  });

  it("grindPoseidon2: 14 bits on 2 threads finds the same (smallest) nonce as js", async () => {
    for (let len = 0; len < 3; len++) {
      const state = randomColumn(next, 16);
      const pending = randomColumn(next, 3 * len);
      assert.equal(await wasm.grindPoseidon2(state, pending, 14), await js.grindPoseidon2(state, pending, 14));
    }
  });

  it("grindPoseidon2: an abort during the search stops it between rounds", async () => {
    const ctl = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ctl.abort(), 50);
    // 27 bits: about 2^27 tries, minutes on one core; the abort must end it within a few rounds
    await assert.rejects(wasm.grindPoseidon2(randomColumn(next, 16), randomColumn(next, 2), 27, ctl.signal), (e: Error) => e.name === "AbortError");
    assert.ok(performance.now() - t0 < 5000, `stopped after ${Math.round(performance.now() - t0)} ms`);
    const state = randomColumn(next, 16);
    assert.equal(await wasm.grindPoseidon2(state, new Uint32Array(0), 6), await js.grindPoseidon2(state, new Uint32Array(0), 6), "usable after the abort");
  });

  it("gives a large memory back once idle, and keeps working", async () => {
    const small = createWasmBackend({ threads: 2, retainBytes: 2 << 20, idleReleaseMs: 20 });
    try {
      const cols = [edgyColumn(next, 1 << 16)];
      const want = await js.evaluateOnCoset(cols, 2, 31);
      for (let round = 0; round < 2; round++) {
        // concurrent jobs queue behind each other and never overlap a release
        const [a, b] = await Promise.all([small.evaluateOnCoset(cols, 2, 31), small.evaluateOnCoset(cols, 2, 31)]);
        assert.deepEqual(a, want);
        assert.deepEqual(b, want);
        assert.ok(small.memoryBytes > 2 << 20);
        await new Promise((r) => setTimeout(r, 150));
        assert.ok(small.memoryBytes <= 2 << 20, `memory kept: ${small.memoryBytes}`);
      }
    } finally {
      await small.close();
    }
  });

  it("a job on a closed backend is refused, not left waiting", async () => {
    const b = createWasmBackend({ threads: 1 });
    await b.close();
    await assert.rejects(b.interpolate([new Uint32Array(4)]), /closed/);
  });

  it("rejects bad shapes with RangeError", async () => {
    await assert.rejects(wasm.interpolate([new Uint32Array(3)]), RangeError);
    await assert.rejects(wasm.merkleCommit([new Uint32Array(8)], 16), RangeError);
    await assert.rejects(wasm.poseidon2Permute16(new Uint32Array(15)), RangeError);
    assert.throws(() => createWasmBackend({ threads: 0 }), RangeError);
  });
});
