/**
 * End to end (issue [devnet]): real anvil, the real transfer-v1 verifier, the in-process sequencer and
 * three `prover-node start` processes talking libp2p, with `test` proof options (insecure, fast). Each
 * scenario asserts stakes and balances to the token from the chain, not only that a batch finalized.
 *
 * Sizes: tree depth 8, segments of 2^6 rows (3 transfers each), 12 transfers per batch = 4 segments.
 */
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress, type Address } from "viem";
import { rollupAbi, segmentMarketAbi } from "../../src/chain/abi/index.js";
import { pathsCapacity } from "../../src/rollup/air-v2/index.js";
import { L1CallLog } from "../../src/cli/devnet/l1-calls.js";
import { Devnet, defaultDevnetOpts, DEFAULT_DEVNET_TIMING, type DevnetOpts } from "../../src/cli/devnet/devnet.js";
import { summarize, type DevnetSummary } from "../../src/cli/devnet/summary.js";
import { ensureBuilt } from "../utils/system.js";

const FINALIZE_MS = 150_000;


async function withDevnet(over: Partial<DevnetOpts>, body: (d: Devnet) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "prover-e2e-"));
  const opts: DevnetOpts = {
    ...defaultDevnetOpts(dir),
    path: "bundle",
    treeDepth: 8,
    segmentLogRows: 6,
    txsPerBatch: 12,
    accounts: 16,
    backend: "wasm",
    fetchTimeoutMs: 6_000,
    timing: { ...DEFAULT_DEVNET_TIMING, lockTimeout: 30, responseWindow: 8 },
    ...over,
  };
  const d = await Devnet.create(opts);
  let ok = false;
  try {
    await d.startNodes();
    await body(d);
    ok = true;
  } finally {
    await d.stop();
    if (ok) await rm(dir, { recursive: true, force: true });
    else console.log(`      devnet logs kept in ${dir}`);
  }
}

/** Stake and token balance of every node, before anything happens. */
async function balances(d: Devnet): Promise<{ stake: bigint; tokens: bigint }[]> {
  return Promise.all(d.nodes.map(async (n) => ({ stake: await d.contracts.staking.read.selfStake([n.address]), tokens: await d.contracts.token.read.balanceOf([n.address]) })));
}

async function collateral(d: Devnet, batchId: bigint): Promise<bigint> {
  return d.contracts.market.read.collateralFor([batchId]);
}

/** Every node's stake moved by exactly its payments minus its slashes; its tokens by its fees and bounties. */
async function assertAccounts(d: Devnet, before: { stake: bigint; tokens: bigint }[], s: DevnetSummary, extraTokens: (a: Address) => bigint = () => 0n): Promise<void> {
  for (const n of s.nodes) {
    const b = before[n.index]!;
    const collateralLost = s.slashes.filter((x) => x.prover === getAddress(n.address)).reduce((t, x) => t + x.amount, 0n);
    assert.equal(n.stake, b.stake + n.earned - collateralLost, `node ${n.index}: stake = before + earned - slashed`);
    const tokens = await d.contracts.token.read.balanceOf([n.address]);
    assert.equal(tokens, b.tokens + n.aggregatorFees + extraTokens(getAddress(n.address)), `node ${n.index}: token balance = before + aggregator fees (+ challenger/reporter bounties)`);
  }
}

async function assertRoot(d: Devnet, batchId: bigint): Promise<void> {
  assert.equal((await d.contracts.rollup.read.stateRoot()).toLowerCase(), d.sequencer.expectedRoot(batchId)!.toLowerCase(), "L1 state root = the sequencer's");
}

