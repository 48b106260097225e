import { strict as assert } from "node:assert";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { Transcript, Tag, DOMAIN_TAG, leadingZeroBits, checkPow, u64le } from "../../../src/stark/transcript.js";
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
