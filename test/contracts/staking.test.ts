import { strict as assert } from "node:assert";
import { parseEther, toHex } from "viem";
import { expectRevert, INITIAL_BALANCE, roles, useSystem } from "../utils/system.js";
import { addProver, peerIdFor } from "../utils/flows.js";

const [p1, p2] = roles.provers as [typeof roles.deployer, typeof roles.deployer];
const [d1, d2] = roles.delegators as [typeof roles.deployer, typeof roles.deployer];

describe("contracts/StakeToken", () => {
  const sys = useSystem();

  it("transfers, approves, transfers from an allowance and burns", async () => {
    const { c, send } = sys();
    await send(c.token.write.transfer([d1.address, 5n], { account: d2 }));
    assert.equal(await c.token.read.balanceOf([d1.address]), INITIAL_BALANCE + 5n);
    await send(c.token.write.approve([d2.address, 3n], { account: d1 }));
    await send(c.token.write.transferFrom([d1.address, roles.outsider.address, 3n], { account: d2 }));
    assert.equal(await c.token.read.allowance([d1.address, d2.address]), 0n);
    const supply = await c.token.read.totalSupply();
    await send(c.token.write.burn([7n], { account: d1 }));
    assert.equal(await c.token.read.totalSupply(), supply - 7n);
    assert.equal(await c.token.read.decimals(), 18);
  });

  it("refuses overdrafts, missing allowances, the zero address and minting by others", async () => {
    const { c } = sys();
    await expectRevert(c.token.write.transfer([d1.address, INITIAL_BALANCE + 1n], { account: d2 }), "StakeToken__InsufficientBalance");
    await expectRevert(c.token.write.transferFrom([d1.address, d2.address, 1n], { account: d2 }), "StakeToken__InsufficientAllowance");
    await expectRevert(c.token.write.transfer(["0x0000000000000000000000000000000000000000", 1n], { account: d2 }), "StakeToken__ZeroAddress");
    await expectRevert(c.token.write.burn([INITIAL_BALANCE + 1n], { account: d2 }), "StakeToken__InsufficientBalance");
    await expectRevert(c.token.write.mint([d2.address, 1n], { account: d2 }), "StakeToken__NotMinter", [d2.address]);
    await expectRevert(c.token.write.setMinter([d2.address], { account: d2 }), "StakeToken__NotMinter");
  });

  it("hands the minter role on", async () => {
    const { c, send } = sys();
    await send(c.token.write.setMinter([d1.address], { account: roles.deployer }));
    assert.equal(await c.token.read.minter(), d1.address);
    await send(c.token.write.mint([d2.address, 1n], { account: d1 }));
    await expectRevert(c.token.write.mint([d2.address, 1n], { account: roles.deployer }), "StakeToken__NotMinter");
  });
});

