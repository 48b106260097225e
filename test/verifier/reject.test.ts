import { strict as assert } from "node:assert";
import { fibAir, mixAir } from "../../src/stark/airs/index.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../src/stark/options.js";
import { decodeProof } from "../../src/stark/proof.js";
import { P, add } from "../../src/stark/field/babybear.js";
import { verifyOnChain } from "../../src/chain/stark-verifier.js";
import { CALL_GAS, chainVerdict, prove, startChain, statementOf, tsVerdict, type Case, type Chain, type Statement } from "./helpers.js";

/** Byte offsets of the proof's sections (docs/proof-system.md). */
function sections(c: Case): Record<string, number> {
  const p = decodeProof(c.bytes, c.air);
  const head = 4 + 2 + 32 + 5 + 1;
  const ood = head + 64;
  const nOod = 2 * c.air.width + 4 * c.air.numQuotientChunks;
  const friRoots = ood + 16 * nOod;
  const finalPoly = friRoots + 32 * p.friRoots.length;
  const nonce = finalPoly + 16 * p.finalPoly.length;
  const trace = nonce + 8;
  const traceSiblings = trace + 2 + 4 * p.traceOpening.values.length + 2;
  const quotient = traceSiblings + 32 * p.traceOpening.siblings.length;
  const fri = quotient + 2 + 4 * p.quotientOpening.values.length + 2 + 32 * p.quotientOpening.siblings.length;
  return { magic: 0, version: 4, airId: 6, options: 38, height: 43, traceRoot: head, quotientRoot: head + 32, ood, friRoots, finalPoly, nonce, trace: trace + 2, traceSiblings, quotient: quotient + 2, fri: fri + 2, last: c.bytes.length - 1 };
}

function withWord(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(offset, value >>> 0, true);
  return out;
}

