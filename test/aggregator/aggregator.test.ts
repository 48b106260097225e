/**
 * The aggregator against real contracts on anvil (MockStarkVerifier for on-chain verdicts), driven
 * block by block from a real EventIngester whose blocks are decoded once and handed to every
 * aggregator; p2p is an in-memory fake and local verification a set of proof hashes the test declares
 * valid. Misbehaving nodes get their faults the way a node does: node/faults.ts wraps their L1 actions.
 */
import { strict as assert } from "node:assert";
import { createPublicClient, hexToBytes, http, keccak256, parseEventLogs, type Address, type Hex, type LocalAccount, type PublicClient } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { Aggregator, MarketActions, type AggregatorNetwork, type AggregatorOpts, type SegmentToVerify } from "../../src/aggregator/index.js";
import { rollupAbi, segmentMarketAbi } from "../../src/chain/abi/index.js";
import { EventIngester, type IngestedBlock } from "../../src/chain/ingest.js";
import { decodeMarketBlock, emptyMarketBlock } from "../../src/chain/market-events.js";
import { MarketReader, readMarketTerms, type MarketTerms } from "../../src/chain/market-reader.js";
import { FaultInjector, NO_FAULTS, type Faults } from "../../src/node/faults.js";
import { TxSender } from "../../src/chain/sender.js";
import { segmentPublicInputs } from "../../src/chain/statement.js";
import { addProver, postBatch, proveSegment, Verdict, type TestBatch } from "../utils/flows.js";
import { roles, useSystem, type System } from "../utils/system.js";
import { nullLogger } from "../../src/util/logger.js";

const AGGREGATOR_WINDOW = 10n;
const FALLBACK_RANKS = 2;
const TREE_DEPTH = 20;

/** Proofs and witnesses every fake peer could serve, shared by the fakes of one test. */
interface Shared {
  proofs: Map<Hex, Uint8Array>;
  witnesses: Map<Hex, Uint8Array>;
  /** Proofs the local verifier accepts. */
  valid: Set<Hex>;
  verified: SegmentToVerify[];
}

class FakeNetwork implements AggregatorNetwork {
  readonly progress: { batchId: bigint; collected: number; total: number }[] = [];
  constructor(
    private readonly shared: Shared,
    /** Proof hashes whose fetch hangs until the caller's signal aborts (a withholding prover). */
    private readonly withheld = new Set<Hex>(),
  ) {}

  fetchProof(hash: Hex, o: { signal?: AbortSignal }): Promise<Uint8Array> {
    if (this.withheld.has(hash)) return hang(o.signal);
    const p = this.shared.proofs.get(hash);
    return p ? Promise.resolve(p) : Promise.reject(new Error(`no provider for proof ${hash}`));
  }

  fetchWitness(hash: Hex): Promise<Uint8Array> {
    const w = this.shared.witnesses.get(hash);
    return w ? Promise.resolve(w) : Promise.reject(new Error(`no provider for witness ${hash}`));
  }

  publishProgress(p: { batchId: bigint; collected: number; total: number }): void {
    this.progress.push(p);
  }
}

function hang(signal?: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("fetch timed out")), { once: true }));
}

/** A witness is the public column as u32 LE; publicColumnsOf turns it back into one column. */
function encodeWitness(column: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(column).buffer);
}
function publicColumnsOf(witness: Uint8Array): Uint32Array[] {
  return [new Uint32Array(witness.slice().buffer)];
}

