import { strict as assert } from "node:assert";
import { WitnessDecodeError, WitnessInvalidError } from "../../../src/rollup/errors.js";
import { buildBatch, rowsPerTransaction, segmentCapacity } from "../../../src/rollup/segment.js";
import { RollupState } from "../../../src/rollup/stf.js";
import {
  decodeWitness,
  encodeWitness,
  replayWitness,
  WITNESS_HEADER_BYTES,
  WITNESS_HEADER_BYTES_V2,
  witnessFromSegment,
  witnessHash,
  witnessStepBytes,
} from "../../../src/rollup/witness.js";
import { genesisOf, rng, tx } from "./helpers.js";

const D = 4;
const LOG_ROWS = 6; // 64 rows, 12 rows per transaction: 5 transactions per segment

function sampleBatch() {
  const state = RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 0, 20]));
  const txs = [
    tx(0, 1, 100, 0),
    tx(1, 2, 1000, 0), // insufficient
    tx(7, 1, 1, 0), // unknown sender
    tx(2, 2, 1, 0), // self
    tx(1, 3, 2 ** 30, 0), // too large
    tx(0, 4, 5, 0), // replayed nonce
    tx(0, 4, 5, 1),
    tx(4, 12, 1, 0), // unknown receiver
    tx(3, 0, 0, 0),
    tx(2, 3, 300, 0),
    tx(3, 0, 150, 1),
  ];
  return buildBatch(state, 9n, txs, LOG_ROWS);
}