describe("verifier: on-chain rejection of the tamper corpus", function () {
  this.timeout(120_000);
  let chain: Chain;
  let mix: Case, fibDefault: Case;

  before(async () => {
    chain = await startChain();
    mix = await prove(mixAir, mixAir.sample(5, 3), TEST_OPTIONS);
    fibDefault = await prove(fibAir, fibAir.sample(6, 2), DEFAULT_OPTIONS);
  });
  after(async () => chain?.stop());

  /** Both verifiers reject; the on-chain refusal is the named custom error. */
  async function expectRejected(c: Case, bytes: Uint8Array, s: Statement, error: string | null, minBits = 0, tsCode?: string): Promise<string> {
    const ts = tsVerdict(c.air, bytes, s, minBits);
    assert.notEqual(ts, null, "the TS verifier accepted the tampered proof");
    if (tsCode) assert.equal(ts, tsCode);
    for (const packed of [false, true]) {
      const v = await chainVerdict(chain, c.air, bytes, s, minBits, packed);
      assert.equal(v.valid, false, "the on-chain verifier accepted the tampered proof");
      if (!v.valid && error) assert.equal(v.error, error);
      if (!v.valid && !error) assert.match(v.error, /^StarkVerifier__/);
    }
    const v = await chainVerdict(chain, c.air, bytes, s, minBits);
    return v.valid ? "" : v.error;
  }

  it("rejects a single-byte change in every section of the proof", async () => {
    const expected: Record<string, string> = {
      magic: "StarkVerifier__Decode",
      version: "StarkVerifier__Decode",
      airId: "StarkVerifier__AirMismatch",
      traceRoot: "StarkVerifier__OodMismatch",
      quotientRoot: "StarkVerifier__OodMismatch",
      ood: "StarkVerifier__OodMismatch",
    };
    const seen: string[] = [];
    for (const [name, off] of Object.entries(sections(mix))) {
      const bad = mix.bytes.slice();
      bad[off] = bad[off]! ^ 0x01;
      const err = await expectRejected(mix, bad, statementOf(mix), expected[name] ?? null);
      seen.push(`${name}:${err}`);
    }
    assert.ok(seen.length >= 15);
  });

  it("rejects wrong public inputs, a wrong public column and another prover's address", async () => {
    const s = statementOf(mix);
    const pi = Uint32Array.from(s.publicInputs);
    pi[1] = add(pi[1]!, 1);
    await expectRejected(mix, mix.bytes, { ...s, publicInputs: pi }, "StarkVerifier__OodMismatch", 0, "VERIFY_FAILED");
    const col = Uint32Array.from(s.publicColumns[0]!);
    col[7] = add(col[7]!, 1);
    await expectRejected(mix, mix.bytes, { ...s, publicColumns: [col] }, "StarkVerifier__OodMismatch", 0, "VERIFY_FAILED");
    const prover = s.prover.slice();
    prover[19] = prover[19]! ^ 0xff;
    await expectRejected(mix, mix.bytes, { ...s, prover }, "StarkVerifier__OodMismatch", 0, "VERIFY_FAILED");
  });

  it("rejects malformed statements: counts and non-canonical values", async () => {
    const s = statementOf(mix);
    await expectRejected(mix, mix.bytes, { ...s, publicInputs: Uint32Array.from([...Array.from(s.publicInputs), 0]) }, "StarkVerifier__InvalidInput", 0, "INVALID_INPUT");
    const pi = Uint32Array.from(s.publicInputs);
    pi[0] = P;
    await expectRejected(mix, mix.bytes, { ...s, publicInputs: pi }, "StarkVerifier__InvalidInput", 0, "INVALID_INPUT");
    const col = Uint32Array.from(s.publicColumns[0]!);
    col[3] = P + 5;
    await expectRejected(mix, mix.bytes, { ...s, publicColumns: [col] }, "StarkVerifier__InvalidInput", 0, "INVALID_INPUT");
    await expectRejected(mix, mix.bytes, { ...s, publicColumns: [col.subarray(1)] }, "StarkVerifier__InvalidInput", 0, "INVALID_INPUT");
  });

  it("rejects non-canonical field elements in the OOD values, the final polynomial and the openings", async () => {
    const sec = sections(mix);
    for (const off of [sec.ood, sec.ood + 20, sec.finalPoly, sec.trace, sec.quotient, sec.fri]) {
      for (const v of [P, 0xffffffff]) {
        await expectRejected(mix, withWord(mix.bytes, off, v), statementOf(mix), "StarkVerifier__Decode", 0, "PROOF_DECODE");
      }
    }
  });

  it("rejects truncated proofs and trailing bytes", async () => {
    const s = statementOf(mix);
    for (const len of [0, 10, 43, 200, mix.bytes.length - 32, mix.bytes.length - 1]) {
      await expectRejected(mix, mix.bytes.subarray(0, len), s, "StarkVerifier__Decode", 0, "PROOF_DECODE");
    }
    const longer = new Uint8Array(mix.bytes.length + 1);
    longer.set(mix.bytes);
    await expectRejected(mix, longer, s, "StarkVerifier__Decode", 0, "PROOF_DECODE");
  });

  it("rejects out-of-range options and options below the policy", async () => {
    const sec = sections(mix);
    const bad = mix.bytes.slice();
    bad[sec.options + 3] = 9; // FRI arity 2^9
    await expectRejected(mix, bad, statementOf(mix), "StarkVerifier__Decode", 0, "PROOF_DECODE");
    // test options (about 20 bits) against the default 96-bit policy
    await expectRejected(mix, mix.bytes, statementOf(mix), "StarkVerifier__InsufficientSecurity", 96, "INSUFFICIENT_SECURITY");
    // default options pass 96 bits but not 110
    assert.equal(tsVerdict(fibDefault.air, fibDefault.bytes, statementOf(fibDefault), 96), null);
    await expectRejected(fibDefault, fibDefault.bytes, statementOf(fibDefault), "StarkVerifier__InsufficientSecurity", 110, "INSUFFICIENT_SECURITY");
  });

  it("rejects a proof of another AIR and an airId the verifier was not generated for", async () => {
    const s = statementOf(fibDefault);
    const mixVerifier = await chain.verifier("mix-v1", 0);
    const asMix = await verifyOnChain(chain.publicClient, mixVerifier, { airId: mixAir.id, proof: fibDefault.bytes, publicInputs: s.publicInputs, publicColumns: [], prover: s.prover }, { gas: CALL_GAS });
    assert.deepEqual(asMix.valid ? null : asMix.error, "StarkVerifier__AirMismatch");
    const wrongId = await verifyOnChain(chain.publicClient, mixVerifier, { airId: fibAir.id, proof: fibDefault.bytes, publicInputs: s.publicInputs, publicColumns: [], prover: s.prover }, { gas: CALL_GAS });
    assert.deepEqual(wrongId.valid ? null : wrongId.error, "StarkVerifier__UnknownAir");
  });
});
