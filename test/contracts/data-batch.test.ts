/**
 * Data batches with the mock verifiers: the transactions posted as calldata with their txRoot, the binding L1
 * stores (dataHash, r, E) checked against src/rollup/batch-binding.ts for random batches, every check of the aggregate statement (each wrong entry refused with its named error), the payouts to
 * segment provers, join provers and the aggregator, the election windows on this path, and validity
 * disputes. The real wrap verifier is exercised in aggregate.test.ts.
 */
import { strict as assert } from "node:assert";
import { createWalletClient, decodeFunctionData, getAddress, http, keccak256, parseEventLogs, toBytes, type Address, type Hex } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { segmentMarketAbi, rollupAbi } from "../../src/chain/abi/index.js";
import { ChainAggregateError, L1, dataBatchInputs, decodePostDataBatch, encodePostDataBatch, packExt, readBatchBinding, readPostedDataBatch, unpackExt } from "../../src/chain/aggregate.js";
import { batchBinding } from "../../src/rollup/batch-binding.js";
import { digestToBytes32 } from "../../src/rollup/digest.js";
import { Rng } from "../utils/rng.js";
import { proofHash } from "../../src/chain/statement.js";
import { DEVNET_PARAMS } from "../../src/chain/params.js";
import { expectRevert, roles, useSystem, type System } from "../utils/system.js";
import { addProver, electedAccount, MAX_PRICE, postBatch, proveSegment } from "../utils/flows.js";
import { bytesHex, commitDataBatch, postDataBatch, sampleTransactions, statementFor, type DataBatch } from "../utils/data-flows.js";

const [p1, p2, p3] = roles.provers as [typeof roles.deployer, typeof roles.deployer, typeof roles.deployer];
const { challenger, outsider } = roles;
const KEYS = DEVNET_PARAMS.aggregate.keySetRoot;
const ZERO: Hex = `0x${"00".repeat(32)}`;
const Verdict = { Unknown: 0, Valid: 1, Revert: 2 } as const;
const BPS = 10_000n;
const P = 2013265921;
const keccakBytes = (b: Uint8Array): Uint8Array => Buffer.from(keccak256(b).slice(2), "hex");
const JOINERS: Address[] = Array.from({ length: 15 }, (_, i) => getAddress(`0x${(0xa0 + i).toString(16).repeat(20)}`));

interface Ready {
  batch: DataBatch;
  agg: typeof p1;
  proof: Hex;
  pi: Uint32Array;
}

