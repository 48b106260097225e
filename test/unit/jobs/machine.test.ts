import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store, JOB_STATES, type JobState } from "../../../src/store/index.js";
import { JobError, JobRunner, JobStateMachine, TRANSITIONS, canTransition, isTerminal, type PersistedJob, type Prover } from "../../../src/jobs/index.js";
import { ManualClock } from "../../../src/util/clock.js";
import { FakeChain, FakeNetwork, FixedMarket, InlineProver, OTHER_ADDRESS, OUR_ADDRESS, sampleSegment } from "./fixtures/fakes.js";

const isJobError = (code: string) => (e: unknown) => e instanceof JobError && e.code === code;

describe("jobs: state machine", () => {
  let dir: string;
  let store: Store;
  let machine: JobStateMachine;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-jobs-"));
    store = await Store.open({ path: dir });
    machine = new JobStateMachine({ store, clock: new ManualClock(1000) });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the table covers every state; terminal states have no exits", () => {
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...JOB_STATES].sort());
    for (const s of JOB_STATES) assert.equal(isTerminal(s), TRANSITIONS[s].length === 0, s);
    // Nothing can be slashed before a lock exists; a commitment a reorg took away is committed again.
    for (const s of ["observed", "decided", "lockSent"] as JobState[]) assert.equal(canTransition(s, "slashed"), false, s);
    for (const s of ["committed", "published"] as JobState[]) assert.equal(canTransition(s, "proven"), true, s);
    for (const s of ["committed", "published", "proven"] as JobState[]) assert.equal(canTransition(s, "proving"), false, `${s}: a stored proof is never proven again`);
  });

  it("reopen: a failed or slashed job starts a fresh attempt; its proof and witness are dropped; live jobs cannot reopen", async () => {
    const seg = sampleSegment(7n);
    await store.segments.put(seg.segmentId, seg);
    let job: PersistedJob = await machine.create(seg.segmentId);
    job = await machine.transition(job, "decided", { price: 5n });
    job = await machine.transition(job, "lockSent");
    await assert.rejects(machine.reopen(job, "REOPENED"), isJobError("JOB_ILLEGAL_TRANSITION"));
    job = await machine.recordTx(job, "lock", "0xabc");
    job = await machine.transition(job, "failed", { failureReason: "LOCK_LOST" });
    await store.witnesses.put(seg.segmentId, new Uint8Array([1, 2, 3]));
    const again = await machine.reopen(job, "REOPENED");
    assert.equal(again.state, "observed");
    assert.deepEqual(again.txs, {});
    assert.equal(again.price, undefined);
    assert.equal(again.failureReason, undefined);
    assert.equal(again.createdAt, job.createdAt);
    assert.deepEqual(again.history.map((h) => h.state), ["observed", "decided", "lockSent", "failed", "observed"]);
    assert.equal(again.history.at(-1)!.reason, "REOPENED");
    assert.equal(await store.witnesses.get(seg.segmentId), null);
    // A stale copy of the old record is refused.
    await assert.rejects(machine.reopen(job, "REOPENED"), isJobError("JOB_STALE"));
  });

  it("every illegal transition throws JOB_ILLEGAL_TRANSITION and writes nothing", async () => {
    let id = 100n;
    for (const from of JOB_STATES) {
      for (const to of JOB_STATES) {
        if (canTransition(from, to)) continue;
        const segmentId = id++;
        const job = { segmentId, state: from, txs: {}, provingAttempts: 0, createdAt: 0, updatedAt: 0, history: [] };
        await store.jobs.put(segmentId, job);
        await assert.rejects(machine.transition(job as unknown as PersistedJob, to), isJobError("JOB_ILLEGAL_TRANSITION"), `${from} -> ${to}`);
        assert.deepEqual(await store.jobs.get(segmentId), job);
      }
    }
  });

  it("persists before returning, records history, and rejects a stale copy", async () => {
    const seen: JobState[] = [];
    machine = new JobStateMachine({ store, onTransition: async ({ job }) => void seen.push((await store.jobs.get(job.segmentId))!.state) });
    const observed = await machine.create(1n);
    await assert.rejects(machine.create(1n), isJobError("JOB_EXISTS"));
    const decided = await machine.transition(observed, "decided", { price: 5n });
    assert.equal((await store.jobs.get(1n))!.state, "decided");
    assert.equal(decided.price, 5n);
    await assert.rejects(machine.transition(observed, "failed"), isJobError("JOB_STALE"));
    await assert.rejects(machine.transition({ ...decided, segmentId: 2n }, "lockSent"), isJobError("JOB_NOT_FOUND"));
    const failed = await machine.transition(decided, "failed", { failureReason: "LOCK_LOST" });
    assert.deepEqual(failed.history.map((h) => h.state), ["observed", "decided", "failed"]);
    assert.equal(failed.history.at(-1)!.reason, "LOCK_LOST");
    assert.deepEqual(seen, ["observed", "decided", "failed"], "hooks run after the write is visible");
  });
});

