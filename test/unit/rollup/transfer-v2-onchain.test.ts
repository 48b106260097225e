/**
 * transfer-v2 on L1: the generated Solidity verifier of transfer-v2-d20 (keccak) accepts an honest segment
 * proof and rejects every attack's forced proof — the same attacks the TS verifier rejects
 * (transfer-v2-attacks.ts), at the production depth D = 20 on segments of 2^7 rows.
 */
import { strict as assert } from "node:assert";
import { buildTransferV2Instance, transferV2Air } from "../../../src/rollup/air-v2/index.js";
import { proveStark } from "../../../src/stark/prover.js";
import { StarkError } from "../../../src/stark/errors.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import { JsBackend } from "../../../src/backends/js/index.js";
import type { Air, AirInstance } from "../../../src/stark/air/air.js";
import { CALL_GAS, PROVER, startChain, type Chain } from "../../verifier/helpers.js";
import { verifyOnChain } from "../../../src/chain/stark-verifier.js";
import { attackGenesis, airWithTopOn, topOnPaddingInstance, transferV2Attacks, VALID_TXS } from "./transfer-v2-attacks.js";
import { segmentOf, V2_TEST_OPTIONS } from "./transfer-v2-helpers.js";

const D = 20;
const LOG_ROWS = 7; // 128 rows: 5 transactions of 22 rows
const air = transferV2Air(D);

describe("rollup/air-v2 transfer-v2 on-chain (generated Solidity verifier, keccak)", function () {
  this.timeout(600_000);
  let chain: Chain;
  before(async () => {
    chain = await startChain();
  });
  after(async () => chain?.stop());

  async function proofOf(proofAir: Air, instance: AirInstance, checkConstraints: boolean): Promise<Uint8Array> {
    return (await proveStark({ air: proofAir, instance, options: V2_TEST_OPTIONS, hash: "keccak", proverAddress: PROVER, backend: new JsBackend(), checkConstraints })).bytes;
  }

  /** The on-chain verdict of a proof for the statement `publicInputs` (policy 0: the test options are insecure). */
  async function onChain(bytes: Uint8Array, publicInputs: Uint32Array) {
    const verifier = await chain.verifier(air.name, 0);
    return verifyOnChain(chain.publicClient, verifier, { airId: air.id, proof: bytes, publicInputs, publicColumns: [], prover: PROVER }, { packed: true, gas: CALL_GAS });
  }

  function tsRejects(bytes: Uint8Array, publicInputs: Uint32Array): void {
    assert.throws(
      () => verifyStark({ air, proof: bytes, publicInputs, publicColumns: [], proverAddress: PROVER, policy: { minSecurityBits: 0 } }),
      (err: unknown) => err instanceof StarkError && err.code === "VERIFY_FAILED",
    );
  }

  it("accepts an honest segment proof", async () => {
    const w = segmentOf(attackGenesis(D), VALID_TXS.slice(0, 5), LOG_ROWS);
    const inst = buildTransferV2Instance(w, air);
    const verdict = await onChain(await proofOf(air, inst, true), inst.publicInputs);
    assert.deepEqual(verdict, { valid: true });
    // ... and only for its statement.
    const other = Uint32Array.from(inst.publicInputs);
    other[20] += 1; // txCount
    assert.equal((await onChain(await proofOf(air, inst, true), other)).valid, false);
  });

  for (const attack of transferV2Attacks(air, D, LOG_ROWS)) {
    it(`rejects the forced proof: ${attack.name}`, async () => {
      for (const c of attack.cases()) {
        const bytes = await proofOf(air, { ...c.instance, publicInputs: c.publicInputs }, false);
        tsRejects(bytes, c.publicInputs);
        const verdict = await onChain(bytes, c.publicInputs);
        assert.equal(verdict.valid, false);
        if (!verdict.valid) assert.match(verdict.error, /^StarkVerifier__(BusUnbalanced|OodMismatch|FriMismatch|FinalPolyMismatch)$/);
      }
    });
  }

  it("rejects a proof made with `top` preprocessed on a padding row (its own structure, not the baked one)", async () => {
    const { instance, row } = topOnPaddingInstance(air, D, LOG_ROWS);
    const evil = airWithTopOn(air, D, row);
    const bytes = await proofOf(evil, instance, true); // every constraint holds under that structure
    verifyStark({ air: evil, proof: bytes, publicInputs: instance.publicInputs, publicColumns: [], proverAddress: PROVER, policy: { minSecurityBits: 0 } });
    tsRejects(bytes, instance.publicInputs);
    const verdict = await onChain(bytes, instance.publicInputs);
    assert.equal(verdict.valid, false);
  });
});