describe("contracts/data batches (mock verifiers)", () => {
  const sys = useSystem();
  let s: System;

  beforeEach(async () => {
    s = sys();
    await addProver(s, p1);
    await addProver(s, p2);
    await addProver(s, p3);
  });

  /** A committed batch, its elected aggregator, a wrap "proof" the mock accepts from it, and the statement. */
  async function ready(counts: number[], opts: { finalRoot?: Hex | "unspecified" } = {}): Promise<Ready> {
    const batch = await postDataBatch(s, counts, opts);
    await commitDataBatch(s, batch, [p1, p2, p3]);
    const agg = await electedAccount(s, batch.batchId);
    const proof = keccak256(toBytes(`wrap-${batch.batchId}`));
    await s.send(s.mock.write.setVerdict([proofHash(proof), Verdict.Valid, agg.address], { account: roles.deployer }));
    const pi = statementFor(batch, { keySetRoot: KEYS, rootIn: await s.c.rollup.read.stateRoot(), rootOut: batch.finalRoot, joinProvers: JOINERS.slice(0, counts.length - 1) });
    return { batch, agg, proof, pi };
  }

  const submit = (r: Ready, pi: ArrayLike<number> = r.pi, account = r.agg) =>
    s.c.rollup.write.submitAggregate([r.batch.batchId, r.proof, Array.from(pi)], { account });

  describe("postBatch with transactions", () => {
    it("keeps keccak256 of the posted bytes, the total and per-segment counts and commitments; the bytes stay readable in the calldata", async () => {
      const batch = await postDataBatch(s, [3, 0, 5]);
      const b = await s.c.market.read.getBatch([batch.batchId]);
      assert.equal(b.kind, 1);
      assert.equal(b.txCount, 8);
      assert.equal(b.dataHash, keccak256(batch.bytes));
      assert.deepEqual([b.txRoot, b.randomness, b.evaluation], [batch.posted.txRoot, batch.posted.randomness, batch.posted.evaluation]);
      assert.equal(b.segmentCount, 3);
      for (const seg of batch.segments) {
        const g = await s.c.market.read.getSegment([batch.batchId, seg.index]);
        assert.equal(g.txCount, seg.txCount);
        assert.equal(g.txCommitment, seg.txCommitment);
        assert.equal(g.rootIn, seg.rootIn);
        assert.equal(g.txDataHash, ZERO);
      }
      const logs = parseEventLogs({ abi: segmentMarketAbi, logs: batch.receipt.logs });
      assert.deepEqual(logs.map((l) => l.eventName), ["DataSegmentPosted", "DataSegmentPosted", "DataSegmentPosted", "BatchDataPosted", "BatchPosted"]);
      const data = logs.find((l) => l.eventName === "BatchDataPosted")!.args as { dataHash: Hex; txRoot: Hex; randomness: bigint; evaluation: bigint; txCount: number };
      assert.deepEqual([data.dataHash, data.txRoot, data.randomness, data.evaluation, data.txCount], [batch.dataHash, batch.posted.txRoot, batch.posted.randomness, batch.posted.evaluation, 8]);
      // a node reads the transactions back from the posting transaction's calldata
      const tx = await s.publicClient.getTransaction({ hash: batch.receipt.transactionHash });
      const call = decodeFunctionData({ abi: segmentMarketAbi, data: tx.input });
      assert.equal(call.functionName, "postBatch");
      assert.equal(call.args[1], bytesHex(batch.bytes));
    });

    it("r and E computed by L1 at posting match batch-binding.ts for random batches (1..16 segments, empty segments, every byte value)", async () => {
      const rng = new Rng(0x19);
      for (let k = 0; k < 6; k++) {
        const counts = Array.from({ length: 1 + rng.int(16) }, () => (rng.int(4) === 0 ? 0 : rng.int(40)));
        const batch = await postDataBatch(s, counts, { seed: 1000 + k });
        const b = await s.c.market.read.getBatch([batch.batchId]);
        const native = batchBinding(batch.transactions, counts);
        assert.equal(b.dataHash, bytesHex(native.dataHash));
        assert.equal(b.txRoot, digestToBytes32(native.txRoot));
        assert.deepEqual(unpackExt(b.randomness), native.randomness, `r of batch ${k}`);
        assert.deepEqual(unpackExt(b.evaluation), native.evaluation, `E of batch ${k}`);
        assert.ok(native.randomness.every((w) => w < 2 ** 30));
      }
      // a txRoot the sequencer chose: r follows it, E follows r (a wrong txRoot leaves the batch unprovable)
      const txs = sampleTransactions(9, 77);
      const forced = `0x${"ff".repeat(32)}` as Hex;
      const batch = await postDataBatch(s, [4, 5], { seed: 77, txRoot: forced });
      const b = await s.c.market.read.getBatch([batch.batchId]);
      const { batchRandomness, transactionsEvaluation } = await import("../../src/rollup/batch-binding.js");
      const r = batchRandomness(keccakBytes(batch.bytes), Array.from({ length: 8 }, () => 0xffffffff));
      assert.equal(b.randomness, packExt(r));
      assert.equal(b.evaluation, packExt(transactionsEvaluation(txs, r)));
    });

    it("the chain client: postBatch calldata from encodePostDataBatch; a node reads the transactions and the binding back from L1", async () => {
      const txs = sampleTransactions(7, 4242);
      const counts = [3, 4];
      const { binding, posted } = dataBatchInputs(txs, counts);
      const segments = counts.map((n, i) => ({ rootIn: ZERO, witnessHash: keccak256(toBytes(`w${i}`)), txCommitment: ZERO, txCount: n }));
      const data = encodePostDataBatch({ segments, transactions: txs, txRoot: posted.txRoot, finalRoot: ZERO, minPrice: 1n, maxPrice: MAX_PRICE });
      const batchId = await s.c.market.read.nextBatchId();
      const wallet = createWalletClient({ chain: anvilChain, transport: http(s.anvil.rpcUrl), account: roles.deployer });
      await s.send(wallet.sendTransaction({ to: s.c.market.address, data }));
      const read = await readPostedDataBatch(s.publicClient, s.c.market.address, batchId);
      assert.deepEqual(read.transactions, txs);
      assert.deepEqual(read.segments.map((g) => g.txCount), counts);
      assert.equal(read.txRoot, posted.txRoot);
      const stored = await readBatchBinding(s.publicClient, s.c.market.address, batchId);
      assert.deepEqual([stored.dataHash, stored.randomness, stored.evaluation, stored.r, stored.e], [posted.dataHash, posted.randomness, posted.evaluation, binding.randomness, binding.evaluation]);
      // a bundle batch is not a data batch; neither is another call
      const bundle = await postBatch(s, 1);
      await assert.rejects(readBatchBinding(s.publicClient, s.c.market.address, bundle.batchId), (e: unknown) => e instanceof ChainAggregateError && e.code === "NOT_A_DATA_BATCH");
      await assert.rejects(readPostedDataBatch(s.publicClient, s.c.market.address, bundle.batchId), (e: unknown) => e instanceof ChainAggregateError && e.code === "NOT_POSTED");
      assert.throws(() => decodePostDataBatch("0x12345678"), (e: unknown) => e instanceof ChainAggregateError && e.code === "NOT_A_DATA_BATCH");
    });

    it("refuses bytes that do not match the counts, too many segments or transactions, and anyone but the sequencer", async () => {
      const seg = (txCount: number) => ({ rootIn: ZERO, witnessHash: ZERO, txCommitment: ZERO, txCount });
      const post = (segs: ReturnType<typeof seg>[], bytes: number, account = roles.deployer) =>
        s.c.market.write.postBatch([segs, bytesHex(new Uint8Array(bytes).fill(7)), ZERO, ZERO, 1n, 2n], { account });
      await expectRevert(post([seg(2)], 31), "SegmentMarket__TxDataLength", [32n, 31n]);
      await expectRevert(post([seg(2), seg(1)], 64), "SegmentMarket__TxDataLength", [48n, 64n]);
      await expectRevert(post(Array.from({ length: 17 }, () => seg(0)), 0), "SegmentMarket__TooManySegments", [17n, 16n]);
      await expectRevert(post([seg(8192), seg(1)], 16 * 8193), "SegmentMarket__TooManyTransactions", [8193n, 8192n]);
      await expectRevert(post([], 0), "SegmentMarket__NoSegments");
      await expectRevert(post([seg(1)], 16, outsider), "SegmentMarket__NotSequencer");
      await s.send(post([seg(0)], 0)); // a batch without transactions
    });
  });

  describe("submitAggregate", () => {
    it("accepts the statement L1 derives; moves the root; pays segment provers, join provers and the aggregator", async () => {
      const r = await ready([2, 3, 1, 4]);
      const prices = await Promise.all(r.batch.segments.map(async (g) => (await s.c.market.read.getSegment([r.batch.batchId, g.index])).price));
      const fee = prices.reduce((a, p) => a + (p * 1000n) / BPS, 0n);
      const share = fee / 4n;
      const before = await Promise.all([...JOINERS.slice(0, 3), r.agg.address].map((a) => s.c.token.read.balanceOf([a])));
      const receipt = await s.send(submit(r));
      assert.equal(await s.c.rollup.read.stateRoot(), r.batch.finalRoot);
      assert.equal((await s.c.market.read.getBatch([r.batch.batchId])).status, 2);
      const after = await Promise.all([...JOINERS.slice(0, 3), r.agg.address].map((a) => s.c.token.read.balanceOf([a])));
      for (let j = 0; j < 3; j++) assert.equal(after[j]! - before[j]!, share, `join prover ${j}`);
      assert.equal(after[3]! - before[3]!, fee - 3n * share, "the aggregator: its share and the rounding");
      const market = parseEventLogs({ abi: segmentMarketAbi, logs: receipt.logs });
      assert.deepEqual(market.filter((l) => l.eventName === "JoinProverPaid").map((l) => (l.args as { prover: Address }).prover), JOINERS.slice(0, 3));
      assert.equal(market.filter((l) => l.eventName === "SegmentPaid").length, 4);
      const fin = market.find((l) => l.eventName === "BatchFinalized")!.args as { aggregatorFee: bigint };
      assert.equal(fin.aggregatorFee, fee - 3n * share);
      const rollupLogs = parseEventLogs({ abi: rollupAbi, logs: receipt.logs });
      const acc = rollupLogs.find((l) => l.eventName === "AggregateAccepted")!.args as { dataHash: Hex; joinProvers: number };
      assert.deepEqual([acc.dataHash, acc.joinProvers], [r.batch.dataHash, 3]);
      assert.ok(rollupLogs.some((l) => l.eventName === "StateRootUpdated"));
      assert.equal(await s.c.token.read.balanceOf([s.c.market.address]), 0n);
    });

    it("a single segment has no joins: the aggregator keeps the whole aggregation fee; a zero address in a join slot earns nothing", async () => {
      const one = await ready([5]);
      const before = await s.c.token.read.balanceOf([one.agg.address]);
      await s.send(submit(one));
      const price = (await s.c.market.read.getSegment([one.batch.batchId, 0])).price;
      assert.equal((await s.c.token.read.balanceOf([one.agg.address])) - before, (price * 1000n) / BPS);
      const two = await ready([1, 1]);
      const pi = statementFor(two.batch, { keySetRoot: KEYS, rootIn: await s.c.rollup.read.stateRoot(), rootOut: two.batch.finalRoot, joinProvers: [] });
      const b2 = await s.c.token.read.balanceOf([two.agg.address]);
      await s.send(submit(two, pi));
      const fee = (await Promise.all([0, 1].map(async (i) => (await s.c.market.read.getSegment([two.batch.batchId, i])).price))).reduce((a, p) => a + (p * 1000n) / BPS, 0n);
      assert.equal((await s.c.token.read.balanceOf([two.agg.address])) - b2, fee);
    });

    it("refuses every wrong entry of the statement with its named error", async () => {
      const r = await ready([2, 2, 3]);
      const root = await s.c.rollup.read.stateRoot();
      const set = (edits: Record<number, number>, base: ArrayLike<number> = r.pi) => {
        const pi = Uint32Array.from(base);
        for (const [i, v] of Object.entries(edits)) pi[Number(i)] = v;
        return pi;
      };
      const w = (i: number) => r.pi[i]!;
      const cases: [string, () => Promise<unknown>, string, unknown[]?][] = [
        ["a short statement", () => submit(r, r.pi.subarray(0, 192)), "Rollup__StatementLength", [193n, 192n]],
        ["a word that is not a field element", () => submit(r, set({ 150: P })), "Rollup__StatementNotCanonical", [150n]],
        ["another key set", () => submit(r, set({ [L1.keySet + 3]: w(L1.keySet + 3) + 1 })), "Rollup__KeySetMismatch"],
        ["another batch (low half)", () => submit(r, set({ [L1.batchLo]: w(L1.batchLo) + 1 })), "Rollup__BatchIdMismatch", [r.batch.batchId]],
        ["another batch (high half)", () => submit(r, set({ [L1.batchHi]: 1 })), "Rollup__BatchIdMismatch", [r.batch.batchId]],
        ["another segment count", () => submit(r, set({ [L1.segments]: 2 })), "Rollup__SegmentCountMismatch", [3, 2n]],
        ["a rootIn other than the state root", () => submit(r, set({ [L1.rootIn]: w(L1.rootIn) ^ 1 })), "Rollup__RootInMismatch"],
        ["a rootOut other than the sequencer's final root", () => submit(r, set({ [L1.rootOut + 7]: w(L1.rootOut + 7) ^ 1 })), "Rollup__RootOutMismatch"],
        ["another txRoot", () => submit(r, set({ [L1.txRoot + 7]: w(L1.txRoot + 7) ^ 1 })), "Rollup__TxRootMismatch"],
        ["a wrong evaluation E", () => submit(r, set({ [L1.e + 2]: (w(L1.e + 2) + 1) % P })), "Rollup__EvaluationMismatch"],
        ["another point r", () => submit(r, set({ [L1.r]: (w(L1.r) + 1) % P })), "Rollup__RandomnessMismatch"],
        ["a join-prover half of 2^16", () => submit(r, set({ [L1.provers + 13]: 0x10000 })), "Rollup__InvalidJoinProver", [1n]],
        ["an address in an unused join slot", () => submit(r, set({ [L1.provers + 20]: 1 })), "Rollup__InvalidJoinProver", [2n]],
      ];
      for (const [what, p, error, args] of cases) {
        try {
          await expectRevert(p(), error, args);
        } catch (err) {
          throw new Error(`${what}: ${(err as Error).message}`);
        }
      }
      // E over transactions other than the posted ones (one byte changed, or reordered) at the batch's r: refused
      const other = [...r.batch.transactions];
      other[0] = { ...other[0]!, amount: (other[0]!.amount + 1) >>> 0 };
      const { transactionsEvaluation } = await import("../../src/rollup/batch-binding.js");
      for (const txs of [other, [...r.batch.transactions].reverse()]) {
        const e = transactionsEvaluation(txs, r.batch.binding.randomness);
        await expectRevert(submit(r, set({ [L1.e]: e[0], [L1.e + 1]: e[1], [L1.e + 2]: e[2], [L1.e + 3]: e[3] })), "Rollup__EvaluationMismatch");
      }
      // the proof: refused by the verifier (its reason carried), or valid for another address only
      await s.send(s.mock.write.setVerdict([proofHash(r.proof), Verdict.Revert, r.agg.address], { account: roles.deployer }));
      await expectRevert(submit(r), "Rollup__InvalidAggregateProof");
      await s.send(s.mock.write.setVerdict([proofHash(r.proof), Verdict.Valid, outsider.address], { account: roles.deployer }));
      await expectRevert(submit(r), "Rollup__InvalidAggregateProof", ["0x"]);
      await s.send(s.mock.write.setVerdict([proofHash(r.proof), Verdict.Valid, r.agg.address], { account: roles.deployer }));
      assert.equal(root, await s.c.rollup.read.stateRoot());
      await s.send(submit(r));
    });

    it("a batch whose sequencer left the final root open takes the proven rootOut", async () => {
      const r = await ready([1, 1], { finalRoot: "unspecified" });
      const proven = `0x${"2a000000".repeat(8)}` as Hex;
      const pi = statementFor(r.batch, { keySetRoot: KEYS, rootIn: await s.c.rollup.read.stateRoot(), rootOut: proven, joinProvers: [p3.address] });
      await s.send(submit(r, pi));
      assert.equal(await s.c.rollup.read.stateRoot(), proven);
    });

    it("bundle and data batches each take their own entry points", async () => {
      const r = await ready([1]);
      await expectRevert(s.c.rollup.write.submitAggregate([r.batch.batchId, [{ proof: "0x", publicColumn: [] }]], { account: r.agg }), "Rollup__WrongBatchKind", [r.batch.batchId]);
      await expectRevert(s.c.market.write.challengeProof([r.batch.batchId, 0, "0x12", []], { account: challenger }), "SegmentMarket__WrongBatchKind", [r.batch.batchId, 1]);
      await s.send(submit(r));
      const bundle = await postBatch(s, 1);
      await proveSegment(s, bundle, 0, p1);
      const agg = await electedAccount(s, bundle.batchId);
      await expectRevert(s.c.rollup.write.submitAggregate([bundle.batchId, "0x12", []], { account: agg }), "Rollup__WrongBatchKind", [bundle.batchId]);
      await expectRevert(s.c.market.write.reportInvalid([bundle.batchId, 0], { account: challenger }), "SegmentMarket__WrongBatchKind", [bundle.batchId, 0]);
    });

    it("the election's windows hold: the primary, then rank 1, then the open race with the liveness penalty", async () => {
      const r = await ready([1, 2]);
      const primary = r.agg;
      const second = await electedAccount(s, r.batch.batchId, 1);
      const outsiderProof = keccak256(toBytes(`wrap-outsider-${r.batch.batchId}`));
      await s.send(s.mock.write.setVerdict([proofHash(outsiderProof), Verdict.Valid, outsider.address], { account: roles.deployer }));
      const byOutsider = () => s.c.rollup.write.submitAggregate([r.batch.batchId, outsiderProof, Array.from(r.pi)], { account: outsider });
      await expectRevert(submit(r, r.pi, second), "Rollup__NotElected", [second.address]);
      await expectRevert(byOutsider(), "Rollup__NotElected", [outsider.address]);
      const e = s.deployment.params.election;
      await s.mine(e.aggregatorWindow * BigInt(e.fallbackRanks));
      const stake = await s.c.staking.read.selfStake([primary.address]);
      await s.send(byOutsider());
      assert.equal(await s.c.rollup.read.stateRoot(), r.batch.finalRoot);
      assert.ok((await s.c.staking.read.selfStake([primary.address])) < stake, "the silent primary paid the liveness penalty");
    });
  });

  describe("validity disputes", () => {
    const deposit = DEVNET_PARAMS.market.disputeDeposit;
    const window = DEVNET_PARAMS.market.responseWindow;
    const answer = (batchId: bigint, index: number) => keccak256(toBytes(`keccak-answer-${batchId}-${index}`));

    it("report → the prover answers with a keccak proof of its statement → verified, paid the deposit; finalisation waits for the answer", async () => {
      const r = await ready([2, 2]);
      const locker = (await s.c.market.read.getSegment([r.batch.batchId, 1])).locker;
      const account = [p1, p2, p3].find((a) => a.address === locker)!;
      const before = await s.c.token.read.balanceOf([challenger.address]);
      const report = await s.send(s.c.market.write.reportInvalid([r.batch.batchId, 1], { account: challenger }));
      assert.equal(await s.c.token.read.balanceOf([challenger.address]), before - deposit);
      assert.equal(await s.c.market.read.totalDeposits(), deposit);
      const ev = parseEventLogs({ abi: segmentMarketAbi, logs: report.logs }).find((l) => l.eventName === "InvalidityReported")!.args as { deposit: bigint };
      assert.equal(ev.deposit, deposit);
      await expectRevert(submit(r), "Rollup__DisputeOpen", [r.batch.batchId, 1]);
      await expectRevert(s.c.market.write.reportInvalid([r.batch.batchId, 1], { account: outsider }), "SegmentMarket__DisputeOpen", [r.batch.batchId, 1]);
      const proof = answer(r.batch.batchId, 1);
      await expectRevert(s.c.market.write.respondInvalid([r.batch.batchId, 1, proof, 0n], { account: account }), "SegmentMarket__DisputeProofRejected");
      await s.send(s.mock.write.setVerdict([proofHash(proof), Verdict.Valid, outsider.address], { account: roles.deployer }));
      await expectRevert(s.c.market.write.respondInvalid([r.batch.batchId, 1, proof, 0n], { account: account }), "SegmentMarket__DisputeProofRejected", [r.batch.batchId, 1, "0x"]);
      await s.send(s.mock.write.setVerdict([proofHash(proof), Verdict.Valid, account.address], { account: roles.deployer }));
      await expectRevert(s.c.market.write.slashInvalid([r.batch.batchId, 1], { account: challenger }), "SegmentMarket__ResponseWindowOpen");
      const proverBefore = await s.c.token.read.balanceOf([account.address]);
      await s.send(s.c.market.write.respondInvalid([r.batch.batchId, 1, proof, 0n], { account: outsider })); // anyone may send the bytes
      assert.equal(await s.c.token.read.balanceOf([account.address]), proverBefore + deposit);
      const seg = await s.c.market.read.getSegment([r.batch.batchId, 1]);
      assert.equal(seg.verified, true);
      assert.equal(seg.disputer, "0x0000000000000000000000000000000000000000");
      await expectRevert(s.c.market.write.reportInvalid([r.batch.batchId, 1], { account: challenger }), "SegmentMarket__AlreadyVerified");
      await expectRevert(s.c.market.write.respondInvalid([r.batch.batchId, 1, proof, 0n], { account: outsider }), "SegmentMarket__NotDisputed");
      await s.send(submit(r));
      assert.equal(await s.c.market.read.totalDeposits(), 0n);
    });

    it("report → no answer in the window → slashed (half to the disputer, deposit returned) → reopened → reproven → finalised", async () => {
      const r = await ready([1, 1]);
      const seg0 = await s.c.market.read.getSegment([r.batch.batchId, 0]);
      const collateral = seg0.collateral;
      await s.send(s.c.market.write.reportInvalid([r.batch.batchId, 0], { account: challenger }));
      await s.increaseTime(window + 1n);
      await expectRevert(s.c.market.write.respondInvalid([r.batch.batchId, 0, answer(r.batch.batchId, 0), 0n], { account: outsider }), "SegmentMarket__ResponseWindowClosed");
      const before = await s.c.token.read.balanceOf([challenger.address]);
      const slash = await s.send(s.c.market.write.slashInvalid([r.batch.batchId, 0], { account: outsider }));
      assert.equal(await s.c.token.read.balanceOf([challenger.address]), before + collateral / 2n + deposit);
      const names = parseEventLogs({ abi: segmentMarketAbi, logs: slash.logs }).map((l) => l.eventName);
      assert.deepEqual(names.filter((n) => ["InvaliditySlashed", "DisputeDepositRefunded", "SegmentReopened"].includes(n)), ["InvaliditySlashed", "DisputeDepositRefunded", "SegmentReopened"]);
      const b = await s.c.market.read.getBatch([r.batch.batchId]);
      assert.deepEqual([b.committedCount, b.openDisputes, b.fullyCommittedBlock], [1, 0, 0n]);
      await expectRevert(submit(r), "Rollup__BatchNotFullyCommitted");
      // reproven by another prover
      const seg = r.batch.segments[0]!;
      await s.send(s.c.market.write.lock([r.batch.batchId, 0], { account: p3 }));
      await s.send(s.c.market.write.commitProof([r.batch.batchId, 0, keccak256(toBytes("again")), seg.rootIn, seg.rootOut], { account: p3 }));
      const agg = await electedAccount(s, r.batch.batchId);
      await s.send(s.mock.write.setVerdict([proofHash(r.proof), Verdict.Valid, agg.address], { account: roles.deployer }));
      await s.send(submit({ ...r, agg }));
      assert.equal(await s.c.rollup.read.stateRoot(), r.batch.finalRoot);
    });

    it("refusals outside a dispute, and a batch timeout returns an open deposit", async () => {
      const r = await ready([1, 1]);
      await expectRevert(s.c.market.write.slashInvalid([r.batch.batchId, 0], { account: outsider }), "SegmentMarket__NotDisputed", [r.batch.batchId, 0]);
      await expectRevert(s.c.market.write.respondInvalid([r.batch.batchId, 0, "0x12", 0n], { account: outsider }), "SegmentMarket__NotDisputed", [r.batch.batchId, 0]);
      const open = await postDataBatch(s, [1]);
      await expectRevert(s.c.market.write.reportInvalid([open.batchId, 0], { account: challenger }), "SegmentMarket__NotCommitted", [open.batchId, 0]);
      await s.send(s.c.market.write.reportInvalid([r.batch.batchId, 0], { account: challenger }));
      const before = await s.c.token.read.balanceOf([challenger.address]);
      await s.increaseTime(s.deployment.params.market.batchTimeout);
      const t = await s.send(s.c.market.write.timeoutBatch([r.batch.batchId], { account: outsider }));
      assert.equal(await s.c.token.read.balanceOf([challenger.address]), before + deposit);
      assert.ok(parseEventLogs({ abi: segmentMarketAbi, logs: t.logs }).some((l) => l.eventName === "DisputeDepositRefunded"));
      assert.equal(await s.c.market.read.totalDeposits(), 0n);
    });

    it("the market's balance is its escrow, bounties and open deposits", async () => {
      const r = await ready([1, 1]);
      await s.send(s.c.market.write.reportInvalid([r.batch.batchId, 1], { account: challenger }));
      const [escrow, bounties, deposits] = await Promise.all([s.c.market.read.totalEscrow(), s.c.market.read.totalBounties(), s.c.market.read.totalDeposits()]);
      assert.equal(await s.c.token.read.balanceOf([s.c.market.address]), escrow + bounties + deposits);
      assert.equal(escrow, MAX_PRICE * 2n);
    });
  });
});
