/**
 * One proof per data batch with the real wrap verifier: a recursion proof of the wrap stand-in
 * (scripts/aggregate-standin.ts, the L1 statement's layout, keccak, the L1-tuned options) accepted by
 * Rollup.submitAggregate through the generated AggWrapStandinVerifier; a proof bound to another address, or
 * whose statement changed after proving, refused with the verifier's reason; every entry L1 derives refused
 * with its named error before the proof is verified.
 */
import { strict as assert } from "node:assert";
import { getAddress, parseEventLogs, type Address, type Hex } from "viem";
import { segmentMarketAbi } from "../../src/chain/abi/index.js";
import { L1, L1_WRAP_OPTIONS } from "../../src/chain/aggregate.js";
import { decodeRevert } from "../../src/chain/errors.js";
import { createWasmBackend } from "../../src/backends/wasm/index.js";
import { proveStandinChild, type StandinChild } from "../../scripts/aggregate-standin.js";
import { expectRevert, roles, type System } from "../utils/system.js";
import { addProver, electedAccount } from "../utils/flows.js";
import { commitDataBatch, postDataBatch } from "../utils/data-flows.js";
import { proveWrap, standinKeySetRoot, useStandinSystem } from "../utils/wrap.js";

const [p1, p2, p3] = roles.provers as [typeof roles.deployer, typeof roles.deployer, typeof roles.deployer];
const { outsider } = roles;
const KEYS = standinKeySetRoot();
const JOINERS: Address[] = [0xb1, 0xb2, 0xb3].map((b) => getAddress(`0x${b.toString(16).repeat(20)}`));

describe("contracts/aggregate: the wrap proof verified on L1", function () {
  this.timeout(120_000);
  const sys = useStandinSystem(KEYS, 96);
  const backend = createWasmBackend({ threads: 2 });
  after(() => backend.close());
  let s: System;
  let child: StandinChild;

  before(async () => {
    child = await proveStandinChild(7, new Uint8Array(20).fill(0x11), backend);
  });

  beforeEach(async () => {
    s = sys();
    await addProver(s, p1);
    await addProver(s, p2);
    await addProver(s, p3);
  });

  async function readyBatch(counts: number[]) {
    const batch = await postDataBatch(s, counts, { finalRoot: "unspecified" });
    await commitDataBatch(s, batch, [p1, p2, p3]);
    const agg = await electedAccount(s, batch.batchId);
    const rootIn = await s.c.rollup.read.stateRoot();
    return { batch, agg, rootIn };
  }

  it("accepts a real recursion proof of the wrap statement: the root moves, segment and join provers and the aggregator are paid", async () => {
    const { batch, agg, rootIn } = await readyBatch([93, 93, 93, 93]);
    const w = await proveWrap(batch, { child, keySetRoot: KEYS, rootIn, joinProvers: JOINERS, submitter: agg.address, options: L1_WRAP_OPTIONS, backend });
    const before = await Promise.all(JOINERS.map((a) => s.c.token.read.balanceOf([a])));
    const r = await s.send(s.c.rollup.write.submitAggregate([batch.batchId, w.proof, w.publicInputs], { account: agg }));
    assert.equal(await s.c.rollup.read.stateRoot(), w.rootOut);
    assert.equal((await s.c.market.read.getBatch([batch.batchId])).status, 2);
    const paid = parseEventLogs({ abi: segmentMarketAbi, logs: r.logs }).filter((l) => l.eventName === "JoinProverPaid");
    assert.equal(paid.length, 3);
    const after = await Promise.all(JOINERS.map((a) => s.c.token.read.balanceOf([a])));
    JOINERS.forEach((_, j) => assert.ok(after[j]! > before[j]!, `join prover ${j} paid`));
    assert.ok(r.gasUsed < 16_777_216n, `submitAggregate used ${r.gasUsed} gas`);
  });

  it("refuses a proof bound to another address, and one whose statement changed after proving, with the verifier's reason", async () => {
    const { batch, agg, rootIn } = await readyBatch([5, 6]);
    const foreign = await proveWrap(batch, { child, keySetRoot: KEYS, rootIn, joinProvers: [JOINERS[0]!], submitter: outsider.address, options: L1_WRAP_OPTIONS, backend });
    const reason = async (p: Promise<unknown>): Promise<string> => {
      let err: unknown;
      await p.catch((e: unknown) => (err = e));
      const d = decodeRevert(err);
      assert.equal(d?.errorName, "Rollup__InvalidAggregateProof");
      return decodeRevert(d!.args[0] as Hex)?.errorName ?? "(none)";
    };
    const submit = (proof: Hex, pi: number[]) => s.c.rollup.write.submitAggregate([batch.batchId, proof, pi], { account: agg });
    assert.match(await reason(submit(foreign.proof, foreign.publicInputs)), /^StarkVerifier__/);
    const own = await proveWrap(batch, { child, keySetRoot: KEYS, rootIn, joinProvers: [JOINERS[0]!], submitter: agg.address, options: L1_WRAP_OPTIONS, backend });
    const otherJoiner = Array.from(own.publicInputs);
    otherJoiner[L1.provers] ^= 1; // the transcript binds every public input
    assert.match(await reason(submit(own.proof, otherJoiner)), /^StarkVerifier__/);
    // the entries L1 derives are refused before the proof is read
    const set = (i: number, v: number) => own.publicInputs.map((x, j) => (j === i ? v : x));
    await expectRevert(submit(own.proof, set(L1.keySet, own.publicInputs[L1.keySet]! ^ 1)), "Rollup__KeySetMismatch");
    await expectRevert(submit(own.proof, set(L1.batchLo, own.publicInputs[L1.batchLo]! + 1)), "Rollup__BatchIdMismatch");
    await expectRevert(submit(own.proof, set(L1.segments, 3)), "Rollup__SegmentCountMismatch");
    await expectRevert(submit(own.proof, set(L1.rootIn, own.publicInputs[L1.rootIn]! ^ 1)), "Rollup__RootInMismatch");
    await expectRevert(submit(own.proof, set(L1.txRoot, own.publicInputs[L1.txRoot]! ^ 1)), "Rollup__TxRootMismatch");
    await expectRevert(submit(own.proof, set(L1.r, (own.publicInputs[L1.r]! + 1) % 2013265921)), "Rollup__RandomnessMismatch");
    await expectRevert(submit(own.proof, set(L1.e, (own.publicInputs[L1.e]! + 1) % 2013265921)), "Rollup__EvaluationMismatch");
    await s.send(submit(own.proof, own.publicInputs));
    assert.equal(await s.c.rollup.read.stateRoot(), own.rootOut);
  });
});
