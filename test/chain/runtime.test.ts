/** Chain runtime against one anvil: RPC failover, ingestion across a reorg, the sender after a timeout, the job adapter (node/job-chain.ts). */
import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { encodeFunctionData, keccak256, parseEther, toBytes, type Address, type Hex } from "viem";
import { roles, useSystem } from "../utils/system.js";
import { addProver, postBatch } from "../utils/flows.js";
import { connectChain, RpcPool } from "../../src/chain/rpc.js";
import { TxSender } from "../../src/chain/sender.js";
import { EventIngester, type IngestCursor, type IngestedBlock } from "../../src/chain/ingest.js";
import { ChainJobAdapter } from "../../src/node/job-chain.js";
import { segmentIdOf, splitSegmentId } from "../../src/util/segment-id.js";
import { ChainError } from "../../src/chain/chain-error.js";
import { decodeMarketBlock } from "../../src/chain/market-events.js";
import { MarketReader, readMarketTerms } from "../../src/chain/market-reader.js";
import { stakeTokenAbi } from "../../src/chain/abi/index.js";
import { unpackRoot } from "../../src/chain/statement.js";
import { PI, NUM_PUBLIC_INPUTS } from "../../src/rollup/air/layout.js";
import type { JobChain } from "../../src/jobs/interface.js";
import { Store, type BatchOp, type SegmentRecord } from "../../src/store/index.js";
import { JobRunner, JobStateMachine, type JobNetwork, type Prover } from "../../src/jobs/index.js";
import { packRoot, txDataHash } from "../../src/chain/statement.js";
import { testRoot } from "../utils/flows.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A port with nothing listening (bound, then closed). */
async function deadUrl(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  return `http://127.0.0.1:${port}`;
}

