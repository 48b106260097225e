import type { Command } from "commander";

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("measure seconds per segment on this machine and record them in <data-dir>/profile.json (the market prices from it)")
    .option("--data-dir <dir>", "data directory holding profile.json (default: $PROVER_NODE_DATA_DIR or ~/.prover-node)")
    .option("--backend <kind>", "prover backend: auto | js | wasm | cuda (auto: cuda if usable, else wasm, else js)", "auto")
    .option("--threads <n>", "worker threads of the wasm backend (default: every core)")
    .option("--air <name>", "AIR to measure: transfer-v1 (rollup segments), fib-v1, mix-v1", "transfer-v1")
    .option("--log-rows <k>", "segment height: 2^k rows", "10")
    .option("--options <preset>", "proof options: default | l1 | test (test is INSECURE; for trials only)", "default")
    .option("--runs <n>", "proofs to run; with more than one, the first is a warm-up and not counted", "2")
    .option("--json", "print the result as JSON", false)
    .action(async (opts: BenchFlags) => {
      const { runBench } = await import("./run.js");
      await runBench(opts);
    });
}

export interface BenchFlags {
  dataDir?: string;
  backend: string;
  threads?: string;
  air: string;
  logRows: string;
  options: string;
  runs: string;
  json: boolean;
}
