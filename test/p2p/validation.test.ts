import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { defaultP2pOpts, encodeSigned, GossipValidationError, MemoryStakeOracle, PeerScoreBook, RateLimiter, type GossipBody } from "../../src/p2p/index.js";
import { GossipValidator, type ValidationResult } from "../../src/p2p/validation.js";

const NOW = 1_800_000_000_000;
const status: GossipBody = { kind: "status", nodeVersion: "0.1.0", backend: "wasm", capacity: 1, queued: 2 };

describe("p2p gossip validation", () => {
  const key = generatePrivateKey();
  const signer = privateKeyToAccount(key).address;
  const oracle = new MemoryStakeOracle(10n);
  oracle.set(signer, { peerId: "12D3KooWfake", stake: 10n });
  let clock = NOW;
  const opts = { ...defaultP2pOpts.gossip, oracleCacheTtlMs: 0 };
  const sign = (body: GossipBody, t = NOW, k = key) => encodeSigned("test", body, k, privateKeyToAccount(k).address, t);
  const verdict = (r: ValidationResult) => (r.verdict === "accept" ? "accept" : `${r.verdict}:${r.reason}`);

  it("accepts, then ignores duplicates, stale and future messages", async () => {
    const v = new GossipValidator("test", opts, oracle, () => clock, null);
    const bytes = await sign(status);
    assert.equal(verdict(await v.validate("status", bytes)), "accept");
    assert.equal(verdict(await v.validate("status", bytes)), "ignore:duplicate");
    assert.equal(verdict(await v.validate("status", await sign(status, NOW - opts.maxAgeMs - 1))), "ignore:stale");
    assert.equal(verdict(await v.validate("status", await sign(status, NOW + opts.maxClockSkewMs + 1))), "ignore:future");
    const intent: GossipBody = { kind: "lockIntent", batchId: 1n, segmentIndex: 0, expiresAt: NOW - 1 };
    assert.equal(verdict(await v.validate("intents", await sign(intent))), "ignore:expired_intent");
  });

  it("rejects what no honest peer forwards", async () => {
    const v = new GossipValidator("test", opts, oracle, () => clock, null);
    const poor = generatePrivateKey();
    oracle.set(privateKeyToAccount(poor).address, { peerId: "x", stake: 9n });
    const rows: Array<[string, Promise<Uint8Array> | Uint8Array, string]> = [
      ["wrong topic", sign(status), "proofs"],
      ["unregistered", sign(status, NOW, generatePrivateKey()), "status"],
      ["stake below minimum", sign(status, NOW, poor), "status"],
      ["too large", new Uint8Array(opts.maxMessageBytes + 1), "status"],
      ["malformed", new Uint8Array([1, 2, 3]), "status"],
    ];
    const expected = ["reject:wrong_topic", "reject:unregistered", "reject:insufficient_stake", "reject:too_large", "reject:malformed"];
    for (let i = 0; i < rows.length; i++) {
      const [what, bytes, topic] = rows[i]!;
      assert.equal(verdict(await v.validate(topic as "status", await bytes)), expected[i], what);
    }
    const tampered = (await sign({ ...status, capacity: 5 })).slice();
    tampered[40] ^= 1;
    assert.equal(verdict(await v.validate("status", tampered)), "reject:bad_signature");
  });

  it("runs the application check last and ignores when the oracle fails", async () => {
    const v = new GossipValidator("test", opts, oracle, () => clock, (_topic, msg) => {
      if (msg.body.kind === "proofAvailable" && msg.body.batchId > 100n) throw new GossipValidationError("IGNORE", "unknown_segment");
    });
    const proof = (batchId: bigint): GossipBody => ({ kind: "proofAvailable", batchId, segmentIndex: 0, proofHash: `0x${"22".repeat(32)}`, size: 9 });
    assert.equal(verdict(await v.validate("proofs", await sign(proof(5n)))), "accept");
    assert.equal(verdict(await v.validate("proofs", await sign(proof(500n)))), "ignore:unknown_segment");
    const broken = new MemoryStakeOracle();
    broken.isRegistered = async () => {
      throw new Error("rpc down");
    };
    const v2 = new GossipValidator("test", opts, broken, () => clock, null);
    assert.equal(verdict(await v2.validate("status", await sign(status))), "ignore:internal");
  });
});

describe("p2p app-level scoring", () => {
  it("decays, disconnects and bans at the documented thresholds", () => {
    let now = 0;
    const actions: string[] = [];
    const book = new PeerScoreBook(defaultP2pOpts.scoring, () => now, (p, action) => actions.push(`${p}:${action}`));
    for (let i = 0; i < 4; i++) book.apply("p", -10, "x");
    assert.deepEqual(actions, []);
    book.apply("p", -10.01, "x");
    assert.deepEqual(actions, ["p:disconnect"]);
    now += defaultP2pOpts.scoring.decayHalfLifeMs;
    assert.ok(Math.abs(book.score("p") + 25.005) < 1e-6, "halved after one half-life");
    book.apply("p", -80, "x");
    assert.deepEqual(actions, ["p:disconnect", "p:ban"]);
    assert.equal(book.isBanned("p"), true);
    assert.deepEqual(book.bannedPeers(), ["p"]);
    now += defaultP2pOpts.scoring.banDurationMs + 1;
    assert.equal(book.isBanned("p"), false);
  });

  it("rate-limits per key with a refilling token bucket", () => {
    let now = 0;
    const rl = new RateLimiter(3, 2, () => now);
    assert.deepEqual([rl.take("a"), rl.take("a"), rl.take("a"), rl.take("a"), rl.take("b")], [true, true, true, false, true]);
    now += 500;
    assert.deepEqual([rl.take("a"), rl.take("a")], [true, false]);
  });
});
