/**
 * The devnet's aggregate path deployed (issue 19), without starting nodes: anvil with a 60 M block gas
 * limit, the wrap program's generated verifier of the devnet geometry (tree depth 20, 2^8 rows, `test`
 * options) behind Rollup's aggregate config, the keccak transfer-v2-d20 verifier behind disputes, the
 * geometry in deployment.json and in the node's config.json, and the sequencer posting data batches
 * whose postBatch stays under EIP-7825's per-transaction cap. The wrap verifier is built once per
 * geometry (build/program-verifiers) and reused.
 */
import { strict as assert } from "node:assert";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { aggregatePlanFor } from "../../src/aggregator/geometry.js";
import { aggregateConfig, readBatchBinding } from "../../src/chain/aggregate.js";
import { buildWrapVerifier } from "../../src/chain/program-verifier.js";
import { createWasmBackend } from "../../src/backends/wasm/index.js";
import { Devnet, defaultDevnetOpts, type DevnetOpts } from "../../src/cli/devnet/devnet.js";
import { AGGREGATE_BLOCK_GAS_LIMIT, EIP7825_TX_GAS_CAP } from "../../src/cli/devnet/aggregate.js";
import { devnetOptsFromFlags } from "../../src/cli/devnet/run.js";
import { L1CallLog, reportJson } from "../../src/cli/devnet/l1-calls.js";
import { transferV2Air } from "../../src/rollup/air-v2/index.js";
import { UsageError } from "../../src/util/errors.js";
import { ensureBuilt } from "../utils/system.js";

