/**
 * Soundness: false statements must not verify, every tampered proof is rejected with a typed error.
 */
import { strict as assert } from "node:assert";
import { fibAir, mixAir } from "../../../src/stark/airs/index.js";
import { proveStark } from "../../../src/stark/prover.js";
import { verifyStark, type VerifierPolicy } from "../../../src/stark/verifier.js";
import { decodeProof, encodeProof } from "../../../src/stark/proof.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../../src/stark/options.js";
import { StarkError } from "../../../src/stark/errors.js";
import { P, add } from "../../../src/stark/field/babybear.js";
import { JsBackend } from "../../../src/backends/js/index.js";
import type { Air, AirInstance } from "../../../src/stark/air/air.js";
import { Rng } from "../../utils/rng.js";

const ADDRESS = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
const LOW: VerifierPolicy = { minSecurityBits: 0 };

function clone(inst: AirInstance): { trace: Uint32Array[]; publicInputs: Uint32Array; publicColumns: Uint32Array[] } {
  return { trace: inst.trace.map((c) => c.slice()), publicInputs: inst.publicInputs.slice(), publicColumns: inst.publicColumns.map((c) => c.slice()) };
}

function verify(air: Air, bytes: Uint8Array, inst: AirInstance, address = ADDRESS, policy = LOW) {
  return verifyStark({ air, proof: bytes, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress: address, policy });
}

async function prove(air: Air, inst: AirInstance, checkConstraints = true, options = TEST_OPTIONS) {
  return proveStark({ air, instance: inst, options, proverAddress: ADDRESS, backend: new JsBackend(), checkConstraints });
}

function assertTyped(fn: () => unknown, code?: string): StarkError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StarkError, `expected a StarkError, got ${String(err)}`);
    if (code) assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail("accepted");
}

