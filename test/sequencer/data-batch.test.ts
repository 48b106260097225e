/**
 * The sequencer's data batches (batchKind "data", docs/sequencer.md) against a real anvil with the mock
 * verifiers: the transactions go to L1 as postBatch calldata (16 bytes each) with txRoot; L1's stored
 * binding (dataHash, txRoot, r, E) is the sequencer's; every witness is a version-2 witness proven at L1's
 * r whose txCommitment is the posted segment's; a timed-out data batch is re-posted; a binding L1 does not
 * share is reported as an error.
 */
import { strict as assert } from "node:assert";
import { createPublicClient, createTestClient, createWalletClient, decodeFunctionData, http, keccak256, parseEther, toHex, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { segmentMarketAbi } from "../../src/chain/abi/index.js";
import { decodePostDataBatch, readBatchBinding } from "../../src/chain/aggregate.js";
import { startAnvil, type AnvilInstance } from "../../src/chain/anvil.js";
import { systemContracts, type SystemContracts } from "../../src/chain/contracts.js";
import { deploySystem, type Deployment } from "../../src/chain/deploy.js";
import { BatchStatus } from "../../src/chain/market-reader.js";
import { TxSender } from "../../src/chain/sender.js";
import { batchBinding, decodeWitness, digestToBytes32, segmentCapacity, txCommitment, TX_BYTES, WITNESS_VERSION_V2 } from "../../src/rollup/index.js";
import { genesisFor, MemorySequencerStore, Sequencer, SequencerError, type PostedBatch, type SequencerOpts } from "../../src/sequencer/index.js";
import type { LogContext, Logger } from "../../src/util/logger.js";
import { MAX_PRICE, MIN_PRICE } from "../utils/flows.js";
import { DEV_MNEMONIC, ensureBuilt, MOCK_VERIFY_GAS_LIMIT, receiptOf, roles } from "../utils/system.js";

const TREE_DEPTH = 4;
const LOG_ROWS = 5; // transfer-v2: D + 2 = 6 rows per transaction, 5 per segment of 2^5 rows
const OPTS: SequencerOpts = {
  accounts: 6,
  txsPerBatch: 12, // 3 segments of 5, 5 and 2
  segmentLogRows: LOG_ROWS,
  treeDepth: TREE_DEPTH,
  seed: 23,
  minPrice: MIN_PRICE,
  maxPrice: MAX_PRICE,
  failingShare: 0.2,
  txTimeoutMs: 10_000,
  batchKind: "data",
};
const BATCH_TIMEOUT = 120n;

/** Records error and warning lines (message and context). */
function errorLog(): { logger: Logger; errors: { msg: string; ctx?: LogContext }[]; warnings: string[] } {
  const errors: { msg: string; ctx?: LogContext }[] = [];
  const warnings: string[] = [];
  const logger: Logger = { error: (msg, ctx) => errors.push({ msg, ...(ctx ? { ctx } : {}) }), warn: (msg) => warnings.push(msg), info() {}, debug() {}, child: () => logger };
  return { logger, errors, warnings };
}

describe("sequencer: data batches (transactions on L1, bound to the proofs' r)", function () {
  this.timeout(60_000);
  let anvil: AnvilInstance;
  let publicClient: PublicClient;
  let deployment: Deployment;
  let c: SystemContracts;
  let clean: Hex;
  const sequencerKey = toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 0 }).getHdKey().privateKey!);
  const { root: genesisRoot } = genesisFor(OPTS);
  const test = () => createTestClient({ chain: anvilChain, transport: http(anvil.rpcUrl), mode: "anvil" });

  before(async () => {
    ensureBuilt();
    anvil = await startAnvil({ args: ["--gas-limit", "60000000"] });
    const transport = http(anvil.rpcUrl);
    publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
    const deployer = createWalletClient({ chain: anvilChain, transport, account: roles.deployer });
    deployment = await deploySystem(deployer, publicClient, { genesisRoot, treeDepth: TREE_DEPTH, market: { verifyGasLimit: MOCK_VERIFY_GAS_LIMIT, batchTimeout: BATCH_TIMEOUT } });
    c = systemContracts(deployment.addresses, { public: publicClient, wallet: createWalletClient({ chain: anvilChain, transport }) });
    assert.equal((await receiptOf(publicClient, await c.token.write.mint([roles.deployer.address, parseEther("1000")], { account: roles.deployer }))).status, "success");
    clean = await test().snapshot();
  });

  beforeEach(async () => {
    await test().revert({ id: clean });
    clean = await test().snapshot();
  });

  after(async () => {
    await anvil?.stop();
  });

  function open(logger?: Logger): { sequencer: Sequencer; store: MemorySequencerStore } {
    const store = new MemorySequencerStore();
    const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient, account: privateKeyToAccount(sequencerKey), chain: anvilChain });
    return { sequencer: new Sequencer(OPTS, { publicClient, sender, addresses: deployment.addresses, network: null, store, ...(logger ? { logger } : {}) }), store };
  }

  /** Everything L1 holds of a posted data batch matches the sequencer's record and witnesses. */
  async function checkOnL1(sequencer: Sequencer, store: MemorySequencerStore, b: PostedBatch): Promise<void> {
    const rec = sequencer.batchRecords().find((r) => r.batchId === b.batchId)!;
    assert.equal(b.kind, "data");
    assert.ok(rec.binding, "the record keeps its binding");
    const native = batchBinding(rec.transactions, rec.segments.map((s) => s.txCount));
    const l1 = await readBatchBinding(publicClient, deployment.addresses.market, b.batchId);
    assert.deepEqual([l1.dataHash, l1.txRoot, l1.randomness, l1.evaluation], [rec.binding.dataHash, rec.binding.txRoot, rec.binding.randomness, rec.binding.evaluation], "L1's dataHash, txRoot, r, E are the sequencer's");
    assert.deepEqual([l1.r, l1.e], [native.randomness, native.evaluation]);
    assert.equal(l1.txCount, b.transactions);
    const onChain = await c.market.read.getBatch([b.batchId]);
    assert.equal(onChain.segmentCount, b.segments.length);
    assert.equal(onChain.finalRoot, b.rootOut);
    let root = b.rootIn;
    for (const s of b.segments) {
      const bytes = await store.witness(s.witnessHash);
      assert.ok(bytes, `witness of segment ${s.index} stored`);
      assert.equal(keccak256(bytes), s.witnessHash);
      const w = decodeWitness(bytes);
      assert.equal(w.version, WITNESS_VERSION_V2);
      assert.deepEqual(w.randomness, l1.r, `segment ${s.index}'s witness carries L1's r`);
      assert.equal([w.batchId, w.segmentIndex].join(), [b.batchId, s.index].join());
      const seg = await c.market.read.getSegment([b.batchId, s.index]);
      assert.equal(seg.txCommitment, digestToBytes32(txCommitment(w.steps.map((x) => x.tx))), `segment ${s.index}: the witness's txCommitment is the posted one`);
      assert.equal(seg.txCommitment, s.txCommitment);
      assert.equal(seg.witnessHash, s.witnessHash);
      assert.equal(seg.txCount, w.steps.length);
      assert.equal(seg.rootIn, s.rootIn);
      assert.equal(s.rootIn, root);
      root = s.rootOut;
    }
    assert.equal(root, b.rootOut);
    // the postBatch transaction carries the transactions: 16 bytes each, exactly the record's
    const tx = await publicClient.getTransaction({ hash: b.txHash! });
    const call = decodeFunctionData({ abi: segmentMarketAbi, data: tx.input });
    assert.equal(call.functionName, "postBatch");
    assert.equal((call.args[1] as Hex).length, 2 + 2 * TX_BYTES * b.transactions);
    assert.equal(TX_BYTES, 16);
    assert.deepEqual(decodePostDataBatch(tx.input).transactions, rec.transactions);
  }

  it("posts a data batch: L1's binding is the sequencer's, every witness is v2 at L1's r with the posted txCommitment, 16 bytes a transaction in the calldata", async () => {
    const { logger, errors, warnings } = errorLog();
    const { sequencer, store } = open(logger);
    const b1 = await sequencer.postNextBatch();
    assert.ok(warnings.some((w) => /without an aggregation plan/.test(w)), "a rollup with the placeholder wrap AIR id is reported (the mock deployment has no plan)");
    const b2 = await sequencer.postNextBatch();
    const capacity = segmentCapacity(TREE_DEPTH, LOG_ROWS, "v2");
    assert.equal(b1.segments.length, Math.ceil(OPTS.txsPerBatch / capacity));
    assert.equal(b2.rootIn, b1.rootOut);
    for (const b of [b1, b2]) await checkOnL1(sequencer, store, b);
    assert.notEqual(b1.binding!.randomness, b2.binding!.randomness, "another batch, another r");
    assert.equal(errors.length, 0, JSON.stringify(errors));
  });

  it("times out an overdue data batch and re-posts its transactions as a new data batch (same transactions, same r, new witnesses)", async () => {
    const { sequencer, store } = open();
    const standing = sequencer.stateRoot();
    const b = await sequencer.postNextBatch();
    await test().increaseTime({ seconds: Number(BATCH_TIMEOUT) + 1 });
    await test().mine({ blocks: 1 });
    const report = await sequencer.reconcile();
    assert.deepEqual(report.changed.map((x) => [x.batchId, x.to]), [[b.batchId, "timedOut"]]);
    assert.equal((await c.market.read.getBatch([b.batchId])).status, BatchStatus.TimedOut);
    assert.equal(sequencer.stateRoot(), standing);
    const again = await sequencer.postNextBatch();
    assert.equal(again.repostOf, b.batchId);
    assert.equal(again.rootIn, standing);
    assert.equal(again.rootOut, b.rootOut);
    assert.equal(again.transactions, b.transactions);
    assert.equal(again.binding!.dataHash, b.binding!.dataHash, "the same bytes posted again");
    assert.equal(again.binding!.randomness, b.binding!.randomness, "r depends on the bytes and txRoot only");
    assert.notDeepEqual(again.segments.map((s) => s.witnessHash), b.segments.map((s) => s.witnessHash), "the witnesses name the new batch id");
    await checkOnL1(sequencer, store, again);
    assert.equal((await c.market.read.getBatch([again.batchId])).status, BatchStatus.Open);
    assert.equal((await sequencer.reconcile()).changed.length, 0, "reconcile recognises the open data batch by its witness hash");
  });

  it("a binding L1 does not share is logged as an error; bad batchKind and oversized data batches are refused", async () => {
    const { logger, errors } = errorLog();
    const { sequencer } = open(logger);
    const b = await sequencer.postNextBatch();
    const check = (sequencer as unknown as { checkBinding(id: bigint, mine: unknown): Promise<boolean> }).checkBinding.bind(sequencer);
    assert.equal(await check(b.batchId, b.binding), true);
    assert.equal(errors.length, 0, JSON.stringify(errors));
    assert.equal(await check(b.batchId, { ...b.binding!, randomness: b.binding!.randomness ^ 1n }), false);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.msg, /binding/);
    assert.equal(errors[0]!.ctx!.differs, "randomness");
    const sender = new TxSender({}, { publicClient, account: privateKeyToAccount(sequencerKey), chain: anvilChain });
    const mods = { publicClient, sender, addresses: deployment.addresses, network: null };
    assert.throws(() => new Sequencer({ ...OPTS, batchKind: "blob" as "data" }, mods), (e: unknown) => e instanceof SequencerError && e.type.code === "SEQUENCER_OPTIONS");
    assert.throws(() => new Sequencer({ ...OPTS, txsPerBatch: 17 * segmentCapacity(TREE_DEPTH, LOG_ROWS, "v2") }, mods), (e: unknown) => e instanceof SequencerError && /more than 16 segments/.test(JSON.stringify(e.type)));
  });
});