describe("rollup/segment + witness", () => {
  it("segment geometry: rows per transaction and capacity", () => {
    assert.equal(rowsPerTransaction(20), 44);
    assert.equal(segmentCapacity(20, 16), Math.floor(65535 / 44));
    assert.equal(segmentCapacity(D, LOG_ROWS), 5);
    assert.throws(() => segmentCapacity(D, 2), RangeError);
  });

  it("a batch is cut into segments chained by their roots, ending at the sequencer's root", () => {
    const batch = sampleBatch();
    assert.equal(batch.segments.length, 3);
    assert.deepEqual(batch.segments.map((s) => s.steps.length), [5, 5, 1]);
    assert.deepEqual(batch.segments[0]!.rootIn, batch.rootIn);
    for (let i = 1; i < batch.segments.length; i++) assert.deepEqual(batch.segments[i]!.rootIn, batch.segments[i - 1]!.rootOut);
    assert.deepEqual(batch.segments[2]!.rootOut, batch.rootOut);
    assert.deepEqual(batch.outcomes, [null, "INSUFFICIENT_BALANCE", "UNKNOWN_SENDER", "SELF_TRANSFER", "AMOUNT_TOO_LARGE", "BAD_NONCE", null, "UNKNOWN_RECEIVER", null, null, null]);
  });

  it("witness round trip, replay reproduces outcomes and roots, the hash is keccak of the bytes", () => {
    const batch = sampleBatch();
    for (const seg of batch.segments) {
      const w = witnessFromSegment(seg);
      const bytes = encodeWitness(w);
      assert.equal(bytes.length, WITNESS_HEADER_BYTES + seg.steps.length * witnessStepBytes(D));
      const back = decodeWitness(bytes);
      assert.deepEqual(back, w);
      const replay = replayWitness(back);
      assert.deepEqual(replay.map((r) => r.failure), seg.steps.map((s) => s.failure));
      assert.deepEqual(replay.map((r) => r.rootAfter), seg.steps.map((s) => s.rootAfter));
      assert.match(witnessHash(bytes), /^0x[0-9a-f]{64}$/);
    }
    const [a, b] = batch.segments.map((s) => witnessHash(encodeWitness(witnessFromSegment(s))));
    assert.notEqual(a, b);
  });

  it("geometry v2 (transfer-v2): D + 2 rows per transaction, version-2 witnesses whose count bound is that geometry's", () => {
    assert.equal(rowsPerTransaction(20, "v2"), 22);
    assert.equal(segmentCapacity(20, 16, "v2"), 2978);
    assert.equal(segmentCapacity(D, LOG_ROWS, "v2"), 10);
    const state = RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 0, 20]));
    const txs = Array.from({ length: 8 }, (_, i) => tx(i % 2, 1 - (i % 2), 1, Math.floor(i / 2)));
    const batch = buildBatch(state, 9n, txs, LOG_ROWS, "v2");
    assert.deepEqual(batch.segments.map((x) => x.steps.length), [8]);
    const w = witnessFromSegment(batch.segments[0]!);
    assert.equal(w.version, 2);
    const bytes = encodeWitness(w);
    assert.equal(bytes.length, WITNESS_HEADER_BYTES_V2 + 8 * witnessStepBytes(D), "version 2 carries r in its header");
    assert.deepEqual(w.randomness, batch.binding!.randomness);
    assert.deepEqual(decodeWitness(bytes), w);
    assert.notEqual(witnessHash(bytes), witnessHash(encodeWitness({ ...w, randomness: [1, 2, 3, 4] })), "r is in the hashed bytes");
    const badR = Uint8Array.from(bytes);
    new DataView(badR.buffer).setUint32(WITNESS_HEADER_BYTES + 8, 2 ** 30, true);
    assert.throws(() => decodeWitness(badR), (err: unknown) => err instanceof WitnessDecodeError && err.type.field === "randomness" && err.type.offset === WITNESS_HEADER_BYTES + 8);
    assert.throws(() => decodeWitness(bytes.subarray(0, WITNESS_HEADER_BYTES + 4)), (err: unknown) => err instanceof WitnessDecodeError && err.type.field === "header");
    // The same 8 transactions as a version-1 segment exceed its capacity (5): refused, naming the count.
    const v1 = Uint8Array.from(bytes);
    v1[4] = 1;
    assert.throws(() => decodeWitness(v1), (err: unknown) => err instanceof WitnessDecodeError && err.type.field === "txCount");
    assert.notEqual(witnessHash(bytes), witnessHash(v1), "the version is in the hashed bytes");
  });

  it("strict decoding: every malformed field is a WitnessDecodeError naming it", () => {
    const bytes = encodeWitness(witnessFromSegment(sampleBatch().segments[0]!));
    const step0 = WITNESS_HEADER_BYTES;
    const sender = step0 + 16;
    const receiver = sender + 41 + 32 * D;
    const mutations: { field: RegExp; edit: (b: Uint8Array, v: DataView) => Uint8Array }[] = [
      { field: /^header$/, edit: (b) => b.subarray(0, 40) },
      { field: /^magic$/, edit: (b) => (b[0] = 0, b) },
      { field: /^version$/, edit: (b) => (b[4] = 3, b) },
      { field: /^treeDepth$/, edit: (b) => (b[6] = 0, b) },
      { field: /^treeDepth$/, edit: (b) => (b[6] = 31, b) },
      { field: /^logRows$/, edit: (b) => (b[7] = 40, b) },
      { field: /^batchId$/, edit: (b) => (b[15] = 0xff, b) },
      { field: /^segmentIndex$/, edit: (b, v) => (v.setUint32(16, 2 ** 30, true), b) },
      { field: /^rootIn$/, edit: (b, v) => (v.setUint32(24, 2013265921, true), b) },
      { field: /^rootOut$/, edit: (b, v) => (v.setUint32(52, 0xffffffff, true), b) },
      { field: /^txCount$/, edit: (b, v) => (v.setUint32(84, 6, true), b) },
      { field: /^steps$/, edit: (b) => b.subarray(0, b.length - 1) },
      { field: /^trailing$/, edit: (b) => Uint8Array.from([...b, 0]) },
      { field: /^steps\[0\]\.tx$/, edit: (b, v) => (v.setUint32(step0, 16, true), b) },
      { field: /^steps\[0\]\.tx$/, edit: (b, v) => (v.setUint32(step0 + 12, 2013265921, true), b) },
      { field: /^steps\[0\]\.sender\.flag$/, edit: (b) => (b[sender] = 2, b) },
      { field: /^steps\[0\]\.sender\.key$/, edit: (b, v) => (v.setUint32(sender + 1, 2013265921, true), b) },
      { field: /^steps\[0\]\.sender\.balance$/, edit: (b, v) => (v.setUint32(sender + 33, 2 ** 30, true), b) },
      { field: /^steps\[0\]\.sender\.nonce$/, edit: (b, v) => (v.setUint32(sender + 37, 0xffffffff, true), b) },
      { field: /^steps\[0\]\.sender\.siblings\[3\]$/, edit: (b, v) => (v.setUint32(sender + 41 + 96 + 4, 2013265921, true), b) },
      { field: /^steps\[0\]\.receiver\.account$/, edit: (b, v) => (b[receiver] = 0, v.setUint32(receiver + 33, 0, true), b) },
    ];
    for (const m of mutations) {
      const copy = bytes.slice();
      const edited = m.edit(copy, new DataView(copy.buffer));
      assert.throws(() => decodeWitness(edited), (err: unknown) => err instanceof WitnessDecodeError && m.field.test(err.type.field), String(m.field));
    }
  });

  it("never crashes on random or truncated byte strings", () => {
    const bytes = encodeWitness(witnessFromSegment(sampleBatch().segments[0]!));
    const next = rng(1);
    for (let i = 0; i < 300; i++) {
      let b: Uint8Array;
      if (i % 3 === 0) b = bytes.subarray(0, Math.floor(next() * bytes.length));
      else if (i % 3 === 1) {
        b = bytes.slice();
        for (let k = 0; k < 4; k++) b[Math.floor(next() * b.length)] = Math.floor(next() * 256);
      } else b = Uint8Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256));
      try {
        decodeWitness(b);
      } catch (err) {
        assert.ok(err instanceof WitnessDecodeError, String(err));
      }
    }
  });

  it("replay rejects a wrong sibling, an inflated balance and a forged rootOut", () => {
    const w = witnessFromSegment(sampleBatch().segments[0]!);
    const sib = structuredClone(w) as any;
    sib.steps[1].receiver.siblings[2][0] ^= 1;
    assert.throws(() => replayWitness(sib), (e: unknown) => e instanceof WitnessInvalidError && e.type.txIndex === 1);
    const rich = structuredClone(w) as any;
    rich.steps[0].sender.account.balance += 1000;
    assert.throws(() => replayWitness(rich), WitnessInvalidError);
    const forged = { ...w, rootOut: w.rootIn };
    assert.throws(() => replayWitness(forged), (e: unknown) => e instanceof WitnessInvalidError && e.type.txIndex === 5);
  });
});