describe("devnet: the aggregate path's deployment (wrap verifier, geometry, data batches)", function () {
  this.timeout(300_000);
  let dir: string;
  let d: Devnet;
  const params = { treeDepth: 20, segmentLogRows: 8, segmentOptions: "test", treeOptions: "test", wrapOptions: "test" } as const;

  before(async () => {
    ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "devnet-aggregate-"));
    const opts: DevnetOpts = { ...defaultDevnetOpts(dir), path: "aggregate", nodes: 1, txsPerBatch: 30, accounts: 16, backend: "wasm" };
    d = await Devnet.create(opts);
  });

  after(async () => {
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("deploys Rollup with the plan's wrap AIR id and key-set root behind the wrap's generated verifier, disputes behind transfer-v2-d20, on a 60 M gas anvil", async () => {
    assert.ok(d.aggregate);
    const plan = await aggregatePlanFor(params);
    const cfg = aggregateConfig(plan);
    assert.deepEqual(d.aggregate.aggregate, cfg);
    const rollup = d.contracts.rollup.read;
    assert.equal(await rollup.aggregateAirId(), cfg.airId);
    assert.equal(await rollup.keySetRoot(), cfg.keySetRoot);
    assert.equal(await rollup.aggregateVerifier(), d.aggregate.aggregateVerifier);
    assert.equal(d.deployment.addresses.aggregateVerifier, d.aggregate.aggregateVerifier);
    assert.notEqual(d.aggregate.aggregateVerifier, d.deployment.addresses.verifier);
    // the wrap verifier is the generated verifier of the plan's wrap AIR
    const airId = (await d.publicClient.readContract({ address: d.aggregate.aggregateVerifier, abi: [{ type: "function", name: "airId", inputs: [], outputs: [{ type: "bytes32" }], stateMutability: "view" }], functionName: "airId" })) as Hex;
    assert.equal(airId, cfg.airId);
    assert.equal(await d.contracts.market.read.disputeAirId(), transferV2Air(20).idHex);
    assert.equal(await d.contracts.market.read.disputeVerifier(), d.aggregate.disputeVerifier);
    assert.equal((await d.publicClient.getBlock()).gasLimit, BigInt(AGGREGATE_BLOCK_GAS_LIMIT));
  });

  it("writes the geometry into deployment.json (aggregate) and the node's config.json (aggregate, without the tree depth)", async () => {
    const deployment = JSON.parse(await readFile(d.deploymentFile, "utf8")) as { aggregate?: unknown; addresses: { aggregateVerifier: string } };
    assert.deepEqual(deployment.aggregate, params);
    assert.equal(deployment.addresses.aggregateVerifier, d.aggregate!.aggregateVerifier);
    const config = JSON.parse(await readFile(join(d.nodes[0]!.dataDir, "config.json"), "utf8")) as { aggregate?: unknown };
    assert.deepEqual(config.aggregate, { segmentLogRows: 8, segmentOptions: "test", treeOptions: "test", wrapOptions: "test" });
  });

  it("the wrap verifier is cached by its AIR id: a second build reuses it", async () => {
    const backend = createWasmBackend();
    try {
      const t0 = Date.now();
      const again = await buildWrapVerifier(await aggregatePlanFor(params, backend), backend);
      assert.equal(again.build.cached, true);
      assert.ok(again.build.dir.includes(`wrap-${d.aggregate!.aggregate.airId.slice(2, 18)}-b`), again.build.dir);
      assert.ok(Date.now() - t0 < 30_000, `a cached build took ${Date.now() - t0} ms`);
    } finally {
      await backend.close();
    }
  });

  it("the sequencer posts data batches (L1 holds the binding), each postBatch under EIP-7825's cap", async () => {
    const b = await d.postBatch();
    assert.equal(b.kind, "data");
    assert.ok(b.segments.length >= 2);
    const onL1 = await readBatchBinding(d.publicClient, d.deployment.addresses.market, b.batchId);
    assert.equal(onL1.dataHash, b.binding!.dataHash);
    assert.equal(onL1.randomness, b.binding!.randomness);
    const receipt = await d.publicClient.getTransactionReceipt({ hash: b.txHash! });
    assert.ok(receipt.gasUsed < BigInt(EIP7825_TX_GAS_CAP), `postBatch used ${receipt.gasUsed} gas`);
    // summary.json's L1 section: the call by kind and batch, from the receipts
    const report = await new L1CallLog(d.publicClient, d.deployment.addresses, d.deployment.block).report(d.posted);
    const mine = report.batches.find((x) => x.batchId === b.batchId)!;
    assert.deepEqual([mine.kind, mine.segments, mine.transactions, mine.finalizedAt, mine.latencySeconds], ["data", b.segments.length, b.transactions, null, null]);
    assert.ok(mine.postedAt !== null);
    assert.deepEqual(mine.gas["market.postBatch"], { calls: 1, total: receipt.gasUsed, max: receipt.gasUsed });
    assert.ok(report.gasByKind["staking.register"]!.calls >= 1, "the node's registration is a call of no batch");
    assert.ok(report.otherCalls >= 3);
    assert.equal(report.allUnderCap, true);
    assert.equal(report.maxCallGas >= receipt.gasUsed, true);
    assert.equal((JSON.parse(reportJson(report)) as { batches: { gasTotal: string }[] }).batches.at(-1)!.gasTotal, String(mine.gasTotal));
  });

  it("--path: aggregate by default (v2 capacity, at most 16 segments), bundle on request; anything else is a usage error", () => {
    const flags = { nodes: "1", segmentRows: "2^8", treeDepth: "20", options: "test", backend: "wasm", dir, seed: "1" };
    assert.equal(devnetOptsFromFlags({ ...flags, path: "bundle" }).path, "bundle");
    assert.deepEqual(devnetOptsFromFlags(flags), devnetOptsFromFlags({ ...flags, path: "aggregate" }));
    const agg = devnetOptsFromFlags(flags);
    assert.equal(agg.path, "aggregate");
    assert.equal(agg.txsPerBatch, 4 * 11, "4 segments of 11 transfer-v2 transactions (D + 2 = 22 rows each)");
    assert.throws(() => devnetOptsFromFlags({ ...flags, path: "aggregate", txsPerBatch: String(17 * 11) }), UsageError);
    assert.throws(() => devnetOptsFromFlags({ ...flags, path: "blob" }), UsageError);
  });
});
