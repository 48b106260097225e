import type { Command } from "commander";

export function registerRollup(program: Command): void {
  const rollup = program.command("rollup").description("the transfer rollup: sample batches and segment witnesses");
  rollup
    .command("sample")
    .description("write a random genesis, a batch (with failing transactions mixed in) and one witness file per segment")
    .requiredOption("--accounts <n>", "accounts at genesis (slots 0 … n−1)")
    .requiredOption("--txs <m>", "transactions in the batch")
    .requiredOption("--segment-rows <2^k>", "trace height of a segment, a power of two (e.g. 65536 or 2^16)")
    .requiredOption("--out <dir>", "output directory (created if missing)")
    .option("--depth <D>", "state tree depth", "20")
    .option("--batch-id <id>", "batch id", "1")
    .option("--seed <n>", "random seed", "1")
    .option("--air <name>", "the AIR the segments are meant for, recorded in batch.json (prove --witness reads it): transfer-v1 | transfer-v2", "transfer-v1")
    .action(async (opts: RollupSampleFlags) => {
      const { runRollupSample } = await import("./sample.js");
      await runRollupSample(opts);
    });
}

export interface RollupSampleFlags {
  accounts: string;
  txs: string;
  segmentRows: string;
  out: string;
  depth: string;
  batchId: string;
  seed: string;
  air: string;
}
