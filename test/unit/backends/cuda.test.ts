/**
 * The cuda backend: the shared conformance suite, agreement with js at larger sizes and whole proofs
 * byte-identical to js — where a CUDA device is present. Elsewhere (CI) one skipped test says why.
 * The sizing formula and the loader's reasons are tested everywhere (cuda-sizing.test.ts).
 */
import { strict as assert } from "node:assert";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { createCudaBackend, cudaStatus } from "../../../src/backends/cuda/index.js";
import { fibAir, mixAir } from "../../../src/stark/airs/index.js";
import { transferAir } from "../../../src/rollup/air/index.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../../src/stark/options.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import { describeBackend, edgyColumn, extColumns, quotientInputs, randomColumn, rng, sameExt } from "./conformance.js";

const status = cudaStatus();

if (!status.available) {
  describe("backend conformance: cuda", () => {
    it.skip(`cuda conformance skipped: ${status.reason}`, () => {});
  });
} else {
  describeBackend("cuda", () => createCudaBackend());
  describeBackend("cuda, no device cache", () => createCudaBackend({ deviceCache: false }));

  describe("cuda backend agrees with js at larger sizes", function () {
    this.timeout(300_000);
    const js = createJsBackend();
    const cuda = createCudaBackend({ quotientChunkRows: 1 << 10 });
    after(() => cuda.close());
    const next = rng(42);

    it("interpolate and evaluateOnCoset: 2^16 and 2^20 (strided shared-memory stages), 2^10 × 24 columns", async () => {
      for (const [logN, count, logBlowup] of [[16, 1, 3], [20, 1, 1], [10, 24, 2], [13, 3, 3]] as const) {
        const cols = Array.from({ length: count }, () => edgyColumn(next, 1 << logN));
        const a = cols.map((c) => c.slice());
        const b = cols.map((c) => c.slice());
        await js.interpolate(a);
        await cuda.interpolate(b);
        assert.deepEqual(b, a, `interpolate 2^${logN}`);
        assert.deepEqual(await cuda.evaluateOnCoset(cols, logBlowup, 31), await js.evaluateOnCoset(cols, logBlowup, 31), `lde 2^${logN}`);
      }
    });

    it("merkleCommit: 2^12 rows × 40 columns, leaf groups of 1 and 8; a cached LDE and an uploaded copy agree", async () => {
      const cols = Array.from({ length: 40 }, () => randomColumn(next, 1 << 12));
      for (const arity of [1, 8]) assert.deepEqual((await cuda.merkleCommit(cols, arity)).levels, (await js.merkleCommit(cols, arity)).levels);
      const lde = await cuda.evaluateOnCoset(cols.slice(0, 8).map((c) => c.subarray(0, 1 << 10)), 2, 31);
      const copy = lde.map((c) => c.slice());
      assert.deepEqual((await cuda.merkleCommit(lde, 1)).levels, (await js.merkleCommit(copy, 1)).levels);
      lde[3]![5] = (lde[3]![5]! + 1) % 2013265921; // a write into a returned column is seen
      assert.deepEqual((await cuda.merkleCommit(lde, 1)).levels, (await js.merkleCommit(lde, 1)).levels);
    });

    it("friFold 2^14 arity 8, deepCompose 2^12, quotient mix-v1 2^9 ×8 and transfer-v1 2^3 ×4", async () => {
      const values = extColumns(next, 1 << 14);
      const beta = randomColumn(next, 4);
      sameExt(await cuda.friFold(values, 3, beta, 31), await js.friFold(values, 3, beta, 31), "friFold");
      const columns = Array.from({ length: 6 }, () => edgyColumn(next, 1 << 12));
      const claimColumn = Uint32Array.from([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 5]);
      const deep = {
        columns, claimColumn, claimPoint: Uint32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0]),
        values: randomColumn(next, 4 * claimColumn.length), points: randomColumn(next, 8), gamma: randomColumn(next, 4),
        logHeight: 12, shift: 31,
      };
      sameExt(await cuda.deepCompose(deep), await js.deepCompose(deep), "deepCompose");
      for (const [air, logN, logBlowup] of [[fibAir, 9, 3], [mixAir, 9, 3], [transferAir, 3, 2]] as const) {
        const inp = quotientInputs(air, logN, logBlowup, next);
        sameExt(await cuda.evaluateQuotient(inp), await js.evaluateQuotient(inp), `quotient ${air.name}`);
      }
    });

    it("grind: 16 bits finds the same (smallest) nonce as js", async () => {
      for (let i = 0; i < 3; i++) {
        const state = Uint8Array.from({ length: 32 }, () => next() & 0xff);
        assert.equal(await cuda.grind(state, 16), await js.grind(state, 16));
      }
    });

    it("reports the largest segment it can prove in free memory", () => {
      const k = cuda.maxLogRows({ width: transferAir.width, logBlowup: 3, publicColumns: transferAir.numPublicColumns, quotientChunks: 2, registers: 256 });
      assert.ok(k >= 10, `maxLogRows ${k}`);
    });
  });

  describe("whole proofs: cuda bytes = js bytes", function () {
    this.timeout(300_000);
    const js = createJsBackend();
    const cuda = createCudaBackend();
    after(() => cuda.close());
    const proverAddress = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
    const cases = [
      { air: fibAir, logRows: 6, options: TEST_OPTIONS, preset: "test" },
      { air: mixAir, logRows: 5, options: TEST_OPTIONS, preset: "test" },
      { air: fibAir, logRows: 8, options: DEFAULT_OPTIONS, preset: "default" },
      { air: mixAir, logRows: 7, options: DEFAULT_OPTIONS, preset: "default" },
      { air: transferAir, logRows: 6, options: TEST_OPTIONS, preset: "test" },
    ];
    for (const { air, logRows, options, preset } of cases) {
      it(`${air.name}, 2^${logRows} rows, ${preset} options`, async () => {
        const instance = air.sample(logRows, 7);
        const a = await proveStark({ air, instance, options, proverAddress, backend: js });
        const b = await proveStark({ air, instance, options, proverAddress, backend: cuda });
        assert.deepEqual(b.bytes, a.bytes);
        verifyStark({ air, proof: b.bytes, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress, policy: { minSecurityBits: 0 } });
      });
    }
  });
}
