/**
 * Regression (chaos ci seed 7): the ingestion handler awaited the aggregator's pass. A pass that took
 * longer than the aggregator's tick ran again and again (each tick asks for one more), so ingestion
 * stopped: the node never ingested its own slash and its store disagreed with the chain until the end.
 * The aggregator takes a block's events at once; its pass runs on its own.
 */
import { strict as assert } from "node:assert";
import type { IngestedBlock } from "../../../src/chain/ingest.js";
import { marketFeed, type MarketFeedModules } from "../../../src/node/market-feed.js";
import { nullLogger } from "../../../src/util/logger.js";

describe("node: the market feed", () => {
  it("hands a block to the scheduler and the aggregator without waiting for the aggregator's pass", async () => {
    const seen: string[] = [];
    let passes = 0;
    const m = {
      reader: { terms: async () => ({}) },
      store: {},
      scheduler: { onMarketChanges: async () => void seen.push("scheduler") },
      aggregator: {
        onMarketBlock: () => {
          seen.push("aggregator");
          passes++;
          return new Promise<void>(() => undefined); // a pass that never ends
        },
      },
      logger: nullLogger,
    } as unknown as MarketFeedModules;
    const feed = marketFeed({ market: "0x0000000000000000000000000000000000000001", air: "transfer-v1" }, m);
    const block = (n: bigint): IngestedBlock => ({ number: n, hash: `0x${n.toString(16).padStart(64, "0")}`, parentHash: `0x${"0".repeat(64)}`, timestamp: n, logs: [] });
    for (const n of [1n, 2n, 3n]) {
      const r = await Promise.race([Promise.resolve(feed.onBlock(block(n))), new Promise<"stuck">((res) => setTimeout(() => res("stuck"), 2_000))]);
      assert.deepEqual(r, [], `block ${n} was not ingested while the aggregator's pass ran`);
    }
    assert.equal(passes, 3);
    assert.deepEqual(seen, ["scheduler", "aggregator", "scheduler", "aggregator", "scheduler", "aggregator"]);
  });
});