describe("contracts/ProverStaking", () => {
  const sys = useSystem();

  it("exposes its parameters and wiring", async () => {
    const { c, deployment } = sys();
    const p = deployment.params.staking;
    assert.equal(await c.staking.read.minStake(), p.minStake);
    assert.equal(await c.staking.read.unbondingDelay(), p.unbondingDelay);
    assert.equal(await c.staking.read.commissionCapBps(), p.commissionCapBps);
    assert.equal(await c.staking.read.market(), c.market.address);
    assert.equal(await c.staking.read.rollup(), c.rollup.address);
  });

  it("initialize is one-time and owner-only", async () => {
    const { c } = sys();
    await expectRevert(c.staking.write.initialize([d1.address, d1.address], { account: d1 }), "ProverStaking__NotOwner");
    await expectRevert(c.staking.write.initialize([d1.address, d1.address], { account: roles.deployer }), "ProverStaking__AlreadyInitialized");
  });

  it("register binds an address to a unique peer id", async () => {
    const { c, send } = sys();
    const r = await send(c.staking.write.register([peerIdFor(p1)], { account: p1 }));
    assert.equal(r.logs.length, 1);
    assert.equal(await c.staking.read.isRegistered([p1.address]), true);
    assert.equal(await c.staking.read.peerIdOf([p1.address]), peerIdFor(p1));
    assert.equal(await c.staking.read.proverCount(), 1n);
    assert.equal(await c.staking.read.proverAt([0n]), p1.address);
    await expectRevert(c.staking.write.register([peerIdFor(p2)], { account: p1 }), "ProverStaking__AlreadyRegistered");
    await expectRevert(c.staking.write.register([peerIdFor(p1)], { account: p2 }), "ProverStaking__PeerIdTaken", [p1.address]);
    await expectRevert(c.staking.write.register(["0x"], { account: p2 }), "ProverStaking__EmptyPeerId");
    await expectRevert(c.staking.write.register([toHex(new Uint8Array(129))], { account: p2 }), "ProverStaking__PeerIdTooLong");
  });

  it("updatePeerId frees the old id and claims the new one", async () => {
    const { c, send } = sys();
    await expectRevert(c.staking.write.updatePeerId([peerIdFor(p1)], { account: p1 }), "ProverStaking__NotRegistered");
    await send(c.staking.write.register([peerIdFor(p1)], { account: p1 }));
    await send(c.staking.write.updatePeerId([peerIdFor(d1)], { account: p1 }));
    assert.equal(await c.staking.read.peerIdOf([p1.address]), peerIdFor(d1));
    await send(c.staking.write.register([peerIdFor(p1)], { account: p2 })); // the old id is free again
  });

  it("setCommission is capped", async () => {
    const { c, send } = sys();
    await expectRevert(c.staking.write.setCommission([100], { account: p1 }), "ProverStaking__NotRegistered");
    await addProver(sys(), p1, 0n);
    await send(c.staking.write.setCommission([5000], { account: p1 }));
    assert.equal(await c.staking.read.commissionOf([p1.address]), 5000);
    await expectRevert(c.staking.write.setCommission([5001], { account: p1 }), "ProverStaking__CommissionAboveCap");
  });

  it("bond and delegate mint pool shares; minimum stake makes a prover active", async () => {
    const { c, send } = sys();
    await expectRevert(c.staking.write.bond([1n], { account: p1 }), "ProverStaking__NotRegistered");
    await addProver(sys(), p1, parseEther("50"));
    assert.equal(await c.staking.read.isActive([p1.address]), false);
    assert.equal(await c.staking.read.weightOf([p1.address]), 0n);
    await expectRevert(c.staking.write.bond([0n], { account: p1 }), "ProverStaking__ZeroAmount");
    await send(c.staking.write.bond([parseEther("50")], { account: p1 }));
    assert.equal(await c.staking.read.isActive([p1.address]), true);
    await send(c.staking.write.delegate([p1.address, parseEther("300")], { account: d1 }));
    assert.equal(await c.staking.read.stakeOf([p1.address, d1.address]), parseEther("300"));
    assert.equal(await c.staking.read.selfStake([p1.address]), parseEther("100"));
    assert.equal(await c.staking.read.weightOf([p1.address]), parseEther("400"));
    assert.equal(await c.staking.read.freeStake([p1.address]), parseEther("400"));
    await expectRevert(c.staking.write.delegate([p2.address, 1n], { account: d1 }), "ProverStaking__NotRegistered");
    assert.equal(await c.token.read.balanceOf([c.staking.address]), parseEther("400"));
  });

  it("unbonding waits for the delay, then withdraw pays out", async () => {
    const s = sys();
    const { c, send } = s;
    await addProver(s, p1, parseEther("200"));
    await send(c.staking.write.delegate([p1.address, parseEther("100")], { account: d1 }));
    await expectRevert(c.staking.write.requestUnbond([0n], { account: p1 }), "ProverStaking__ZeroAmount");
    await expectRevert(c.staking.write.requestUnbond([parseEther("201")], { account: p1 }), "ProverStaking__InsufficientStake");
    await expectRevert(c.staking.write.withdraw([p1.address], { account: p1 }), "ProverStaking__NothingToWithdraw");
    await send(c.staking.write.requestUnbond([parseEther("150")], { account: p1 }));
    await send(c.staking.write.requestUndelegate([p1.address, parseEther("100")], { account: d1 }));
    assert.equal(await c.staking.read.isActive([p1.address]), false, "self-stake fell below the minimum");
    const [pending] = await c.staking.read.pendingOf([p1.address, p1.address]);
    assert.equal(pending, parseEther("150"));
    await expectRevert(c.staking.write.withdraw([p1.address], { account: p1 }), "ProverStaking__UnbondingNotFinished");
    await s.increaseTime(s.deployment.params.staking.unbondingDelay);
    const before = await c.token.read.balanceOf([d1.address]);
    await send(c.staking.write.withdraw([p1.address], { account: d1 }));
    await send(c.staking.write.withdraw([p1.address], { account: p1 }));
    assert.equal(await c.token.read.balanceOf([d1.address]), before + parseEther("100"));
    assert.equal(await c.token.read.balanceOf([c.staking.address]), parseEther("50"));
  });

  it("locked collateral cannot be unbonded", async () => {
    const s = sys();
    await addProver(s, p1, parseEther("200"));
    const { postBatch } = await import("../utils/flows.js");
    const batch = await postBatch(s, 1);
    await s.send(s.c.market.write.lock([batch.batchId, 0], { account: p1 }));
    const free = await s.c.staking.read.freeStake([p1.address]);
    assert.equal(free, parseEther("180")); // 10x of max price 2 locked
    await expectRevert(s.c.staking.write.requestUnbond([free + 1n], { account: p1 }), "ProverStaking__InsufficientFreeStake");
    await s.send(s.c.staking.write.requestUnbond([free], { account: p1 }));
  });

  it("market and rollup functions refuse everyone else", async () => {
    const { c } = sys();
    const a = p1.address;
    await expectRevert(c.staking.write.lockCollateral([a, 1n], { account: d1 }), "ProverStaking__NotMarket", [d1.address]);
    await expectRevert(c.staking.write.unlockCollateral([a, 1n], { account: d1 }), "ProverStaking__NotMarket");
    await expectRevert(c.staking.write.slashLocked([a, 1n, a, 0n], { account: d1 }), "ProverStaking__NotMarket");
    await expectRevert(c.staking.write.reward([a, 1n], { account: d1 }), "ProverStaking__NotMarket");
    await expectRevert(c.staking.write.slashFree([a, 1n], { account: d1 }), "ProverStaking__NotSlasher");
    await expectRevert(c.staking.write.claimRewards({ account: d1 }), "ProverStaking__NoRewards");
  });
});
