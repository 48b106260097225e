import { strict as assert } from "node:assert";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { createWasmBackend } from "../../../src/backends/wasm/index.js";
import { fibAir, mixAir } from "../../../src/stark/airs/index.js";
import { transferAir } from "../../../src/rollup/air/index.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../../src/stark/options.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark } from "../../../src/stark/verifier.js";

describe("whole proofs: wasm bytes = js bytes", function () {
  this.timeout(120_000);
  const js = createJsBackend();
  const wasm = createWasmBackend({ threads: 2 });
  after(() => wasm.close());
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
      const b = await proveStark({ air, instance, options, proverAddress, backend: wasm });
      assert.deepEqual(b.bytes, a.bytes);
      verifyStark({ air, proof: b.bytes, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress, policy: { minSecurityBits: 0 } });
    });
  }
});
