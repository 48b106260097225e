/**
 * The ingestion handler: each confirmed market block is decoded once (chain/market-events.ts) and the
 * result handed, in this order, to the store's slash ledger (so no job is stepped on a slash it cannot
 * see), the job scheduler and the aggregator (which takes the events at once; its pass is not awaited).
 */
import type { Address, Hex } from "viem";
import type { Aggregator, AggregatorNetwork } from "../aggregator/index.js";
import type { IngestHandler } from "../chain/ingest.js";
import { decodeMarketBlock } from "../chain/market-events.js";
import type { MarketReader } from "../chain/market-reader.js";
import type { JobScheduler } from "../jobs/index.js";
import type { P2pNetwork } from "../p2p/index.js";
import type { BatchOp, Store } from "../store/index.js";
import type { Logger } from "../util/logger.js";

export interface MarketFeedModules {
  reader: MarketReader;
  store: Store;
  scheduler: Pick<JobScheduler, "onMarketChanges">;
  aggregator: Pick<Aggregator, "onMarketBlock" | "onReorg">;
  logger: Logger;
}

/** `air`: a bundle's segments (transfer-v1); `dataAir`: a data batch's (transfer-v2-d<D>), when this node proves them. */
export function marketFeed(opts: { market: Address; air: string; dataAir?: string }, m: MarketFeedModules): IngestHandler<BatchOp> {
  return {
    async onBlock(block) {
      const ev = decodeMarketBlock(block, opts.market, await m.reader.terms(), opts.air, opts.dataAir);
      if (ev.slashes.length > 0) await m.store.batch(await m.store.slashes.addOps(ev.slashes));
      await m.scheduler.onMarketChanges(ev);
      // Not awaited: the aggregator takes the events at once, and its pass (proof fetches, verification,
      // an aggregate's submission) must not hold up ingestion. Awaited, a pass that outlasted the
      // aggregator's tick ran again and again, ingestion stopped, and the node never saw its own slash
      // (chaos ci seed 7).
      void m.aggregator.onMarketBlock(ev).catch((err: Error) => m.logger.warn("Aggregator failed on a block", { block: block.number, error: err.message }));
      return [];
    },
    onReorg(ancestor, depth) {
      m.logger.warn("Chain reorganisation: re-ingesting", { ancestor: ancestor.blockNumber, depth });
      // Not awaited, like a block's pass: the aggregator re-reads the recent batches (a finalization the
      // reorg undid leaves its batch open again, and no event re-announces it).
      void m.aggregator.onReorg().catch((err: Error) => m.logger.warn("Aggregator failed after a reorg", { error: err.message }));
    },
  };
}

/** The aggregator's view of p2p: proofs from their provers, witnesses from the sequencer first, progress on gossip. */
export function aggregatorNetwork(p2p: P2pNetwork, sequencer: () => Promise<Address | null>): AggregatorNetwork {
  return {
    fetchProof: (hash: Hex, o) => p2p.fetchProof(hash, o),
    fetchWitness: async (hash: Hex, o) => {
      const seq = await sequencer();
      return p2p.fetchWitness(hash, { ...o, signers: [...(o.signers ?? []), ...(seq ? [seq] : [])] });
    },
    publishProgress: async (pr) => void (await p2p.publish({ kind: "aggregateProgress", ...pr }).catch(() => 0)),
  };
}
