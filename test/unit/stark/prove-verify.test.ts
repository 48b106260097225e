import { strict as assert } from "node:assert";
import { fibAir, mixAir, lookupAir } from "../../../src/stark/airs/index.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import { decodeProof, encodeProof } from "../../../src/stark/proof.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../../src/stark/options.js";
import { estimateSecurity } from "../../../src/stark/security.js";
import { JsBackend } from "../../../src/backends/js/index.js";
import type { Air } from "../../../src/stark/air/air.js";

export const ADDRESS = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const LOW = { minSecurityBits: 0 };

async function roundTrip(air: Air, logRows: number, options = TEST_OPTIONS, policy = LOW) {
  const inst = air.sample(logRows, 11);
  const { bytes, proof } = await proveStark({ air, instance: inst, options, proverAddress: ADDRESS, backend: new JsBackend() });
  assert.deepEqual(encodeProof(decodeProof(bytes, air)), bytes, "codec round trip");
  const res = verifyStark({ air, proof: bytes, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress: ADDRESS, policy });
  assert.equal(res.logTraceHeight, logRows);
  return { bytes, proof, res };
}

describe("stark: prove and verify", () => {
  for (const air of [fibAir, mixAir]) {
    for (const logRows of [2, 3, 5, 7]) {
      it(`${air.name} at 2^${logRows} rows under test options`, async () => {
        await roundTrip(air, logRows);
      });
    }
  }

  it("mix-v1 at 2^6 rows under default options passes the default policy", async () => {
    const { res } = await roundTrip(mixAir, 6, DEFAULT_OPTIONS, { minSecurityBits: 96 });
    assert.ok(res.security.conjecturedBits >= 100);
  });

  it("fib-v1 with arity-2 folding and no final-polynomial reduction", async () => {
    await roundTrip(fibAir, 6, { ...TEST_OPTIONS, friLogArity: 1, logFinalPolyLen: 0 });
    await roundTrip(fibAir, 3, { ...TEST_OPTIONS, logFinalPolyLen: 5 }); // no folding round at all
  });

  it("opens exactly numQueries distinct positions, even when the LDE domain is barely larger", async () => {
    const options = { ...DEFAULT_OPTIONS, powBits: 0 };
    const { proof } = await roundTrip(fibAir, 2, options); // 32 LDE points, 28 queries
    assert.equal(proof.groupOpenings[0]!.main.values.length, options.numQueries * fibAir.width);
    await assert.rejects(
      proveStark({ air: fibAir, instance: fibAir.sample(2, 1), options: { ...options, numQueries: 33 }, proverAddress: ADDRESS, backend: new JsBackend() }),
      /smaller than 33 queries/,
    );
  });

  it("is deterministic: the same inputs give the same bytes", async () => {
    const a = await roundTrip(fibAir, 4);
    const b = await roundTrip(fibAir, 4);
    assert.deepEqual(a.bytes, b.bytes);
  });

  it("default options give >= 96 conjectured bits (the default policy) at 2^20 rows for both AIRs, test options are insecure", () => {
    for (const air of [fibAir, mixAir]) {
      const r = estimateSecurity(air, DEFAULT_OPTIONS, 20);
      assert.equal(r.conjecturedBits, 97, `${air.name}: ${r.conjecturedBits}`);
      assert.ok(!r.insecure);
      assert.deepEqual(r.terms.map((t) => t.name), ["queries + grinding", "DEEP / OOD", "FRI folding rounds", "constraint combination", "extension field size", "hash collisions"]);
      assert.ok(estimateSecurity(air, TEST_OPTIONS, 10).insecure);
    }
  });

  it("the FRI folding term counts (arity − 1) per round: ≈ 93.6 bits at 2^24 rows with default options", () => {
    const fri = estimateSecurity(fibAir, DEFAULT_OPTIONS, 24).terms.find((t) => t.name === "FRI folding rounds")!;
    // 7 rounds of arity 8 over 2^27, 2^24, …, 2^9 points: log2 |K| − log2(7·Σ|D_r|).
    assert.ok(Math.abs(fri.bits - 93.63) < 0.01, `${fri.bits}`);
    const arity2 = estimateSecurity(fibAir, { ...DEFAULT_OPTIONS, friLogArity: 1 }, 24).terms.find((t) => t.name === "FRI folding rounds")!;
    assert.ok(Math.abs(arity2.bits - (4 * Math.log2(2013265921) - Math.log2(2 ** 28 - 2 ** 7))) < 0.01, `${arity2.bits}: arity 2 pays (k − 1) = 1 per round over 2^27, 2^26, …, 2^7`);
  });

  it("multi-table LogUp proofs report the mixed-height and LogUp terms; poseidon2 proofs the digest term", () => {
    const r = estimateSecurity(lookupAir, DEFAULT_OPTIONS, [16, 8], "poseidon2");
    const names = r.terms.map((t) => t.name);
    for (const n of ["mixed-height FRI", "LogUp", "Poseidon2 digests"]) assert.ok(names.includes(n), n);
    const logup = r.terms.find((t) => t.name === "LogUp")!;
    // 2 sends × 2^16 rows + 1 receive × 2^8 rows, tuples of one value.
    assert.ok(Math.abs(logup.bits - (4 * Math.log2(2013265921) - Math.log2((2 * 65536 + 256) * 2))) < 1e-9);
    assert.ok(r.conjecturedBits >= 96);
  });
});