describe("stark: soundness", () => {
  const logRows = 5;
  const fib = fibAir.sample(logRows, 3);
  const mix = mixAir.sample(logRows, 3);

  // (a) A trace that violates exactly one family of constraints: the prover refuses, and a proof forced
  // out of it anyway is rejected by the verifier.
  const violations: Array<[string, Air, AirInstance, (i: ReturnType<typeof clone>) => void]> = [
    ["first row", fibAir, fib, (i) => { i.publicInputs[0] = add(i.publicInputs[0]!, 1); }],
    ["last row", fibAir, fib, (i) => { i.publicInputs[2] = add(i.publicInputs[2]!, 1); }],
    ["transition", fibAir, fib, (i) => {
      // Change b at one middle row and keep every other row's relation except that one step.
      i.trace[1]![10] = add(i.trace[1]![10]!, 1);
    }],
    ["transition (mix-v1)", mixAir, mix, (i) => { i.trace[5]![17] = add(i.trace[5]![17]!, 1); }],
    ["every row (mix-v1)", mixAir, mix, (i) => { i.trace[32]![9] = add(i.trace[32]![9]!, 1); }],
    ["public column (mix-v1)", mixAir, mix, (i) => { i.publicColumns[0]![12] = add(i.publicColumns[0]![12]!, 1); }],
    ["last row, degree 2 (mix-v1)", mixAir, mix, (i) => { i.publicInputs[2] = add(i.publicInputs[2]!, 1); }],
  ];
  for (const [name, air, base, mutate] of violations) {
    it(`${air.name}: violating the ${name} constraints is refused by the prover and rejected by the verifier`, async () => {
      const bad = clone(base);
      mutate(bad);
      await assert.rejects(prove(air, bad), (e: unknown) => e instanceof StarkError && e.code === "CONSTRAINT_VIOLATED");
      const forced = await prove(air, bad, false);
      assertTyped(() => verify(air, forced.bytes, bad), "VERIFY_FAILED");
    });
  }

  describe("tampering with a valid proof", () => {
    let bytes: Uint8Array;
    before(async () => {
      bytes = (await prove(mixAir, mix)).bytes;
      verify(mixAir, bytes, mix);
    });

    it("rejects 500 single-byte changes at random positions, always with a typed error", () => {
      const rng = new Rng(6);
      const codes = new Map<string, number>();
      for (let k = 0; k < 500; k++) {
        const b = bytes.slice();
        const pos = rng.int(b.length);
        b[pos] = b[pos]! ^ (1 + rng.int(255));
        const err = assertTyped(() => verify(mixAir, b, mix));
        codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      }
      assert.ok((codes.get("VERIFY_FAILED") ?? 0) > 0 && (codes.get("PROOF_DECODE") ?? 0) > 0);
    });

    it("rejects the proof for another prover address", () => {
      const other = ADDRESS.slice();
      other[19] ^= 1;
      assertTyped(() => verify(mixAir, bytes, mix, other), "VERIFY_FAILED");
    });

    it("rejects other public inputs and another public column", () => {
      const pi = clone(mix);
      pi.publicInputs[1] = add(pi.publicInputs[1]!, 1);
      assertTyped(() => verify(mixAir, bytes, pi), "VERIFY_FAILED");
      const pc = clone(mix);
      pc.publicColumns[0]![3] = add(pc.publicColumns[0]![3]!, 1);
      assertTyped(() => verify(mixAir, bytes, pc), "VERIFY_FAILED");
      assertTyped(() => verify(fibAir, bytes, mix), "VERIFY_FAILED");
    });

    it("rejects a proof whose options fall below the verifier's minimum security", () => {
      const err = assertTyped(() => verify(mixAir, bytes, mix, ADDRESS, { minSecurityBits: 96 }), "INSUFFICIENT_SECURITY");
      assert.match(err.message, /gives? \d+ bits|give \d+ bits/);
    });

    it("rejects non-canonical field elements in the proof at decoding", () => {
      const proof = decodeProof(bytes, mixAir);
      const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
      // First OOD value sits right after the header (magic, version, hash, AIR id, 6 options, table
      // count, one height) and the main and quotient roots.
      const oodOffset = 4 + 2 + 1 + 32 + 6 + 1 + 1 + 64;
      const canonical = proof.ood[0]![0];
      for (const v of [P, P + canonical, 0xffffffff]) {
        const b = bytes.slice();
        dv(b).setUint32(oodOffset, v, true);
        assertTyped(() => verify(mixAir, b, mix), "PROOF_DECODE");
      }
      // Adding p to a canonical value keeps it equal mod p: still refused.
      const b = bytes.slice();
      if (canonical + P <= 0xffffffff) {
        dv(b).setUint32(oodOffset, canonical + P, true);
        assertTyped(() => verify(mixAir, b, mix), "PROOF_DECODE");
      }
    });

    it("rejects truncation and trailing bytes", () => {
      for (const len of [0, 3, 10, 100, bytes.length - 1]) assertTyped(() => verify(mixAir, bytes.slice(0, len), mix), "PROOF_DECODE");
      assertTyped(() => verify(mixAir, Uint8Array.of(...bytes, 0), mix), "PROOF_DECODE");
    });

    it("rejects a re-encoded proof with a swapped opening or a lower PoW nonce", () => {
      const proof = decodeProof(bytes, mixAir);
      const swapped = { ...proof, ood: [proof.ood[1]!, proof.ood[0]!, ...proof.ood.slice(2)] };
      assertTyped(() => verify(mixAir, encodeProof(swapped), mix), "VERIFY_FAILED");
      const nonce = { ...proof, powNonce: proof.powNonce + 1n };
      assertTyped(() => verify(mixAir, encodeProof(nonce), mix), "VERIFY_FAILED");
    });
  });

  it("a proof made with one blowup is not accepted when its options are edited", async () => {
    const { bytes } = await prove(fibAir, fib, true, { ...DEFAULT_OPTIONS, powBits: 0 });
    const b = bytes.slice();
    b[4 + 2 + 1 + 32 + 1] = DEFAULT_OPTIONS.numQueries - 1; // numQueries byte
    assertTyped(() => verify(fibAir, b, fib));
  });
});
