import { strict as assert } from "node:assert";
import { fibAir, mixAir, lookupAir } from "../../src/stark/airs/index.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS } from "../../src/stark/options.js";
import { estimateSecurity } from "../../src/stark/security.js";
import { P, add } from "../../src/stark/field/babybear.js";
import { encodeVerifyCall, verifyOnChain } from "../../src/chain/stark-verifier.js";
import { decodeRevert } from "../../src/chain/errors.js";
import { hexToBytes, toHex } from "viem";
import { CALL_GAS, chainVerdict, prove, startChain, statementOf, tsVerdict, type Case, type Chain, type Statement } from "./helpers.js";
import { proofSections, withWord } from "./sections.js";

describe("verifier: on-chain rejection of the tamper corpus", function () {
  this.timeout(120_000);
  let chain: Chain;
  let mix: Case, fibDefault: Case, lookup: Case, lookupDefault: Case;

  before(async () => {
    chain = await startChain();
    mix = await prove(mixAir, mixAir.sample(5, 3), TEST_OPTIONS);
    fibDefault = await prove(fibAir, fibAir.sample(6, 2), DEFAULT_OPTIONS);
    lookup = await prove(lookupAir, lookupAir.sample(6, 3), TEST_OPTIONS);
    lookupDefault = await prove(lookupAir, lookupAir.sample(9, 4), DEFAULT_OPTIONS);
  });
  after(async () => chain?.stop());

  /** Both verifiers reject; the on-chain refusal is the named custom error (any StarkVerifier__ one when null). */
  async function expectRejected(c: Case, bytes: Uint8Array, s: Statement, error: string | null, minBits = 0, tsCode?: string): Promise<string> {
    const ts = tsVerdict(c.air, bytes, s, minBits);
    assert.notEqual(ts, null, "the TS verifier accepted the tampered proof");
    if (tsCode) assert.equal(ts, tsCode);
    let seen = "";
    for (const packed of [false, true]) {
      const v = await chainVerdict(chain, c.air, bytes, s, minBits, packed);
      assert.equal(v.valid, false, "the on-chain verifier accepted the tampered proof");
      if (!v.valid && error) assert.equal(v.error, error);
      if (!v.valid && !error) assert.match(v.error, /^StarkVerifier__/);
      if (!v.valid) seen = v.error;
    }
    return seen;
  }

  it("rejects a single-byte change in every section of a single-table and a multi-table proof", async () => {
    for (const c of [mix, lookup]) {
      const sec = proofSections(c.air, c.bytes);
      const spots: [string, number, string | null][] = [
        ["magic", sec.magic, "StarkVerifier__Decode"],
        ["version", sec.version, "StarkVerifier__Decode"],
        ["hash configuration", sec.config, "StarkVerifier__UnsupportedHash"],
        ["air id", sec.airId + 5, "StarkVerifier__AirMismatch"],
        ["table count", sec.tableCount, "StarkVerifier__Decode"],
        ["main cap", sec.mainCaps[0]!, "StarkVerifier__OodMismatch"],
        ["quotient cap", sec.quotientCaps[0]!, "StarkVerifier__OodMismatch"],
        ["OOD values", sec.ood + 16, "StarkVerifier__OodMismatch"],
        ["FRI caps", sec.friCaps[0]!, null],
        ["final polynomial", sec.finalPoly, null],
        ["nonce", sec.nonce + 3, null],
        ["last FRI sibling", sec.length - 1, null],
      ];
      for (const g of sec.groups) {
        for (const [name, at] of Object.entries(g)) {
          spots.push([`${name} count`, at.count, "StarkVerifier__Decode"], [`${name} value`, at.values + 1, null], [`${name} sibling`, at.siblings + 7, null]);
        }
      }
      if (sec.auxCaps.length > 0) spots.push(["aux cap", sec.auxCaps.find((x) => x !== undefined)!, null]);
      for (const [name, off, error] of spots) {
        const bad = c.bytes.slice();
        bad[off] = bad[off]! ^ 0x01;
        const err = await expectRejected(c, bad, statementOf(c), error);
        assert.ok(err, `${c.air.name} ${name}`);
      }
    }
  });

  it("rejects wrong public inputs, a wrong public column and another prover's address", async () => {
    for (const c of [mix, lookup]) {
      const s = statementOf(c);
      const pi = Uint32Array.from(s.publicInputs);
      pi[1] = add(pi[1]!, 1);
      await expectRejected(c, c.bytes, { ...s, publicInputs: pi }, "StarkVerifier__OodMismatch", 0, "VERIFY_FAILED");
      const prover = s.prover.slice();
      prover[19] = prover[19]! ^ 0xff;
      await expectRejected(c, c.bytes, { ...s, prover }, "StarkVerifier__OodMismatch", 0, "VERIFY_FAILED");
    }
    const s = statementOf(mix);
    const col = Uint32Array.from(s.publicColumns[0]!);
    col[7] = add(col[7]!, 1);
    await expectRejected(mix, mix.bytes, { ...s, publicColumns: [col] }, "StarkVerifier__OodMismatch", 0, "VERIFY_FAILED");
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
    // lookup-v1 has no public columns: any element is one too many
    await expectRejected(lookup, lookup.bytes, { ...statementOf(lookup), publicColumns: [Uint32Array.of(1)] }, "StarkVerifier__InvalidInput", 0, "INVALID_INPUT");
    // A public input word with dirty high bits (not a uint32): refused with the verifier's own error.
    const data = hexToBytes(encodeVerifyCall({ airId: mix.air.id, proof: mix.bytes, publicInputs: s.publicInputs, publicColumns: s.publicColumns, prover: s.prover }));
    const piAt = 4 + Number(new DataView(data.buffer).getBigUint64(4 + 64 + 24)) + 32;
    data[piAt + 27] = 1; // element 0 += 2^32
    const raw = await chain.publicClient.call({ to: await chain.verifier("mix-v1", 0), data: toHex(data), gas: CALL_GAS }).catch((e: unknown) => e);
    assert.equal(decodeRevert(raw)?.errorName, "StarkVerifier__InvalidInput");
  });

  it("rejects non-canonical field elements anywhere: terminal sums, OOD values, final polynomial, every opening", async () => {
    for (const c of [mix, lookup]) {
      const sec = proofSections(c.air, c.bytes);
      const offs = [sec.ood, sec.ood + 16 * (sec.numOod - 1) + 12, sec.finalPoly, sec.finalPoly + 4];
      if (sec.numTerminals > 0) offs.push(sec.terminalSums, sec.terminalSums + 16 * sec.numTerminals - 4);
      for (const g of sec.groups) for (const at of Object.values(g)) offs.push(at.values, at.values + 4 * (at.words - 1));
      for (const at of sec.fri) offs.push(at.values, at.values + 4 * (at.words - 1));
      for (const off of offs) {
        for (const v of [P, 0xffffffff]) {
          await expectRejected(c, withWord(c.bytes, off, v), statementOf(c), "StarkVerifier__Decode", 0, "PROOF_DECODE");
        }
      }
    }
  });

  it("rejects truncated proofs and trailing bytes", async () => {
    for (const c of [mix, lookup]) {
      const s = statementOf(c);
      for (const len of [0, 10, 47, 200, c.bytes.length - 32, c.bytes.length - 1]) {
        await expectRejected(c, c.bytes.subarray(0, len), s, "StarkVerifier__Decode", 0, "PROOF_DECODE");
      }
      const longer = new Uint8Array(c.bytes.length + 1);
      longer.set(c.bytes);
      await expectRejected(c, longer, s, "StarkVerifier__Decode", 0, "PROOF_DECODE");
    }
  });

  it("rejects out-of-range options and options below the policy", async () => {
    const sec = proofSections(mix.air, mix.bytes);
    const limits: [number, number][] = [[0, 0], [0, 7], [1, 0], [1, 129], [2, 33], [3, 0], [3, 5], [4, 11], [5, 9]];
    for (const [field, value] of limits) {
      const bad = mix.bytes.slice();
      bad[sec.options + field] = value;
      await expectRejected(mix, bad, statementOf(mix), "StarkVerifier__Decode", 0, "PROOF_DECODE");
    }
    // test options (about 20 bits) against the default 96-bit policy
    await expectRejected(mix, mix.bytes, statementOf(mix), "StarkVerifier__InsufficientSecurity", 96, "INSUFFICIENT_SECURITY");
    assert.equal(tsVerdict(fibDefault.air, fibDefault.bytes, statementOf(fibDefault), 96), null);
    await expectRejected(fibDefault, fibDefault.bytes, statementOf(fibDefault), "StarkVerifier__InsufficientSecurity", 110, "INSUFFICIENT_SECURITY");
  });

  it("recomputes the estimator exactly: a policy of the TS estimate accepts, one bit more refuses", async () => {
    for (const c of [fibDefault, lookupDefault]) {
      const { conjecturedBits, terms } = estimateSecurity(c.air, DEFAULT_OPTIONS, lookupHeights(c));
      assert.ok(terms.length >= 6);
      assert.equal(tsVerdict(c.air, c.bytes, statementOf(c), conjecturedBits), null);
      assert.deepEqual(await chainVerdict(chain, c.air, c.bytes, statementOf(c), conjecturedBits), { valid: true });
      await expectRejected(c, c.bytes, statementOf(c), "StarkVerifier__InsufficientSecurity", conjecturedBits + 1, "INSUFFICIENT_SECURITY");
    }
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

/** The table heights of a case's proof (from its instance). */
function lookupHeights(c: Case): number[] {
  return c.air.traces(c.instance).map((t) => Math.log2(t[0]!.length));
}
