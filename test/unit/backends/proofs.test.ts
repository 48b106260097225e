import { strict as assert } from "node:assert";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { createWasmBackend } from "../../../src/backends/wasm/index.js";
import { fibAir, mixAir, lookupAir } from "../../../src/stark/airs/index.js";
import { transferAir } from "../../../src/rollup/air/index.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS, type ProofOptions } from "../../../src/stark/options.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import type { Air } from "../../../src/stark/air/air.js";
import type { HashConfig } from "../../../src/stark/hash/config.js";

const cases: { air: Air; logRows: number; options: ProofOptions; preset: string; hash: HashConfig; threads: number[] }[] = [
  { air: fibAir, logRows: 6, options: TEST_OPTIONS, preset: "test", hash: "keccak", threads: [2] },
  { air: mixAir, logRows: 5, options: TEST_OPTIONS, preset: "test", hash: "keccak", threads: [2] },
  { air: fibAir, logRows: 8, options: DEFAULT_OPTIONS, preset: "default", hash: "keccak", threads: [2] },
  { air: mixAir, logRows: 7, options: DEFAULT_OPTIONS, preset: "default", hash: "keccak", threads: [2] },
  { air: transferAir, logRows: 6, options: TEST_OPTIONS, preset: "test", hash: "keccak", threads: [2] },
  // Every protocol v2 feature (multi-table, mixed heights, preprocessed, LogUp, caps), both hashes, 1 and 3 threads.
  { air: lookupAir, logRows: 6, options: TEST_OPTIONS, preset: "test", hash: "keccak", threads: [1, 3] },
  { air: lookupAir, logRows: 10, options: { ...TEST_OPTIONS, logCap: 2 }, preset: "test, cap 2", hash: "keccak", threads: [1, 3] },
  { air: lookupAir, logRows: 6, options: TEST_OPTIONS, preset: "test", hash: "poseidon2", threads: [1, 3] },
  { air: lookupAir, logRows: 10, options: { ...TEST_OPTIONS, logCap: 3 }, preset: "test, cap 3", hash: "poseidon2", threads: [1, 3] },
  { air: mixAir, logRows: 6, options: { ...DEFAULT_OPTIONS, powBits: 8 }, preset: "default (8 PoW bits)", hash: "poseidon2", threads: [1, 3] },
  { air: fibAir, logRows: 9, options: TEST_OPTIONS, preset: "test", hash: "poseidon2", threads: [3] },
];

describe("whole proofs: wasm bytes = js bytes", function () {
  this.timeout(120_000);
  const js = createJsBackend();
  const wasm = new Map([1, 2, 3].map((threads) => [threads, createWasmBackend(threads === 3 ? { threads, parallelThreshold: 1 } : { threads })]));
  after(() => Promise.all([...wasm.values()].map((b) => b.close())));
  const proverAddress = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);

  for (const { air, logRows, options, preset, hash, threads } of cases) {
    it(`${air.name}, 2^${logRows} rows, ${preset} options, ${hash}, wasm ${threads.join(" and ")} thread(s)`, async () => {
      const instance = air.sample(logRows, 7);
      const a = await proveStark({ air, instance, options, hash, proverAddress, backend: js });
      for (const t of threads) {
        const b = await proveStark({ air, instance, options, hash, proverAddress, backend: wasm.get(t)! });
        assert.deepEqual(b.bytes, a.bytes, `${t} thread(s)`);
      }
      verifyStark({ air, proof: a.bytes, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress, policy: { minSecurityBits: 0 } });
    });
  }
});
