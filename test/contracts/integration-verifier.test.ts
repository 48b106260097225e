/**
 * The L1 market and rollup driven end to end with the REAL generated transfer-v1 STARK verifier
 * (not MockStarkVerifier): a sampled rollup batch of two segments is posted, proven with the js backend,
 * challenged (valid → verified; a tampered proof → slashed) and finalised by submitAggregate.
 *
 * The proofs use TEST_OPTIONS, which are INSECURE (a few bits of soundness); the verifier is deployed
 * with minSecurityBits = 0 to accept them. Production deployments use the default options and policy.
 */
import { strict as assert } from "node:assert";
import { createPublicClient, createWalletClient, hexToBytes, http, keccak256, parseEther, toBytes, toHex, type Hex, type PublicClient } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { startAnvil, type AnvilInstance } from "../../src/chain/anvil.js";
import { systemContracts, type AnyWalletClient, type SystemContracts } from "../../src/chain/contracts.js";
import { deploySystem } from "../../src/chain/deploy.js";
import { deployGasMeter, deployStarkVerifier, measureVerifyGas } from "../../src/chain/stark-verifier.js";
import { packRoot, proofHash, segmentPublicInputs, txDataHash } from "../../src/chain/statement.js";
import { JsBackend } from "../../src/backends/js/index.js";
import { proveStark } from "../../src/stark/prover.js";
import { TEST_OPTIONS } from "../../src/stark/options.js";
import { transferAir, buildTransferInstance } from "../../src/rollup/air/index.js";
import { sampleBatch } from "../../src/rollup/sample.js";
import { witnessFromSegment } from "../../src/rollup/index.js";
import type { AirInstance } from "../../src/stark/air/air.js";
import { DEV_ACCOUNTS, ensureBuilt, receiptOf, roles } from "../utils/system.js";
import { MAX_PRICE, MIN_PRICE, peerIdFor } from "../utils/flows.js";

const TREE_DEPTH = 4;
const LOG_ROWS = 6; // 2^6 rows hold 5 transactions at depth 4

