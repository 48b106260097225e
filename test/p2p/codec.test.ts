import assert from "node:assert/strict";
import fc from "fast-check";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { DecodeError, decodeEnvelope, encodeSigned, verifySignature, type GossipBody } from "../../src/p2p/index.js";
import { decodeBody, encodeBody } from "../../src/p2p/messages/payloads.js";
import { decodeFrames, encodeFrames } from "../../src/p2p/reqresp/frames.js";
import { decodeHeader, decodeRequest, encodeHeader, encodeRequest, ResponseCode } from "../../src/p2p/reqresp/messages.js";

const HASH = `0x${"11".repeat(32)}` as const;
const bodies: GossipBody[] = [
  { kind: "proofAvailable", batchId: (1n << 64n) - 1n, segmentIndex: 0xffff_ffff, proofHash: HASH, size: 1 },
  { kind: "witnessAvailable", batchId: 0n, segmentIndex: 0, witnessHash: HASH, size: 5_000_000 },
  { kind: "status", nodeVersion: "", backend: "cuda", capacity: 65535, queued: 0 },
  { kind: "aggregateProgress", batchId: 9n, collected: 4, total: 4 },
  { kind: "lockIntent", batchId: 3n, segmentIndex: 7, expiresAt: 1_900_000_000_000 },
  { kind: "aggNodeAvailable", batchId: 5n, first: 0, last: 15, proofHash: HASH, size: 120_000 },
];

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("p2p codecs", () => {
  it("refuses a tree node announced with last < first or an empty size", () => {
    assert.throws(() => encodeBody({ kind: "aggNodeAvailable", batchId: 1n, first: 3, last: 2, proofHash: HASH, size: 1 }), RangeError);
    const ok = encodeBody({ kind: "aggNodeAvailable", batchId: 1n, first: 2, last: 3, proofHash: HASH, size: 1 });
    const swapped = Uint8Array.from(ok);
    swapped.set(ok.subarray(12, 16), 8);
    swapped.set(ok.subarray(8, 12), 12);
    assert.throws(() => decodeBody("aggNodeAvailable", swapped), DecodeError);
    const empty = Uint8Array.from(ok);
    empty.fill(0, ok.length - 4);
    assert.throws(() => decodeBody("aggNodeAvailable", empty), DecodeError);
  });

  const key = generatePrivateKey();
  const signer = privateKeyToAccount(key).address;

  for (const body of bodies) {
    it(`round-trips and verifies a signed ${body.kind}`, async () => {
      const bytes = await encodeSigned("test", body, key, signer, 1_700_000_000_123);
      const msg = decodeEnvelope("test", bytes);
      assert.deepEqual(msg.body, body);
      assert.equal(msg.signer, signer);
      assert.equal(msg.timestamp, 1_700_000_000_123);
      assert.equal(await verifySignature(msg), true);
      // The network name is part of what is signed: another network's node rejects the signature.
      assert.equal(await verifySignature(decodeEnvelope("other", bytes)), false);
    });
  }

  it("names the field that is wrong", async () => {
    const good = await encodeSigned("test", bodies[3]!, key, signer, 1);
    const cases: Array<[string, (b: Uint8Array) => Uint8Array, string]> = [
      ["version", (b) => b.with(0, 2), "version"],
      ["kind", (b) => b.with(1, 99), "kind"],
      ["trailing byte", (b) => Uint8Array.from([...b, 0]), "envelope"],
      ["short signature", (b) => b.subarray(0, b.length - 1), "signature"],
      ["payload length", (b) => b.with(30, 3), "batchId"],
      ["v", (b) => b.with(b.length - 1, 5), "signature"],
      ["empty", () => new Uint8Array(0), "version"],
    ];
    for (const [what, mutate, field] of cases) {
      assert.throws(
        () => decodeEnvelope("test", mutate(good)),
        (err: unknown) => err instanceof DecodeError && (err.type as { field: string }).field === field,
        what,
      );
    }
    assert.throws(
      () => decodeBody("aggregateProgress", encodeBody({ kind: "aggregateProgress", batchId: 1n, collected: 1, total: 1 }).with(8, 2)),
      (err: unknown) => err instanceof DecodeError && (err.type as { field: string }).field === "collected",
    );
    assert.throws(() => decodeBody("status", Uint8Array.from([1, 0x07, 1, 0x41, 0, 0, 0, 0])), /non-printable/);
  });

  it("never crashes on arbitrary bytes: decodes or throws DecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeEnvelope("test", bytes);
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("never crashes on mutations of a valid envelope", async () => {
    const good = await encodeSigned("test", bodies[0]!, key, signer, 5);
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(good.length), (pos, value, cut) => {
        const mutated = good.with(pos, value).subarray(0, cut);
        try {
          decodeEnvelope("test", mutated);
        } catch (err) {
          assert.ok(err instanceof DecodeError, String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("frames survive arbitrary re-chunking and refuse oversized frames early", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }), fc.integer({ min: 1, max: 97 }), async (frames, cut) => {
        const wire = await collect(encodeFrames()(frames));
        const joined = Uint8Array.from(wire.flatMap((w) => [...w]));
        const pieces: Uint8Array[] = [];
        for (let i = 0; i < joined.length; i += cut) pieces.push(joined.subarray(i, i + cut));
        const back = await collect(decodeFrames(600)(pieces));
        assert.deepEqual(back, frames);
      }),
      { numRuns: 200 },
    );
    const big = await collect(encodeFrames()([new Uint8Array(1000)]));
    await assert.rejects(collect(decodeFrames(999)([big[0]!.subarray(0, 3)])), (err: unknown) => err instanceof DecodeError);
    await assert.rejects(collect(decodeFrames(10)([Uint8Array.from([5, 1, 2])])), /stream ended inside a frame/);
  });

  it("encodes and strictly decodes req/resp requests and headers", () => {
    assert.deepEqual(decodeRequest("proof", encodeRequest("proof", HASH)), { hash: HASH });
    assert.deepEqual(decodeRequest("status", encodeRequest("status", null)), { hash: null });
    assert.throws(() => decodeRequest("witness", encodeRequest("status", null)), DecodeError);
    assert.throws(() => decodeRequest("status", encodeRequest("proof", HASH)), DecodeError);
    assert.deepEqual(decodeHeader(encodeHeader(ResponseCode.OK, 5_000_000)), { code: ResponseCode.OK, size: 5_000_000 });
    assert.throws(() => decodeHeader(encodeHeader(ResponseCode.NOT_FOUND, 3)), DecodeError);
    assert.throws(() => decodeHeader(Uint8Array.from([1, 42, 0, 0, 0, 0])), DecodeError);
  });
});
