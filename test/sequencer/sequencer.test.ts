/**
 * The devnet sequencer against a real anvil (mock verifier) and two real libp2p networks on 127.0.0.1:
 * batches posted on L1 match the witnesses served over p2p, roots chain across segments and batches,
 * a prover-side network fetches every witness through the sequencer's registered peer id, and the
 * chain-backed stake oracle answers for provers, outsiders and the sequencer.
 */
import { strict as assert } from "node:assert";
import { createPublicClient, createWalletClient, http, keccak256, parseEther, toHex, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { startAnvil, type AnvilInstance } from "../../src/chain/anvil.js";
import { systemContracts, type SystemContracts } from "../../src/chain/contracts.js";
import { deploySystem, type Deployment } from "../../src/chain/deploy.js";
import { TxSender } from "../../src/chain/sender.js";
import { ChainStakeOracle } from "../../src/chain/stake-oracle.js";
import { segmentPublicInputs, txDataHash } from "../../src/chain/statement.js";
import { createP2pNetwork, type P2pNetwork, type ReceivedMessage, type StakeOracle } from "../../src/p2p/index.js";
import { buildTransferInstance } from "../../src/rollup/air/index.js";
import { decodeWitness } from "../../src/rollup/index.js";
import { ensureRegistered, genesisFor, Sequencer, SequencerError, startSequencerNetwork, type PostedBatch, type SequencerOpts } from "../../src/sequencer/index.js";
import { eventually, testOpts } from "../p2p/helpers.js";
import { MAX_PRICE, MIN_PRICE, peerIdFor } from "../utils/flows.js";
import { DEV_MNEMONIC, ensureBuilt, MOCK_VERIFY_GAS_LIMIT, receiptOf, roles } from "../utils/system.js";

const TREE_DEPTH = 4;
const LOG_ROWS = 6; // 2^6 rows hold 5 transactions at depth 4: 8 transactions make 2 segments
const OPTS: SequencerOpts = {
  accounts: 6,
  txsPerBatch: 8,
  segmentLogRows: LOG_ROWS,
  treeDepth: TREE_DEPTH,
  seed: 7,
  minPrice: MIN_PRICE,
  maxPrice: MAX_PRICE,
  failingShare: 0.2,
  txTimeoutMs: 10_000,
  announceTimeoutMs: 3_000,
};

describe("sequencer: batches on L1, witnesses over p2p, chain stake oracle", function () {
  this.timeout(60_000);
  let anvil: AnvilInstance;
  let publicClient: PublicClient;
  let deployment: Deployment;
  let c: SystemContracts;
  let sender: TxSender;
  let sequencer: Sequencer;
  let seqNet: P2pNetwork | undefined;
  let proverNet: P2pNetwork | undefined;
  const heard: ReceivedMessage[] = [];
  const batches: PostedBatch[] = [];
  const prover = roles.provers[0]!;
  const sequencerKey = toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!);
  const { root: genesisRoot } = genesisFor(OPTS);

  const send = async (hash: Promise<Hex>) => {
    const r = await receiptOf(publicClient, await hash);
    assert.equal(r.status, "success");
  };

  before(async () => {
    ensureBuilt();
    anvil = await startAnvil({ args: ["--gas-limit", "1000000000"] });
    const transport = http(anvil.rpcUrl);
    publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
    const deployer = createWalletClient({ chain: anvilChain, transport, account: roles.deployer });
    deployment = await deploySystem(deployer, publicClient, { genesisRoot, treeDepth: TREE_DEPTH, market: { verifyGasLimit: MOCK_VERIFY_GAS_LIMIT } });
    c = systemContracts(deployment.addresses, { public: publicClient, wallet: createWalletClient({ chain: anvilChain, transport }) });
    await send(c.token.write.mint([roles.deployer.address, parseEther("1000")], { account: roles.deployer }));
    await send(c.token.write.mint([prover.address, parseEther("1000")], { account: roles.deployer }));
    await send(c.token.write.approve([c.staking.address, 2n ** 256n - 1n], { account: prover }));
    await send(c.staking.write.register([peerIdFor(prover)], { account: prover }));
    await send(c.staking.write.bond([parseEther("500")], { account: prover }));

    sender = new TxSender({ pollIntervalMs: 20 }, { publicClient, account: privateKeyToAccount(sequencerKey), chain: anvilChain });
    const started = await startSequencerNetwork({ p2p: testOpts() }, { publicClient, sender, addresses: deployment.addresses, stakingKey: sequencerKey });
    seqNet = started.network;
    sequencer = new Sequencer(OPTS, { publicClient, sender, addresses: deployment.addresses, network: seqNet, store: started.store });

    const oracle = new ChainStakeOracle({ staking: deployment.addresses.staking, rollup: deployment.addresses.rollup }, { publicClient });
    proverNet = createP2pNetwork(testOpts({ bootstrap: [seqNet.multiaddrs()[0]!] }), { oracle, stakingKey: generatePrivateKey() });
    await proverNet.start();
    proverNet.onMessage((m) => heard.push(m));
    const topic = "/zkprover/test/witness/1";
    await eventually("the sequencer sees the prover subscribed to the witness topic", () =>
      seqNet!.host.services.pubsub.getSubscribers(topic).some((p) => p.toString() === proverNet!.peerId),
    );
  });

  after(async () => {
    await Promise.all([seqNet?.stop(), proverNet?.stop()]);
    await anvil?.stop();
  });

  it("posts two batches whose segments, hashes and roots match L1", async () => {
    assert.equal(await c.rollup.read.stateRoot(), genesisRoot);
    for (let k = 0; k < 2; k++) batches.push(await sequencer.postNextBatch());
    const [b1, b2] = batches as [PostedBatch, PostedBatch];
    assert.deepEqual([b1.batchId, b2.batchId], [1n, 2n]);
    assert.equal(b1.rootIn, genesisRoot);
    assert.equal(b2.rootIn, b1.rootOut, "batch 2 starts where batch 1 ends");
    assert.notEqual(b2.rootOut, b2.rootIn);
    assert.equal(sequencer.stateRoot(), b2.rootOut);
    assert.equal(sequencer.expectedRoot(1n), b1.rootOut);
    assert.equal(sequencer.expectedRoot(3n), null);
    assert.equal(sequencer.postedBatches().length, 2);
    const failed = b1.failed + b2.failed;
    assert.ok(failed > 0 && failed < 2 * OPTS.txsPerBatch / 2, `${failed} of ${2 * OPTS.txsPerBatch} transactions failed: mostly valid, a few no-ops`);
    for (const b of batches) {
      assert.ok(b.segments.length >= 2, `batch ${b.batchId} has ${b.segments.length} segments`);
      assert.equal(b.segments.reduce((n, s) => n + s.txCount, 0), OPTS.txsPerBatch);
      const onChain = await c.market.read.getBatch([b.batchId]);
      assert.equal(onChain.segmentCount, b.segments.length);
      assert.equal(onChain.finalRoot, b.rootOut);
      assert.equal(onChain.sequencer, roles.deployer.address);
      assert.equal(onChain.escrow, MAX_PRICE * BigInt(b.segments.length));
      let root = b.rootIn;
      for (const s of b.segments) {
        const seg = await c.market.read.getSegment([b.batchId, s.index]);
        assert.equal(seg.rootIn, s.rootIn);
        assert.equal(s.rootIn, root, `segment ${s.index} chains from the previous one`);
        assert.equal(seg.witnessHash, s.witnessHash);
        assert.equal(seg.txDataHash, s.txDataHash);
        assert.equal(seg.txCount, s.txCount);
        root = s.rootOut;
      }
      assert.equal(root, b.rootOut);
    }
  });

  it("a prover's network fetches every witness through the sequencer's peer id; it rebuilds the L1 statement", async () => {
    assert.equal(batches.length, 2, "needs the batches of the previous test");
    for (const b of batches) {
      for (const s of b.segments) {
        const bytes = await proverNet!.fetchWitness(s.witnessHash, { signers: [roles.deployer.address] });
        assert.equal(keccak256(bytes), s.witnessHash);
        assert.equal(bytes.length, s.size);
        const w = decodeWitness(bytes);
        assert.equal(w.batchId, b.batchId);
        assert.equal(w.segmentIndex, s.index);
        const instance = buildTransferInstance(w); // replays and checks every opening
        const seg = await c.market.read.getSegment([b.batchId, s.index]);
        assert.deepEqual(
          Array.from(instance.publicInputs),
          segmentPublicInputs(b.batchId, s.index, TREE_DEPTH, seg.rootIn, s.rootOut, seg.txCount),
        );
        assert.equal(txDataHash(instance.publicColumns.flatMap((col) => Array.from(col))), seg.txDataHash);
      }
    }
    // The witnessAvailable gossip passed the prover's chain-backed validation (the sequencer is unbonded).
    await eventually("the prover heard witnessAvailable for every segment", () =>
      batches.every((b) =>
        b.segments.every((s) =>
          heard.some((m) => m.message.body.kind === "witnessAvailable" && m.message.body.witnessHash === s.witnessHash && m.message.signer === roles.deployer.address),
        ),
      ),
    10_000);
  });

  it("ChainStakeOracle answers for a bonded prover, an outsider and the sequencer", async () => {
    const oracle = new ChainStakeOracle({ staking: deployment.addresses.staking, rollup: deployment.addresses.rollup, cacheMs: 60_000 }, { publicClient });
    const asP2p: StakeOracle = oracle; // structural fit with p2p's interface
    const min = parseEther("100");
    assert.equal(await asP2p.minimumStake(), min);

    assert.equal(await asP2p.isRegistered(prover.address), true);
    assert.equal(await asP2p.stakeOf(prover.address), parseEther("500"));
    assert.equal(await asP2p.peerIdOf(prover.address), `12D3KooW-${prover.address}`);

    const outsider = roles.outsider.address;
    assert.equal(await asP2p.isRegistered(outsider), false);
    assert.equal(await asP2p.stakeOf(outsider), 0n);
    assert.equal(await asP2p.peerIdOf(outsider), null);

    const seq = roles.deployer.address;
    assert.equal(await oracle.sequencer(), seq);
    assert.equal(await asP2p.isRegistered(seq), true);
    assert.equal(await asP2p.stakeOf(seq), min, "the sequencer counts as staked without bonding");
    assert.equal(await asP2p.peerIdOf(seq), seqNet!.peerId);

    // Cached within cacheMs; invalidate() re-reads.
    await send(c.staking.write.bond([parseEther("100")], { account: prover }));
    assert.equal(await asP2p.stakeOf(prover.address), parseEther("500"));
    oracle.invalidate();
    assert.equal(await asP2p.stakeOf(prover.address), parseEther("600"));
  });

  it("ensureRegistered is idempotent; refusals leave the sequencer's state where it was", async () => {
    assert.equal(await ensureRegistered(seqNet!.peerId, { publicClient, sender, staking: deployment.addresses.staking }), "unchanged");

    const rootBefore = sequencer.stateRoot();
    const next = await c.market.read.nextBatchId();
    // A second instance over the same genesis whose fee escrow exceeds the sequencer's balance.
    const greedy = new Sequencer({ ...OPTS, maxPrice: parseEther("1000000") }, { publicClient, sender, addresses: deployment.addresses, network: null });
    await assert.rejects(greedy.postNextBatch(), (err: unknown) => err instanceof SequencerError && err.code === "SEQUENCER_INSUFFICIENT_BALANCE");
    assert.equal(greedy.stateRoot(), genesisRoot, "the failed batch was rolled back");
    assert.equal(await c.market.read.nextBatchId(), next);

    // A sequencer whose genesis is not the one deployed refuses to post.
    const other = new Sequencer({ ...OPTS, seed: 8 }, { publicClient, sender, addresses: deployment.addresses, network: null });
    await assert.rejects(other.postNextBatch(), (err: unknown) => err instanceof SequencerError && err.code === "SEQUENCER_GENESIS_MISMATCH");
    assert.equal(sequencer.stateRoot(), rootBefore);
  });
});
