import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { fibAir } from "../../src/stark/airs/index.js";
import { DEFAULT_OPTIONS } from "../../src/stark/options.js";
import { proveStark } from "../../src/stark/prover.js";
import { JsBackend } from "../../src/backends/js/index.js";
import { measureVerifyGas } from "../../src/chain/stark-verifier.js";
import { startChain, type Chain } from "./helpers.js";

/** The snapshot's fib-v1 2^12 case, re-measured on every test run (the same proof: the prover is deterministic). */
describe("verifier: gas snapshot", function () {
  this.timeout(120_000);
  let chain: Chain;
  before(async () => {
    chain = await startChain();
  });
  after(async () => chain?.stop());

  it("fib-v1 2^12 at default options matches contracts/gas-snapshot.json within 2% (regenerate with npx tsx bench/verifier.ts --snapshot)", async () => {
    const snap = JSON.parse(readFileSync("contracts/gas-snapshot.json", "utf8")) as { verifier?: { cases: Record<string, { proofBytes: number; execution: number; transaction: number }> } };
    const expected = snap.verifier?.cases["fib-v1_2^12"];
    assert.ok(expected, "contracts/gas-snapshot.json has no verifier.cases[fib-v1_2^12]");
    const inst = fibAir.sample(12, 7);
    const prover = new Uint8Array(20).fill(0x42); // as bench/verifier.ts
    const { bytes } = await proveStark({ air: fibAir, instance: inst, options: DEFAULT_OPTIONS, proverAddress: prover, backend: new JsBackend() });
    assert.equal(bytes.length, expected.proofBytes);
    const gas = await measureVerifyGas(chain.publicClient, await chain.meter(), await chain.verifier("fib-v1", 96), { airId: fibAir.id, proof: bytes, publicInputs: inst.publicInputs, publicColumns: [], prover });
    const drift = Math.abs(gas.execution - expected.execution) / expected.execution;
    assert.ok(drift <= 0.02, `execution gas ${gas.execution} vs snapshot ${expected.execution} (${(drift * 100).toFixed(1)}%)`);
  });
});
