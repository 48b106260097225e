import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { createPublicClient, createWalletClient, getAddress, http, type Address, type PublicClient } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { parseOverrides } from "../../scripts/deploy.js";
import { startAnvil, type AnvilInstance } from "../../src/chain/anvil.js";
import { DeployError, deploySystem, deploymentToJson } from "../../src/chain/deploy.js";
import { deployStarkVerifier } from "../../src/chain/stark-verifier.js";
import { DEVNET_PARAMS, withDefaults } from "../../src/chain/params.js";
import { loadArtifact } from "../../src/chain/artifacts.js";
import { ensureBuilt, expectRevert, roles, startSystem } from "../utils/system.js";

/** A chain id other than the local devnet's (31337): the security floor and the mock refusal apply. */
const PUBLIC_CHAIN_ID = 1337;
/** anvil's first dev account (deployer of the throw-away chain). */
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

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

  describe(`outside a local devnet (chain id ${PUBLIC_CHAIN_ID})`, () => {
    let anvil: AnvilInstance;
    let publicClient: PublicClient;
    const chain = { ...anvilChain, id: PUBLIC_CHAIN_ID };
    const wallet = () => createWalletClient({ chain, transport: http(anvil.rpcUrl), account: roles.deployer });
    const deploy = async (name: string, args: readonly unknown[]): Promise<Address> => {
      const art = loadArtifact(name);
      const hash = await wallet().deployContract({ abi: art.abi, bytecode: art.bytecode, args: args as unknown[] });
      const r = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      assert.equal(r.status, "success");
      return getAddress(r.contractAddress!);
    };

    before(async function () {
      this.timeout(60_000);
      ensureBuilt();
      anvil = await startAnvil({ chainId: PUBLIC_CHAIN_ID });
      publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 20 }) as PublicClient;
    });
    after(async () => anvil?.stop());

    it("SegmentMarket and Rollup read the verifier's policy when constructed and refuse one below 80 bits", async function () {
      this.timeout(60_000);
      const token = await deploy("StakeToken", ["Stake", "STK", roles.deployer.address]);
      const staking = await deploy("ProverStaking", [token, DEVNET_PARAMS.staking]);
      const election = await deploy("AggregatorElection", [staking, DEVNET_PARAMS.election]);
      const verifier = await deploy("MockStarkVerifier", []);
      const setBits = async (bits: bigint) => {
        const hash = await wallet().writeContract({ address: verifier, abi: loadArtifact("MockStarkVerifier").abi, functionName: "setMinSecurityBits", args: [bits] });
        await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
      };
      const market = () => wallet().deployContract({ abi: loadArtifact("SegmentMarket").abi, bytecode: loadArtifact("SegmentMarket").bytecode, args: [token, staking, verifier, DEVNET_PARAMS.market] });
      const rollup = (m: Address) =>
        wallet().deployContract({ abi: loadArtifact("Rollup").abi, bytecode: loadArtifact("Rollup").bytecode, args: [m, election, staking, verifier, `0x${"00".repeat(32)}`, roles.deployer.address, DEVNET_PARAMS.treeDepth] });
      await setBits(79n);
      await expectRevert(market(), "SegmentMarket__VerifierPolicyBelowFloor", [79n, 80n]);
      await expectRevert(rollup(token), "Rollup__VerifierPolicyBelowFloor", [79n, 80n]);
      await setBits(80n);
      const m = getAddress((await publicClient.waitForTransactionReceipt({ hash: await market(), pollingInterval: 20 })).contractAddress!);
      const r = await publicClient.waitForTransactionReceipt({ hash: await rollup(m), pollingInterval: 20 });
      assert.equal(r.status, "success");
      // a generated verifier reports its immutable policy; one below the floor cannot even be deployed here
      await expectRevert(deployStarkVerifier(wallet(), publicClient, "fib-v1", 79), "StarkVerifier__PolicyBelowFloor", [79n, 80n]);
    });

    it("deploySystem refuses the test MockStarkVerifier and says why; a real verifier is accepted", async function () {
      this.timeout(120_000);
      await assert.rejects(deploySystem(wallet(), publicClient), (err: unknown) => {
        assert.ok(err instanceof DeployError);
        assert.deepEqual(err.type, { code: "MOCK_VERIFIER_REFUSED", chainId: PUBLIC_CHAIN_ID });
        assert.match(err.message, /MockStarkVerifier on chain 1337: .*local devnets \(chain id 31337\) only/);
        return true;
      });
      const verifier = await deployStarkVerifier(wallet(), publicClient, "transfer-v1", 96);
      const d = await deploySystem(wallet(), publicClient, {}, { verifier });
      assert.equal(d.verifierKind, "external");
      assert.equal(d.chainId, PUBLIC_CHAIN_ID);
    });

    it("npm run deploy without --verifier exits 1 saying why", function () {
      this.timeout(120_000);
      const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/deploy.ts", "--rpc", anvil.rpcUrl, "--private-key", DEV_KEY], { encoding: "utf8", timeout: 110_000 });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /refusing to deploy the test MockStarkVerifier on chain 1337/);
      assert.match(r.stderr, /--verifier/);
    });
  });
});