describe("integration: market and rollup with the real transfer-v1 verifier", function () {
  this.timeout(120_000);
  let anvil: AnvilInstance;
  let publicClient: PublicClient;
  let c: SystemContracts;
  let verifyGasLimit: bigint;
  let measured: number;
  const [p1, p2] = [roles.provers[0]!, roles.provers[1]!];
  const challenger = roles.challenger;

  const { genesis, batch } = sampleBatch({ accounts: 6, txs: 8, treeDepth: TREE_DEPTH, logRows: LOG_ROWS, batchId: 1n, seed: 11 });
  void genesis;
  const instances: AirInstance[] = batch.segments.map((s) => buildTransferInstance(witnessFromSegment(s)));
  // The public column as the market and rollup take it: the 11 public columns flattened column-major.
  const columns = instances.map((inst) => inst.publicColumns.flatMap((col) => Array.from(col)));
  const proofs = new Map<string, Hex>();

  const send = async (hash: Promise<Hex> | Hex) => {
    const r = await receiptOf(publicClient, await hash);
    assert.equal(r.status, "success", `transaction ${r.transactionHash} reverted`);
    return r;
  };
  const prove = async (i: number, prover: Hex): Promise<Hex> => {
    const key = `${i}/${prover}`;
    let p = proofs.get(key);
    if (!p) {
      const r = await proveStark({ air: transferAir, instance: instances[i]!, options: TEST_OPTIONS, proverAddress: hexToBytes(prover), backend: new JsBackend() });
      proofs.set(key, (p = toHex(r.bytes)));
    }
    return p;
  };

  before(async () => {
    assert.equal(batch.segments.length, 2);
    ensureBuilt();
    // transfer-v1 verifications cost tens of millions of gas: raise the block gas limit.
    anvil = await startAnvil({ args: ["--gas-limit", "1000000000"] });
    const transport = http(anvil.rpcUrl);
    publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
    const wallet = createWalletClient({ chain: anvilChain, transport }) as AnyWalletClient;
    const deployer = createWalletClient({ chain: anvilChain, transport, account: roles.deployer });

    // minSecurityBits 0: TEST_OPTIONS proofs are insecure, accepted here for speed only.
    const verifier = await deployStarkVerifier(deployer, publicClient, transferAir.name, 0);
    const meter = await deployGasMeter(deployer, publicClient);
    // Measure the verifier on this segment size and give the market a 1.5x margin.
    let max = 0;
    for (let i = 0; i < instances.length; i++) {
      const proof = await prove(i, p1.address);
      const gas = await measureVerifyGas(publicClient, meter, verifier, {
        airId: transferAir.id,
        proof: hexToBytes(proof),
        publicInputs: instances[i]!.publicInputs,
        publicColumns: instances[i]!.publicColumns,
        prover: p1.address,
      });
      max = Math.max(max, gas.execution);
    }
    measured = max;
    verifyGasLimit = (BigInt(max) * 3n) / 2n;

    const deployment = await deploySystem(
      deployer,
      publicClient,
      { genesisRoot: packRoot(batch.rootIn), treeDepth: TREE_DEPTH, market: { verifyGasLimit } },
      { verifier },
    );
    assert.equal(deployment.verifierKind, "external");
    c = systemContracts(deployment.addresses, { public: publicClient, wallet });
    for (const a of DEV_ACCOUNTS.slice(0, 9)) {
      await send(c.token.write.mint([a.address, parseEther("1000000")], { account: roles.deployer }));
      await send(c.token.write.approve([c.staking.address, 2n ** 256n - 1n], { account: a }));
      await send(c.token.write.approve([c.market.address, 2n ** 256n - 1n], { account: a }));
    }
    for (const p of [p1, p2]) {
      await send(c.staking.write.register([peerIdFor(p)], { account: p }));
      await send(c.staking.write.bond([parseEther("1000")], { account: p }));
    }
  });
  after(async () => anvil?.stop());

  it("post → lock → commit → challenge (valid: verified; tampered: slashed) → submitAggregate", async () => {
    // The statements the contracts rebuild match the AIR's.
    batch.segments.forEach((s, i) => {
      assert.deepEqual(
        segmentPublicInputs(1n, i, TREE_DEPTH, packRoot(s.rootIn), packRoot(s.rootOut), s.steps.length),
        Array.from(instances[i]!.publicInputs),
      );
    });
    assert.ok(measured < Number(verifyGasLimit));

    const input = batch.segments.map((s, i) => ({
      rootIn: packRoot(s.rootIn),
      witnessHash: keccak256(toBytes(`witness-${i}`)),
      txDataHash: txDataHash(columns[i]!),
      txCount: s.steps.length,
    }));
    const batchId = await c.market.read.nextBatchId();
    assert.equal(batchId, 1n);
    await send(c.market.write.postBatch([input, packRoot(batch.rootOut), MIN_PRICE, MAX_PRICE], { account: roles.deployer }));

    const gas = verifyGasLimit + verifyGasLimit / 63n + 2_000_000n;
    const commit = async (i: number, prover: typeof p1, proof: Hex) => {
      await send(c.market.write.lock([batchId, i], { account: prover }));
      const s = batch.segments[i]!;
      await send(c.market.write.commitProof([batchId, i, proofHash(proof), packRoot(s.rootIn), packRoot(s.rootOut)], { account: prover }));
    };

    // Segment 0: p1's honest proof, challenged → verified, nobody slashed.
    const good0 = await prove(0, p1.address);
    await commit(0, p1, good0);
    const stake1 = await c.staking.read.selfStake([p1.address]);
    const r0 = await send(c.market.write.challengeProof([batchId, 0, good0, columns[0]!], { account: challenger, gas }));
    assert.equal((await c.market.read.getSegment([batchId, 0])).verified, true);
    assert.equal(await c.staking.read.selfStake([p1.address]), stake1);

    // Segment 1: p2 commits a tampered proof (its own proof with one byte flipped) → challenged → slashed.
    const bytes = hexToBytes(await prove(1, p2.address));
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    const bad = toHex(bytes);
    await commit(1, p2, bad);
    const seg1 = await c.market.read.getSegment([batchId, 1]);
    const stake2 = await c.staking.read.selfStake([p2.address]);
    await send(c.market.write.challengeProof([batchId, 1, bad, columns[1]!], { account: challenger, gas }));
    assert.equal(await c.staking.read.selfStake([p2.address]), stake2 - seg1.collateral);
    const reopened = await c.market.read.getSegment([batchId, 1]);
    assert.equal(reopened.verified, false);
    assert.equal(reopened.status, 1);

    // p1 proves segment 1 honestly; the elected aggregator finalises with the real proofs.
    const good1 = await prove(1, p1.address);
    await commit(1, p1, good1);
    const b = await c.market.read.getBatch([batchId]);
    const epoch = await c.election.read.epochOf([b.fullyCommittedBlock]);
    const aggAddr = await c.election.read.aggregatorFor([epoch, 0]);
    const agg = [p1, p2].find((a) => a.address === aggAddr);
    assert.ok(agg, `aggregator ${aggAddr} is not a test prover`);
    const r = await send(
      c.rollup.write.submitAggregate(
        [batchId, [{ proof: good0, publicColumn: columns[0]! }, { proof: good1, publicColumn: columns[1]! }]],
        { account: agg, gas: 200_000_000n },
      ),
    );
    assert.equal(await c.rollup.read.stateRoot(), packRoot(batch.segments[1]!.rootOut));
    assert.equal(await c.rollup.read.lastFinalizedBatch(), batchId);
    console.log(`      transfer-v1 2^${LOG_ROWS} (depth ${TREE_DEPTH}, test options): verify ${measured} gas; verifyGasLimit ${verifyGasLimit}; challengeProof tx ${r0.gasUsed}; submitAggregate tx ${r.gasUsed}`);
  });
});
