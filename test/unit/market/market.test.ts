import { strict as assert } from "node:assert";
import { CircuitBreaker, MarketAgent, lockOutcome, auctionPrice, checkCapacity, checkStake, minimumPrice, parseProfile, timeWhenPriceReaches, MarketError, type CapacityJob, type ProvingProfile, type StakeView } from "../../../src/market/index.js";
import { ManualClock } from "../../../src/util/clock.js";
import type { JobRecord, JobState, SegmentRecord } from "../../../src/store/index.js";

describe("market: pricing", () => {
  const cases: [string, number, bigint, number, bigint][] = [
    // name, seconds, cost/hour, margin bps, expected minimum price
    ["one hour at cost", 3600, 1000n, 0, 1000n],
    ["one hour +20 %", 3600, 1000n, 2000, 1200n],
    ["36 s of a 1000/h machine", 36, 1000n, 0, 10n],
    ["rounds up", 1, 1000n, 0, 1n],
    ["free operator", 100, 0n, 5000, 0n],
    ["wei-scale cost", 90, 2n * 10n ** 18n, 1000, 55_000_000_000_000_000n],
  ];
  for (const [name, s, cost, bps, want] of cases) it(name, () => assert.equal(minimumPrice(s, cost, bps), want));

  it("follows the reverse Dutch auction and finds when it pays enough", () => {
    const seg = { minPrice: 100n, maxPrice: 1100n, auctionStart: 1000, rampSeconds: 100 };
    const table: [number, bigint][] = [[900, 100n], [1000, 100n], [1050, 600n], [1100, 1100n], [5000, 1100n]];
    for (const [t, p] of table) assert.equal(auctionPrice(seg, t), p, `t=${t}`);
    assert.equal(timeWhenPriceReaches(seg, 600n), 1050);
    assert.equal(timeWhenPriceReaches(seg, 50n), 1000);
    assert.equal(timeWhenPriceReaches(seg, 2000n), null);
    assert.ok(auctionPrice(seg, timeWhenPriceReaches(seg, 777n)!) >= 777n);
  });

  it("validates profiles, naming the bad field", () => {
    assert.ok(parseProfile({ version: 1, measuredAt: 1, backends: { js: { "fib-v1": { secondsPerSegment: 2 } } } }));
    assert.throws(() => parseProfile({ version: 1, measuredAt: 1, backends: { js: { "fib-v1": { secondsPerSegment: -1 } } } }), /backends\.js\.fib-v1\.secondsPerSegment/);
    assert.throws(() => parseProfile({ version: 2 }), MarketError);
  });
});

