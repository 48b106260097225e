/**
 * The sequencer's persistence and recovery (docs/sequencer.md, "Persistence"), against a real anvil
 * (mock verifier) and real libp2p: a restarted sequencer serves its witnesses again and rebuilds its
 * state; a batch past its timeout is timed out by the sequencer (escrow refunded) and its transactions
 * are re-posted from the L1 root; a batch a reorg removed is re-posted under the same id.
 */
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, toHex, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { startAnvil, type AnvilInstance } from "../../src/chain/anvil.js";
import { systemContracts, type SystemContracts } from "../../src/chain/contracts.js";
import { deploySystem, type Deployment } from "../../src/chain/deploy.js";
import { BatchStatus } from "../../src/chain/market-reader.js";
import { TxSender } from "../../src/chain/sender.js";
import { ChainStakeOracle } from "../../src/chain/stake-oracle.js";
import { createP2pNetwork, type P2pNetwork } from "../../src/p2p/index.js";
import { genesisFor, LevelSequencerStore, Sequencer, startSequencerNetwork, type SequencerOpts, type SequencerStore } from "../../src/sequencer/index.js";
import { FlakyRpcProxy, NO_RPC_FAULTS } from "../../src/cli/devnet/chaos/index.js";
import { testOpts } from "../p2p/helpers.js";
import { MAX_PRICE, MIN_PRICE } from "../utils/flows.js";
import { DEV_MNEMONIC, ensureBuilt, MOCK_VERIFY_GAS_LIMIT, receiptOf, roles } from "../utils/system.js";

const OPTS: SequencerOpts = { accounts: 6, txsPerBatch: 8, segmentLogRows: 6, treeDepth: 4, seed: 11, minPrice: MIN_PRICE, maxPrice: MAX_PRICE, txTimeoutMs: 10_000, announceTimeoutMs: 2_000 };
const BATCH_TIMEOUT = 120n;

