/**
 * A node on a long-lived chain keeps constant work per job step: `readSegment` issues the same RPC
 * requests (two eth_call and one block header, no log search) after 200 blocks of market events as on
 * the first block. Wall times are printed, not asserted (bench/read-segment.ts writes them as JSON).
 */
import { strict as assert } from "node:assert";
import { measureReadSegment } from "../utils/read-segment.js";
import { useSystem } from "../utils/system.js";

describe("readSegment cost over 200 blocks (anvil)", function () {
  this.timeout(180_000);
  const sys = useSystem();

  it("makes the same RPC requests on block 200 as on block 0, and never searches logs", async () => {
    const samples = await measureReadSegment(sys(), { blocks: 200, every: 50, reads: 10 });
    assert.equal(samples.length, 5);
    assert.ok(samples.at(-1)!.blocks >= 200, `the chain grew by ${samples.at(-1)!.blocks} blocks`);
    for (const s of samples) {
      assert.deepEqual(s.requests, samples[0]!.requests, `after ${s.blocks} blocks`);
      assert.equal(s.requests.eth_getLogs, undefined, "no event search per step");
    }
    assert.equal(Object.values(samples[0]!.requests).reduce((a, b) => a + b, 0), 3, "batch, segment, head");
    for (const s of samples) console.log(`      after ${String(s.blocks).padStart(3)} blocks: readSegment ${s.readMs.toFixed(2)} ms (${JSON.stringify(s.requests)}); the former history scan ${s.historyScanMs.toFixed(2)} ms`);
  });
});
