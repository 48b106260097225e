/**
 * Segment jobs of data batches (docs/aggregator.md, "Aggregation by proof trees"): the transfer-v2 trace
 * builder, the witness checked against L1's binding (r, txCommitment, txCount, roots) before proving,
 * and the proof made with poseidon2 and the plan's segment options, bound to the node's address.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { buildInstance, dataWitnessProblems, JobError, JobRunner, JobStateMachine, ProverPool, type DataSegmentBinding, type PersistedJob } from "../../../src/jobs/index.js";
import { Store, isRetryable, type SegmentRecord } from "../../../src/store/index.js";
import { buildBatch, encodeWitness, RollupState, witnessFromSegment, type SegmentWitness } from "../../../src/rollup/index.js";
import { statementOf } from "../../../src/rollup/air/index.js";
import { publicInputsV2, transferV2Air, transferV2Name, txCommitment } from "../../../src/rollup/air-v2/index.js";
import { digestToBytes32 } from "../../../src/rollup/digest.js";
import { decodeProof } from "../../../src/stark/proof.js";
import { verifyStark } from "../../../src/stark/verifier.js";
import { segmentOptionsFor } from "../../../src/aggregator/geometry.js";
import { ManualClock } from "../../../src/util/clock.js";
import { segmentIdOf } from "../../../src/util/segment-id.js";
import { genesisOf, tx } from "../rollup/helpers.js";
import { FakeChain, FixedMarket, InlineProver, OUR_ADDRESS } from "./fixtures/fakes.js";

const D = 3;
const LOG_ROWS = 5; // 6 transactions of D + 2 rows
const AIR = transferV2Name(D);
const OPTIONS = segmentOptionsFor(D, "test");
const ZERO = `0x${"00".repeat(32)}`;

function dataBatch(): { witnesses: SegmentWitness[]; bindings: DataSegmentBinding[] } {
  const state = RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 200]));
  const txs = [tx(0, 1, 50, 0), tx(1, 2, 10, 0), tx(2, 0, 1000, 0), tx(3, 5, 7, 0), tx(0, 2, 1, 1), tx(1, 1, 1, 1), tx(2, 3, 5, 0)];
  const batch = buildBatch(state, 4n, txs, LOG_ROWS, "v2");
  assert.equal(batch.segments.length, 2);
  const witnesses = batch.segments.map(witnessFromSegment);
  const bindings = batch.segments.map((s, i) => ({
    batchId: 4n,
    index: i,
    r: batch.binding!.randomness,
    txCommitment: digestToBytes32(txCommitment(s.steps.map((st) => st.tx))),
    txCount: s.steps.length,
    rootIn: i === 0 ? digestToBytes32(s.rootIn) : ZERO,
    finalRoot: i === batch.segments.length - 1 ? digestToBytes32(batch.rootOut) : null,
  }));
  return { witnesses, bindings };
}

describe("jobs: data-batch segments (transfer-v2)", function () {
  this.timeout(120_000);
  const { witnesses, bindings } = dataBatch();

  it("the witness must be the one L1 bound the batch to", () => {
    for (let i = 0; i < 2; i++) assert.deepEqual(dataWitnessProblems(witnesses[i]!, AIR, bindings[i]!), []);
    const w = witnesses[1]!;
    const b = bindings[1]!;
    const one = (patch: Partial<DataSegmentBinding>, re: RegExp, witness: SegmentWitness = w): void => {
      const problems = dataWitnessProblems(witness, AIR, { ...b, ...patch });
      assert.equal(problems.length, 1, problems.join("; "));
      assert.match(problems[0]!, re);
    };
    one({ r: [b.r[0], b.r[1], b.r[2], (b.r[3] + 1) % 2 ** 30] as unknown as DataSegmentBinding["r"] }, /randomness r/);
    one({ txCommitment: bindings[0]!.txCommitment }, /txCommitment/);
    one({ txCount: b.txCount + 1 }, /transactions, \d+ posted/);
    one({ finalRoot: digestToBytes32(w.rootIn) }, /finalRoot/);
    one({ index: 0 }, /not 4:0/);
    // The posted rootIn is checked when the sequencer specified one.
    const p0 = dataWitnessProblems(witnesses[0]!, AIR, { ...bindings[0]!, rootIn: digestToBytes32(w.rootOut) });
    assert.equal(p0.length, 1);
    assert.match(p0[0]!, /rootIn/);
    // A witness of transfer-v1's version, or another depth.
    assert.ok(dataWitnessProblems({ ...w, version: 1 }, AIR, b).some((p) => /version 1/.test(p)));
    assert.ok(dataWitnessProblems(w, transferV2Name(4), b).some((p) => /tree depth 3/.test(p)));
    assert.deepEqual(dataWitnessProblems(w, AIR, b, LOG_ROWS), []);
    assert.ok(dataWitnessProblems(w, AIR, b, LOG_ROWS + 1).some((p) => /2\^5 rows, the deployment's data segments have 2\^6/.test(p)));
  });

  it("the trace builder of transfer-v2-d<D> proves a version-2 witness and refuses others", () => {
    const inst = buildInstance(AIR, encodeWitness(witnesses[0]!));
    assert.deepEqual(Array.from(inst.publicInputs), Array.from(publicInputsV2(statementOf(witnesses[0]!))));
    const refused = (e: unknown) => e instanceof JobError && e.code === "PROVER_FAILED";
    assert.throws(() => buildInstance(AIR, encodeWitness({ ...witnesses[0]!, version: 1 })), refused);
    assert.throws(() => buildInstance(transferV2Name(4), encodeWitness(witnesses[0]!)), refused);
    assert.throws(() => buildInstance(AIR, new Uint8Array(10)), refused);
  });

  it("the prover pool's worker proves a data segment with poseidon2 when asked", async () => {
    const pool = new ProverPool({ workers: 1 });
    try {
      const address = Buffer.from(OUR_ADDRESS.slice(2), "hex");
      const out = await pool.prove({ air: AIR, witness: encodeWitness(witnesses[0]!), options: OPTIONS, hash: "poseidon2", proverAddress: address });
      assert.equal(decodeProof(out.bytes, transferV2Air(D)).hash, "poseidon2");
      assert.deepEqual(Array.from(out.publicInputs), Array.from(publicInputsV2(statementOf(witnesses[0]!))));
    } finally {
      await pool.close();
    }
  });

  describe("the job", () => {
    let dir: string;
    let store: Store;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), "prover-node-data-job-"));
      store = await Store.open({ path: join(dir, "db") });
    });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function run(served: SegmentWitness, binding: DataSegmentBinding): Promise<{ job: PersistedJob; prover: InlineProver; chain: FakeChain }> {
      const bytes = encodeWitness(served);
      const id = segmentIdOf(4n, binding.index);
      const segment: SegmentRecord = {
        segmentId: id, batchId: 4n, index: binding.index, air: AIR, witnessHash: "0x" + Buffer.from(keccak_256(bytes)).toString("hex"),
        minPrice: 100n, maxPrice: 1000n, auctionStart: 0, rampSeconds: 60, lockDuration: 600, collateral: 10_000n, observedBlock: 1n,
      };
      const chain = new (class extends FakeChain {
        async readDataSegment(): Promise<DataSegmentBinding> {
          return binding;
        }
      })();
      chain.openSegment(id);
      const network = { fetchWitness: async () => bytes, publishProof: async (j: PersistedJob<"committed">) => chain.set(j.segmentId, { status: "finalized" }) };
      const prover = new InlineProver();
      const clock = new ManualClock(0);
      const machine = new JobStateMachine({ store, clock });
      const runner = new JobRunner({ proofOptionsPreset: "test", txWaitMs: 10, dataSegmentOptions: OPTIONS, dataSegmentLogRows: LOG_ROWS }, { store, machine, chain, network, market: new FixedMarket(), prover, signal: new AbortController().signal, clock });
      const job = await runner.drive(await runner.observe(segment));
      return { job, prover, chain };
    }

    it("proves a bound witness with poseidon2 and the plan's segment options, bound to the node", async () => {
      const { job, prover } = await run(witnesses[1]!, bindings[1]!);
      assert.equal(job.state, "finalized");
      assert.equal(prover.attempts, 1);
      const proof = (await store.proofs.get(job.segmentId))!;
      const decoded = decodeProof(proof.bytes, transferV2Air(D));
      assert.equal(decoded.hash, "poseidon2");
      assert.equal(decoded.options.logBlowup, OPTIONS.logBlowup);
      assert.equal(decoded.options.numQueries, OPTIONS.numQueries);
      const address = Buffer.from(OUR_ADDRESS.slice(2), "hex");
      verifyStark({ air: transferV2Air(D), proof: proof.bytes, publicInputs: publicInputsV2(statementOf(witnesses[1]!)), publicColumns: [], proverAddress: address, policy: { minSecurityBits: 0 } });
    });

    it("a witness that is not L1's fails for good before proving (the sequencer's fault)", async () => {
      const other = dataBatch().witnesses[1]!;
      const forged = { ...other, randomness: [1, 2, 3, 4] as unknown as SegmentWitness["randomness"] };
      const { job, prover } = await run(forged, bindings[1]!);
      assert.equal(job.state, "failed");
      assert.equal(job.failureReason, "WITNESS_UNBOUND");
      assert.equal(isRetryable(job.failureReason), false);
      assert.equal(prover.attempts, 0);
      assert.equal(await store.witnesses.get(job.segmentId), null, "the unbound witness is not kept");
    });
  });
});