describe("aggregator (anvil, mock verifier)", function () {
  this.timeout(30_000);
  const getSys = useSystem({ treeDepth: TREE_DEPTH, election: { aggregatorWindow: AGGREGATOR_WINDOW, fallbackRanks: FALLBACK_RANKS } });
  const [p1, p2] = [roles.provers[0]!, roles.provers[1]!];
  let sys: System;
  let shared: Shared;
  /** Proofs each prover holds in its own store. */
  let own: Map<Address, Map<string, Uint8Array>>;
  let aggs: Aggregator[];
  let ingester: EventIngester<null>;
  let blocks: IngestedBlock[];
  let terms: MarketTerms;

  beforeEach(async () => {
    sys = getSys();
    shared = { proofs: new Map(), witnesses: new Map(), valid: new Set(), verified: [] };
    own = new Map([[p1.address, new Map()], [p2.address, new Map()]]);
    aggs = [];
    blocks = [];
    await addProver(sys, p1);
    await addProver(sys, p2);
    terms = await readMarketTerms(sys.publicClient, sys.c.market.address);
    ingester = newIngester((await sys.blockNumber()) + 1n);
  });

  function newIngester(fromBlock: bigint): EventIngester<null> {
    return new EventIngester<null>(
      { name: "aggregator-test", fromBlock, confirmations: 0, address: [sys.c.market.address, sys.c.rollup.address] },
      {
        publicClient: sys.publicClient,
        cursors: { get: async () => null, putOp: () => null },
        commit: async () => {},
        handler: {
          onBlock: async (b) => {
            blocks.push(b);
            const ev = decodeMarketBlock(b, sys.c.market.address, terms);
            for (const a of aggs) await a.onMarketBlock(ev);
            return [];
          },
        },
      },
    );
  }
  afterEach(() => {
    for (const a of aggs) a.close();
  });

  function reader(publicClient: PublicClient = sys.publicClient): MarketReader {
    return new MarketReader({ market: sys.c.market.address, election: sys.c.election.address, rollup: sys.c.rollup.address }, { publicClient });
  }

  interface Setup {
    opts?: Partial<AggregatorOpts>;
    /** Test faults, applied as a node applies them (node/faults.ts wraps the L1 actions). */
    faults?: Partial<Faults>;
    /** Local verification (default: the proofs in shared.valid). */
    verify?: (s: SegmentToVerify) => Promise<boolean>;
  }

  function aggregator(account: LocalAccount, network: FakeNetwork, setup: Setup = {}): Aggregator {
    const sender = new TxSender({ pollIntervalMs: 10 }, { publicClient: sys.publicClient, account, chain: anvilChain });
    const r = reader();
    const injector = new FaultInjector({ ...NO_FAULTS, ...setup.faults }, { logger: nullLogger });
    const actions = injector.aggregatorActions(new MarketActions({ txTimeoutMs: 10_000 }, { reader: r, publicClient: sys.publicClient, sender }), account.address);
    const a = new Aggregator(
      { fetchTimeoutMs: 150, refetchMs: 150, ...setup.opts },
      {
        reader: r,
        actions,
        self: account.address,
        network,
        verifySegment:
          setup.verify ??
          (async (s) => {
            shared.verified.push(s);
            return shared.valid.has(keccak256(s.proof));
          }),
        publicColumnsOf,
        ownProof: async (batchId, index) => own.get(account.address)?.get(`${batchId}:${index}`) ?? null,
      },
    );
    aggs.push(a);
    return a;
  }

  /** Post a batch and make its witnesses servable. */
  async function post(n: number): Promise<TestBatch> {
    const batch = await postBatch(sys, n);
    for (const s of batch.segments) shared.witnesses.set(s.witnessHash, encodeWitness(s.column));
    return batch;
  }

  /** Lock + commit; the proof is served by p2p and held in the prover's own store; locally valid iff `valid`. */
  async function prove(batch: TestBatch, index: number, prover: LocalAccount, valid = true, attempt = 0): Promise<Hex> {
    const proof = await proveSegment(sys, batch, index, prover, { verdict: valid ? Verdict.Valid : Verdict.Unknown, attempt });
    const hash = keccak256(proof);
    shared.proofs.set(hash, hexToBytes(proof));
    if (valid) shared.valid.add(hash);
    own.get(prover.address)!.set(`${batch.batchId}:${index}`, hexToBytes(proof));
    return hash;
  }

  /**
   * Feed every new block to the aggregators until nothing happens any more; when no block comes, one
   * tick() each (as the node's timer would: a step that failed, e.g. on a stale nonce, is retried).
   */
  async function drive(): Promise<void> {
    // Settled = no new block after a tick, twice in a row with a pause longer than fetchTimeoutMs
    // between (a proof counts as withheld only after failing that long).
    let quiet = 0;
    for (let round = 0; round < 60; round++) {
      await ingester.poll();
      for (const a of aggs) await a.idle();
      if ((await sys.blockNumber()) !== ingester.position?.blockNumber) continue;
      for (const a of aggs) await a.tick();
      for (const a of aggs) await a.idle();
      if ((await sys.blockNumber()) !== ingester.position?.blockNumber) {
        quiet = 0;
        continue;
      }
      if (++quiet === 2) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("aggregators did not settle");
  }

  function events(eventName: string) {
    return blocks.flatMap((b) =>
      parseEventLogs({ abi: [...segmentMarketAbi, ...rollupAbi], logs: b.logs, strict: true }).filter((e) => e.eventName === eventName),
    ) as unknown as { eventName: string; args: Record<string, unknown> }[];
  }

  async function ranked(batchId: bigint): Promise<readonly Address[]> {
    const b = await sys.c.market.read.getBatch([batchId]);
    const epoch = await sys.c.election.read.epochOf([b.fullyCommittedBlock]);
    return sys.c.election.read.rankedAggregators([epoch, FALLBACK_RANKS]);
  }

  const activeStake = async (a: Address) => (await sys.c.staking.read.poolOf([a])).activeStake;

  it("happy path: recovers the open batch, verifies both proofs and the elected node submits; the state root moves", async () => {
    const batch = await post(2);
    await prove(batch, 0, p1);
    await prove(batch, 1, p2);
    const n1 = new FakeNetwork(shared);
    const a1 = aggregator(p1, n1);
    const a2 = aggregator(p2, new FakeNetwork(shared));
    // Blocks before now are never ingested: the batch is found by recover() alone.
    ingester = newIngester((await sys.blockNumber()) + 1n);
    // Ranks are read from stake at call time (rewards change them): take them before finalisation.
    const [primary] = await ranked(batch.batchId);
    await Promise.all([a1.recover(), a2.recover()]);
    await drive();

    assert.equal(await sys.c.rollup.read.stateRoot(), batch.finalRoot);
    assert.equal((await sys.c.market.read.getBatch([batch.batchId])).status, 2);
    const updated = events("StateRootUpdated");
    assert.equal(updated.length, 1);
    assert.equal(updated[0]!.args.aggregator, primary);
    assert.equal(events("LivenessPenalized").length, 0);
    // The statement each node verified against is the one the contracts rebuild.
    for (const s of shared.verified) {
      const i = s.publicInputs[2]!; // [batchLo, batchHi, segmentIndex, ...]
      const seg = batch.segments[i]!;
      assert.deepEqual(s.publicInputs, segmentPublicInputs(batch.batchId, i, TREE_DEPTH, seg.rootIn, seg.rootOut, seg.txCount));
      assert.deepEqual(Array.from(s.publicColumns[0]!), seg.column);
    }
    assert.equal(shared.verified.length, 4); // two nodes x two segments
    assert.ok(n1.progress.some((p) => p.collected === 2 && p.total === 2));
    assert.deepEqual(a1.batches, []); // BatchFinalized: no longer followed
  });

  it("a reorg that undoes the aggregate: onReorg follows the reopened batch again and it is submitted again (chaos soak seed 1)", async () => {
    const batch = await post(2);
    await prove(batch, 0, p1);
    await prove(batch, 1, p2);
    const a1 = aggregator(p1, new FakeNetwork(shared));
    const a2 = aggregator(p2, new FakeNetwork(shared));
    const status = async () => (await sys.c.market.read.getBatch([batch.batchId])).status;
    const beforeAggregate = await sys.test.snapshot();
    await drive();
    assert.equal(await status(), 2, "finalized");
    assert.deepEqual(a1.batches, []);
    await sys.test.revert({ id: beforeAggregate });
    assert.equal(await status(), 1, "the reorg took the finalization away");
    // No event announces the batch again: without onReorg nobody follows it.
    ingester = newIngester((await sys.blockNumber()) + 1n);
    for (const a of aggs) await a.tick();
    assert.deepEqual([...a1.batches, ...a2.batches], []);
    await Promise.all([a1.onReorg(), a2.onReorg()]);
    await drive();
    assert.equal(await status(), 2, "finalized again");
    assert.equal(await sys.c.rollup.read.stateRoot(), batch.finalRoot);
  });

  it("invalid proof: a fallback-rank node challenges it, the prover is slashed and the reopened segment is proven again", async () => {
    const a1 = aggregator(p1, new FakeNetwork(shared));
    aggregator(p2, new FakeNetwork(shared));
    const batch = await post(2);
    await prove(batch, 0, p1);
    await prove(batch, 1, p2, false);
    const collateral = (await sys.c.market.read.getSegment([batch.batchId, 1])).collateral;
    const before = await activeStake(p2.address);
    await drive();

    const challenged = events("ProofChallenged");
    assert.equal(challenged.length, 1);
    assert.equal(challenged[0]!.args.prover, p2.address);
    assert.equal(challenged[0]!.args.challenger, p1.address); // the locker never challenges itself
    assert.equal(await activeStake(p2.address), before - collateral);
    assert.equal((await sys.c.market.read.getSegment([batch.batchId, 1])).status, 1); // reopened
    assert.equal((await sys.c.market.read.getBatch([batch.batchId])).status, 1);
    assert.deepEqual(a1.batches, [batch.batchId]);

    // A new commitment resets the segment's work; the batch is then finalised.
    await prove(batch, 1, p1);
    await drive();
    assert.equal(await sys.c.rollup.read.stateRoot(), batch.finalRoot);
  });

  it("withheld proof: reportUnavailable after fetchTimeoutMs, slashUnavailable once the response window is over", async () => {
    const batch = await post(2);
    const h1 = await prove(batch, 1, p2);
    aggregator(p1, new FakeNetwork(shared, new Set([h1])));
    await prove(batch, 0, p1);
    await drive();

    const reported = events("UnavailabilityReported");
    assert.equal(reported.length, 1);
    assert.equal(reported[0]!.args.reporter, p1.address);
    assert.notEqual((await sys.c.market.read.getSegment([batch.batchId, 1])).reportedAt, 0n);
    assert.equal(events("UnavailabilitySlashed").length, 0);

    const collateral = (await sys.c.market.read.getSegment([batch.batchId, 1])).collateral;
    const before = await activeStake(p2.address);
    await sys.increaseTime((await sys.c.market.read.responseWindow()) + 1n);
    await drive();
    const slashed = events("UnavailabilitySlashed");
    assert.equal(slashed.length, 1);
    assert.equal(slashed[0]!.args.prover, p2.address);
    assert.equal(await activeStake(p2.address), before - collateral);
    assert.equal((await sys.c.market.read.getSegment([batch.batchId, 1])).status, 1);
  });

  it("a locker's own aggregator answers a report with respondUnavailable and is not slashed", async () => {
    const batch = await post(2);
    const h0 = await prove(batch, 0, p1);
    const h1 = await prove(batch, 1, p2);
    // Neither node can reach the other: each reports the other's segment, each answers for its own.
    aggregator(p1, new FakeNetwork(shared, new Set([h1])));
    aggregator(p2, new FakeNetwork(shared, new Set([h0])));
    const before = [await activeStake(p1.address), await activeStake(p2.address)];
    await drive();

    assert.equal(events("UnavailabilityReported").length, 2);
    const published = events("ProofPublished");
    assert.deepEqual(published.map((e) => Number(e.args.index)).sort(), [0, 1]);
    assert.equal(events("UnavailabilitySlashed").length, 0);
    // Both nodes then had every proof (from the ProofPublished events): the batch is finalised.
    assert.equal(await sys.c.rollup.read.stateRoot(), batch.finalRoot);
    assert.ok((await activeStake(p1.address)) >= before[0]!);
    assert.ok((await activeStake(p2.address)) >= before[1]!);
  });

  it("a withholding locker (withhold-proof fault) leaves the report unanswered and is slashed", async () => {
    const batch = await post(1);
    const h0 = await prove(batch, 0, p2);
    aggregator(p1, new FakeNetwork(shared, new Set([h0])));
    // p2 holds every proof: silent, so that it cannot finalise the batch before p1's fetch times out.
    aggregator(p2, new FakeNetwork(shared), { faults: { withholdProof: true, silentAggregator: true } });
    await drive();
    assert.equal(events("UnavailabilityReported").length, 1);
    assert.equal(events("ProofPublished").length, 0);
    await sys.increaseTime((await sys.c.market.read.responseWindow()) + 1n);
    await drive();
    assert.equal(events("UnavailabilitySlashed").length, 1);
  });

  it("never throws to the node: a dead RPC and a throwing verifier are logged, the latter counts as invalid", async () => {
    const dead = createPublicClient({ chain: anvilChain, transport: http("http://127.0.0.1:9", { retryCount: 0 }) }) as PublicClient;
    const warnings: string[] = [];
    const logger = { ...nullLogger, warn: (m: string) => warnings.push(m), child: () => logger };
    const sender = new TxSender({}, { publicClient: dead, account: p1, chain: anvilChain });
    const deadReader = reader(dead);
    const offline = new Aggregator({}, {
      reader: deadReader, actions: new MarketActions({ txTimeoutMs: 1000 }, { reader: deadReader, publicClient: dead, sender }), self: p1.address, logger,
      network: new FakeNetwork(shared), verifySegment: async () => true, publicColumnsOf, ownProof: async () => null,
    });
    await offline.recover();
    await offline.onMarketBlock(emptyMarketBlock(1n));
    await offline.tick();
    assert.ok(warnings.includes("Aggregator recovery failed; batches are picked up from new blocks"));

    // The verifier throws on p2's proof: p1 challenges it; on chain it is valid, so it is only marked verified.
    const batch = await post(2);
    await prove(batch, 0, p1);
    const h1 = await prove(batch, 1, p2);
    aggregator(p1, new FakeNetwork(shared), {
      verify: async (s) => {
        if (keccak256(s.proof) === h1) throw new Error("verifier bug");
        return true;
      },
    });
    await drive();
    assert.equal(events("ProofVerified").length, 1);
    assert.equal(events("ProofChallenged").length, 0);
    // p1 alone may not be rank 0: let the windows pass (the entry of the verified segment is empty then).
    await sys.mine(AGGREGATOR_WINDOW * BigInt(FALLBACK_RANKS));
    await drive();
    assert.equal(await sys.c.rollup.read.stateRoot(), batch.finalRoot);
  });

  it("silentAsPrimary: the primary keeps quiet, rank 1 submits after the exclusive window and the primary pays the liveness penalty", async () => {
    const batch = await post(2);
    await prove(batch, 0, p1);
    await prove(batch, 1, p2);
    const [primary, second] = await ranked(batch.batchId);
    assert.ok(primary && second);
    const account = (a: Address) => [p1, p2].find((p) => p.address === a)!;
    aggregator(account(primary), new FakeNetwork(shared), { faults: { silentAggregator: true } });
    aggregator(account(second), new FakeNetwork(shared));
    await Promise.all(aggs.map((a) => a.recover()));
    await drive();
    assert.equal((await sys.c.market.read.getBatch([batch.batchId])).status, 1, "nobody may submit in the primary's exclusive window");

    const fcb = (await sys.c.market.read.getBatch([batch.batchId])).fullyCommittedBlock;
    await sys.mine(fcb + AGGREGATOR_WINDOW - (await sys.blockNumber()));
    await drive();

    assert.equal(await sys.c.rollup.read.stateRoot(), batch.finalRoot);
    const updated = events("StateRootUpdated");
    assert.equal(updated.length, 1);
    assert.equal(updated[0]!.args.aggregator, second);
    const penalized = events("LivenessPenalized");
    assert.equal(penalized.length, 1);
    assert.equal(penalized[0]!.args.primary, primary);
    assert.equal(penalized[0]!.args.amount, await sys.c.election.read.livenessPenalty());
  });
});
