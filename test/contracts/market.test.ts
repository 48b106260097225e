import { strict as assert } from "node:assert";
import { parseEther, type Hex } from "viem";
import { proofHash } from "../../src/chain/statement.js";
import { expectRevert, roles, useSystem, type System } from "../utils/system.js";
import { addProver, MAX_PRICE, MIN_PRICE, postBatch, proofBytes, proveSegment, Verdict, type TestBatch } from "../utils/flows.js";

const [p1, p2, p3] = roles.provers as [typeof roles.deployer, typeof roles.deployer, typeof roles.deployer];
const { challenger, outsider } = roles;
const ZERO: Hex = `0x${"00".repeat(32)}`;
const COLLATERAL = (MAX_PRICE * 100_000n) / 10_000n; // devnet ratio 10x

describe("contracts/SegmentMarket", () => {
  const sys = useSystem();
  let s: System;
  let batch: TestBatch;

  beforeEach(async () => {
    s = sys();
    await addProver(s, p1);
    await addProver(s, p2);
    batch = await postBatch(s, 3);
  });

  describe("postBatch", () => {
    it("escrows maxPrice per segment and records every segment", async () => {
      const b = await s.c.market.read.getBatch([batch.batchId]);
      assert.equal(b.segmentCount, 3);
      assert.equal(b.escrow, MAX_PRICE * 3n);
      assert.equal(b.status, 1);
      assert.equal(await s.c.market.read.totalEscrow(), MAX_PRICE * 3n);
      assert.equal(await s.c.token.read.balanceOf([s.c.market.address]), MAX_PRICE * 3n);
      const seg = await s.c.market.read.getSegment([batch.batchId, 1]);
      assert.equal(seg.rootIn, batch.segments[1]!.rootIn);
      assert.equal(seg.txDataHash, batch.segments[1]!.txDataHash);
      assert.equal(seg.status, 1);
    });

    it("only the rollup's sequencer may post, with segments and sane prices", async () => {
      const seg = { rootIn: ZERO, witnessHash: ZERO, txDataHash: ZERO, txCount: 1 };
      await expectRevert(s.c.market.write.postBatch([[seg], ZERO, 1n, 2n], { account: outsider }), "SegmentMarket__NotSequencer");
      await expectRevert(s.c.market.write.postBatch([[], ZERO, 1n, 2n], { account: roles.deployer }), "SegmentMarket__NoSegments");
      await expectRevert(s.c.market.write.postBatch([[seg], ZERO, 3n, 2n], { account: roles.deployer }), "SegmentMarket__InvalidPrices");
      await expectRevert(s.c.market.write.postBatch([[seg], ZERO, 0n, 0n], { account: roles.deployer }), "SegmentMarket__InvalidPrices");
      await expectRevert(s.c.market.write.postBatch([[seg], ZERO, 1n, 2n ** 95n], { account: roles.deployer }), "SegmentMarket__InvalidPrices");
      await expectRevert(
        s.c.market.write.postBatch([Array.from({ length: 257 }, () => seg), ZERO, 1n, 2n], { account: roles.deployer }),
        "SegmentMarket__TooManySegments",
        [257n, 256n],
      );
      await s.send(s.c.rollup.write.setSequencer([outsider.address], { account: roles.deployer }));
      await s.send(s.c.market.write.postBatch([[seg], ZERO, 1n, 2n], { account: outsider }));
    });
  });

  describe("auction and lock", () => {
    it("price ramps from min to max over the ramp period", async () => {
      const p0 = await s.c.market.read.currentPrice([batch.batchId]);
      assert.ok(p0 >= MIN_PRICE && p0 < MAX_PRICE, `start price ${p0}`);
      await s.increaseTime(s.deployment.params.market.rampPeriod / 2n);
      const mid = await s.c.market.read.currentPrice([batch.batchId]);
      assert.ok(mid > p0 && mid < MAX_PRICE, `mid price ${mid}`);
      await s.increaseTime(s.deployment.params.market.rampPeriod);
      assert.equal(await s.c.market.read.currentPrice([batch.batchId]), MAX_PRICE);
      assert.equal(await s.c.market.read.collateralFor([batch.batchId]), COLLATERAL);
      await expectRevert(s.c.market.read.currentPrice([99n]), "SegmentMarket__UnknownBatch");
      await expectRevert(s.c.market.read.collateralFor([99n]), "SegmentMarket__UnknownBatch");
    });

    it("lock reserves collateral at the current price", async () => {
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
      const seg = await s.c.market.read.getSegment([batch.batchId, 0]);
      assert.equal(seg.status, 2);
      assert.equal(seg.locker, p1.address);
      assert.equal(seg.collateral, COLLATERAL);
      assert.ok(seg.price >= MIN_PRICE && seg.price <= MAX_PRICE);
      assert.equal((await s.c.staking.read.poolOf([p1.address])).locked, COLLATERAL);
    });

    it("lock refusals", async () => {
      await expectRevert(s.c.market.write.lock([99n, 0], { account: p1 }), "SegmentMarket__UnknownBatch");
      await expectRevert(s.c.market.write.lock([batch.batchId, 7], { account: p1 }), "SegmentMarket__UnknownSegment");
      await expectRevert(s.c.market.write.lock([batch.batchId, 0], { account: outsider }), "SegmentMarket__NotActiveProver");
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
      await expectRevert(s.c.market.write.lock([batch.batchId, 0], { account: p2 }), "SegmentMarket__AlreadyLocked");
      // p3 has just the minimum stake: less free stake than the collateral
      await addProver(s, p3, parseEther("100"));
      await s.send(s.c.staking.write.delegate([p3.address, 1n], { account: outsider }));
      const poor = await postBatch(s, 1, { maxPrice: parseEther("20") });
      await expectRevert(s.c.market.write.lock([poor.batchId, 0], { account: p3 }), "ProverStaking__InsufficientFreeStake");
      await s.increaseTime(s.deployment.params.market.batchTimeout);
      await expectRevert(s.c.market.write.lock([batch.batchId, 1], { account: p1 }), "SegmentMarket__BatchTimedOut");
    });
  });

  describe("commitProof", () => {
    it("commits before the deadline and completes the batch", async () => {
      for (const i of [0, 1, 2]) await proveSegment(s, batch, i, p1);
      const b = await s.c.market.read.getBatch([batch.batchId]);
      assert.equal(b.committedCount, 3);
      assert.ok(b.fullyCommittedBlock > 0n);
      const seg = await s.c.market.read.getSegment([batch.batchId, 2]);
      assert.equal(seg.status, 3);
      assert.equal(seg.committedRootOut, batch.finalRoot);
    });

    it("commit refusals", async () => {
      const seg = batch.segments[0]!;
      const h = proofHash(proofBytes(batch, 0, p1.address));
      const commit = (acct: typeof p1, i: number, hash: Hex, rin: Hex, rout: Hex) =>
        s.c.market.write.commitProof([batch.batchId, i, hash, rin, rout], { account: acct });
      await expectRevert(commit(p1, 0, h, seg.rootIn, seg.rootOut), "SegmentMarket__NotLocked");
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
      await expectRevert(commit(p2, 0, h, seg.rootIn, seg.rootOut), "SegmentMarket__NotLocker", [p2.address, p1.address]);
      await expectRevert(commit(p1, 0, ZERO, seg.rootIn, seg.rootOut), "SegmentMarket__ZeroProofHash");
      await expectRevert(commit(p1, 0, h, seg.rootOut, seg.rootOut), "SegmentMarket__RootMismatch", [seg.rootIn, seg.rootOut]);
      await expectRevert(commit(p1, 0, h, seg.rootIn, seg.rootIn), "SegmentMarket__RootMismatch");
      await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
      await expectRevert(commit(p1, 0, h, seg.rootIn, seg.rootOut), "SegmentMarket__LockExpired");
      await expectRevert(commit(p1, 9, h, seg.rootIn, seg.rootOut), "SegmentMarket__UnknownSegment");
    });

    it("accepts any roots where the sequencer specified none", async () => {
      const loose = await postBatch(s, 2, { specifyRoots: false });
      await s.send(s.c.market.write.lock([loose.batchId, 1], { account: p1 }));
      await s.send(s.c.market.write.commitProof([loose.batchId, 1, proofHash("0x01"), ZERO.replace(/0$/, "1") as Hex, ZERO], { account: p1 }));
    });
  });

  describe("lock expiry", () => {
    it("a pool slashed to nothing refuses new stake (its shares are worthless)", async () => {
      await addProver(s, p3, parseEther("100")); // exactly 5 collaterals of 20
      const big = await postBatch(s, 5);
      for (let i = 0; i < 5; i++) await s.send(s.c.market.write.lock([big.batchId, i], { account: p3 }));
      await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
      for (let i = 0; i < 5; i++) await s.send(s.c.market.write.expireLock([big.batchId, i], { account: outsider }));
      assert.equal((await s.c.staking.read.poolOf([p3.address])).activeStake, 0n);
      await expectRevert(s.c.staking.write.delegate([p3.address, parseEther("1")], { account: outsider }), "ProverStaking__PoolInsolvent", [p3.address]);
      await expectRevert(s.c.staking.write.bond([parseEther("1")], { account: p3 }), "ProverStaking__PoolInsolvent");
    });

    it("expireLock slashes 50% burned / 50% bounty and reopens the segment", async () => {
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
      await expectRevert(s.c.market.write.expireLock([batch.batchId, 0], { account: outsider }), "SegmentMarket__LockNotExpired");
      await expectRevert(s.c.market.write.expireLock([batch.batchId, 1], { account: outsider }), "SegmentMarket__NotLocked");
      await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
      const supply = await s.c.token.read.totalSupply();
      await s.send(s.c.market.write.expireLock([batch.batchId, 0], { account: outsider }));
      assert.equal(await s.c.token.read.totalSupply(), supply - COLLATERAL / 2n);
      const seg = await s.c.market.read.getSegment([batch.batchId, 0]);
      assert.equal(seg.status, 1);
      assert.equal(seg.bounty, COLLATERAL / 2n);
      assert.equal(await s.c.market.read.totalBounties(), COLLATERAL / 2n);
      assert.equal(await s.c.staking.read.selfStake([p1.address]), parseEther("1000") - COLLATERAL);
      assert.equal((await s.c.staking.read.poolOf([p1.address])).locked, 0n);
    });

    it("lock takes over an expired lock, slashing it on the way", async () => {
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
      await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
      await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p2 }));
      const seg = await s.c.market.read.getSegment([batch.batchId, 0]);
      assert.equal(seg.locker, p2.address);
      assert.equal(seg.bounty, COLLATERAL / 2n);
    });
  });

  describe("challengeProof", () => {
    const column = () => batch.segments[0]!.column;

    it("a valid proof is marked verified, nobody is slashed, and it cannot be challenged again", async () => {
      const proof = await proveSegment(s, batch, 0, p1);
      const stake = await s.c.staking.read.selfStake([p1.address]);
      await s.send(s.c.market.write.challengeProof([batch.batchId, 0, proof, column()], { account: challenger }));
      assert.equal((await s.c.market.read.getSegment([batch.batchId, 0])).verified, true);
      assert.equal(await s.c.staking.read.selfStake([p1.address]), stake);
      await expectRevert(s.c.market.write.challengeProof([batch.batchId, 0, proof, column()], { account: challenger }), "SegmentMarket__AlreadyVerified");
      // a verified proof that is then withheld is still slashable, and reopening clears the flag
      await s.send(s.c.market.write.reportUnavailable([batch.batchId, 0], { account: challenger }));
      await s.increaseTime(s.deployment.params.market.responseWindow + 1n);
      await s.send(s.c.market.write.slashUnavailable([batch.batchId, 0], { account: challenger }));
      assert.equal((await s.c.market.read.getSegment([batch.batchId, 0])).verified, false);
    });

    for (const [name, verdict] of [["returns false", Verdict.Unknown], ["reverts", Verdict.Revert], ["runs out of gas", Verdict.BurnGas]] as const) {
      it(`a proof whose verification ${name} is slashed: half to the challenger, half burned`, async () => {
        const proof = await proveSegment(s, batch, 0, p1, { verdict });
        const before = await s.c.token.read.balanceOf([challenger.address]);
        const supply = await s.c.token.read.totalSupply();
        await s.send(s.c.market.write.challengeProof([batch.batchId, 0, proof, column()], { account: challenger, gas: 12_000_000n }));
        assert.equal(await s.c.token.read.balanceOf([challenger.address]), before + COLLATERAL / 2n);
        assert.equal(await s.c.token.read.totalSupply(), supply - COLLATERAL / 2n);
        const seg = await s.c.market.read.getSegment([batch.batchId, 0]);
        assert.equal(seg.status, 1);
        assert.equal(seg.proofHash, ZERO);
        assert.equal((await s.c.market.read.getBatch([batch.batchId])).committedCount, 0);
      });
    }

    it("the stand-in verifier reports its verdicts directly", async () => {
      const proof = await proveSegment(s, batch, 0, p1, { verdict: Verdict.Revert });
      const inputs = Array.from({ length: 19 }, () => 0);
      await expectRevert(s.mock.read.verify([s.deployment.params.market.airId, proof, inputs, [], p1.address]), "MockStarkVerifier__Rejected");
      await s.send(s.mock.write.setVerdict([proofHash(proof), Verdict.Valid, p1.address], { account: roles.deployer }));
      assert.equal(await s.mock.read.verify([s.deployment.params.market.airId, proof, inputs, [], p1.address]), true);
      assert.equal(await s.mock.read.verify([s.deployment.params.market.airId, proof, inputs, [], p2.address]), false);
    });

    it("a proof bound to another prover is invalid for the holder", async () => {
      const proof = await proveSegment(s, batch, 0, p1);
      await s.send(s.mock.write.setVerdict([proofHash(proof), Verdict.Valid, p2.address], { account: roles.deployer }));
      await s.send(s.c.market.write.challengeProof([batch.batchId, 0, proof, column()], { account: challenger }));
    });

    it("challenge refusals, including a challenger starving the verifier of gas", async () => {
      await expectRevert(s.c.market.write.challengeProof([batch.batchId, 0, "0x01", column()], { account: challenger }), "SegmentMarket__NotCommitted");
      const proof = await proveSegment(s, batch, 0, p1, { verdict: Verdict.Unknown });
      await expectRevert(s.c.market.write.challengeProof([batch.batchId, 0, "0x01", column()], { account: challenger }), "SegmentMarket__ProofHashMismatch");
      await expectRevert(s.c.market.write.challengeProof([batch.batchId, 0, proof, [1, 2]], { account: challenger }), "SegmentMarket__TxDataMismatch");
      await expectRevert(
        s.c.market.write.challengeProof([batch.batchId, 0, proof, column()], { account: challenger, gas: 1_000_000n }),
        "SegmentMarket__InsufficientGas",
      );
    });
  });

  describe("unavailable proofs", () => {
    let proof: Hex;
    beforeEach(async () => {
      proof = await proveSegment(s, batch, 0, p1);
    });

    it("a published proof answers the report", async () => {
      await expectRevert(s.c.market.write.respondUnavailable([batch.batchId, 0, proof], { account: p1 }), "SegmentMarket__NotReported");
      await s.send(s.c.market.write.reportUnavailable([batch.batchId, 0], { account: challenger }));
      await expectRevert(s.c.market.write.reportUnavailable([batch.batchId, 0], { account: challenger }), "SegmentMarket__AlreadyReported");
      await expectRevert(s.c.market.write.respondUnavailable([batch.batchId, 0, "0x02"], { account: p1 }), "SegmentMarket__ProofHashMismatch");
      const r = await s.send(s.c.market.write.respondUnavailable([batch.batchId, 0, proof], { account: p1 }));
      assert.ok(r.logs.length === 1);
      assert.equal((await s.c.market.read.getSegment([batch.batchId, 0])).reportedAt, 0n);
      await s.increaseTime(s.deployment.params.market.responseWindow + 1n);
      await expectRevert(s.c.market.write.slashUnavailable([batch.batchId, 0], { account: challenger }), "SegmentMarket__NotReported");
    });

    it("a withheld proof is slashed after the response window", async () => {
      await expectRevert(s.c.market.write.reportUnavailable([batch.batchId, 1], { account: challenger }), "SegmentMarket__NotCommitted");
      await s.send(s.c.market.write.reportUnavailable([batch.batchId, 0], { account: challenger }));
      await expectRevert(s.c.market.write.slashUnavailable([batch.batchId, 0], { account: outsider }), "SegmentMarket__ResponseWindowOpen");
      await s.increaseTime(s.deployment.params.market.responseWindow + 1n);
      await expectRevert(s.c.market.write.respondUnavailable([batch.batchId, 0, proof], { account: p1 }), "SegmentMarket__ResponseWindowClosed");
      const before = await s.c.token.read.balanceOf([challenger.address]);
      await s.send(s.c.market.write.slashUnavailable([batch.batchId, 0], { account: outsider }));
      assert.equal(await s.c.token.read.balanceOf([challenger.address]), before + COLLATERAL / 2n, "the reporter gets half");
      assert.equal((await s.c.market.read.getSegment([batch.batchId, 0])).status, 1);
      assert.equal((await s.c.staking.read.poolOf([p1.address])).locked, 0n);
    });
  });

  describe("timeoutBatch and finalizeBatch", () => {
    it("timeout releases live and committed locks, slashes expired ones, burns bounties, refunds escrow", async () => {
      await expectRevert(s.c.market.write.timeoutBatch([batch.batchId], { account: outsider }), "SegmentMarket__BatchNotTimedOut");
      await proveSegment(s, batch, 0, p1); // committed: released
      await s.send(s.c.market.write.lock([batch.batchId, 1], { account: p2 })); // will expire: slashed
      await s.increaseTime(s.deployment.params.market.batchTimeout - 10n);
      await s.send(s.c.market.write.lock([batch.batchId, 1], { account: p1 })); // takes over; bounty from p2
      await s.send(s.c.market.write.lock([batch.batchId, 2], { account: p2 })); // live at timeout: released
      await s.increaseTime(20n);
      const seqBefore = await s.c.token.read.balanceOf([roles.deployer.address]);
      await s.send(s.c.market.write.timeoutBatch([batch.batchId], { account: outsider }));
      assert.equal(await s.c.token.read.balanceOf([roles.deployer.address]), seqBefore + MAX_PRICE * 3n);
      assert.equal((await s.c.staking.read.poolOf([p1.address])).locked, 0n);
      assert.equal((await s.c.staking.read.poolOf([p2.address])).locked, 0n);
      assert.equal(await s.c.staking.read.selfStake([p2.address]), parseEther("1000") - COLLATERAL);
      assert.equal(await s.c.market.read.totalBounties(), 0n);
      assert.equal(await s.c.market.read.totalEscrow(), 0n);
      assert.equal(await s.c.token.read.balanceOf([s.c.market.address]), 0n);
      assert.equal((await s.c.market.read.getBatch([batch.batchId])).status, 3);
      await expectRevert(s.c.market.write.timeoutBatch([batch.batchId], { account: outsider }), "SegmentMarket__BatchNotOpen");
      await expectRevert(s.c.market.write.lock([batch.batchId, 0], { account: p1 }), "SegmentMarket__BatchNotOpen");
    });

    it("finalizeBatch refuses an incomplete batch even from the rollup", async () => {
      const rollup = s.c.rollup.address;
      await s.test.impersonateAccount({ address: rollup });
      await s.test.setBalance({ address: rollup, value: 10n ** 18n });
      try {
        await expectRevert(
          s.wallet.writeContract({ address: s.c.market.address, abi: s.c.market.abi, functionName: "finalizeBatch", args: [batch.batchId, p1.address, []], account: rollup, gas: 1_000_000n }),
          "SegmentMarket__BatchNotFullyCommitted",
          [batch.batchId, 0, 3],
        );
      } finally {
        await s.test.stopImpersonatingAccount({ address: rollup });
      }
    });

    it("finalizeBatch and initialize are restricted", async () => {
      await expectRevert(s.c.market.write.finalizeBatch([batch.batchId, p1.address, []], { account: p1 }), "SegmentMarket__NotRollup");
      await expectRevert(s.c.market.write.initialize([p1.address], { account: p1 }), "SegmentMarket__NotOwner");
      await expectRevert(s.c.market.write.initialize([p1.address], { account: roles.deployer }), "SegmentMarket__AlreadyInitialized");
    });

    it("exposes every parameter", async () => {
      const p = s.deployment.params.market;
      assert.equal(await s.c.market.read.airId(), p.airId);
      assert.equal(await s.c.market.read.collateralRatioBps(), p.collateralRatioBps);
      assert.equal(await s.c.market.read.lockTimeout(), p.lockTimeout);
      assert.equal(await s.c.market.read.rampPeriod(), p.rampPeriod);
      assert.equal(await s.c.market.read.batchTimeout(), p.batchTimeout);
      assert.equal(await s.c.market.read.responseWindow(), p.responseWindow);
      assert.equal(await s.c.market.read.aggregatorFeeBps(), p.aggregatorFeeBps);
      assert.equal(await s.c.market.read.verifyGasLimit(), p.verifyGasLimit);
    });
  });
});