describe("market: capacity", () => {
  const job = (remainingSeconds: number, deadline: number, running = false): CapacityJob => ({ remainingSeconds, deadline, running });
  const cases: { name: string; workers: number; jobs: CapacityJob[]; candidate: CapacityJob; ok: boolean }[] = [
    { name: "idle node, fits", workers: 1, jobs: [], candidate: job(100, 200), ok: true },
    { name: "idle node, too slow for the deadline", workers: 1, jobs: [], candidate: job(300, 200), ok: false },
    { name: "queued behind a running job", workers: 1, jobs: [job(100, 150, true)], candidate: job(100, 250), ok: true },
    { name: "queued behind a running job, late", workers: 1, jobs: [job(100, 150, true)], candidate: job(100, 199), ok: false },
    { name: "would make an earlier-locked job late", workers: 1, jobs: [job(100, 180)], candidate: job(100, 110), ok: false },
    { name: "fits before a later-deadline job", workers: 1, jobs: [job(100, 300)], candidate: job(150, 160), ok: true },
    { name: "two workers absorb it", workers: 2, jobs: [job(100, 150, true)], candidate: job(100, 120), ok: true },
    { name: "two workers both busy", workers: 2, jobs: [job(100, 150, true), job(100, 150, true)], candidate: job(100, 150), ok: false },
    { name: "no workers", workers: 0, jobs: [], candidate: job(1, 1000), ok: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(checkCapacity({ nowSec: 0, workers: c.workers, jobs: c.jobs, candidate: c.candidate }).ok, c.ok));
});

describe("market: circuit breaker", () => {
  it("trips after N consecutive failures, half-opens after the cooldown for one trial, resets on success", () => {
    const clock = new ManualClock(0);
    const b = new CircuitBreaker({ failures: 3, cooldownSeconds: 60 }, clock);
    b.recordFailure();
    b.recordFailure();
    b.recordSuccess(); // a success resets the count
    b.recordFailure();
    b.recordFailure();
    assert.equal(b.state, "closed");
    b.recordFailure();
    assert.equal(b.state, "open");
    assert.equal(b.canLock(), false);
    clock.advance(59_999);
    assert.equal(b.canLock(), false);
    clock.advance(1);
    assert.equal(b.state, "halfOpen");
    assert.equal(b.canLock(), true);
    b.onLock();
    assert.equal(b.canLock(), false, "one trial at a time");
    b.recordFailure(); // the trial failed: open again for a full cooldown
    assert.equal(b.state, "open");
    clock.advance(60_000);
    b.onLock();
    b.recordSuccess();
    assert.equal(b.state, "closed");
    assert.equal(b.consecutiveFailures, 0);
  });
});

describe("market: stake rails", () => {
  const limits = { warnFreeStake: 500n, minGasBalance: 10n, warnGasBalance: 100n };
  const cases: [string, StakeView, bigint, boolean, string | undefined, string[]][] = [
    ["plenty", { freeStake: 10_000n, gasBalance: 1000n }, 1000n, true, undefined, []],
    ["exactly the collateral", { freeStake: 1000n, gasBalance: 1000n }, 1000n, true, undefined, ["LOW_FREE_STAKE"]],
    ["not enough free stake", { freeStake: 999n, gasBalance: 1000n }, 1000n, false, "INSUFFICIENT_FREE_STAKE", ["LOW_FREE_STAKE"]],
    ["no gas to commit", { freeStake: 10_000n, gasBalance: 9n }, 1000n, false, "INSUFFICIENT_GAS_BALANCE", ["LOW_GAS_BALANCE"]],
    ["low gas warns only", { freeStake: 10_000n, gasBalance: 50n }, 1000n, true, undefined, ["LOW_GAS_BALANCE"]],
  ];
  for (const [name, view, collateral, ok, refusal, warnings] of cases) {
    it(name, () => assert.deepEqual(checkStake(view, collateral, limits), { ok, warnings, ...(refusal ? { refusal } : {}) }));
  }
});

describe("market: agent", () => {
  const profile: ProvingProfile = { version: 1, measuredAt: 0, backends: { js: { "transfer-v1": { secondsPerSegment: 60 } } } };
  const segment = (id: bigint, over: Partial<SegmentRecord> = {}): SegmentRecord => ({
    segmentId: id, batchId: 1n, index: 0, air: "transfer-v1", witnessHash: "0x", minPrice: 1000n, maxPrice: 1000n,
    auctionStart: 0, rampSeconds: 0, lockDuration: 600, collateral: 10_000n, observedBlock: 1n, ...over,
  });
  const job = (id: bigint, state: JobState, lockDeadline: number): JobRecord => ({ segmentId: id, state, lockDeadline, txs: {}, provingAttempts: 0, createdAt: 0, updatedAt: 0, history: [] });

  function agent(over: { jobs?: JobRecord[]; stake?: StakeView; workers?: number; opts?: object; maxLogRows?: number; memoryBytes?: number; profile?: ProvingProfile } = {}) {
    const clock = new ManualClock(1_000_000);
    const a = new MarketAgent(
      { costPerHour: 36_000n, marginBps: 0, maxConcurrentJobs: 3, safetyFactor: 1, overheadSeconds: 0, breakerFailures: 2, breakerCooldownSeconds: 60, warnFreeStake: 0n, minGasBalance: 1n, warnGasBalance: 1n, ...over.opts },
      {
        clock, profile: over.profile ?? profile, backend: "js", workers: over.workers ?? 1, stake: () => over.stake ?? { freeStake: 10n ** 9n, gasBalance: 10n ** 9n }, activeJobs: () => over.jobs ?? [],
        maxLogRows: () => over.maxLogRows ?? null, ...(over.memoryBytes !== undefined ? { memoryBytes: over.memoryBytes } : {}),
      },
    );
    return { a, clock };
  }

  it("locks at the auction price when every rail passes", async () => {
    // 60 s at 36000/h = 600 minimum; the auction pays 1000.
    assert.deepEqual(await agent().a.decide(segment(1n)), { lock: true, price: 1000n, minimumPrice: 600n });
  });

  const declines: [string, Parameters<typeof agent>[0], Partial<SegmentRecord>, string][] = [
    ["price below minimum", {}, { minPrice: 100n, maxPrice: 500n }, "PRICE_TOO_LOW"],
    ["too many jobs", { jobs: [job(2n, "proving", 2000), job(3n, "locked", 2000), job(4n, "lockSent", 2000)] }, {}, "MAX_CONCURRENT_JOBS"],
    ["never beyond capacity: queue would miss the deadline", { jobs: [job(2n, "locked", 1000 + 70), job(3n, "locked", 1000 + 130)] }, { lockDuration: 150 }, "NO_CAPACITY"],
    ["no lock without enough free stake", { stake: { freeStake: 9_999n, gasBalance: 10n ** 9n } }, {}, "INSUFFICIENT_FREE_STAKE"],
    ["a segment taller than the backend can prove (GPU memory)", { maxLogRows: 16 }, { logRows: 17 }, "SEGMENT_TOO_LARGE"],
  ];
  for (const [name, setup, seg, reason] of declines) {
    it(`declines: ${name}`, async () => {
      const d = await agent(setup).a.decide(segment(1n, seg));
      assert.equal(d.lock, false);
      assert.equal(!d.lock && d.reason, reason);
    });
  }

  it("memory: the measured peak (scaled to the segment's height) times the proofs at once must fit", async () => {
    const GiB = 2 ** 30;
    const measured: ProvingProfile = { version: 1, measuredAt: 0, backends: { js: { "transfer-v1": { secondsPerSegment: 60, logRows: 16, peakRssBytes: 2 * GiB } } } };
    const decide = async (o: Parameters<typeof agent>[0], seg: Partial<SegmentRecord>) => (await agent({ profile: measured, ...o }).a.decide(segment(1n, seg)));
    assert.equal((await decide({ memoryBytes: 2 * GiB }, { logRows: 16 })).lock, true);
    assert.deepEqual(await decide({ memoryBytes: 2 * GiB - 1 }, { logRows: 16 }), { lock: false, reason: "SEGMENT_TOO_LARGE" });
    // Twice the rows, twice the memory.
    assert.deepEqual(await decide({ memoryBytes: 3 * GiB }, { logRows: 17 }), { lock: false, reason: "SEGMENT_TOO_LARGE" });
    assert.equal((await decide({ memoryBytes: 4 * GiB }, { logRows: 17 })).lock, true);
    // Two workers and a job already proving: two proofs at once.
    const jobs = [job(2n, "proving", 1_000 + 10_000)];
    assert.deepEqual(await decide({ memoryBytes: 3 * GiB, workers: 2, jobs }, { logRows: 16 }), { lock: false, reason: "SEGMENT_TOO_LARGE" });
    assert.equal((await decide({ memoryBytes: 4 * GiB, workers: 2, jobs }, { logRows: 16 })).lock, true);
    // No peak recorded, or no memory given: no memory rail.
    assert.equal((await agent({ memoryBytes: 1 }).a.decide(segment(1n))).lock, true);
    assert.equal((await decide({}, { logRows: 20 })).lock, true);
  });

  it("locks a segment that fits the backend's height limit", async () => {
    assert.equal((await agent({ maxLogRows: 16 }).a.decide(segment(1n, { logRows: 16 }))).lock, true);
  });

  it("finished and failed jobs do not use capacity", async () => {
    const jobs = [job(2n, "finalized", 0), job(3n, "failed", 0), job(4n, "published", 0), job(5n, "committed", 0)];
    assert.equal((await agent({ jobs }).a.decide(segment(1n))).lock, true);
  });

  it("stops locking when the breaker trips and resumes after the cooldown and a success", async () => {
    const { a, clock } = agent();
    a.recordOutcome("failed");
    a.recordOutcome("slashed");
    const d = await a.decide(segment(1n));
    assert.equal(!d.lock && d.reason, "BREAKER_OPEN");
    clock.advance(60_000);
    assert.equal((await a.decide(segment(2n))).lock, true, "half-open: one trial");
    assert.equal(!(await a.decide(segment(3n))).lock, true, "no second trial in flight");
    a.recordOutcome("success");
    assert.equal((await a.decide(segment(4n))).lock, true);
  });
});

describe("market: which outcomes count for the breaker", () => {
  const cases: [JobState | null, JobState, string | null][] = [
    ["published", "finalized", "success"],
    ["committed", "finalized", "success"],
    ["proving", "failed", "failed"],
    ["proven", "failed", "failed"],
    ["locked", "slashed", "slashed"],
    ["published", "slashed", "slashed"],
    ["observed", "failed", null], // declined
    ["lockSent", "failed", null], // lost the lock race
    ["decided", "lockSent", null],
  ];
  for (const [from, to, want] of cases) it(`${from} -> ${to}: ${want}`, () => assert.equal(lockOutcome(from, to), want));
});
