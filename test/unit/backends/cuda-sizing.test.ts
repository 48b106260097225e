import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { defaultSizingOpts, maxLogRowsFor, proofDeviceBytes } from "../../../src/backends/cuda/index.js";
import { probe } from "../../../src/backends/cuda/addon.js";
import { transferAir } from "../../../src/rollup/air/index.js";
import { readHeader } from "../../../src/stark/air/bytecode.js";

const GiB = 2 ** 30;
const transfer = {
  width: transferAir.width,
  logBlowup: 3,
  publicColumns: transferAir.numPublicColumns,
  quotientChunks: transferAir.numQuotientChunks,
  registers: readHeader(transferAir.bytecode).numRegisters,
};

describe("backends/cuda sizing (no GPU needed)", () => {
  it("adds up the documented terms", () => {
    // n = 2^4, blowup 8: N = 128
    const shape = { logRows: 4, width: 10, logBlowup: 3, publicColumns: 2, quotientChunks: 2, registers: 5 };
    const N = 128;
    const want = 4 * N * (10 + 2 + 8) + 4 * 16 * 10 + 64 * N + 16 * N + 4 * N + 4 * 5 * N + defaultSizingOpts.reserveBytes;
    assert.equal(proofDeviceBytes(shape), want);
    assert.equal(proofDeviceBytes(shape, { chunkRows: 16, reserveBytes: 0 }), want - defaultSizingOpts.reserveBytes - 4 * 5 * (N - 16));
  });

  it("doubles (about) with each doubling of the trace height", () => {
    const a = proofDeviceBytes({ ...transfer, logRows: 16 }, { chunkRows: 1 << 16, reserveBytes: 0 });
    const b = proofDeviceBytes({ ...transfer, logRows: 17 }, { chunkRows: 1 << 16, reserveBytes: 0 });
    assert.ok(b > 1.9 * a && b < 2 * a, `${a} -> ${b}`);
  });

  // The figures of docs/cuda.md: transfer-v1 (698 columns) at blowup 8.
  const table: Array<[number, number]> = [
    [8, 18], // an 8 GB card (~7.5 GiB free) proves 2^18-row segments; 2^16 needs ~1.9 GiB
    [6, 17],
    [3.5, 16],
    [24, 19],
    [0.1, -1],
  ];
  for (const [freeGiB, logRows] of table) {
    it(`transfer-v1 in ${freeGiB} GiB free: up to 2^${logRows} rows`, () => {
      assert.equal(maxLogRowsFor(freeGiB * GiB * 0.94, transfer), logRows);
    });
  }

  it("transfer-v1 at 2^16 rows needs less than 2 GiB", () => {
    const bytes = proofDeviceBytes({ ...transfer, logRows: 16 });
    assert.ok(bytes < 2 * GiB, `${(bytes / GiB).toFixed(2)} GiB`);
  });

  it("the loader says why it cannot run: a missing addon file", () => {
    const missing = "/nonexistent/prover_cuda.node";
    assert.ok(!existsSync(missing));
    assert.deepEqual(probe(missing), { available: false, reason: "no addon built" });
  });
});
