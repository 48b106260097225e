/**
 * The cuda backend: the shared conformance suite, agreement with js at larger sizes and whole proofs
 * byte-identical to js — on a CUDA device where one is present (elsewhere one skipped test says why),
 * and on the CPU emulation of the same kernels and binding (build/cuda/prover_cuda_emu.node, built by
 * npm install where a C++ compiler exists), which checks their arithmetic and indexing everywhere.
 */
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { createCudaBackend, cudaStatus, probeCudaAddon, type CudaBackendOpts, type CudaStatus } from "../../../src/backends/cuda/index.js";
import { fibAir, mixAir, lookupAir } from "../../../src/stark/airs/index.js";
import type { Air } from "../../../src/stark/air/air.js";
import type { ProofOptions } from "../../../src/stark/options.js";
import type { HashConfig } from "../../../src/stark/hash/config.js";
import { transferAir } from "../../../src/rollup/air/index.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../../src/stark/options.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import { describeBackend, edgyColumn, extColumns, quotientInputs, randomColumn, rng, sameExt } from "./conformance.js";

const EMU_ADDON = fileURLToPath(new URL("../../../build/cuda/prover_cuda_emu.node", import.meta.url));

function cudaSuites(name: string, status: CudaStatus, sizes: { logNtt: number; proofs: "all" | "some" }): void {
  const make = (opts: Partial<CudaBackendOpts> = {}) => createCudaBackend(opts, status);
  describeBackend(name, () => make());
  describeBackend(`${name}, no device cache`, () => make({ deviceCache: false }));

  describe(`${name} agrees with js at larger sizes`, function () {
    this.timeout(300_000);
    const js = createJsBackend();
    const cuda = make({ quotientChunkRows: 1 << 10 });
    after(() => cuda.close());
    const next = rng(42);

    it(`interpolate and evaluateOnCoset: up to 2^${sizes.logNtt} (strided shared-memory stages), 2^10 × 24 columns`, async () => {
      for (const [logN, count, logBlowup] of [[16, 1, 3], [sizes.logNtt, 1, 1], [10, 24, 2], [13, 3, 3]] as const) {
        const cols = Array.from({ length: count }, () => edgyColumn(next, 1 << logN));
        const a = cols.map((c) => c.slice());
        const b = cols.map((c) => c.slice());
        await js.interpolate(a);
        await cuda.interpolate(b);
        assert.deepEqual(b, a, `interpolate 2^${logN}`);
        assert.deepEqual(await cuda.evaluateOnCoset(cols, logBlowup, 31), await js.evaluateOnCoset(cols, logBlowup, 31), `lde 2^${logN}`);
      }
    });

    it("merkleCommit: 2^12 rows × 40 columns, leaf groups of 1 and 8; cached LDE columns, and a write into one is seen", async () => {
      const cols = Array.from({ length: 40 }, () => randomColumn(next, 1 << 12));
      for (const arity of [1, 8]) assert.deepEqual((await cuda.merkleCommit(cols, arity)).levels, (await js.merkleCommit(cols, arity)).levels);
      const lde = await cuda.evaluateOnCoset(cols.slice(0, 8).map((c) => c.subarray(0, 1 << 10)), 2, 31);
      const mixed = [lde[2]!, randomColumn(next, 1 << 12), lde[0]!]; // cached and uploaded columns in one tree
      assert.deepEqual((await cuda.merkleCommit(mixed, 2)).levels, (await js.merkleCommit(mixed, 2)).levels);
      assert.deepEqual((await cuda.merkleCommit(lde, 1)).levels, (await js.merkleCommit(lde, 1)).levels);
      lde[3]![0] = (lde[3]![0]! + 1) % 2013265921;
      assert.deepEqual((await cuda.merkleCommit(lde, 1)).levels, (await js.merkleCommit(lde, 1)).levels);
    });

    it("merkleCommit (poseidon2): 2^12 rows × 40 columns, leaf groups of 1 and 8; cached LDE columns mixed with uploaded ones", async () => {
      const cols = Array.from({ length: 40 }, () => edgyColumn(next, 1 << 12));
      for (const arity of [1, 8]) assert.deepEqual((await cuda.merkleCommit(cols, arity, "poseidon2")).levels, (await js.merkleCommit(cols, arity, "poseidon2")).levels);
      const lde = await cuda.evaluateOnCoset(cols.slice(0, 4).map((c) => c.subarray(0, 1 << 10)), 2, 31);
      const mixed = [lde[1]!, edgyColumn(next, 1 << 12), lde[3]!];
      assert.deepEqual((await cuda.merkleCommit(mixed, 4, "poseidon2")).levels, (await js.merkleCommit(mixed, 4, "poseidon2")).levels);
    });

    it("grindPoseidon2: 12 bits finds the same (smallest) nonce as js; an abort during the search stops it between launches", async () => {
      for (let len = 0; len < 3; len++) {
        const state = randomColumn(next, 16);
        const pending = randomColumn(next, 3 * len);
        assert.equal(await cuda.grindPoseidon2(state, pending, 12), await js.grindPoseidon2(state, pending, 12));
      }
      // small launches, so that the CPU emulation also reaches the check between them quickly
      const small = make({ grindChunk: 1 << 12 });
      try {
        const ctl = new AbortController();
        const t0 = performance.now();
        setTimeout(() => ctl.abort(), 50);
        await assert.rejects(small.grindPoseidon2(randomColumn(next, 16), randomColumn(next, 2), 27, ctl.signal), (e: Error) => e.name === "AbortError");
        assert.ok(performance.now() - t0 < 10_000, `stopped after ${Math.round(performance.now() - t0)} ms`);
      } finally {
        await small.close();
      }
    });

    it("friFold 2^14 arity 8, deepCompose 2^12, quotient fib/mix 2^9 ×8 and transfer-v1 2^3 ×4 (chunked registers)", async () => {
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

    it("grind: 14 bits finds the same (smallest) nonce as js", async () => {
      for (let i = 0; i < 3; i++) {
        const state = Uint8Array.from({ length: 32 }, () => next() & 0xff);
        assert.equal(await cuda.grind(state, 14), await js.grind(state, 14));
      }
    });

    it("reports the largest segment it can prove in free memory", () => {
      const k = cuda.maxLogRows({ width: transferAir.width, logBlowup: 3, publicColumns: transferAir.numPublicColumns, quotientChunks: 2, registers: 256 });
      assert.ok(k >= 10 && k <= 24, `maxLogRows ${k}`);
    });

    it("rejects bad shapes with RangeError, and refuses work once closed", async () => {
      await assert.rejects(cuda.interpolate([new Uint32Array(3)]), RangeError);
      await assert.rejects(cuda.merkleCommit([new Uint32Array(8)], 16), RangeError);
      await assert.rejects(cuda.poseidon2Permute16(new Uint32Array(15)), RangeError);
      const b = make();
      await b.close();
      await assert.rejects(b.interpolate([new Uint32Array(4)]), /closed/);
    });
  });

  describe(`whole proofs: ${name} bytes = js bytes`, function () {
    this.timeout(300_000);
    const js = createJsBackend();
    const cuda = make();
    after(() => cuda.close());
    const proverAddress = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
    const cases: { air: Air; logRows: number; options: ProofOptions; preset: string; hash?: HashConfig }[] = [
      { air: fibAir, logRows: 6, options: TEST_OPTIONS, preset: "test" },
      { air: mixAir, logRows: 7, options: DEFAULT_OPTIONS, preset: "default" },
      { air: transferAir, logRows: 6, options: TEST_OPTIONS, preset: "test" },
      { air: lookupAir, logRows: 6, options: TEST_OPTIONS, preset: "test" },
      { air: lookupAir, logRows: 9, options: { ...TEST_OPTIONS, logCap: 2 }, preset: "test, cap 2", hash: "poseidon2" },
      { air: mixAir, logRows: 5, options: TEST_OPTIONS, preset: "test", hash: "poseidon2" },
      ...(sizes.proofs === "all"
        ? [
            { air: mixAir, logRows: 5, options: TEST_OPTIONS, preset: "test" },
            { air: fibAir, logRows: 8, options: DEFAULT_OPTIONS, preset: "default" },
            { air: transferAir, logRows: 8, options: DEFAULT_OPTIONS, preset: "default" },
          ]
        : []),
    ];
    for (const { air, logRows, options, preset, hash = "keccak" } of cases) {
      it(`${air.name}, 2^${logRows} rows, ${preset} options, ${hash}`, async () => {
        const instance = air.sample(logRows, 7);
        const a = await proveStark({ air, instance, options, hash, proverAddress, backend: js });
        const b = await proveStark({ air, instance, options, hash, proverAddress, backend: cuda });
        assert.deepEqual(b.bytes, a.bytes);
        verifyStark({ air, proof: b.bytes, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress, policy: { minSecurityBits: 0 } });
      });
    }
  });
}

const device = cudaStatus();
if (device.available) {
  cudaSuites(`cuda (${device.device.name})`, device, { logNtt: 22, proofs: "all" });
} else {
  describe("backend conformance: cuda", () => {
    it.skip(`cuda conformance skipped: ${device.reason}`, () => {});
  });
}

const emulation = existsSync(EMU_ADDON) ? probeCudaAddon(EMU_ADDON) : null;
if (emulation?.available) {
  cudaSuites("cuda kernels on the CPU emulation", emulation, { logNtt: 18, proofs: "some" });
} else {
  describe("backend conformance: cuda kernels on the CPU emulation", () => {
    it.skip(`skipped: ${emulation ? emulation.reason : "not built (npm run build:cuda -- --emulate)"}`, () => {});
  });
}
