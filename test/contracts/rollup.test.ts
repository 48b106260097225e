import { strict as assert } from "node:assert";
import { parseEther, type Hex } from "viem";
import { proofHash } from "../../src/chain/statement.js";
import { expectRevert, roles, TEST_GENESIS_ROOT, useSystem, type System } from "../utils/system.js";
import { addProver, aggregateArgs, electedAccount, MAX_PRICE, postBatch, proveSegment, Verdict, type TestBatch } from "../utils/flows.js";

const [p1, p2, p3] = roles.provers as [typeof roles.deployer, typeof roles.deployer, typeof roles.deployer];
const [d1, d2] = roles.delegators as [typeof roles.deployer, typeof roles.deployer];
const { challenger, outsider } = roles;
const COLLATERAL = (MAX_PRICE * 100_000n) / 10_000n;
const BPS = 10_000n;

async function proveAll(s: System, batch: TestBatch, prover = p1): Promise<Hex[]> {
  const proofs: Hex[] = [];
  for (const seg of batch.segments) proofs.push(await proveSegment(s, batch, seg.index, prover));
  return proofs;
}

describe("contracts/Rollup and AggregatorElection", () => {
  const sys = useSystem();
  let s: System;

  beforeEach(async () => {
    s = sys();
    await addProver(s, p1);
    await addProver(s, p2);
    await addProver(s, p3);
  });

  describe("flows", () => {
    it("bond → lock → commit → aggregate → paid: prover, delegators, aggregator, sequencer refund", async () => {
      await s.send(s.c.staking.write.setCommission([1000], { account: p1 }));
      await s.send(s.c.staking.write.delegate([p1.address, parseEther("3000")], { account: d1 }));
      const batch = await postBatch(s, 2);
      const seqBefore = await s.c.token.read.balanceOf([roles.deployer.address]);
      const proofs = await proveAll(s, batch);
      const prices = await Promise.all([0, 1].map(async (i) => (await s.c.market.read.getSegment([batch.batchId, i])).price));
      const paid = prices[0]! + prices[1]!;
      const aggCut = prices.reduce((a, p) => a + (p * 1000n) / BPS, 0n);
      const proverPay = paid - aggCut;
      const commission = prices.reduce((a, p) => a + ((p - (p * 1000n) / BPS) * 1000n) / BPS, 0n);
      const agg = await electedAccount(s, batch.batchId);
      const aggBefore = await s.c.token.read.balanceOf([agg.address]);
      const d1Before = await s.c.staking.read.stakeOf([p1.address, d1.address]);

      await s.send(s.c.rollup.write.submitAggregate([batch.batchId, aggregateArgs(batch, proofs)], { account: agg }));

      assert.equal(await s.c.rollup.read.stateRoot(), batch.finalRoot);
      assert.equal(await s.c.rollup.read.lastFinalizedBatch(), batch.batchId);
      assert.equal((await s.c.market.read.getBatch([batch.batchId])).status, 2);
      const aggGain = (await s.c.token.read.balanceOf([agg.address])) - aggBefore;
      assert.equal(aggGain, aggCut, "the aggregator's share is paid directly");
      assert.equal(await s.c.staking.read.rewardsOf([p1.address]), commission);
      const toPool = proverPay - commission;
      const d1Gain = (await s.c.staking.read.stakeOf([p1.address, d1.address])) - d1Before;
      const expectedD1 = (toPool * 3n) / 4n; // d1 holds 3000 of 4000 shares
      assert.ok(d1Gain <= expectedD1 && expectedD1 - d1Gain <= 1n, `delegator gain ${d1Gain} vs ${expectedD1}`);
      assert.equal((await s.c.staking.read.poolOf([p1.address])).locked, 0n);
      assert.equal(await s.c.token.read.balanceOf([roles.deployer.address]), seqBefore + MAX_PRICE * 2n - paid);
      assert.equal(await s.c.token.read.balanceOf([s.c.market.address]), 0n);
      const before = await s.c.token.read.balanceOf([p1.address]);
      await s.send(s.c.staking.write.claimRewards({ account: p1 }));
      assert.equal(await s.c.token.read.balanceOf([p1.address]), before + commission);
    });

    it("lock expiry → slash 50/50 → reopen → another prover proves and collects the bounty", async () => {
      const batch = await postBatch(s, 1);
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
      await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
      const proof = await proveSegment(s, batch, 0, p2); // lock() slashes p1 and takes over
      assert.equal(await s.c.staking.read.selfStake([p1.address]), parseEther("1000") - COLLATERAL);
      const price = (await s.c.market.read.getSegment([batch.batchId, 0])).price;
      const p2Before = await s.c.staking.read.selfStake([p2.address]);
      const agg = await electedAccount(s, batch.batchId);
      await s.send(s.c.rollup.write.submitAggregate([batch.batchId, aggregateArgs(batch, [proof])], { account: agg }));
      const gain = (await s.c.staking.read.selfStake([p2.address])) - p2Before;
      const expected = price - (price * 1000n) / BPS + COLLATERAL / 2n;
      assert.ok(expected - gain <= 1n, `p2 gained ${gain}, expected ${expected}`);
      assert.equal(await s.c.market.read.totalBounties(), 0n);
    });

    it("invalid committed proof → challenge → slash → reproven by another prover → finalised", async () => {
      const batch = await postBatch(s, 2);
      const bad = await proveSegment(s, batch, 0, p1, { verdict: Verdict.Unknown });
      const good1 = await proveSegment(s, batch, 1, p1);
      await s.send(s.c.market.write.challengeProof([batch.batchId, 0, bad, batch.segments[0]!.column], { account: challenger }));
      assert.equal(await s.c.staking.read.selfStake([p1.address]), parseEther("1000") - COLLATERAL);
      const good0 = await proveSegment(s, batch, 0, p2);
      const agg = await electedAccount(s, batch.batchId);
      await s.send(s.c.rollup.write.submitAggregate([batch.batchId, aggregateArgs(batch, [good0, good1])], { account: agg }));
      assert.equal(await s.c.rollup.read.stateRoot(), batch.finalRoot);
    });

    it("segments verified one per transaction are finalised without their proofs", async () => {
      const batch = await postBatch(s, 3);
      const proofs = await proveAll(s, batch, p2);
      for (const i of [0, 2]) {
        await s.send(s.c.market.write.challengeProof([batch.batchId, i, proofs[i]!, batch.segments[i]!.column], { account: challenger }));
      }
      const args = aggregateArgs(batch, proofs);
      args[0] = { proof: "0x", publicColumn: [] };
      args[2] = { proof: "0x", publicColumn: [] };
      const agg = await electedAccount(s, batch.batchId);
      await s.send(s.c.rollup.write.submitAggregate([batch.batchId, args], { account: agg }));
      assert.equal(await s.c.rollup.read.stateRoot(), batch.finalRoot);
    });

    it("withheld proof → reported → slashed → reproven", async () => {
      const batch = await postBatch(s, 1);
      await proveSegment(s, batch, 0, p1);
      await s.send(s.c.market.write.reportUnavailable([batch.batchId, 0], { account: challenger }));
      await s.increaseTime(s.deployment.params.market.responseWindow + 1n);
      await s.send(s.c.market.write.slashUnavailable([batch.batchId, 0], { account: challenger }));
      assert.equal(await s.c.staking.read.selfStake([p1.address]), parseEther("1000") - COLLATERAL);
      const proof = await proveSegment(s, batch, 0, p3);
      const agg = await electedAccount(s, batch.batchId);
      await s.send(s.c.rollup.write.submitAggregate([batch.batchId, aggregateArgs(batch, [proof])], { account: agg }));
    });

    it("silent primary aggregator → rank 1 may submit → open race; the primary pays the liveness penalty", async () => {
      const batch = await postBatch(s, 1);
      const proof = await proveSegment(s, batch, 0, p1);
      const args = aggregateArgs(batch, [proof]);
      const primary = await electedAccount(s, batch.batchId, 0);
      const second = await electedAccount(s, batch.batchId, 1);
      const third = [p1, p2, p3].find((a) => a.address !== primary.address && a.address !== second.address)!;
      assert.notEqual(primary.address, second.address);
      await expectRevert(s.c.rollup.write.submitAggregate([batch.batchId, args], { account: second }), "Rollup__NotElected", [second.address]);
      await s.mine(s.deployment.params.election.aggregatorWindow);
      await expectRevert(s.c.rollup.write.submitAggregate([batch.batchId, args], { account: third }), "Rollup__NotElected");
      await expectRevert(s.c.rollup.write.submitAggregate([batch.batchId, args], { account: outsider }), "Rollup__NotElected");
      // rank 1's window is open: prove it, then let it pass and win the open race as an outsider
      const rights = await s.c.election.read.submissionRights([second.address, (await s.c.market.read.getBatch([batch.batchId])).fullyCommittedBlock]);
      assert.deepEqual(rights, [true, primary.address, true]);
      await s.mine(s.deployment.params.election.aggregatorWindow * BigInt(s.deployment.params.election.fallbackRanks));
      const primaryStake = await s.c.staking.read.selfStake([primary.address]);
      const outsiderBefore = await s.c.token.read.balanceOf([outsider.address]);
      const r = await s.send(s.c.rollup.write.submitAggregate([batch.batchId, args], { account: outsider }));
      assert.ok(r.logs.length > 0);
      const penalty = s.deployment.params.election.livenessPenalty;
      const lost = primaryStake - (await s.c.staking.read.selfStake([primary.address]));
      assert.ok(lost > 0n && lost <= penalty, `primary lost ${lost}`);
      assert.ok((await s.c.token.read.balanceOf([outsider.address])) > outsiderBefore, "the open-race winner is paid the aggregator fee");
    });

    it("unbonding and undelegating stake is slashed pro rata until the delay ends", async () => {
      await s.send(s.c.staking.write.delegate([p1.address, parseEther("1000")], { account: d1 }));
      await s.send(s.c.staking.write.delegate([p1.address, parseEther("1000")], { account: d2 }));
      await s.send(s.c.staking.write.requestUndelegate([p1.address, parseEther("1000")], { account: d1 }));
      await s.send(s.c.staking.write.requestUnbond([parseEther("500")], { account: p1 }));
      const batch = await postBatch(s, 1);
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
      await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
      await s.send(s.c.market.write.expireLock([batch.batchId, 0], { account: outsider }));
      // pool: active 1500 (p1 500 + d2 1000), unbonding 1500 (d1 1000 + p1 500); 20 slashed pro rata
      const [d1Pending] = await s.c.staking.read.pendingOf([p1.address, d1.address]);
      const [p1Pending] = await s.c.staking.read.pendingOf([p1.address, p1.address]);
      const total = COLLATERAL / 2n; // the unbonding half of the slash
      assert.ok(parseEther("1000") - d1Pending > 0n, "undelegating stake was slashed");
      assert.ok(parseEther("1000") - d1Pending <= (total * 2n) / 3n + 1n);
      assert.ok(parseEther("500") - p1Pending > 0n, "unbonding self-stake was slashed");
      assert.ok((await s.c.staking.read.stakeOf([p1.address, d2.address])) < parseEther("1000"), "active delegation was slashed");
      await s.increaseTime(s.deployment.params.staking.unbondingDelay);
      const before = await s.c.token.read.balanceOf([d1.address]);
      await s.send(s.c.staking.write.withdraw([p1.address], { account: d1 }));
      assert.equal(await s.c.token.read.balanceOf([d1.address]), before + d1Pending);
    });

    it("batch timeout: no aggregate any more, escrow refunded", async () => {
      const batch = await postBatch(s, 1);
      const proof = await proveSegment(s, batch, 0, p1);
      await s.increaseTime(s.deployment.params.market.batchTimeout);
      const agg = await electedAccount(s, batch.batchId);
      await expectRevert(s.c.rollup.write.submitAggregate([batch.batchId, aggregateArgs(batch, [proof])], { account: agg }), "Rollup__BatchTimedOut");
      const before = await s.c.token.read.balanceOf([roles.deployer.address]);
      await s.send(s.c.market.write.timeoutBatch([batch.batchId], { account: outsider }));
      assert.equal(await s.c.token.read.balanceOf([roles.deployer.address]), before + MAX_PRICE);
      assert.equal(await s.c.rollup.read.stateRoot(), TEST_GENESIS_ROOT);
      await expectRevert(s.c.rollup.write.submitAggregate([batch.batchId, aggregateArgs(batch, [proof])], { account: agg }), "Rollup__BatchNotOpen");
    });
  });

  describe("submitAggregate refusals", () => {
    it("unknown, incomplete, wrong count, mismatched hash or transactions, invalid or mis-bound proof", async () => {
      await expectRevert(s.c.rollup.write.submitAggregate([42n, []], { account: p1 }), "Rollup__BatchNotOpen");
      const batch = await postBatch(s, 2);
      const proof0 = await proveSegment(s, batch, 0, p1);
      await expectRevert(s.c.rollup.write.submitAggregate([batch.batchId, []], { account: p1 }), "Rollup__BatchNotFullyCommitted");
      const proof1 = await proveSegment(s, batch, 1, p2, { verdict: Verdict.Unknown });
      const agg = await electedAccount(s, batch.batchId);
      const submit = (args: { proof: Hex; publicColumn: number[] }[]) =>
        s.c.rollup.write.submitAggregate([batch.batchId, args], { account: agg });
      const good = aggregateArgs(batch, [proof0, proof1]);
      await expectRevert(submit(good.slice(0, 1)), "Rollup__WrongProofCount", [2n, 1n]);
      await expectRevert(submit([good[0]!, { ...good[1]!, proof: "0x1234" }]), "Rollup__ProofHashMismatch");
      await expectRevert(submit([good[0]!, { ...good[1]!, publicColumn: [9] }]), "Rollup__TxDataMismatch", [1]);
      await expectRevert(submit(good), "Rollup__InvalidSegmentProof", [1]);
      // a proof that verifies only for another address is worthless to the holder of the segment
      await s.send(s.mock.write.setVerdict([proofHash(proof1), Verdict.Valid, p3.address], { account: roles.deployer }));
      await expectRevert(submit(good), "Rollup__InvalidSegmentProof", [1]);
      await s.send(s.mock.write.setVerdict([proofHash(proof1), Verdict.Revert, p2.address], { account: roles.deployer }));
      await expectRevert(submit(good), "Rollup__InvalidSegmentProof", [1]);
      await s.send(s.mock.write.setVerdict([proofHash(proof1), Verdict.Valid, p2.address], { account: roles.deployer }));
      await s.send(submit(good));
    });

    it("roots must chain from the current state root", async () => {
      // the sequencer specified no roots, and the provers committed a chain that starts elsewhere
      const batch = await postBatch(s, 1, { specifyRoots: false, startRoot: `0x${"07".repeat(32)}` });
      const proof = await proveSegment(s, batch, 0, p1);
      const agg = await electedAccount(s, batch.batchId);
      await expectRevert(
        s.c.rollup.write.submitAggregate([batch.batchId, aggregateArgs(batch, [proof])], { account: agg }),
        "Rollup__RootDiscontinuity",
        [0, TEST_GENESIS_ROOT, `0x${"07".repeat(32)}`],
      );
    });

    it("setSequencer is owner-only and refuses the zero address", async () => {
      await expectRevert(s.c.rollup.write.setSequencer([p1.address], { account: p1 }), "Rollup__NotOwner");
      await expectRevert(s.c.rollup.write.setSequencer(["0x0000000000000000000000000000000000000000"], { account: roles.deployer }), "Rollup__ZeroAddress");
      await s.send(s.c.rollup.write.setSequencer([p1.address], { account: roles.deployer }));
      assert.equal(await s.c.rollup.read.sequencer(), p1.address);
    });
  });

  describe("election", () => {
    it("ranks are distinct active provers, deterministic per epoch, capped by the number eligible", async () => {
      const epoch = await s.c.election.read.epochOf([await s.blockNumber()]);
      const ranked = await s.c.election.read.rankedAggregators([epoch, 5]);
      assert.equal(ranked.length, 3);
      assert.equal(new Set(ranked).size, 3);
      assert.equal(await s.c.election.read.aggregatorFor([epoch, 0]), ranked[0]);
      assert.equal(await s.c.election.read.aggregatorFor([epoch, 3]), "0x0000000000000000000000000000000000000000");
      await s.send(s.c.staking.write.requestUnbond([parseEther("1000")], { account: p3 }));
      const after = await s.c.election.read.rankedAggregators([epoch, 5]);
      assert.ok(!after.includes(p3.address), "an inactive prover is not elected");
    });

    it("stake weighting: a prover with most of the stake is usually rank 0", async () => {
      await s.send(s.c.staking.write.delegate([p2.address, parseEther("100000")], { account: d1 }));
      let wins = 0;
      for (let e = 0n; e < 20n; e++) if ((await s.c.election.read.aggregatorFor([e + 1000n, 0])) === p2.address) wins++;
      assert.ok(wins >= 17, `p2 (98% of stake) won ${wins}/20 epochs`);
    });

    it("recordSeed keeps an epoch's seed; refusals", async () => {
      const p = s.deployment.params.election;
      await s.mine(p.epochLength * 2n);
      const epoch = (await s.c.election.read.epochOf([await s.blockNumber()])) as bigint;
      const seed = await s.c.election.read.epochSeed([epoch]);
      await s.send(s.c.election.write.recordSeed([epoch], { account: outsider }));
      assert.equal(await s.c.election.read.recordedSeeds([epoch]), seed);
      await expectRevert(s.c.election.write.recordSeed([epoch], { account: outsider }), "AggregatorElection__SeedAlreadyRecorded");
      await expectRevert(s.c.election.write.recordSeed([epoch + 5n], { account: outsider }), "AggregatorElection__SeedUnavailable");
      assert.equal(await s.c.election.read.epochLength(), p.epochLength);
      assert.equal(await s.c.election.read.aggregatorWindow(), p.aggregatorWindow);
      assert.equal(await s.c.election.read.fallbackRanks(), p.fallbackRanks);
      assert.equal(await s.c.election.read.livenessPenalty(), p.livenessPenalty);
    });
  });

});
