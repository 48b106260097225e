/**
 * The tree path of a data batch against real contracts on anvil: a data batch posted with real
 * transfer-v2 witnesses (rollup buildBatch, geometry v2), two provers' committed transfer-v2 proofs
 * (poseidon2, the plan's test options, bound to their addresses), and two aggregators — each with a
 * JoinCoordinator on an in-memory mesh (node/join-network.ts's joinNetwork) and a WrapSubmitter — that
 * verify the proofs against the statement rebuilt from chain, prove the leaves and the join over the
 * mesh, and let the elected one prove the wrap and call submitAggregate(batchId, proof, publicInputs).
 * The Rollup's aggregate verifier is the MockStarkVerifier (a generated wrap verifier takes minutes to
 * build): the test marks the wrap valid there only after verifying it natively with the plan's verifyNode.
 * On the way: DataSegmentPosted decoded for a node that proves data batches (and not for one that does not),
 * and the job's binding read from chain (ChainJobAdapter.readDataSegment) accepting the real witnesses.
 */
import { strict as assert } from "node:assert";
import { getAddress, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { Aggregator, MarketActions, type AggregatorNetwork } from "../../src/aggregator/index.js";
import { aggregatePlanFor } from "../../src/aggregator/geometry.js";
import { WrapSubmitter } from "../../src/aggregator/wrap.js";
import { segmentMarketAbi } from "../../src/chain/abi/index.js";
import { aggregateConfig, encodePostDataBatch, l1Statement } from "../../src/chain/aggregate.js";
import { MarketReader, readMarketTerms } from "../../src/chain/market-reader.js";
import { EventIngester, type IngestedBlock } from "../../src/chain/ingest.js";
import { decodeMarketBlock } from "../../src/chain/market-events.js";
import { ChainJobAdapter } from "../../src/node/job-chain.js";
import { dataWitnessProblems } from "../../src/jobs/data-binding.js";
import { transferV2Name } from "../../src/rollup/air-v2/air.js";
import { segmentIdOf } from "../../src/util/segment-id.js";
import { TxSender } from "../../src/chain/sender.js";
import { packRoot } from "../../src/chain/statement.js";
import { joinNetwork } from "../../src/node/join-network.js";
import type { ContentStore, ReceivedMessage } from "../../src/p2p/index.js";
import { proveWrap, verifyNode, type AggregationPlan, type NodeProof } from "../../src/recursion/plan.js";
import { buildBatch, encodeWitness, RollupState, witnessFromSegment } from "../../src/rollup/index.js";
import { buildTransferV2Instance, txCommitment } from "../../src/rollup/air-v2/index.js";
import { PI } from "../../src/rollup/air-v2/layout.js";
import { digestToBytes32 } from "../../src/rollup/digest.js";
import { createWasmBackend } from "../../src/backends/wasm/index.js";
import { proveStark } from "../../src/stark/prover.js";
import type { Logger } from "../../src/util/logger.js";
import { addProver, MAX_PRICE, MIN_PRICE, Verdict } from "../utils/flows.js";
import { roles, startSystem, type System } from "../utils/system.js";
import { genesisOf, tx } from "../unit/rollup/helpers.js";

const D = 3;
const PARAMS = { treeDepth: D, segmentLogRows: 5, segmentOptions: "test", treeOptions: "test", wrapOptions: "test" } as const;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as Address;

function genesis(): RollupState {
  return RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 200]));
}

/** Gossip and proof/1 between the nodes of one test: every published message reaches every other node. */
class Mesh {
  private readonly handlers = new Map<Address, (m: ReceivedMessage) => void>();
  private readonly stores = new Map<Address, ContentStore>();
  readonly penalties: { signer: Address; reason: string }[] = [];

  port(self: Address) {
    return {
      publish: async (body: unknown) => {
        for (const [peer, h] of this.handlers) if (peer !== self) h({ topic: "joins", message: { body, signer: self } } as unknown as ReceivedMessage);
        return 1;
      },
      provide: async () => undefined,
      fetchProof: async (hash: Hex) => {
        for (const s of this.stores.values()) {
          const b = await s.get(hash);
          if (b) return b;
        }
        throw new Error(`no provider for ${hash}`);
      },
      penalizeSigner: async (signer: Address, reason: string) => {
        this.penalties.push({ signer, reason });
        return -10;
      },
      onMessage: (h: (m: ReceivedMessage) => void) => {
        this.handlers.set(self, h);
        return () => this.handlers.delete(self);
      },
    };
  }

