import { strict as assert } from "node:assert";
import { parseOverrides } from "../../scripts/deploy.js";
import { startAnvil } from "../../src/chain/anvil.js";
import { deploymentToJson } from "../../src/chain/deploy.js";
import { DEVNET_PARAMS, withDefaults } from "../../src/chain/params.js";
import { loadArtifact } from "../../src/chain/artifacts.js";
import { expectRevert, roles, startSystem } from "../utils/system.js";

describe("contracts/deploy", () => {
  it("parses --set overrides with the defaults' types and rejects unknown keys", () => {
    const o = parseOverrides(["market.lockTimeout=120", "staking.commissionCapBps=2500", "election.livenessPenalty=7"]);
    assert.deepEqual(o, { market: { lockTimeout: 120n }, staking: { commissionCapBps: 2500 }, election: { livenessPenalty: 7n } });
    assert.throws(() => parseOverrides(["market.nope=1"]), /unknown parameter/);
    assert.throws(() => parseOverrides(["rollup.x=1"]), /section/);
    const merged = withDefaults(o);
    assert.equal(merged.market.lockTimeout, 120n);
    assert.equal(merged.market.rampPeriod, DEVNET_PARAMS.market.rampPeriod);
  });

  it("deploySystem applies every parameter and wires the contracts together", async function () {
    this.timeout(60_000);
    const s = await startSystem({
      market: { lockTimeout: 77n, aggregatorFeeBps: 123 },
      election: { fallbackRanks: 3 },
      staking: { unbondingDelay: 99n },
      sequencer: roles.outsider.address,
      treeDepth: 12,
    });
    try {
      const { c, deployment } = s;
      assert.equal(await c.market.read.lockTimeout(), 77n);
      assert.equal(await c.market.read.aggregatorFeeBps(), 123);
      assert.equal(await c.election.read.fallbackRanks(), 3);
      assert.equal(await c.staking.read.unbondingDelay(), 99n);
      assert.equal(await c.rollup.read.sequencer(), roles.outsider.address);
      assert.equal(await c.rollup.read.treeDepth(), 12);
      assert.equal(await c.staking.read.market(), c.market.address);
      assert.equal(await c.staking.read.rollup(), c.rollup.address);
      assert.equal(await c.market.read.rollup(), c.rollup.address);
      assert.equal(await c.rollup.read.market(), c.market.address);
      assert.equal(await c.market.read.verifier(), deployment.addresses.verifier);
      assert.equal(deployment.verifierKind, "mock");
      const json = JSON.parse(deploymentToJson(deployment)) as { chainId: number; params: { market: { lockTimeout: string } } };
      assert.equal(json.chainId, 31337);
      assert.equal(json.params.market.lockTimeout, "77");
    } finally {
      await s.stop();
    }
  });

  it("constructors refuse invalid parameters", async function () {
    this.timeout(60_000);
    const s = await startSystem();
    try {
      const { c } = s;
      const deploy = (name: string, args: readonly unknown[]) => {
        const art = loadArtifact(name);
        return s.wallet.deployContract({ abi: art.abi, bytecode: art.bytecode, args: args as unknown[], account: roles.deployer });
      };
      const st = DEVNET_PARAMS.staking;
      const mk = DEVNET_PARAMS.market;
      const el = DEVNET_PARAMS.election;
      await expectRevert(deploy("ProverStaking", [c.token.address, { ...st, minStake: 0n }]), "ProverStaking__InvalidParams");
      await expectRevert(deploy("ProverStaking", [c.token.address, { ...st, commissionCapBps: 10_001 }]), "ProverStaking__InvalidParams");
      const market = (m: Partial<typeof mk>) => deploy("SegmentMarket", [c.token.address, c.staking.address, c.verifier.address, { ...mk, ...m }]);
      await expectRevert(market({ batchTimeout: mk.lockTimeout }), "SegmentMarket__InvalidParams");
      await expectRevert(market({ collateralRatioBps: 0 }), "SegmentMarket__InvalidParams");
      await expectRevert(market({ aggregatorFeeBps: 10_001 }), "SegmentMarket__InvalidParams");
      await expectRevert(deploy("AggregatorElection", [c.staking.address, { ...el, epochLength: 0n }]), "AggregatorElection__InvalidParams");
      await expectRevert(deploy("AggregatorElection", [c.staking.address, { ...el, fallbackRanks: 0 }]), "AggregatorElection__InvalidParams");
      const zero = "0x0000000000000000000000000000000000000000";
      const rollup = (sequencer: string, treeDepth: number) =>
        deploy("Rollup", [c.market.address, c.election.address, c.staking.address, c.verifier.address, `0x${"00".repeat(32)}`, sequencer, treeDepth]);
      await expectRevert(rollup(zero, DEVNET_PARAMS.treeDepth), "Rollup__ZeroAddress");
      await expectRevert(rollup(roles.deployer.address, 0), "Rollup__InvalidTreeDepth");
      await expectRevert(rollup(roles.deployer.address, 31), "Rollup__InvalidTreeDepth");
      await expectRevert(deploy("StakeToken", ["a", "b", zero]), "StakeToken__ZeroAddress");
    } finally {
      await s.stop();
    }
  });

  it("startAnvil gives each caller its own port and stop() ends the process", async function () {
    this.timeout(30_000);
    const [a, b] = await Promise.all([startAnvil(), startAnvil()]);
    assert.notEqual(a.port, b.port);
    await Promise.all([a.stop(), b.stop()]);
    await a.stop(); // idempotent
    assert.throws(() => process.kill(a.pid!, 0));
  });
});
