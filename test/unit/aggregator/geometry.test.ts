/**
 * The aggregation plan of real transfer-v2 segments (poseidon2, depth 3, 2^5 paths rows): the leaf of
 * a segment proof exposes the segment's statement (batch, index, roots, txCommitment, count, r, E as
 * L1 derives them), and a peer's verifyNode accepts it only as that segment's leaf. Joins and the wrap
 * read only aggregation statements: test/unit/recursion/aggregate.test.ts proves a whole tree, and
 * bench/aggregate.ts the whole tree over transfer-v2 segments.
 */
import { strict as assert } from "node:assert";
import { proveStark } from "../../../src/stark/prover.js";
import { TEST_OPTIONS } from "../../../src/stark/options.js";
import { createWasmBackend } from "../../../src/backends/wasm/index.js";
import { buildBatch, RollupState, witnessFromSegment } from "../../../src/rollup/index.js";
import { buildTransferV2Instance, transferV2Air } from "../../../src/rollup/air-v2/index.js";
import { PI } from "../../../src/rollup/air-v2/layout.js";
import { transferV2Plan, transferV2LogHeights } from "../../../src/aggregator/geometry.js";
import { proveLeaf, verifyNode } from "../../../src/recursion/plan.js";
import { KIND_LEAF, decodeAggStatement } from "../../../src/recursion/aggregate.js";
import { recursionProgram } from "../../../src/recursion/recurse.js";
import { RecursionError } from "../../../src/recursion/errors.js";
import { genesisOf, tx } from "../rollup/helpers.js";
import { bytesToHex } from "viem";
import { dataSegmentProblem } from "../../../src/aggregator/verify.js";
import { dataSegmentInputs } from "../../../src/aggregator/collector.js";
import { packRoot } from "../../../src/chain/statement.js";
import type { Ext } from "../../../src/stark/field/extension.js";
import { transactionsEvaluation, txCommitment } from "../../../src/rollup/batch-binding.js";

const D = 3;
const LOG_ROWS = 5; // 6 transactions of 5 rows
const SEGMENT_OPTIONS = { ...TEST_OPTIONS, logBlowup: 3 }; // transfer-v2's degree-9 tables need 8 quotient chunks