  serve(self: Address, store: ContentStore): void {
    this.stores.set(self, store);
  }
}

/** Warnings and errors kept for a failure's message (printed as they come with TEST_LOG=1). */
function testLogger(lines: string[]): Logger {
  const bigints = (_k: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);
  const put = (level: string) => (msg: string, ctx?: Record<string, unknown>) => {
    const line = `${level} ${msg} ${JSON.stringify(ctx ?? {}, bigints).slice(0, 400)}`;
    lines.push(line);
    if (process.env.TEST_LOG) console.error(line);
  };
  const logger: Logger = { error: put("ERROR"), warn: put("WARN"), info: put("INFO"), debug: process.env.TEST_LOG ? put("DEBUG") : () => {}, child: () => logger };
  return logger;
}

describe("aggregator: a data batch's proof tree (anvil, mock aggregate verifier)", function () {
  this.timeout(600_000);
  const backend = createWasmBackend({ threads: 1 });
  const [p1, p2] = [roles.provers[0]!, roles.provers[1]!];
  let plan: AggregationPlan;
  let sys: System;
  const aggs: Aggregator[] = [];
  const detach: (() => void)[] = [];

  before(async function () {
    plan = await aggregatePlanFor(PARAMS, backend);
    // The Rollup starts at the rollup state's genesis root and is deployed with this plan's key set and wrap AIR.
    // A long aggregator window: the rank-0 aggregator alone may submit for the whole test.
    sys = await startSystem({ treeDepth: D, genesisRoot: digestToBytes32(genesis().root), aggregate: aggregateConfig(plan), election: { aggregatorWindow: 10_000n } });
    await addProver(sys, p1);
    await addProver(sys, p2);
  });
  after(async () => {
    for (const a of aggs) a.close();
    for (const d of detach) d();
    await sys?.stop();
    await backend.close();
  });

  it("two provers' transfer-v2 proofs become leaves, a join and the wrap; the elected aggregator's submitAggregate finalizes the batch", async () => {
    const t0 = Date.now();
    const state = genesis();
    const batchId = await sys.c.market.read.nextBatchId();
    const batch = buildBatch(state, batchId, [tx(0, 1, 50, 0), tx(1, 2, 10, 0), tx(2, 0, 1000, 0), tx(3, 5, 7, 0), tx(0, 2, 1, 1), tx(1, 1, 1, 1), tx(2, 3, 5, 0)], PARAMS.segmentLogRows, "v2");
    assert.equal(batch.segments.length, 2);
    const witnesses = batch.segments.map((seg) => encodeWitness(witnessFromSegment(seg)));
    const shared = { proofs: new Map<Hex, Uint8Array>(), witnesses: new Map<Hex, Uint8Array>() };
    witnesses.forEach((w) => shared.witnesses.set(keccak256(w), w));
    const data = encodePostDataBatch({
      segments: batch.segments.map((seg, i) => ({ rootIn: digestToBytes32(seg.rootIn), witnessHash: keccak256(witnesses[i]!), txCommitment: digestToBytes32(txCommitment(seg.steps.map((st) => st.tx))), txCount: seg.steps.length })),
      transactions: batch.transactions,
      txRoot: digestToBytes32(batch.binding!.txRoot),
      finalRoot: digestToBytes32(batch.rootOut),
      minPrice: MIN_PRICE,
      maxPrice: MAX_PRICE,
    });
    const market = sys.c.market.address;
    const blocks: IngestedBlock[] = [];
    const ingester = new EventIngester<never>(
      { name: "market", address: market, confirmations: 0, fromBlock: (await sys.blockNumber()) + 1n },
      { publicClient: sys.publicClient, cursors: { get: async () => null, putOp: () => undefined as never }, commit: async () => undefined, handler: { onBlock: (b) => (blocks.push(b), []) } },
    );
    await sys.send(sys.wallet.sendTransaction({ account: roles.deployer, chain: anvilChain, to: market, data }));
    const stored = await sys.c.market.read.getBatch([batchId]);
    assert.equal(stored.kind, 1, "a data batch");

    // A node that proves data batches sees their segments auctioned as transfer-v2 of the rollup's depth; one that
    // does not, only the batch. The job's binding read from chain accepts the sequencer's real witnesses.
    await ingester.poll();
    const terms = await readMarketTerms(sys.publicClient, market);
    const withData = blocks.map((b) => decodeMarketBlock(b, market, terms, "transfer-v1", transferV2Name(D)));
    assert.deepEqual(withData.flatMap((e) => e.auctioned.map((a) => [a.index, a.air, a.witnessHash])), witnesses.map((w, i) => [i, transferV2Name(D), keccak256(w)]));
    const without = blocks.map((b) => decodeMarketBlock(b, market, terms));
    assert.deepEqual([without.flatMap((e) => e.auctioned).length, without.flatMap((e) => e.postedBatches)], [0, [batchId]]);
    const jobChain = new ChainJobAdapter({ reader: new MarketReader({ market, election: sys.c.election.address, rollup: sys.c.rollup.address }, { publicClient: sys.publicClient }), sender: new TxSender({}, { publicClient: sys.publicClient, account: p1, chain: anvilChain }), slashes: { get: async () => null } });
    for (const seg of batch.segments) {
      const binding = await jobChain.readDataSegment(segmentIdOf(batchId, seg.index));
      assert.deepEqual(dataWitnessProblems(witnessFromSegment(seg), transferV2Name(D), binding, PARAMS.segmentLogRows), []);
    }

    // The provers: lock, prove transfer-v2 (poseidon2, the plan's segment options, bound to their address), commit.
    const provers = [p1, p2];
    const air = plan.geometry.segmentAir;
    for (const seg of batch.segments) {
      const prover = provers[seg.index]!;
      await sys.send(sys.c.market.write.lock([batchId, seg.index], { account: prover }));
      const inst = buildTransferV2Instance(witnessFromSegment(seg), air);
      const { bytes } = await proveStark({ air, instance: inst, options: plan.geometry.segmentOptions, hash: "poseidon2", proverAddress: hexToBytes(prover.address), backend });
      shared.proofs.set(keccak256(bytes), bytes);
      const pi = Array.from(inst.publicInputs);
      await sys.send(sys.c.market.write.commitProof([batchId, seg.index, keccak256(bytes), packRoot(pi.slice(PI.rootIn, PI.rootIn + 8)), packRoot(pi.slice(PI.rootOut, PI.rootOut + 8))], { account: prover }));
    }
    const segmentsMs = Date.now() - t0;

    // Two aggregators, each with a join coordinator on the mesh and a wrap submitter.
    const mesh = new Mesh();
    const lines: string[] = [];
    const logger = testLogger(lines);
    const wraps: { by: Address; wrap: NodeProof }[] = [];
    const network: AggregatorNetwork = {
      fetchProof: async (hash) => shared.proofs.get(hash) ?? Promise.reject(new Error("no provider")),
      fetchWitness: async (hash) => shared.witnesses.get(hash) ?? Promise.reject(new Error("no provider")),
    };
    const nodes = provers.map((account) => {
      const reader = new MarketReader({ market: sys.c.market.address, election: sys.c.election.address, rollup: sys.c.rollup.address }, { publicClient: sys.publicClient });
      const sender = new TxSender({ pollIntervalMs: 10 }, { publicClient: sys.publicClient, account, chain: anvilChain });
      const actions = new MarketActions({ txTimeoutMs: 10_000 }, { reader, publicClient: sys.publicClient, sender });
      const net = joinNetwork({ takeoverMs: 600_000, maxConcurrent: 1 }, { p2p: mesh.port(account.address), self: account.address, backend, fetchTimeoutMs: 10_000, logger });
      mesh.serve(account.address, net.store({ get: async () => null }));
      detach.push(net.detach);
      const wrap = new WrapSubmitter({
        coordinator: net.coordinator,
        rights: async (id) => reader.submissionRights(account.address, (await reader.batch(id)).fullyCommittedBlock),
        proveWrap: (p, top, joinProvers, segments) => proveWrap(p, top, joinProvers, { proverAddress: hexToBytes(account.address), backend, segments }),
        logger,
        submit: async (req) => {
          // Verified natively before the mock verifier is told it is valid: what the generated verifier checks.
          const node = { proof: req.proof, publicValues: Uint32Array.from(req.publicInputs), proverAddress: hexToBytes(account.address) };
          verifyNode(plan, node, { kind: "wrap", batchId, segments: 2, r: batch.binding!.randomness });
          wraps.push({ by: account.address, wrap: node });
          await sys.send(sys.mock.write.setVerdict([keccak256(req.proof), Verdict.Valid, ZERO_ADDRESS], { account: roles.deployer }));
          await actions.submitWrap(req);
        },
      });
      const agg = new Aggregator(
        { fetchTimeoutMs: 10_000, refetchMs: 1_000 },
        {
          reader, actions, self: account.address, network,
          verifySegment: async () => assert.fail("a data batch is not verified as a bundle"),
          publicColumnsOf: () => assert.fail("a data batch has no public columns"),
          ownProof: async () => null,
          trees: { plan, coordinator: net.coordinator, wrap },
          logger,
        },
      );
      aggs.push(agg);
      return { agg, coordinator: net.coordinator };
    });

    // Ranks are read from stake at call time and finalization's rewards change them: take rank 0 now.
    const committed = await sys.c.market.read.getBatch([batchId]);
    assert.notEqual(committed.fullyCommittedBlock, 0n, "fully committed before the tree starts");
    const rank0 = await sys.c.election.read.aggregatorFor([await sys.c.election.read.epochOf([committed.fullyCommittedBlock]), 0]);

    // Drive: each aggregator's timer, until the batch is finalized.
    await Promise.all(nodes.map((n) => n.agg.recover()));
    const deadline = Date.now() + 300_000;
    while ((await sys.c.market.read.getBatch([batchId])).status !== 2) {
      assert.ok(Date.now() < deadline, `not finalized: ${JSON.stringify(nodes.map((n) => n.coordinator.snapshot()))}\n${lines.slice(-30).join("\n")}`);
      await Promise.all(nodes.map((n) => n.agg.tick()));
      await Promise.all(nodes.map((n) => Promise.all([n.agg.idle(), n.coordinator.idle()])));
      await new Promise((r) => setTimeout(r, 200));
    }
    const treeMs = Date.now() - t0 - segmentsMs;
    console.log(`      segments proven and committed in ${segmentsMs} ms; tree, wrap and submission in ${treeMs} ms`);

    // Every node of the tree was proven once, by its assignee, and both nodes hold the same tree.
    assert.equal(mesh.penalties.length, 0);
    for (const n of nodes) {
      const [snap] = n.coordinator.snapshot();
      assert.equal(snap?.top, true);
    }
    assert.equal(nodes[0]!.coordinator.held(batchId, 0, 0)!.prover, p1.address, "leaf 0 by segment 0's prover");
    assert.equal(nodes[0]!.coordinator.held(batchId, 1, 1)!.prover, p2.address, "leaf 1 by segment 1's prover");
    assert.equal(nodes[1]!.coordinator.held(batchId, 0, 1)!.prover, p1.address, "the join by its left child's prover");

    // The one wrap submitted is the elected aggregator's, its statement is L1's, and the root moved.
    assert.equal(wraps.length, 1);
    const [{ by, wrap }] = wraps as [{ by: Address; wrap: NodeProof }];
    assert.equal(by, getAddress(rank0));
    const expected = l1Statement({
      keySetRoot: aggregateConfig(plan).keySetRoot, batchId, segmentCount: 2, rootIn: digestToBytes32(batch.rootIn), rootOut: digestToBytes32(batch.rootOut),
      txRoot: digestToBytes32(batch.binding!.txRoot), r: batch.binding!.randomness, e: batch.binding!.evaluation, joinProvers: [p1.address],
    });
    assert.deepEqual(Array.from(wrap.publicValues), Array.from(expected));
    assert.equal(await sys.c.rollup.read.stateRoot(), digestToBytes32(batch.rootOut));
    // The join's prover is paid by the address bound into its proof.
    const paid = await sys.publicClient.getContractEvents({ address: sys.c.market.address, abi: segmentMarketAbi, eventName: "JoinProverPaid", args: { batchId }, fromBlock: 0n });
    assert.deepEqual(paid.map((l) => [l.args.slot, l.args.prover]), [[0, p1.address]]);
  });
});
