/**
 * The cost of one job step's chain read (node/job-chain.ts `readSegment`) as the chain grows: a locked
 * segment is read every `every` blocks while each new block carries market events (a batch posted).
 * Counts the RPC requests of one read by method and times it; for comparison it also times what every
 * step used to do before slashes came from ingestion: three event searches from the deployment block.
 * Used by test/chain/read-segment-cost.test.ts and bench/read-segment.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, custom, http, parseEther, type PublicClient } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { segmentMarketAbi } from "../../src/chain/abi/index.js";
import { MarketReader } from "../../src/chain/market-reader.js";
import { TxSender } from "../../src/chain/sender.js";
import { ChainJobAdapter } from "../../src/node/job-chain.js";
import { Store } from "../../src/store/index.js";
import { segmentIdOf } from "../../src/util/segment-id.js";
import { addProver, postBatch } from "./flows.js";
import { roles, type System } from "./system.js";

export interface ReadSegmentSample {
  /** Blocks mined since the first sample. */
  blocks: number;
  /** RPC requests of one readSegment, by method. */
  requests: Record<string, number>;
  /** Mean wall time of one readSegment (ms). */
  readMs: number;
  /** Mean wall time of the former per-step slash scan (three getContractEvents from the deployment block), ms. */
  historyScanMs: number;
}

export async function measureReadSegment(sys: System, opts: { blocks: number; every: number; reads: number }): Promise<ReadSegmentSample[]> {
  const counts = new Map<string, number>();
  const inner = http(sys.anvil.rpcUrl)({ chain: anvilChain });
  const transport = custom({
    request: ({ method, params }: { method: string; params?: unknown }) => {
      counts.set(method, (counts.get(method) ?? 0) + 1);
      return inner.request({ method, params } as Parameters<typeof inner.request>[0]);
    },
  });
  const client = createPublicClient({ chain: anvilChain, transport }) as PublicClient;
  const prover = roles.provers[0]!;
  await addProver(sys, prover, parseEther("1000"));
  const dir = mkdtempSync(join(tmpdir(), "prover-node-readsegment-"));
  const store = await Store.open({ path: join(dir, "db") });
  try {
    const { market, election, rollup } = sys.deployment.addresses;
    const reader = new MarketReader({ market, election, rollup }, { publicClient: client });
    const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: sys.publicClient, account: prover, chain: anvilChain });
    const adapter = new ChainJobAdapter({ reader, sender, slashes: store.slashes });
    // A lock-holding job's segment: every step of such a job reads it.
    const batch = await postBatch(sys, 2);
    await sys.send(sys.c.market.write.lock([batch.batchId, 1], { account: prover }));
    const id = segmentIdOf(batch.batchId, 1);
    const start = await sys.blockNumber();

    const samples: ReadSegmentSample[] = [];
    const sample = async (): Promise<void> => {
      counts.clear();
      let t = performance.now();
      for (let i = 0; i < opts.reads; i++) await adapter.readSegment(id);
      const readMs = (performance.now() - t) / opts.reads;
      const requests = Object.fromEntries([...counts].sort().map(([m, n]) => [m, n / opts.reads]));
      t = performance.now();
      for (let i = 0; i < opts.reads; i++) {
        await Promise.all(
          (["LockExpired", "ProofChallenged", "UnavailabilitySlashed"] as const).map((eventName) =>
            sys.publicClient.getContractEvents({ address: market, abi: segmentMarketAbi, eventName, args: { batchId: batch.batchId, index: 1 }, fromBlock: sys.deployment.block, toBlock: "latest" }),
          ),
        );
      }
      const historyScanMs = (performance.now() - t) / opts.reads;
      samples.push({ blocks: Number((await sys.blockNumber()) - start), requests, readMs, historyScanMs });
    };
    await sample();
    for (let b = 1; b <= opts.blocks; b++) {
      await postBatch(sys, 1); // one block with market events (BatchPosted, SegmentPosted)
      if (b % opts.every === 0) await sample();
    }
    return samples;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