describe("chain runtime (anvil)", function () {
  this.timeout(60_000);
  const sys = useSystem();

  describe("RPC failover", () => {
    it("skips a dead first URL, says which URL is in use, and fails with RPC_UNREACHABLE when none answers", async () => {
      const dead = await deadUrl();
      const switches: string[] = [];
      const conn = await connectChain({ urls: [dead, sys().anvil.rpcUrl], timeoutMs: 2000 });
      conn.pool.onSwitch((s) => switches.push(`${s.from}->${s.to}`));
      assert.equal(conn.pool.activeUrl, sys().anvil.rpcUrl, "moved past the dead URL while reading the chain id");
      assert.equal(conn.chain.id, sys().anvil.chainId);
      assert.equal(await conn.public.getBlockNumber(), await sys().blockNumber());

      // A JSON-RPC error is an answer, not a reason to fail over.
      const pool = new RpcPool({ urls: [sys().anvil.rpcUrl, dead] });
      await assert.rejects(pool.request("no_such_method"));
      assert.equal(pool.activeIndex, 0);

      // An endpoint that accepts connections and never answers: the request times out, the next URL answers.
      const sockets: import("node:net").Socket[] = [];
      const silent = createServer((sock) => void sockets.push(sock));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      try {
        const hanging = new RpcPool({ urls: [`http://127.0.0.1:${(silent.address() as { port: number }).port}`, sys().anvil.rpcUrl], timeoutMs: 300 });
        assert.equal(Number(BigInt((await hanging.request("eth_chainId")) as string)), sys().anvil.chainId);
        assert.equal(hanging.activeUrl, sys().anvil.rpcUrl);
      } finally {
        sockets.forEach((x) => x.destroy());
        await new Promise((r) => silent.close(r));
      }

      const none = new RpcPool({ urls: [dead, await deadUrl()], timeoutMs: 1000 });
      await assert.rejects(none.request("eth_chainId"), (e: unknown) => e instanceof ChainError && e.code === "RPC_UNREACHABLE" && /no RPC endpoint reachable/.test(e.message));
    });
  });

  describe("event ingestion", () => {
    it("re-emits the new branch after a reorg made with evm_snapshot/evm_revert", async () => {
      const s = sys();
      const conn = await connectChain({ urls: [s.anvil.rpcUrl] });
      const token = s.deployment.addresses.token;
      const transfer = (amount: bigint) =>
        s.send(s.c.token.write.transfer([roles.outsider.address, amount], { account: roles.delegators[0]! }));

      // In-memory store with the repository shape the ingester expects.
      const cursors = new Map<string, IngestCursor>();
      const seen = new Map<bigint, string[]>(); // block number -> transfer amounts, keyed (idempotent)
      const reorgs: IngestCursor[] = [];
      type Op = () => void;
      const ingester = new EventIngester<Op>(
        { name: "token", address: token, confirmations: 0, fromBlock: (await s.blockNumber()) + 1n, pollIntervalMs: 10 },
        {
          publicClient: conn.public,
          cursors: { get: async (n) => cursors.get(n) ?? null, putOp: (n, c) => () => cursors.set(n, c) },
          commit: async (ops) => ops.forEach((op) => op()),
          handler: {
            onBlock: (b: IngestedBlock) => [() => seen.set(b.number, b.logs.map((l) => BigInt(l.data).toString()))],
            onReorg: (a) => {
              reorgs.push(a);
              for (const k of [...seen.keys()]) if (k > a.blockNumber) seen.delete(k);
            },
          },
        },
      );
      const fork = await s.blockNumber();
      const snap = await s.test.snapshot();
      await transfer(1n);
      await transfer(2n);
      await transfer(3n);
      assert.equal((await ingester.poll()).processed, 3);
      assert.deepEqual([...seen.values()].flat(), ["1", "2", "3"]);

      await s.test.revert({ id: snap });
      await s.test.mine({ blocks: 1 }); // a different block at fork+1, so the parent-hash check sees it
      await transfer(20n);
      await transfer(30n);
      await transfer(40n);
      const r = await ingester.poll();
      assert.equal(r.reorgs, 1);
      assert.equal(reorgs[0]!.blockNumber, fork, "rolled back to the common ancestor");
      assert.equal(cursors.get("token")!.blockNumber, fork + 4n);
      assert.equal(cursors.get("token")!.blockHash, (await conn.public.getBlock({ blockNumber: fork + 4n })).hash);
      assert.deepEqual([...seen.values()].flat(), ["20", "30", "40"], "only the new branch's events remain");

      // Confirmations: with depth 2, the last two blocks wait.
      const deep = new EventIngester<Op>(
        { name: "deep", address: token, confirmations: 2, fromBlock: fork + 1n },
        { publicClient: conn.public, cursors: { get: async () => null, putOp: () => () => undefined }, commit: async () => undefined, handler: { onBlock: () => [] } },
      );
      assert.equal((await deep.poll()).cursor!.blockNumber, fork + 2n);
    });

    it("resumes from the cursor persisted in the store and notices a reorg that happened while it was stopped", async () => {
      const s = sys();
      const conn = await connectChain({ urls: [s.anvil.rpcUrl] });
      const dir = mkdtempSync(join(tmpdir(), "prover-node-ingest-"));
      const store = await Store.open({ path: join(dir, "db") });
      try {
        const fromBlock = (await s.blockNumber()) + 1n;
        const seen = new Map<bigint, number>();
        const make = () =>
          new EventIngester<BatchOp>(
            { name: "token", address: s.deployment.addresses.token, confirmations: 0, fromBlock },
            { publicClient: conn.public, cursors: store.chainCursor, commit: (ops) => store.batch(ops), handler: { onBlock: (b) => (seen.set(b.number, b.logs.length), []) } },
          );
        const snap = await s.test.snapshot();
        await s.send(s.c.token.write.transfer([roles.outsider.address, 1n], { account: roles.delegators[0]! }));
        await s.send(s.c.token.write.transfer([roles.outsider.address, 2n], { account: roles.delegators[0]! }));
        assert.equal((await make().poll()).processed, 2);
        const before = await store.chainCursor.get("token");
        assert.equal(before!.blockNumber, fromBlock + 1n);

        await s.test.revert({ id: snap });
        await s.test.mine({ blocks: 3 });
        seen.clear();
        const restarted = make(); // no remembered hashes: only the stored cursor
        const r = await restarted.poll();
        assert.equal(r.reorgs, 1);
        assert.equal(r.cursor!.blockNumber, fromBlock + 2n);
        assert.deepEqual([...seen.entries()], [[fromBlock, 0], [fromBlock + 1n, 0], [fromBlock + 2n, 0]], "re-emitted from the deployment block on the new branch");
        assert.equal((await store.chainCursor.get("token"))!.blockHash, (await conn.public.getBlock({ blockNumber: fromBlock + 2n })).hash);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("transaction sender", () => {
    it("after a receipt timeout reads chain state and never resends a pending transaction", async () => {
      const s = sys();
      const conn = await connectChain({ urls: [s.anvil.rpcUrl], pollingIntervalMs: 20 });
      const account = roles.delegators[1]!;
      const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: conn.public, account, chain: conn.chain });
      const to = s.deployment.addresses.token;
      const data = encodeFunctionData({ abi: stakeTokenAbi, functionName: "transfer", args: [roles.outsider.address, 5n] });
      const nonce0 = await conn.public.getTransactionCount({ address: account.address });
      await s.test.setAutomine(false);
      try {
        const sent = await sender.send({ to, data, gas: 100_000n });
        assert.equal(sent.nonce, nonce0);
        assert.equal(await sender.waitForTx(sent.hash, 150), "timeout", "still in the mempool: unknown, not dropped");

        // sendAndConfirm waits across timeouts without a second broadcast; a block arrives later.
        const mined = setTimeout(() => void s.test.mine({ blocks: 1 }), 400);
        const r = await sender.sendAndConfirm({ to, data, gas: 100_000n }, { timeoutMs: 100, maxWaits: 50, isDone: async () => false });
        clearTimeout(mined);
        assert.equal(r.sends, 1);
        assert.equal(await conn.public.getTransactionCount({ address: account.address }), nonce0 + 2, "exactly two transactions mined: nothing resent");

        // Dropped from the mempool: reported as dropped, its nonce is reused by the next send.
        const lost = await sender.send({ to, data, gas: 100_000n });
        await s.test.dropTransaction({ hash: lost.hash });
        assert.equal(await sender.waitForTx(lost.hash, 50), "dropped");
        // The state change happened another way: sendAndConfirm asks before resending and stops.
        const dropMe = await sender.send({ to, data, gas: 100_000n });
        assert.equal(dropMe.nonce, lost.nonce, "the dropped nonce is reused");
        await s.test.dropTransaction({ hash: dropMe.hash });
        let resent = 0;
        const viaOther = await sender.sendAndConfirm(
          { to, data, gas: 100_000n },
          {
            timeoutMs: 50,
            isDone: async () => {
              resent++;
              return true;
            },
          },
        );
        assert.equal(viaOther.sends, 1);
        assert.equal(resent, 1);
        assert.equal(viaOther.receipt, null);
      } finally {
        await s.test.setAutomine(true);
      }
    });

    it("surfaces a revert before sending, decoded", async () => {
      const s = sys();
      const conn = await connectChain({ urls: [s.anvil.rpcUrl] });
      const sender = new TxSender({}, { publicClient: conn.public, account: roles.outsider, chain: conn.chain });
      const data = encodeFunctionData({ abi: s.c.staking.abi, functionName: "requestUnbond", args: [1n] });
      await assert.rejects(sender.send({ to: s.deployment.addresses.staking, data }), (e: unknown) => e instanceof ChainError && e.code === "TX_REJECTED" && /ProverStaking__InsufficientStake/.test(e.message));
    });
  });

  describe("ChainJobAdapter", () => {
    it("implements JobChain over SegmentMarket: read, lock, commit; slashes come from ingested events", async () => {
      const s = sys();
      const prover = roles.provers[0]!;
      await addProver(s, prover, parseEther("1000"));
      const dir = mkdtempSync(join(tmpdir(), "prover-node-adapter-"));
      const store = await Store.open({ path: join(dir, "db") });
      try {
        const conn = await connectChain({ urls: [s.anvil.rpcUrl] });
        const market = s.deployment.addresses.market;
        const terms = await readMarketTerms(conn.public, market);
        // The slash ledger as the node fills it: from the decoded events of each ingested block.
        const ingester = new EventIngester<BatchOp>(
          { name: "market", address: market, confirmations: 0, fromBlock: (await s.blockNumber()) + 1n },
          { publicClient: conn.public, cursors: store.chainCursor, commit: (ops) => store.batch(ops), handler: { onBlock: (b) => store.slashes.addOps(decodeMarketBlock(b, market, terms).slashes) } },
        );
        const batch = await postBatch(s, 2);
        const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: conn.public, account: prover, chain: conn.chain });
        const reader = new MarketReader({ market, election: s.deployment.addresses.election, rollup: s.deployment.addresses.rollup }, { publicClient: conn.public });
        const chain: JobChain = new ChainJobAdapter({ reader, sender, slashes: store.slashes });
        const signal = new AbortController().signal;
        const id = segmentIdOf(batch.batchId, 1);
        assert.deepEqual(splitSegmentId(id), { batchId: batch.batchId, index: 1 });

        assert.equal((await chain.readSegment(id, signal)).status, "open");
        const job = { segmentId: id } as Parameters<JobChain["sendLock"]>[0];
        const lockHash = await chain.sendLock(job, signal);
        assert.equal(await chain.waitForTx(lockHash, 5000, signal), "success");
        const locked = await chain.readSegment(id, signal);
        assert.equal(locked.status, "locked");
        assert.equal(locked.lockedBy, prover.address);
        assert.ok(locked.lockDeadline! > Number(await s.now()));

        const seg = batch.segments[1]!;
        const publicInputs = new Array<number>(NUM_PUBLIC_INPUTS).fill(0);
        publicInputs.splice(PI.rootIn, 8, ...unpackRoot(seg.rootIn));
        publicInputs.splice(PI.rootOut, 8, ...unpackRoot(seg.rootOut));
        const proofHash = keccak256(toBytes("proof bytes"));
        const proof = { proofHash, publicInputs } as unknown as Parameters<JobChain["sendCommit"]>[1];
        const commitHash = await chain.sendCommit(job as unknown as Parameters<JobChain["sendCommit"]>[0], proof, signal);
        assert.equal(await chain.waitForTx(commitHash, 5000, signal), "success");
        const committed = await chain.readSegment(id, signal);
        assert.equal(committed.status, "committed");
        assert.equal(committed.committedProofHash, proofHash);
        assert.deepEqual(committed.slashed, []);

        // Another segment, locked and left to expire: the slash shows up in `slashed`.
        const other = segmentIdOf(batch.batchId, 0);
        assert.equal(await chain.waitForTx(await chain.sendLock({ segmentId: other } as typeof job, signal), 5000, signal), "success");
        await s.increaseTime(s.deployment.params.market.lockTimeout + 1n);
        await s.send(s.c.market.write.expireLock([batch.batchId, 0], { account: roles.outsider }));
        await ingester.poll();
        const expired = await chain.readSegment(other, signal);
        assert.equal(expired.status, "open");
        assert.deepEqual(expired.slashed, [prover.address as Address]);
        assert.equal(await chain.waitForTx(`0x${"ab".repeat(32)}` as Hex, 50, signal), "dropped", "an unknown hash with no receipt and no mempool entry");
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("decodes an ingested block's market events into auctioned segments and changed segment ids", async () => {
      const s = sys();
      await addProver(s, roles.provers[0]!, parseEther("1000"));
      const conn = await connectChain({ urls: [s.anvil.rpcUrl] });
      const market = s.deployment.addresses.market;
      const terms = await readMarketTerms(conn.public, market);
      const blocks: ReturnType<typeof decodeMarketBlock>[] = [];
      const ingester = new EventIngester<never>(
        { name: "market", address: market, confirmations: 0, fromBlock: (await s.blockNumber()) + 1n },
        { publicClient: conn.public, cursors: { get: async () => null, putOp: () => undefined as never }, commit: async () => undefined, handler: { onBlock: (b) => (blocks.push(decodeMarketBlock(b, market, terms)), []) } },
      );
      const batch = await postBatch(s, 3);
      await s.send(s.c.market.write.lock([batch.batchId, 2], { account: roles.provers[0]! }));
      await ingester.poll();
      const auctioned = blocks.flatMap((b) => b.auctioned);
      assert.deepEqual(auctioned.map((a) => a.index), [0, 1, 2]);
      assert.equal(auctioned[1]!.segmentId, segmentIdOf(batch.batchId, 1));
      assert.equal(auctioned[1]!.witnessHash, batch.segments[1]!.witnessHash);
      assert.equal(auctioned[0]!.collateral, await s.c.market.read.collateralFor([batch.batchId]));
      assert.equal(auctioned[0]!.lockDuration, Number(s.deployment.params.market.lockTimeout));
      assert.deepEqual(blocks.flatMap((b) => b.changed), [segmentIdOf(batch.batchId, 2)]);
    });
  });

  describe("wired into the job runner", () => {
    it("ingested auction → observed → locked → proven → committed on chain, through ChainJobAdapter", async () => {
      const s = sys();
      const prover = roles.provers[2]!;
      await addProver(s, prover, parseEther("1000"));
      const dir = mkdtempSync(join(tmpdir(), "prover-node-runner-"));
      const store = await Store.open({ path: join(dir, "db") });
      try {
        const conn = await connectChain({ urls: [s.anvil.rpcUrl], pollingIntervalMs: 20 });
        const market = s.deployment.addresses.market;
        const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: conn.public, account: prover, chain: conn.chain });
        const reader = new MarketReader({ market, election: s.deployment.addresses.election, rollup: s.deployment.addresses.rollup }, { publicClient: conn.public });
        const chain = new ChainJobAdapter({ reader, sender, slashes: store.slashes });

        // A one-segment batch whose witness we can serve.
        const witness = new TextEncoder().encode("the witness bytes");
        const rootIn = await s.c.rollup.read.stateRoot();
        const rootOut = testRoot(4242);
        const column = [1, 2, 3];
        const fromBlock = (await s.blockNumber()) + 1n;
        await s.send(s.c.market.write.postBatch([[{ rootIn, witnessHash: keccak256(witness), txDataHash: txDataHash(column), txCount: 1 }], rootOut, parseEther("1"), parseEther("2")], { account: roles.deployer }));

        const terms = await readMarketTerms(conn.public, market);
        const auctioned: SegmentRecord[] = [];
        const ingester = new EventIngester<BatchOp>(
          { name: "market", address: market, confirmations: 0, fromBlock },
          { publicClient: conn.public, cursors: store.chainCursor, commit: (ops) => store.batch(ops), handler: { onBlock: (b) => (auctioned.push(...decodeMarketBlock(b, market, terms).auctioned), []) } },
        );
        await ingester.poll();
        assert.equal(auctioned.length, 1);

        const network: JobNetwork = { fetchWitness: async () => witness, publishProof: async () => undefined };
        const publicInputs = new Uint32Array(NUM_PUBLIC_INPUTS);
        publicInputs.set(unpackRoot(rootIn), PI.rootIn);
        publicInputs.set(unpackRoot(rootOut), PI.rootOut);
        const bytes = new TextEncoder().encode("proof");
        const fakeProver: Prover = { prove: async () => ({ bytes, proofHash: keccak256(bytes), publicInputs, timings: {}, backend: "fake", seconds: 0 }) };
        const machine = new JobStateMachine({ store });
        const runner = new JobRunner(
          { txWaitMs: 5000 },
          { store, machine, chain, network, market: { decide: () => ({ lock: true, price: parseEther("1") }) }, prover: fakeProver, signal: new AbortController().signal },
        );
        const job = await runner.drive(await runner.observe(auctioned[0]!));
        assert.equal(job.state, "published", job.failureReason);
        const seg = await s.c.market.read.getSegment([auctioned[0]!.batchId, 0]);
        assert.equal(seg.locker, prover.address);
        assert.equal(seg.proofHash, keccak256(bytes));
        assert.equal(packRoot(unpackRoot(seg.committedRootOut)), rootOut);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