describe("e2e: devnet with three prover-node processes", function () {
  this.timeout(300_000);
  before(() => ensureBuilt());

  it("happy path (aggregate): 2 data batches × 4 segments, each finalized by one wrap proof the network aggregated; every node earned, no slash, every L1 call under EIP-7825's cap", async () => {
    // transfer-v2 at tree depth 8: 10 rows a transaction, 6 in a segment of 2^6 rows.
    await withDevnet({ path: "aggregate", txsPerBatch: 4 * pathsCapacity(8, 6) }, async (d) => {
      const before = await balances(d);
      for (let i = 0; i < 2; i++) {
        const b = await d.postBatch();
        assert.equal(b.segments.length, 4);
        await d.waitFinalized(b.batchId, FINALIZE_MS);
      }
      await assertRoot(d, 2n);
      const accepted = await d.publicClient.getContractEvents({ address: d.contracts.rollup.address, abi: rollupAbi, eventName: "AggregateAccepted", fromBlock: 0n });
      assert.deepEqual(accepted.map((e) => e.args.batchId), [1n, 2n], "one aggregate proof accepted per batch");
      const l1 = await new L1CallLog(d.publicClient, d.deployment.addresses, d.deployment.block).report([]);
      assert.equal(l1.allUnderCap, true, `every L1 call under 16,777,216 gas (max ${l1.maxCallGas})`);
      const s = await summarize(d);
      assert.equal(s.slashes.length, 0, `no slash: ${JSON.stringify(s.slashes, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`);
      assert.equal(s.batchesFinalized, 2);
      for (const n of s.nodes) assert.ok(n.earned + n.aggregatorFees > 0n, `node ${n.index} earned nothing`);
      assert.equal(s.nodes.reduce((t, n) => t + n.segmentsPaid, 0), 8);
      // Join provers are paid in tokens from the aggregation fee, by the addresses bound into their proofs: 3 joins per batch.
      const joins = await d.publicClient.getContractEvents({ address: d.contracts.market.address, abi: segmentMarketAbi, eventName: "JoinProverPaid", fromBlock: 0n });
      assert.equal(joins.length, 6, "three join provers paid per batch of four segments");
      const joinPay = (a: Address) => joins.filter((e) => getAddress(e.args.prover!) === a).reduce((t, e) => t + e.args.amount!, 0n);
      await assertAccounts(d, before, s, joinPay);
    });
  });

  it("crash mid-proof: the lock expires, the node is slashed 50/50, another node proves, the batch finalizes", async () => {
    await withDevnet({ faults: { 0: "crash-mid-proof" } }, async (d) => {
      const before = await balances(d);
      const b = await d.postBatch();
      await d.until("node 0 to crash", 60_000, async () => d.exited(0));
      await d.waitFinalized(b.batchId, FINALIZE_MS);
      await assertRoot(d, b.batchId);
      const s = await summarize(d);
      const c = await collateral(d, b.batchId);
      const node0 = getAddress(d.nodes[0]!.address);
      // A dead node that happened to be the batch's primary aggregator also pays the liveness penalty.
      const penalty = await d.contracts.election.read.livenessPenalty();
      const [expiredSlashes, others] = [s.slashes.filter((x) => x.kind === "expired"), s.slashes.filter((x) => x.kind !== "expired")];
      assert.deepEqual(expiredSlashes.map((x) => [x.prover, x.amount]), [[node0, c]]);
      assert.deepEqual(others.map((x) => [x.kind, x.prover, x.amount]), others.length === 0 ? [] : [["liveness", node0, penalty]]);
      const expired = await d.publicClient.getContractEvents({ address: d.deployment.addresses.market, abi: segmentMarketAbi, eventName: "LockExpired", fromBlock: d.deployment.block });
      assert.equal(expired[0]!.args.bounty, c / 2n, "half the collateral is the next prover's bounty (the other half is burned)");
      // The bounty went to whoever proved the segment next: paid = price - aggregator cut + bounty.
      const paid = await d.publicClient.getContractEvents({ address: d.deployment.addresses.market, abi: segmentMarketAbi, eventName: "SegmentPaid", fromBlock: d.deployment.block });
      const again = paid.find((e) => e.args.index === expired[0]!.args.index)!;
      assert.notEqual(getAddress(again.args.prover!), getAddress(d.nodes[0]!.address));
      assert.ok(again.args.amount! > c / 2n);
      await assertAccounts(d, before, s);
    });
  });

  /** One fault by node `faulty`, slashed by `kind` for one segment's collateral, half of it to the accuser. */
  async function oneSlashScenario(faulty: number, fault: string, kind: "challenged" | "unavailable"): Promise<void> {
    await withDevnet({ faults: { [faulty]: fault } }, async (d) => {
      const before = await balances(d);
      const b = await d.postBatch();
      await d.waitFinalized(b.batchId, FINALIZE_MS);
      await assertRoot(d, b.batchId);
      const s = await summarize(d);
      const c = await collateral(d, b.batchId);
      assert.equal(s.slashes.length, 1, `exactly one slash: ${s.slashes.map((x) => x.kind).join(", ")}`);
      const [x] = s.slashes;
      assert.equal(x!.kind, kind);
      assert.equal(x!.prover, getAddress(d.nodes[faulty]!.address));
      assert.equal(x!.amount, c);
      // The accuser (a node) received half of the collateral in tokens.
      await assertAccounts(d, before, s, (a) => (a === x!.beneficiary ? c / 2n : 0n));
    });
  }

  it("invalid proof: the aggregator challenges, the prover is slashed, the segment is reproven, the batch finalizes", () => oneSlashScenario(1, "invalid-proof", "challenged"));

  it("withheld proof: reportUnavailable, no answer, slashed, reproven, finalized", () => oneSlashScenario(2, "withhold-proof", "unavailable"));

  it("silent primary aggregator: rank 1 submits and the primary pays the liveness penalty", async () => {
    await withDevnet({ faults: { 0: "silent-aggregator", 1: "silent-aggregator", 2: "silent-aggregator" } }, async (d) => {
      const before = await balances(d);
      const b = await d.postBatch();
      await d.waitFinalized(b.batchId, FINALIZE_MS);
      await assertRoot(d, b.batchId);
      const s = await summarize(d);
      const batch = await d.contracts.market.read.getBatch([b.batchId]);
      void batch;
      const penalty = await d.contracts.election.read.livenessPenalty();
      assert.equal(s.slashes.length, 1);
      const [x] = s.slashes;
      assert.equal(x!.kind, "liveness");
      assert.equal(x!.amount, penalty);
      const fin = await d.publicClient.getContractEvents({ address: d.deployment.addresses.market, abi: segmentMarketAbi, eventName: "BatchFinalized", fromBlock: d.deployment.block });
      assert.notEqual(getAddress(fin[0]!.args.aggregator!), x!.prover, "a fallback rank, not the primary, submitted");
      await assertAccounts(d, before, s);
    });
  });

  it("a node killed mid-proof and restarted resumes its job and is not slashed", async () => {
    await withDevnet({ faults: { 0: "crash-mid-proof" } }, async (d) => {
      const before = await balances(d);
      const b = await d.postBatch();
      await d.until("node 0 to crash", 60_000, async () => d.exited(0));
      await d.startNode(0, "");
      await d.waitFinalized(b.batchId, FINALIZE_MS);
      await assertRoot(d, b.batchId);
      const s = await summarize(d);
      assert.equal(s.slashes.length, 0, "no slash");
      assert.ok(s.nodes[0]!.segmentsPaid >= 1, "node 0 finished and was paid for the segment it was proving");
      await assertAccounts(d, before, s);
    });
  });
});
