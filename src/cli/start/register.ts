import type { Command } from "commander";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("run the prover node: join the mesh, lock and prove segments, commit and publish proofs, aggregate when elected")
    .option("--data-dir <dir>", "data directory made by `prover-node init` (default: $PROVER_NODE_DATA_DIR or ~/.prover-node)")
    .option("--config <file>", "config file (default: <data-dir>/config.json)")
    .action(async (opts: StartFlags) => {
      const { runStart } = await import("./run.js");
      await runStart(opts);
    });
}

export interface StartFlags {
  dataDir?: string;
  config?: string;
}