describe("aggregator: the plan of transfer-v2 segments", function () {
  this.timeout(300_000);
  const backend = createWasmBackend({ threads: 1 });
  after(() => backend.close());

  it("a real segment's leaf carries its statement, and verifies only as that leaf", async () => {
    const air = transferV2Air(D);
    const params = { treeDepth: D, logRows: LOG_ROWS, segmentOptions: SEGMENT_OPTIONS, options: TEST_OPTIONS, wrapOptions: TEST_OPTIONS };
    const plan = await transferV2Plan(params, backend);
    assert.equal(await transferV2Plan({ ...params }, backend), plan, "one plan per geometry");
    assert.deepEqual(recursionProgram(plan.join).program.logHeights, plan.canonical);
    const state = RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 200]));
    const batch = buildBatch(state, 9n, [tx(0, 1, 50, 0), tx(1, 2, 10, 0), tx(2, 0, 1000, 0), tx(3, 5, 7, 0), tx(0, 2, 1, 1), tx(1, 1, 1, 1), tx(2, 3, 5, 0)], LOG_ROWS, "v2");
    assert.equal(batch.segments.length, 2);
    const seg = batch.segments[1]!;
    const inst = buildTransferV2Instance(witnessFromSegment(seg), air);
    const prover = new Uint8Array(20).fill(0x5e);
    const segProof = await proveStark({ air, instance: inst, options: SEGMENT_OPTIONS, hash: "poseidon2", proverAddress: prover, backend });
    const leafProver = new Uint8Array(20).fill(0x1f);
    const leaf = await proveLeaf(plan, { proof: segProof.bytes, publicInputs: inst.publicInputs, proverAddress: prover }, { proverAddress: leafProver, backend });
    const pi = inst.publicInputs;
    const r = Array.from(pi.subarray(PI.r, PI.r + 4));
    assert.deepEqual(r, [...batch.binding!.randomness], "the segment was proven at the batch's r");
    const st = verifyNode(plan, leaf, { kind: "leaf", batchId: 9n, segments: 2, first: 1, last: 1, r: batch.binding!.randomness }) as ReturnType<typeof decodeAggStatement>;
    assert.equal(st.kind, KIND_LEAF);
    assert.deepEqual([st.batchId, st.first, st.last, st.txCount], [9n, 1, 1, seg.steps.length]);
    assert.deepEqual(st.rootIn, Array.from(pi.subarray(PI.rootIn, PI.rootIn + 8)));
    assert.deepEqual(st.rootOut, Array.from(pi.subarray(PI.rootOut, PI.rootOut + 8)));
    assert.deepEqual(st.txRoot, Array.from(pi.subarray(PI.txCommitment, PI.txCommitment + 8)));
    assert.deepEqual([...st.e], Array.from(pi.subarray(PI.e, PI.e + 4)));
    assert.deepEqual(st.provers, new Array(8).fill(0));
    const refused = (re: RegExp) => (e: unknown) => e instanceof RecursionError && e.code === "CHILD_REFUSED" && re.test(e.message);
    assert.throws(() => verifyNode(plan, leaf, { kind: "leaf", batchId: 9n, segments: 2, first: 0, last: 0 }), refused(/covers \[1, 1\]/));
    assert.throws(() => verifyNode(plan, leaf, { kind: "leaf", batchId: 9n, segments: 1, first: 1, last: 1 }), refused(/not a leaf/));
    assert.throws(() => verifyNode(plan, { ...leaf, proverAddress: prover }, { kind: "leaf", batchId: 9n, segments: 2, first: 1, last: 1 }), refused(/is invalid/));
    // A segment of another geometry (keccak, or other options) is refused before any proving.
    const keccak = await proveStark({ air, instance: inst, options: SEGMENT_OPTIONS, hash: "keccak", proverAddress: prover, backend });
    await assert.rejects(proveLeaf(plan, { proof: keccak.bytes, publicInputs: inst.publicInputs, proverAddress: prover }, { proverAddress: leafProver, backend }), refused(/a keccak proof/));
    assert.deepEqual(plan.geometry.segmentLogHeights, transferV2LogHeights(D, LOG_ROWS));

    // The aggregator's check of a committed data segment: the statement it derives itself from chain
    // (committed roots, posted txCount and txCommitment, L1's r; E from the witness's transactions) is
    // the prover's, and it refuses a tampered proof, another statement, another prover, another geometry.
    const chainSeg = { committedRootIn: packRoot(seg.rootIn), committedRootOut: packRoot(seg.rootOut), txCount: seg.steps.length, txCommitment: packRoot(txCommitment(seg.steps.map((s) => s.tx))) };
    const derived = dataSegmentInputs(9n, 1, D, chainSeg, batch.binding!.randomness, transactionsEvaluation(seg.steps.map((s) => s.tx), batch.binding!.randomness));
    assert.deepEqual(derived, Array.from(pi), "the statement rebuilt from chain is the prover's");
    const honest = { proof: segProof.bytes, publicInputs: derived, prover: bytesToHex(prover) };
    assert.equal(dataSegmentProblem(plan, honest), null);
    const tampered = segProof.bytes.slice();
    tampered[tampered.length - 40] ^= 1;
    assert.notEqual(dataSegmentProblem(plan, { ...honest, proof: tampered }), null, "a flipped proof byte is refused");
    const otherR = dataSegmentInputs(9n, 1, D, chainSeg, [1, 2, 3, 4] as unknown as Ext, transactionsEvaluation(seg.steps.map((s) => s.tx), [1, 2, 3, 4] as unknown as Ext));
    assert.notEqual(dataSegmentProblem(plan, { ...honest, publicInputs: otherR }), null, "another r (and its E) is refused");
    assert.notEqual(dataSegmentProblem(plan, { ...honest, publicInputs: dataSegmentInputs(9n, 0, D, chainSeg, batch.binding!.randomness, derived.slice(PI.e, PI.e + 4) as unknown as Ext) }), null, "another segment index is refused");
    assert.notEqual(dataSegmentProblem(plan, { ...honest, prover: bytesToHex(leafProver) }), null, "a proof bound to another prover is refused");
    assert.match(dataSegmentProblem(plan, { ...honest, proof: keccak.bytes })!, /keccak proof, not poseidon2/);
  });
});
