import { strict as assert } from "node:assert";
import { parseOverrides } from "../../scripts/deploy.js";
import { startAnvil } from "../../src/chain/anvil.js";
import { deploymentToJson } from "../../src/chain/deploy.js";
import { DEVNET_PARAMS, withDefaults } from "../../src/chain/params.js";
import { roles, startSystem } from "../utils/system.js";

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
    });
    try {
      const { c, deployment } = s;
      assert.equal(await c.market.read.lockTimeout(), 77n);
      assert.equal(await c.market.read.aggregatorFeeBps(), 123);
      assert.equal(await c.election.read.fallbackRanks(), 3);
      assert.equal(await c.staking.read.unbondingDelay(), 99n);
      assert.equal(await c.rollup.read.sequencer(), roles.outsider.address);
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

  it("startAnvil gives each caller its own port and stop() ends the process", async function () {
    this.timeout(30_000);
    const [a, b] = await Promise.all([startAnvil(), startAnvil()]);
    assert.notEqual(a.port, b.port);
    await Promise.all([a.stop(), b.stop()]);
    await a.stop(); // idempotent
    assert.throws(() => process.kill(a.pid!, 0));
  });
});
