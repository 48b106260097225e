/**
 * The scheduler's rules over a real store: typed failure reasons and which of them are retried, the
 * reconsideration of given-up segments by the sweep, and the pruning of finished jobs' proofs after the
 * retention, across a restart.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobRunner, JobScheduler, JobStateMachine, type PersistedJob } from "../../../src/jobs/index.js";
import { ProofContentStore } from "../../../src/node/job-network.js";
import { DECLINE_REASONS, Store, declined, isDecline, isRetryable, type FailureReason, type JobState } from "../../../src/store/index.js";
import { ManualClock } from "../../../src/util/clock.js";
import { segmentIdOf } from "../../../src/util/segment-id.js";
import { FakeChain, FakeNetwork, FixedMarket, InlineProver, sampleSegment } from "./fixtures/fakes.js";

describe("jobs: failure reasons", () => {
  const cases: [FailureReason, boolean][] = [
    ...DECLINE_REASONS.map((r): [FailureReason, boolean] => [declined(r), r !== "SEGMENT_TOO_LARGE"]),
    ["LOCK_LOST", true],
    ["LOCK_REVERTED", true],
    ["LOCK_TX_DROPPED", true],
    ["SLASHED", true],
    ["PROVING_FAILED", false],
    ["COMMIT_REVERTED", false],
  ];
  for (const [reason, retry] of cases) it(`${reason} is ${retry ? "" : "not "}retried once the segment is open again`, () => assert.equal(isRetryable(reason), retry));

  it("a decline is DECLINED_ plus the market's reason; nothing else is a decline; no reason is no retry", () => {
    assert.equal(declined("PRICE_TOO_LOW"), "DECLINED_PRICE_TOO_LOW");
    assert.deepEqual(cases.filter(([r]) => isDecline(r)).map(([r]) => r), DECLINE_REASONS.map((r) => `DECLINED_${r}`));
    assert.equal(isRetryable(undefined), false);
    // @ts-expect-error a reason outside the union does not compile
    const unknown: FailureReason = "DECLINED_BECAUSE";
    assert.equal(isRetryable(unknown), false);
  });
});

describe("jobs: scheduler", function () {
  this.timeout(30_000);
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let machine: JobStateMachine;
  let chain: FakeChain;
  let runner: JobRunner;
  const HOUR = 3_600_000;

  const open = async (): Promise<void> => {
    store = await Store.open({ path: join(dir, "db") });
    machine = new JobStateMachine({ store, clock });
    runner = new JobRunner({ proofOptionsPreset: "test", txWaitMs: 10 }, { store, machine, chain, network: new FakeNetwork(chain), market: new FixedMarket(), prover: new InlineProver(), signal: new AbortController().signal, clock });
  };
  /** A scheduler whose drives do nothing (the rules under test are the scheduler's own). */
  const scheduler = (lockability: (id: bigint) => Promise<"lockable" | "taken" | "closed"> = async () => "taken") =>
    new JobScheduler({ proofRetentionMs: HOUR, pruneIntervalMs: 0 }, { store, machine, runner: { observe: (s) => runner.observe(s), drive: async (j) => j }, lockability, signal: new AbortController().signal, clock });
  const ended = async (id: bigint, state: JobState, failureReason?: FailureReason): Promise<PersistedJob> => {
    let job: PersistedJob = await runner.observe(sampleSegment(id));
    job = await machine.transition(job, "failed", failureReason ? { failureReason } : {});
    return job;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-scheduler-"));
    clock = new ManualClock(1_000_000);
    chain = new FakeChain();
    await open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the sweep reopens retryable failures of lockable segments (RECONSIDER after a decline, REOPENED after a lost lock), nothing else", async () => {
    const ids = { price: 1n, lost: 2n, proving: 3n, taken: 4n, closed: segmentIdOf(9n, 0) };
    await ended(ids.price, "failed", "DECLINED_PRICE_TOO_LOW");
    await ended(ids.lost, "failed", "LOCK_LOST");
    await ended(ids.proving, "failed", "PROVING_FAILED");
    await ended(ids.taken, "failed", "LOCK_LOST");
    await ended(ids.closed, "failed", "DECLINED_NO_CAPACITY");
    const asked: bigint[] = [];
    const s = scheduler(async (id) => {
      asked.push(id);
      return id === ids.taken ? "taken" : id === ids.closed ? "closed" : "lockable";
    });
    await s.sweep();
    const state = async (id: bigint) => (await store.jobs.get(id))!;
    assert.equal((await state(ids.price)).state, "observed");
    assert.equal((await state(ids.price)).history.at(-1)!.reason, "RECONSIDER");
    assert.equal((await state(ids.lost)).state, "observed");
    assert.equal((await state(ids.lost)).history.at(-1)!.reason, "REOPENED");
    assert.equal((await state(ids.proving)).state, "failed", "a proof the prover refused is not retried");
    assert.equal((await state(ids.taken)).state, "failed", "someone else's live lock: wait");
    assert.equal((await state(ids.closed)).state, "failed");
    assert.ok(!asked.includes(ids.proving), "a non-retryable failure is not even looked up");
    // A closed batch is remembered: its failed jobs are not looked up again.
    asked.length = 0;
    await s.sweep();
    assert.ok(!asked.includes(ids.closed));
  });

  it("prunes the proofs of finished jobs after the retention, keeps the records, and a restart serves what is left", async () => {
    chain.openSegment(1n);
    chain.openSegment(2n);
    const done = await runner.drive(await runner.observe(sampleSegment(1n)));
    assert.equal(done.state, "finalized");
    let live: PersistedJob = await runner.observe(sampleSegment(2n));
    while (live.state !== "proven") live = (await runner.step(live)) as PersistedJob;
    const served = new ProofContentStore(store);
    const doneHash = done.proofHash! as `0x${string}`;
    const liveHash = live.proofHash! as `0x${string}`;
    assert.ok(await served.get(doneHash), "a finished job's proof is served during the retention");

    const s = scheduler();
    clock.advance(HOUR / 2);
    await s.sweep();
    assert.ok(await store.proofs.get(1n), "within the retention: kept");
    clock.advance(HOUR);
    await s.sweep();
    assert.equal(await store.proofs.get(1n), null, "past the retention: pruned");
    assert.equal(await served.get(doneHash), null);
    assert.ok(await store.proofs.get(2n), "an unfinished job's proof is never pruned");

    // Restart: nothing is loaded at start, and both answers hold.
    await store.close();
    await open();
    const again = new ProofContentStore(store);
    assert.equal(await again.get(doneHash), null);
    assert.deepEqual(await again.get(liveHash), (await store.proofs.get(2n))!.bytes);
    const record = (await store.jobs.get(1n))!;
    assert.equal(record.state, "finalized");
    assert.equal(record.price, 500n, "the record (earnings, history) stays");
    assert.equal(await store.proofs.byHash.get(doneHash.toLowerCase()), null, "the index entry went with the proof");
    assert.equal(await machine.pruneFinished(clock.now()), 0, "nothing left to prune");
    // The unfinished job goes on after the restart.
    assert.equal((await runner.drive((await machine.get(2n))!)).state, "finalized");
  });
});
