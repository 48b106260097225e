/**
 * Devnet benchmark (issue [devnet], not a test): latency from "batch posted" to "batch finalized" with
 * 1, 2 and 3 prover-node processes proving the same batch (same genesis, same seed), the parallel
 * efficiency T1 / (n · Tn), and the gas a finalized batch costs (every transaction of the batch: post,
 * locks, commits, aggregate submission, and any challenge).
 *
 *   npx tsx bench/devnet.ts [--options default|test] [--path bundle|aggregate] [--segment-rows 2^8] [--tree-depth 20] [--segments 4] [--nodes 1,2,3]
 *     → bench/results/devnet.json
 *
 * Everything runs on this machine: the nodes share its cores with anvil and with each other, so on a
 * 2-core machine three nodes cannot prove faster than two.
 */
import "../src/util/polyfills.js";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { AbiFunction, Hex } from "viem";
import { Devnet, defaultDevnetOpts } from "../src/cli/devnet/devnet.js";
import { segmentCapacity } from "../src/rollup/segment.js";
import { parseSegmentRows } from "../src/cli/devnet/run.js";

const { values } = parseArgs({
  options: {
    options: { type: "string", default: "default" },
    path: { type: "string", default: "bundle" },
    "segment-rows": { type: "string", default: "2^8" },
    "tree-depth": { type: "string", default: "20" },
    segments: { type: "string", default: "4" },
    nodes: { type: "string", default: "1,2,3" },
  },
});
const options = values.options === "test" ? "test" : "default";
const segmentLogRows = parseSegmentRows(values["segment-rows"]!);
const treeDepth = Number(values["tree-depth"]);
const segments = Number(values.segments);
const counts = values.nodes!.split(",").map(Number);
const path = values.path === "aggregate" ? "aggregate" : "bundle";
/** Transactions per segment: transfer-v2 (D + 2 rows each) on the aggregate path, transfer-v1 on the bundle path. */
const txsPerSegment = segmentCapacity(treeDepth, segmentLogRows, path === "aggregate" ? "v2" : "v1");

interface Run {
  nodes: number;
  latencySeconds: number;
  gas: { total: number; byKind: Record<string, number> };
  segmentsPaidPerNode: number[];
}

async function gasOfBatch(d: Devnet, fromBlock: bigint, toBlock: bigint): Promise<{ total: number; byKind: Record<string, number> }> {
  const targets = new Set([d.deployment.addresses.market.toLowerCase(), d.deployment.addresses.rollup.toLowerCase(), d.deployment.addresses.token.toLowerCase()]);
  const byKind: Record<string, number> = {};
  let total = 0;
  for (let n = fromBlock; n <= toBlock; n++) {
    const block = await d.publicClient.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) {
      if (!tx.to || !targets.has(tx.to.toLowerCase())) continue;
      const r = await d.publicClient.getTransactionReceipt({ hash: tx.hash as Hex });
      const kind = tx.input.slice(0, 10);
      byKind[kind] = (byKind[kind] ?? 0) + Number(r.gasUsed);
      total += Number(r.gasUsed);
    }
  }
  return { total, byKind };
}

const SELECTORS: Record<string, string> = {};

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (const n of counts) {
    const dir = await mkdtemp(join(tmpdir(), "prover-bench-devnet-"));
    const d = await Devnet.create({
      ...defaultDevnetOpts(dir),
      nodes: n,
      options,
      treeDepth,
      segmentLogRows,
      path,
      txsPerBatch: segments * txsPerSegment,
      backend: "wasm",
      timing: { ...defaultDevnetOpts(dir).timing, lockTimeout: 300 },
    });
    try {
      await d.startNodes();
      const from = await d.publicClient.getBlockNumber();
      const t0 = performance.now();
      const b = await d.postBatch();
      await d.waitFinalized(b.batchId, 900_000);
      const latencySeconds = (performance.now() - t0) / 1000;
      const to = await d.publicClient.getBlockNumber();
      const gas = await gasOfBatch(d, from + 1n, to);
      const { summarize } = await import("../src/cli/devnet/summary.js");
      const s = await summarize(d);
      runs.push({ nodes: n, latencySeconds, gas, segmentsPaidPerNode: s.nodes.map((x) => x.segmentsPaid) });
      console.log(`${n} node(s): posted → finalized ${latencySeconds.toFixed(1)} s; gas ${gas.total.toLocaleString("en")}; segments per node ${s.nodes.map((x) => x.segmentsPaid).join("/")}`);
    } finally {
      await d.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  const t1 = runs.find((r) => r.nodes === 1)?.latencySeconds;
  const efficiency = Object.fromEntries(runs.map((r) => [r.nodes, t1 ? t1 / (r.nodes * r.latencySeconds) : null]));
  const { segmentMarketAbi, rollupAbi, stakeTokenAbi } = await import("../src/chain/abi/index.js");
  const { toFunctionSelector } = await import("viem");
  for (const abi of [segmentMarketAbi, rollupAbi, stakeTokenAbi]) {
    for (const item of abi as readonly { type: string; name?: string; inputs?: readonly { type: string }[] }[]) {
      if (item.type === "function" && item.name) SELECTORS[toFunctionSelector(item as AbiFunction)] = item.name;
    }
  }
  for (const r of runs) r.gas.byKind = Object.fromEntries(Object.entries(r.gas.byKind).map(([k, v]) => [SELECTORS[k] ?? k, v]));
  const out = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model },
    params: { options, path, treeDepth, segmentLogRows, segments, txsPerSegment, backend: "wasm (1 thread per node)" },
    runs,
    parallelEfficiency: efficiency,
  };
  await mkdir("bench/results", { recursive: true });
  await writeFile("bench/results/devnet.json", JSON.stringify(out, null, 2) + "\n");
  console.log(JSON.stringify({ parallelEfficiency: efficiency }, null, 1));
}

await main();