describe("sequencer: persistence, restart, timed-out and vanished batches", function () {
  this.timeout(90_000);
  let anvil: AnvilInstance;
  let publicClient: PublicClient;
  let deployment: Deployment;
  let c: SystemContracts;
  let dir: string;
  let base: string;
  let clean: Hex;
  const sequencerKey = toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!);
  const { root: genesisRoot } = genesisFor(OPTS);
  const test = () => createTestClient({ chain: anvilChain, transport: http(anvil.rpcUrl), mode: "anvil" });

  before(async () => {
    ensureBuilt();
    base = await mkdtemp(join(tmpdir(), "sequencer-recovery-"));
    anvil = await startAnvil({ args: ["--gas-limit", "1000000000"] });
    const transport = http(anvil.rpcUrl);
    publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
    const deployer = createWalletClient({ chain: anvilChain, transport, account: roles.deployer });
    deployment = await deploySystem(deployer, publicClient, { genesisRoot, treeDepth: OPTS.treeDepth, market: { verifyGasLimit: MOCK_VERIFY_GAS_LIMIT, batchTimeout: BATCH_TIMEOUT } });
    c = systemContracts(deployment.addresses, { public: publicClient, wallet: createWalletClient({ chain: anvilChain, transport }) });
    assert.equal((await receiptOf(publicClient, await c.token.write.mint([roles.deployer.address, parseEther("1000")], { account: roles.deployer }))).status, "success");
    clean = await test().snapshot();
  });

  // Each case starts from the deployed system with no batch and an empty sequencer database.
  let n = 0;
  beforeEach(async () => {
    await test().revert({ id: clean });
    clean = await test().snapshot();
    dir = join(base, `case-${n++}`);
  });

  after(async () => {
    await anvil?.stop();
    await rm(base, { recursive: true, force: true });
  });

  /** A sequencer process: its store on disk, a fresh TxSender, optionally its p2p host. */
  async function open(withNetwork: boolean): Promise<{ sequencer: Sequencer; store: SequencerStore; network: P2pNetwork | null; close(): Promise<void> }> {
    const store = await LevelSequencerStore.open(join(dir, "db"));
    const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient, account: privateKeyToAccount(sequencerKey), chain: anvilChain });
    let network: P2pNetwork | null = null;
    if (withNetwork) {
      network = (await startSequencerNetwork({ p2p: testOpts({ peerKeyFile: join(dir, "peer-key") }) }, { publicClient, sender, addresses: deployment.addresses, stakingKey: sequencerKey, store })).network;
    }
    const sequencer = new Sequencer(OPTS, { publicClient, sender, addresses: deployment.addresses, network, store });
    await sequencer.load();
    return { sequencer, store, network, close: async () => (await network?.stop(), await store.close()) };
  }

  it("after a restart it serves every witness again and continues from its persisted state", async () => {
    const first = await open(true);
    const b1 = await first.sequencer.postNextBatch();
    const root1 = first.sequencer.stateRoot();
    await first.close();

    const second = await open(true);
    try {
      assert.equal(second.sequencer.stateRoot(), root1, "state rebuilt from the store");
      assert.equal(second.sequencer.expectedRoot(b1.batchId), b1.rootOut);
      const oracle = new ChainStakeOracle({ staking: deployment.addresses.staking, rollup: deployment.addresses.rollup }, { publicClient });
      const prover = createP2pNetwork(testOpts({ bootstrap: [second.network!.multiaddrs()[0]!] }), { oracle, stakingKey: generatePrivateKey() });
      await prover.start();
      try {
        for (const s of b1.segments) {
          const w = await prover.fetchWitness(s.witnessHash, { signers: [roles.deployer.address] });
          assert.equal(w.length, s.size, `witness of segment ${s.index} served after the restart`);
        }
      } finally {
        await prover.stop();
      }
      const b2 = await second.sequencer.postNextBatch();
      assert.equal(b2.batchId, b1.batchId + 1n);
      assert.equal(b2.rootIn, b1.rootOut, "the next batch chains from the persisted one");
    } finally {
      await second.close();
    }
  });

  it("a restart waits out a flaky RPC instead of staying down (chaos ci seed 7: a restart gave up on one 503 and no witness was served again)", async () => {
    const proxy = await FlakyRpcProxy.start(anvil.rpcUrl, 5);
    const flaky = createPublicClient({ chain: anvilChain, transport: http(proxy.url, { retryCount: 0 }), pollingInterval: 20 }) as PublicClient;
    const store = await LevelSequencerStore.open(join(dir, "db"));
    try {
      proxy.setRates({ ...NO_RPC_FAULTS, error: 1 }); // every request answered 503 / 429 / "limit exceeded"
      setTimeout(() => proxy.setRates(NO_RPC_FAULTS), 1_500);
      const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: flaky, account: privateKeyToAccount(sequencerKey), chain: anvilChain });
      const t0 = Date.now();
      const { network } = await startSequencerNetwork({ p2p: testOpts({ peerKeyFile: join(dir, "peer-key") }), startupRpcRetryMs: 20_000 }, { publicClient: flaky, sender, addresses: deployment.addresses, stakingKey: sequencerKey, store });
      await network.stop();
      assert.ok(proxy.stats.faults.error > 0, "the RPC did fail at first");
      assert.ok(Date.now() - t0 >= 1_000, "it waited for the RPC to come back");
    } finally {
      await store.close();
      await proxy.stop();
    }
  });

  it("times out an overdue batch (escrow refunded) and re-posts its transactions from the standing state", async () => {
    const s = await open(false);
    try {
      const standing = s.sequencer.stateRoot();
      const b = await s.sequencer.postNextBatch();
      const escrowed = MAX_PRICE * BigInt(b.segments.length);
      const balanceBefore = await c.token.read.balanceOf([roles.deployer.address]);
      await test().increaseTime({ seconds: Number(BATCH_TIMEOUT) + 1 });
      await test().mine({ blocks: 1 });
      const report = await s.sequencer.reconcile();
      assert.deepEqual(report.changed.map((x) => [x.batchId, x.to]), [[b.batchId, "timedOut"]]);
      assert.equal((await c.market.read.getBatch([b.batchId])).status, BatchStatus.TimedOut);
      assert.equal(await c.token.read.balanceOf([roles.deployer.address]), balanceBefore + escrowed, "the whole escrow came back");
      assert.equal(s.sequencer.stateRoot(), standing, "the timed-out batch is no longer part of the L2 state");
      assert.equal(s.sequencer.expectedRoot(b.batchId), null);

      const again = await s.sequencer.postNextBatch();
      assert.equal(again.batchId, b.batchId + 1n);
      assert.equal(again.rootIn, standing, "re-posted on top of what still stands");
      assert.equal(again.transactions, b.transactions);
      assert.equal(again.rootOut, b.rootOut, "the same transactions from the same state end at the same root");
      const rec = s.sequencer.batchRecords().find((r) => r.batchId === again.batchId)!;
      assert.equal(rec.repostOf, b.batchId);
      assert.equal(s.sequencer.batchRecords().find((r) => r.batchId === b.batchId)!.repostedIn, again.batchId);
      const third = await s.sequencer.postNextBatch();
      assert.equal(third.rootIn, again.rootOut, "new transactions follow the re-posted ones");
      assert.equal(third.repostOf, undefined);
    } finally {
      await s.close();
    }
  });

  it("re-reads a settled batch until it is finalityDepth deep: a timeout a reorg undid is redone (chaos soak seed 1)", async () => {
    const s = await open(false);
    try {
      const b = await s.sequencer.postNextBatch();
      await test().increaseTime({ seconds: Number(BATCH_TIMEOUT) + 1 });
      await test().mine({ blocks: 1 });
      const beforeTimeout = await test().snapshot();
      assert.deepEqual((await s.sequencer.reconcile()).changed.map((x) => x.to), ["timedOut"]);
      await test().revert({ id: beforeTimeout });
      assert.equal((await c.market.read.getBatch([b.batchId])).status, BatchStatus.Open, "the reorg undid the timeout");
      await test().mine({ blocks: 1 });
      await s.sequencer.reconcile();
      assert.equal((await c.market.read.getBatch([b.batchId])).status, BatchStatus.TimedOut, "timed out again");
      // Buried deeper than finalityDepth (12 by default): no longer read.
      await test().mine({ blocks: 13 });
      await test().revert({ id: await test().snapshot() });
      assert.deepEqual((await s.sequencer.reconcile()).changed, []);
    } finally {
      await s.close();
    }
  });

  it("a batch recorded finalized that L1 shows open again (a reorg undid the aggregate) is followed as posted again", async () => {
    let s = await open(false);
    const b = await s.sequencer.postNextBatch();
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const rec = s.sequencer.batchRecords().find((r) => r.batchId === b.batchId)!;
    await s.store.write([{ ...rec, status: "finalized", settledAtBlock: head }]);
    await s.close();
    s = await open(false);
    try {
      const report = await s.sequencer.reconcile();
      assert.deepEqual(report.changed.map((x) => [x.batchId, x.from, x.to]), [[b.batchId, "finalized", "posted"]]);
      assert.equal(s.sequencer.expectedRoot(b.batchId), b.rootOut, "still part of the L2 state");
      // ...and so it is timed out like any open batch once its timeout passes.
      await test().increaseTime({ seconds: Number(BATCH_TIMEOUT) + 1 });
      await test().mine({ blocks: 1 });
      assert.deepEqual((await s.sequencer.reconcile()).changed.map((x) => [x.from, x.to]), [["posted", "timedOut"]]);
    } finally {
      await s.close();
    }
  });

  it("re-posts a batch a reorg removed, under the same id, after a restart", async () => {
    let s = await open(false);
    const standing = s.sequencer.stateRoot();
    const snapshot = await test().snapshot();
    const b = await s.sequencer.postNextBatch();
    await test().revert({ id: snapshot });
    assert.equal((await c.market.read.getBatch([b.batchId])).status, BatchStatus.None, "the reorg removed the batch");
    await s.close();
    s = await open(false);
    try {
      assert.equal(s.sequencer.stateRoot(), b.rootOut, "before reconciling, the store still counts the batch");
      const report = await s.sequencer.reconcile();
      assert.deepEqual(report.changed.map((x) => [x.batchId, x.from, x.to]), [[b.batchId, "posted", "dropped"]]);
      assert.equal(s.sequencer.stateRoot(), standing);
      const again = await s.sequencer.postNextBatch();
      assert.equal(again.batchId, b.batchId, "the id is free again");
      assert.equal(again.rootOut, b.rootOut);
      assert.equal((await c.market.read.getBatch([b.batchId])).status, BatchStatus.Open);
      assert.equal(s.sequencer.expectedRoot(b.batchId), b.rootOut);
    } finally {
      await s.close();
    }
  });
});