describe("jobs: runner recovery rules", function () {
  this.timeout(30_000);
  let dir: string;
  let store: Store;
  let machine: JobStateMachine;
  let chain: FakeChain;
  let network: FakeNetwork;
  let prover: InlineProver;
  const make = (market = new FixedMarket(), clock?: ManualClock): JobRunner =>
    new JobRunner({ proofOptionsPreset: "test", txWaitMs: 10, lostLockGraceMs: 30_000 }, { store, machine, chain, network, market, prover, signal: new AbortController().signal, ...(clock ? { clock } : {}) });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-runner-"));
    store = await Store.open({ path: dir });
    machine = new JobStateMachine({ store });
    chain = new FakeChain();
    network = new FakeNetwork(chain);
    prover = new InlineProver();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a segment from observed to finalized", async () => {
    chain.openSegment(1n);
    const runner = make();
    const job = await runner.drive(await runner.observe(sampleSegment(1n)));
    assert.equal(job.state, "finalized");
    assert.equal(chain.state.locks, 1);
    assert.equal(chain.state.commits, 1);
    assert.ok(await store.proofs.get(1n), "the proof is stored");
    assert.equal(await store.witnesses.get(1n), null, "the witness is dropped once proven");
  });

  it("a declined segment fails with the market's reason", async () => {
    chain.openSegment(1n);
    const runner = make(new FixedMarket({ lock: false, reason: "PRICE_TOO_LOW" }));
    const job = await runner.drive(await runner.observe(sampleSegment(1n)));
    assert.equal(job.state, "failed");
    assert.equal(job.failureReason, "DECLINED_PRICE_TOO_LOW");
    assert.equal(chain.state.locks, 0);
  });

  it("lockSent: another node's lock on chain means LOCK_LOST without sending anything", async () => {
    chain.openSegment(1n);
    const runner = make();
    let job: PersistedJob = await runner.observe(sampleSegment(1n));
    job = await machine.transition(job, "decided");
    job = await machine.transition(job, "lockSent");
    chain.set(1n, { status: "locked", lockedBy: OTHER_ADDRESS });
    const end = await runner.drive(job);
    assert.equal(end.state, "failed");
    assert.equal(end.failureReason, "LOCK_LOST");
    assert.equal(chain.state.locks, 0);
  });

  it("lockSent with a recorded tx whose receipt timed out: waits, does not resend", async () => {
    chain.openSegment(1n);
    chain.txOutcome = "timeout";
    const runner = make();
    let job: PersistedJob = await runner.observe(sampleSegment(1n));
    job = await machine.transition(job, "decided");
    const sent = await machine.recordTx(await machine.transition(job, "lockSent"), "lock", "0xabc");
    const end = await runner.drive(sent);
    assert.equal(end.state, "lockSent", "still waiting on the pending transaction");
    assert.equal(chain.state.locks, 0, "nothing resent");
  });

  it("proven with a dropped commit transaction: sends a new commit", async () => {
    chain.openSegment(1n);
    const runner = make();
    let job: PersistedJob = await runner.observe(sampleSegment(1n));
    while (job.state !== "proven") job = (await runner.step(job)) as PersistedJob;
    job = await machine.recordTx(job, "commit", "0xdead");
    chain.txOutcome = "dropped";
    const afterDrop = (await runner.step(job)) as PersistedJob;
    assert.equal(afterDrop.state, "proven");
    assert.equal(afterDrop.txs.commit, undefined, "the dropped hash is forgotten");
    chain.txOutcome = "success";
    assert.equal((await runner.drive(afterDrop)).state, "finalized");
    assert.equal(chain.state.commits, 1);
  });

  it("proven with our commitment already on chain: committed without a second commit", async () => {
    chain.openSegment(1n);
    const runner = make();
    let job: PersistedJob = await runner.observe(sampleSegment(1n));
    // Run to proven by hand with the real steps, then put the commitment on chain behind its back.
    while (job.state !== "proven") job = (await runner.step(job)) as PersistedJob;
    chain.set(1n, { status: "committed", committedProofHash: job.proofHash! });
    const end = await runner.drive(job);
    assert.equal(end.state, "finalized");
    assert.equal(chain.state.commits, 0);
  });

  it("shutdown while proving leaves the job in proving for the next start", async () => {
    chain.openSegment(1n);
    const ac = new AbortController();
    const hanging: Prover = {
      prove: (_req, o) => new Promise((_resolve, reject) => o?.signal?.addEventListener("abort", () => reject(new JobError({ code: "PROVER_CANCELLED" })))),
    };
    const runner = new JobRunner({ proofOptionsPreset: "test" }, { store, machine, chain, network, market: new FixedMarket(), prover: hanging, signal: ac.signal });
    const driving = runner.drive(await runner.observe(sampleSegment(1n)));
    while ((await store.jobs.get(1n))?.state !== "proving") await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await assert.rejects(driving);
    assert.equal((await store.jobs.get(1n))!.state, "proving");
    assert.ok(await store.witnesses.get(1n), "the witness is kept for the restart");
  });

  it("pruneFinished drops the proofs of finished jobs, keeps the records and unfinished jobs' data", async () => {
    chain.openSegment(1n);
    chain.openSegment(2n);
    const runner = make();
    await runner.drive(await runner.observe(sampleSegment(1n)));
    let two: PersistedJob = await runner.observe(sampleSegment(2n));
    while (two.state !== "proven") two = (await runner.step(two)) as PersistedJob;
    assert.equal(await machine.pruneFinished(Date.now() + 1000), 1);
    assert.equal(await store.proofs.get(1n), null);
    assert.equal((await store.jobs.get(1n))!.state, "finalized");
    assert.ok(await store.proofs.get(2n), "a proof not yet committed is kept");
  });

  it("an old slash of ours in a reopened segment's history does not end our new attempt", async () => {
    // We were slashed for this segment once (e.g. a bad proof), it reopened, and we locked it again.
    chain.openSegment(1n);
    chain.set(1n, { slashed: [OUR_ADDRESS] });
    const runner = make();
    const end = await runner.drive(await runner.observe(sampleSegment(1n)));
    assert.equal(end.state, "finalized");
    assert.equal(prover.attempts, 1);
  });

  /** A job driven to "published" whose batch does not finalize by itself. */
  async function published(runner: JobRunner): Promise<PersistedJob> {
    chain.openSegment(1n);
    let job: PersistedJob = await runner.observe(sampleSegment(1n));
    while (job.state !== "committed") job = (await runner.step(job)) as PersistedJob;
    job = await machine.transition(job, "published");
    assert.equal(await runner.step(job), "wait", "published: waits for finalization");
    return job;
  }

  // Regression (chaos seed 1, ci): a reorg dropped a node's commit transaction; its job, already
  // published, waited for a finalization that could not come, and the lock expired: an honest node slashed.
  it("published, our commitment gone but our lock still on chain (a reorg): commits the stored proof again, never proves again", async () => {
    const runner = make();
    const job = await published(runner);
    const proofHash = job.proofHash!;
    chain.set(1n, { status: "locked", committedProofHash: null });
    const back = (await runner.step(job)) as PersistedJob;
    assert.equal(back.state, "proven");
    assert.equal(back.txs.commit, undefined, "the old commit hash is forgotten");
    assert.equal((await runner.drive(back)).state, "finalized");
    assert.equal(chain.state.commits, 2, "committed again");
    assert.equal(chain.get(1n).committedProofHash, proofHash, "the same proof");
    assert.equal(prover.attempts, 1, "not proven again");
    const history = (await store.jobs.get(1n))!.history.map((h) => h.state);
    assert.deepEqual(history.slice(-5), ["published", "proven", "committed", "published", "finalized"]);
  });

  it("published, lock gone and no slash of ours ingested: waits out the grace (a slash event may lag), then LOCK_LOST", async () => {
    const clock = new ManualClock(1_000_000);
    const runner = make(new FixedMarket(), clock);
    const job = await published(runner);
    chain.set(1n, { status: "open", lockedBy: null, committedProofHash: null });
    assert.equal(await runner.step(job), "wait");
    clock.advance(29_000);
    assert.equal(await runner.step(job), "wait", "within the grace");
    clock.advance(2_000);
    const end = (await runner.step(job)) as PersistedJob;
    assert.equal(end.state, "failed");
    assert.equal(end.failureReason, "LOCK_LOST");
  });

  it("published, the batch timed out: failed (BATCH_TIMED_OUT), not waiting forever", async () => {
    const runner = make();
    const job = await published(runner);
    chain.set(1n, { status: "expired", lockedBy: null, committedProofHash: null });
    const end = (await runner.step(job)) as PersistedJob;
    assert.equal(end.state, "failed");
    assert.equal(end.failureReason, "BATCH_TIMED_OUT");
  });

  it("a lock-holding job whose lock was slashed becomes slashed", async () => {
    chain.openSegment(1n);
    const runner = make();
    let job: PersistedJob = await runner.observe(sampleSegment(1n));
    while (job.state !== "locked") job = (await runner.step(job)) as PersistedJob;
    chain.set(1n, { status: "open", lockedBy: null, slashed: [OUR_ADDRESS] });
    const end = await runner.drive(job);
    assert.equal(end.state, "slashed");
    assert.equal(prover.attempts, 0);
  });
});

