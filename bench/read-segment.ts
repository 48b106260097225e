/**
 * readSegment cost as the chain grows (issue [structure]; not a test): one anvil, the contracts with the
 * mock verifier, a locked segment read every `--every` blocks while each block carries market events.
 * Reports, per sample, the RPC requests of one read and its mean time, beside the mean time of the
 * per-step history scan the node did before slashes came from ingestion.
 *
 *   npx tsx bench/read-segment.ts [--blocks 200] [--every 20] [--reads 50]   → bench/results/read-segment.json
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { measureReadSegment } from "../test/utils/read-segment.js";
import { startSystem, TEST_GENESIS_ROOT } from "../test/utils/system.js";

const { values } = parseArgs({ options: { blocks: { type: "string", default: "200" }, every: { type: "string", default: "20" }, reads: { type: "string", default: "50" } } });
const sys = await startSystem({ genesisRoot: TEST_GENESIS_ROOT });
try {
  const samples = await measureReadSegment(sys, { blocks: Number(values.blocks), every: Number(values.every), reads: Number(values.reads) });
  for (const s of samples) console.log(`${String(s.blocks).padStart(5)} blocks  readSegment ${s.readMs.toFixed(2)} ms  ${JSON.stringify(s.requests)}  former history scan ${s.historyScanMs.toFixed(2)} ms`);
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/read-segment.json", `${JSON.stringify({ measuredAt: new Date().toISOString(), samples }, null, 2)}\n`);
} finally {
  await sys.stop();
}
