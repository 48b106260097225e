import { strict as assert } from "node:assert";
import { fibAir, mixAir, lookupAir } from "../../src/stark/airs/index.js";
import { TEST_OPTIONS } from "../../src/stark/options.js";
import { P, add } from "../../src/stark/field/babybear.js";
import { Rng } from "../utils/rng.js";
import { chainVerdict, prove, startChain, statementOf, tsVerdict, type Case, type Chain, type Statement } from "./helpers.js";

/** One random tampering of a valid (proof, statement) pair; ~5% are left untouched. */
function tamper(rng: Rng, c: Case): { kind: string; bytes: Uint8Array; s: Statement } {
  const s = statementOf(c);
  const bytes = c.bytes.slice();
  const roll = rng.int(100);
  if (roll < 5) return { kind: "none", bytes, s };
  if (roll < 45) {
    const i = rng.int(bytes.length);
    bytes[i] = bytes[i]! ^ (1 + rng.int(255));
    return { kind: "byte", bytes, s };
  }
  if (roll < 60) {
    // an aligned-or-not u32 overwritten, sometimes with a non-canonical value
    const i = rng.int(bytes.length - 4);
    const v = rng.int(2) === 0 ? rng.field() : P + rng.int(2 ** 32 - P);
    new DataView(bytes.buffer).setUint32(i, v >>> 0, true);
    return { kind: "word", bytes, s };
  }
  if (roll < 70) return { kind: "truncate", bytes: bytes.subarray(0, rng.int(bytes.length)), s };
  if (roll < 75) {
    const longer = new Uint8Array(bytes.length + 1 + rng.int(40));
    longer.set(bytes);
    return { kind: "append", bytes: longer, s };
  }
  if (roll < 85) {
    const pi = Uint32Array.from(s.publicInputs);
    const k = rng.int(pi.length);
    pi[k] = rng.int(4) === 0 ? P : add(pi[k]!, 1 + rng.int(1000));
    return { kind: "public input", bytes, s: { ...s, publicInputs: pi } };
  }
  if (roll < 93 && s.publicColumns.length > 0) {
    const col = Uint32Array.from(s.publicColumns[0]!);
    col[rng.int(col.length)] = rng.field();
    return { kind: "public column", bytes, s: { ...s, publicColumns: [col] } };
  }
  const prover = s.prover.slice();
  prover[rng.int(20)] ^= 1 + rng.int(255);
  return { kind: "prover", bytes, s: { ...s, prover } };
}

describe("verifier: differential TS vs Solidity", function () {
  this.timeout(150_000);
  let chain: Chain;
  let cases: Case[];
  let lookup: Case;

  before(async () => {
    chain = await startChain();
    cases = [await prove(mixAir, mixAir.sample(5, 11), TEST_OPTIONS), await prove(fibAir, fibAir.sample(6, 12), TEST_OPTIONS)];
    lookup = await prove(lookupAir, lookupAir.sample(5, 13), { ...TEST_OPTIONS, logCap: 1 });
  });
  after(async () => chain?.stop());

  it("gives the same verdict on 200 randomly tampered proofs", async () => {
    const rng = new Rng(2026);
    const tally = new Map<string, number>();
    let valid = 0;
    for (let i = 0; i < 200; i++) {
      const c = cases[i % cases.length]!;
      const t = tamper(rng, c);
      const ts = tsVerdict(c.air, t.bytes, t.s, 0);
      const onChain = await chainVerdict(chain, c.air, t.bytes, t.s, 0, i % 2 === 1);
      assert.equal(onChain.valid, ts === null, `case ${i} (${t.kind}): TS says ${ts ?? "valid"}, Solidity says ${onChain.valid ? "valid" : onChain.error}`);
      if (!onChain.valid) assert.match(onChain.error, /^StarkVerifier__/, `case ${i} (${t.kind}): a refusal that is not a named error`);
      if (ts === null) valid++;
      else if (!onChain.valid) tally.set(`${ts} / ${onChain.error}`, (tally.get(`${ts} / ${onChain.error}`) ?? 0) + 1);
    }
    assert.ok(valid > 0 && valid < 30, `${valid} untouched cases`);
    assert.ok(tally.size >= 4, `rejections of several kinds: ${[...tally.keys()].join(", ")}`);
  });

  it("gives the same verdict on 500 random byte flips of a keccak multi-table LogUp proof", async () => {
    const rng = new Rng(14);
    const s = statementOf(lookup);
    const tally = new Map<string, number>();
    const flips = Array.from({ length: 500 }, () => {
      const bytes = lookup.bytes.slice();
      const i = rng.int(bytes.length);
      bytes[i] = bytes[i]! ^ (1 + rng.int(255));
      return { i, bytes };
    });
    // eth_calls in parallel batches: the chain answers while the TS verifier runs.
    for (let k = 0; k < flips.length; k += 25) {
      const batch = flips.slice(k, k + 25);
      const onChain = await Promise.all(batch.map((f, j) => chainVerdict(chain, lookupAir, f.bytes, s, 0, (k + j) % 2 === 1)));
      batch.forEach((f, j) => {
        const ts = tsVerdict(lookupAir, f.bytes, s, 0);
        const v = onChain[j]!;
        assert.equal(v.valid, ts === null, `flip at byte ${f.i}: TS says ${ts ?? "valid"}, Solidity says ${v.valid ? "valid" : v.error}`);
        if (!v.valid) {
          assert.match(v.error, /^StarkVerifier__/, `flip at byte ${f.i}: a refusal that is not a named error`);
          tally.set(v.error, (tally.get(v.error) ?? 0) + 1);
        }
      });
    }
    assert.ok(tally.size >= 5, `rejections of several kinds: ${[...tally.entries()].map(([e, n]) => `${e} ${n}`).join(", ")}`);
  });
});
