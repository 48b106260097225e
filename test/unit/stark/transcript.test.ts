import { strict as assert } from "node:assert";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { Transcript, DuplexTranscript, Tag, DOMAIN_TAG, leadingZeroBits, checkPow, u64le, powSampleOk } from "../../../src/stark/transcript.js";
import { POSEIDON2_16, poseidon2PermuteInPlace } from "../../../src/stark/hash/poseidon2.js";
import { grindPoseidon2Reference } from "../../../src/stark/grind.js";
import { P } from "../../../src/stark/field/babybear.js";

const words = (ws: number[]) => new Uint8Array(Uint32Array.from(ws).buffer);

describe("stark/transcript", () => {
  it("follows the documented byte layout for absorb and squeeze", () => {
    const t = new Transcript();
    const s0 = keccak_256(new TextEncoder().encode(DOMAIN_TAG));
    assert.deepEqual(t.state, s0);
    t.absorb(Tag.MainCommit, Uint8Array.of(9, 8, 7));
    const s1 = keccak_256(Uint8Array.of(...s0, Tag.MainCommit, 3, 0, 0, 0, 9, 8, 7));
    assert.deepEqual(t.state, s1);
    const out = t.squeeze();
    assert.deepEqual(out, keccak_256(Uint8Array.of(...s1, 0xff, 0, 0, 0, 0)));
    const out2 = t.squeeze();
    assert.deepEqual(out2, keccak_256(Uint8Array.of(...out, 0xff, 1, 0, 0, 0)), "counter increments");
  });

  it("is deterministic and binds lengths: [5,7] and [5,7,0,0] differ", () => {
    const run = (ws: number[]) => {
      const t = new Transcript();
      t.absorb(Tag.OodValues, words(ws));
      return t.sampleExt();
    };
    assert.deepEqual(run([5, 7]), run([5, 7]));
    assert.notDeepEqual(run([5, 7]), run([5, 7, 0, 0]));
  });

  it("separates tags", () => {
    const a = new Transcript(), b = new Transcript();
    a.absorb(Tag.MainCommit, new Uint8Array(32));
    b.absorb(Tag.QuotientCommit, new Uint8Array(32));
    assert.notDeepEqual(a.state, b.state);
  });

  it("samples canonical field elements and in-range indices", () => {
    const t = new Transcript();
    for (let i = 0; i < 200; i++) for (const x of t.sampleExt()) assert.ok(x < P);
    for (const q of t.sampleIndices(100, 11)) assert.ok(q >= 0 && q < 2048);
  });

  it("counts leading zero bits and checks proof of work", () => {
    assert.equal(leadingZeroBits(Uint8Array.of(0, 0x10, 0xff)), 11);
    assert.equal(leadingZeroBits(new Uint8Array(32)), 256);
    const state = new Uint8Array(32).fill(1);
    let nonce = 0n;
    while (!checkPow(state, nonce, 8)) nonce++;
    const d = keccak_256(Uint8Array.of(...state, ...u64le(nonce)));
    assert.equal(d[0], 0);
    assert.ok(checkPow(state, 12345n, 0), "zero bits always pass");
  });
});

