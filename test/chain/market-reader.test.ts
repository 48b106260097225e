/** chain/'s MarketReader against real contracts: typed views with named statuses, the rules on them, and the deployed verifier's policy. */
import { strict as assert } from "node:assert";
import { createWalletClient, http, parseEther } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { deploySystem } from "../../src/chain/deploy.js";
import { BatchStatus, MarketReader, SegmentStatus, lockability } from "../../src/chain/market-reader.js";
import { deployStarkVerifier } from "../../src/chain/stark-verifier.js";
import { addProver, postBatch } from "../utils/flows.js";
import { roles, useSystem, TEST_GENESIS_ROOT } from "../utils/system.js";

describe("chain: MarketReader (anvil)", function () {
  this.timeout(120_000);
  const sys = useSystem();
  const readerOf = (market = sys().deployment.addresses.market) =>
    new MarketReader({ market, election: sys().deployment.addresses.election, rollup: sys().deployment.addresses.rollup }, { publicClient: sys().publicClient });

  it("reads batches and segments with their status enums, and the market's terms and parameters", async () => {
    const s = sys();
    const prover = roles.provers[0]!;
    await addProver(s, prover, parseEther("1000"));
    const reader = readerOf();
    const batch = await postBatch(s, 2);
    assert.equal(await reader.nextBatchId(), batch.batchId + 1n);
    const b = await reader.batch(batch.batchId);
    assert.deepEqual({ status: b.status, segments: b.segmentCount, committed: b.committedCount, fcb: b.fullyCommittedBlock }, { status: BatchStatus.Open, segments: 2, committed: 0, fcb: 0n });
    const open = await reader.segment(batch.batchId, 1);
    assert.equal(open.status, SegmentStatus.Open);
    assert.equal(open.locker, null);
    assert.equal(open.proofHash, null);
    assert.equal(open.witnessHash, batch.segments[1]!.witnessHash);
    assert.equal(lockability(b, open, await reader.head()), "lockable");

    await s.send(s.c.market.write.lock([batch.batchId, 1], { account: prover }));
    const locked = await reader.segment(batch.batchId, 1);
    assert.equal(locked.status, SegmentStatus.Locked);
    assert.equal(locked.locker, prover.address);
    assert.equal(lockability(b, locked, await reader.head()), "taken");
    await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
    assert.equal(lockability(b, locked, await reader.head()), "lockable", "a lock past its deadline can be taken over");
    assert.equal((await reader.batch(999n)).status, BatchStatus.None);

    const terms = await reader.terms();
    assert.equal(terms.lockTimeout, Number(s.deployment.params.market.lockTimeout));
    const params = await reader.aggregatorParams();
    assert.equal(params.responseWindow, await s.c.market.read.responseWindow());
    assert.equal(params.fallbackRanks, await s.c.election.read.fallbackRanks());
    assert.equal(params.treeDepth, await s.c.rollup.read.treeDepth());
  });

  it("reads the security policy of the verifier the market calls (the market refuses a verifier without one at construction)", async () => {
    const s = sys();
    // The fixture's market calls MockStarkVerifier, whose policy defaults to 96 bits like the real one's.
    assert.deepEqual(await readerOf().verifierPolicy(), { minSecurityBits: 96 });

    const wallet = createWalletClient({ chain: anvilChain, transport: http(s.anvil.rpcUrl), account: roles.deployer });
    for (const bits of [0, 96]) {
      const verifier = await deployStarkVerifier(wallet, s.publicClient, "fib-v1", bits);
      const d = await deploySystem(wallet, s.publicClient, { genesisRoot: TEST_GENESIS_ROOT }, { verifier });
      assert.deepEqual(await readerOf(d.addresses.market).verifierPolicy(), { minSecurityBits: bits });
    }
  });
});