describe("jobs: metrics", () => {
  it("keeps jobs-by-state and transition counters current", async () => {
    const { PromMetricsRegister } = await import("../../../src/util/metrics-prom.js");
    const { createJobsMetrics } = await import("../../../src/jobs/index.js");
    const dir = mkdtempSync(join(tmpdir(), "prover-node-jobs-metrics-"));
    const store = await Store.open({ path: dir });
    try {
      await store.jobs.put(9n, { segmentId: 9n, state: "published", txs: {}, provingAttempts: 1, createdAt: 0, updatedAt: 0, history: [] });
      const register = new PromMetricsRegister();
      const machine = new JobStateMachine({ store, metrics: createJobsMetrics(register) });
      await machine.refreshMetrics();
      const job = await machine.create(1n);
      await machine.transition(job, "decided");
      const text = await register.metrics();
      assert.match(text, /prover_jobs_in_state_count\{state="decided"\} 1/);
      assert.match(text, /prover_jobs_in_state_count\{state="observed"\} 0/);
      assert.match(text, /prover_jobs_in_state_count\{state="published"\} 1/);
      assert.match(text, /prover_jobs_transitions_total\{from="observed",to="decided"\} 1/);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("jobs: summary for /status", () => {
  it("counts jobs by state and sums earned and pending prices", async () => {
    const { summariseJobs } = await import("../../../src/jobs/index.js");
    const j = (state: JobState, price?: bigint) => ({ segmentId: 1n, state, price, txs: {}, provingAttempts: 0, createdAt: 0, updatedAt: 0, history: [] });
    const s = summariseJobs([j("finalized", 10n), j("finalized", 5n), j("published", 7n), j("committed", 1n), j("failed", 100n), j("proving", 3n)]);
    assert.equal(s.earned, 15n);
    assert.equal(s.pending, 8n);
    assert.equal(s.byState.finalized, 2);
    assert.equal(s.byState.observed, 0);
  });
});