describe("stark/transcript: the Poseidon2 duplex (poseidon2 configuration)", () => {
  const sampleAfter = (xs: number[]) => {
    const t = new DuplexTranscript();
    t.observeMany(xs);
    return t.sampleExt();
  };

  it("follows the documented duplex: zero-padded rate, the block length added to state[15]", () => {
    const t = new DuplexTranscript();
    t.observeMany([5, 7]);
    const x = t.sample();
    const s = new Uint32Array(16);
    s[0] = 5;
    s[1] = 7;
    s[15] = 2;
    poseidon2PermuteInPlace(POSEIDON2_16, s);
    assert.equal(x, s[0]);
    assert.equal(t.sample(), s[1], "the next sample reads the same output");
    // A full block of 8 duplexes at once with tag 8; sampling then reads its output, no second permutation.
    const u = new DuplexTranscript();
    u.observeMany([1, 2, 3, 4, 5, 6, 7, 8]);
    const v = new Uint32Array(16);
    v.set([1, 2, 3, 4, 5, 6, 7, 8]);
    v[15] = 8;
    poseidon2PermuteInPlace(POSEIDON2_16, v);
    assert.equal(u.sample(), v[0]);
  });

  it("binds lengths: [5,7] and [5,7,0,0] give different challenges; the same input the same", () => {
    assert.deepEqual(sampleAfter([5, 7]), sampleAfter([5, 7]));
    assert.notDeepEqual(sampleAfter([5, 7]), sampleAfter([5, 7, 0, 0]));
    assert.notDeepEqual(sampleAfter([0]), sampleAfter([]));
    assert.notDeepEqual(sampleAfter([0, 0, 0, 0, 0, 0, 0, 0]), sampleAfter([]), "a zero block differs from a squeeze");
  });

  it("refuses non-canonical inputs", () => {
    const t = new DuplexTranscript();
    assert.throws(() => t.observe(P), /canonical/);
    assert.throws(() => t.observe(-1), /canonical/);
  });

  it("samples bits uniformly (chi-square over 16 buckets), and never above the 27-bit limit", () => {
    const t = new DuplexTranscript();
    t.observe(1);
    const buckets = new Array(16).fill(0);
    const N = 16000;
    for (let i = 0; i < N; i++) buckets[t.sampleBits(4)]++;
    const expected = N / 16;
    const chi2 = buckets.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    // 15 degrees of freedom: P(chi2 > 37.7) < 0.001.
    assert.ok(chi2 < 37.7, `chi-square ${chi2.toFixed(1)} over ${buckets.join(",")}`);
    for (let i = 0; i < 1000; i++) assert.ok(t.sampleBits(27) < 2 ** 27);
    assert.throws(() => t.sampleBits(28), /at most 27 bits/);
  });

  it("rejection keeps sampled bits unbiased: p − 1 (whose low 27 bits are zero) is never used", () => {
    // p − 1 = 15·2^27: masking it would favour index 0 for every bit count up to 27.
    assert.equal((P - 1) % 2 ** 27, 0);
    assert.equal(powSampleOk(P - 1, 10), false, "p − 1 never passes the proof of work");
    assert.equal(powSampleOk(0, 27), true);
    assert.equal(powSampleOk(1 << 10, 10), true);
    assert.equal(powSampleOk((1 << 10) + 1, 10), false);
  });

  it("draws queries as exactly Q independent samples: the distinct ones, sorted", () => {
    const t = new DuplexTranscript();
    t.observe(3);
    const twin = new DuplexTranscript();
    twin.observe(3);
    const q = t.drawQueries(30, 5);
    const samples = Array.from({ length: 30 }, () => twin.sampleBits(5));
    assert.deepEqual(q, [...new Set(samples)].sort((a, b) => a - b));
    assert.ok(q.length < 30, "30 samples of 5 bits repeat");
    assert.equal(t.sample(), twin.sample(), "the draw consumed exactly 30 samples");
  });

  it("grinds the smallest passing nonce, and absorbPow checks it", () => {
    const t = new DuplexTranscript();
    t.observeMany([1, 2, 3]);
    const { state, pending } = t.snapshot();
    const nonce = grindPoseidon2Reference(state, pending, 8);
    for (let n = 0n; n < nonce; n++) {
      const c = new DuplexTranscript();
      c.observeMany([1, 2, 3]);
      assert.equal(c.absorbPow(n, 8), false, `nonce ${n} should fail`);
    }
    const ok = new DuplexTranscript();
    ok.observeMany([1, 2, 3]);
    assert.equal(ok.absorbPow(nonce, 8), true);
    const big = new DuplexTranscript();
    assert.equal(big.absorbPow(BigInt(P), 0), false, "a nonce must be a field element");
  });
});
