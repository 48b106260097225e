import type { Command } from "commander";

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("create a data directory: encrypted staking keystore, libp2p peer key, config file")
    .option("--data-dir <dir>", "data directory (default: $PROVER_NODE_DATA_DIR or ~/.prover-node)")
    .option("--network <name>", "network name written to the config", "devnet")
    .option("--force", "overwrite the keys and config of an existing data directory", false)
    .action(async (opts: InitFlags) => {
      const { runInit } = await import("./run.js");
      await runInit(opts);
    });
}

export interface InitFlags {
  dataDir?: string;
  network: string;
  force: boolean;
}
