import { strict as assert } from "node:assert";
import { LockDecider, LockIntents, intentPriority, type MarketAgent } from "../../../src/market/index.js";
import type { SegmentRecord } from "../../../src/store/index.js";
import { ManualClock } from "../../../src/util/clock.js";

const A = "0x1111111111111111111111111111111111111111" as const;
const B = "0x2222222222222222222222222222222222222222" as const;

function segment(id: bigint): SegmentRecord {
  return { segmentId: id, batchId: id >> 32n, index: Number(id & 0xffffffffn), air: "transfer-v1", witnessHash: "0x00", minPrice: 1n, maxPrice: 2n, auctionStart: 0, rampSeconds: 10, lockDuration: 60, collateral: 20n, observedBlock: 1n };
}

describe("market: lock intents", () => {
  it("priority is a per-segment pseudo-random order: neither address always wins", () => {
    let aWins = 0;
    for (let i = 0n; i < 64n; i++) if (intentPriority(i, A) < intentPriority(i, B)) aWins++;
    assert.ok(aWins > 16 && aWins < 48, `A won ${aWins} of 64`);
  });

  it("the better intent wins; the other backs off until it expires; expired and own intents are ignored", async () => {
    const clock = new ManualClock(1_000_000);
    const announced: unknown[] = [];
    const mk = (self: `0x${string}`) => new LockIntents({ settleMs: 1, ttlMs: 10_000 }, { self, clock, announce: async (i) => void announced.push({ self, ...i }) });
    const a = mk(A);
    const b = mk(B);
    // Find a segment where A beats B and one where B beats A.
    let aBetter = 0n;
    while (intentPriority(aBetter, A) > intentPriority(aBetter, B)) aBetter++;
    let bBetter = 0n;
    while (intentPriority(bBetter, B) > intentPriority(bBetter, A)) bBetter++;

    b.record(aBetter, A, clock.now() + 5_000);
    const lost = await b.claim(aBetter, 0n, Number(aBetter));
    assert.deepEqual(lost, { ok: false, holder: A.toLowerCase(), retryAt: clock.now() + 5_000 });
    assert.equal(announced.length, 0, "a node that already lost does not announce");
    // A worse intent does not stop us.
    a.record(aBetter, B, clock.now() + 5_000);
    assert.deepEqual(await a.claim(aBetter, 0n, Number(aBetter)), { ok: true });
    assert.equal(announced.length, 1);
    // Expired intents do not count; our own echo does not count.
    b.record(bBetter, A, clock.now() + 1);
    clock.advance(2);
    assert.deepEqual(await b.claim(bBetter, 0n, Number(bBetter)), { ok: true });
    a.record(aBetter + 1000n, A, clock.now() + 5_000);
    assert.deepEqual(await a.claim(aBetter + 1000n, 0n, 0), { ok: true });
    // An intent cannot hold a segment longer than the TTL.
    b.record(aBetter, A, clock.now() + 10_000_000);
    const capped = await b.claim(aBetter, 0n, Number(aBetter));
    assert.equal(capped.ok, false);
    assert.ok(!capped.ok && capped.retryAt <= clock.now() + 10_000);
  });

  it("an intent arriving during the settle time makes us yield", async () => {
    const clock = new ManualClock(0);
    let seg = 0n;
    while (intentPriority(seg, A) > intentPriority(seg, B)) seg++;
    const b: LockIntents = new LockIntents({ settleMs: 20, ttlMs: 10_000 }, { self: B, clock, announce: async () => void setTimeout(() => b.record(seg, A, 5_000), 1) });
    const r = await b.claim(seg, 0n, Number(seg));
    assert.equal(r.ok, false);
  });
});

describe("market: lock decider", () => {
  it("decides one segment at a time and counts a yes as reserved capacity until released", async () => {
    const seen: number[] = [];
    let inFlight = 0;
    const agent = {
      decide: async (s: SegmentRecord) => {
        inFlight++;
        assert.equal(inFlight, 1, "decisions never overlap");
        seen.push(decider.reserved().length);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return s.segmentId === 3n ? ({ lock: false, reason: "PRICE_TOO_LOW", retryAt: 99 } as const) : ({ lock: true, price: 7n, minimumPrice: 1n } as const);
      },
    } as unknown as MarketAgent;
    const decider: LockDecider = new LockDecider({ agent, intents: null });
    const out = await Promise.all([1n, 2n, 3n].map((id) => decider.decide(segment(id))));
    assert.deepEqual(out, [{ lock: true, price: 7n }, { lock: true, price: 7n }, { lock: false, reason: "PRICE_TOO_LOW", retryAt: 99 }]);
    assert.deepEqual(seen, [0, 1, 2], "each decision saw the reservations of the earlier ones");
    assert.deepEqual(decider.reserved().map((j) => j.segmentId), [1n, 2n]);
    decider.release(1n);
    assert.deepEqual(decider.reserved().map((j) => j.segmentId), [2n]);
  });

  it("a lost intent round is a decline with the holder's expiry as retry time", async () => {
    const agent = { decide: async () => ({ lock: true, price: 7n, minimumPrice: 1n }) } as unknown as MarketAgent;
    const decider = new LockDecider({ agent, intents: { claim: async () => ({ ok: false, holder: A, retryAt: 12_345 }) } });
    assert.deepEqual(await decider.decide(segment(1n)), { lock: false, reason: "INTENT_YIELDED", retryAt: 13 });
    assert.equal(decider.reserved().length, 0);
  });
});
