import type { Command } from "commander";

export function registerAirs(program: Command): void {
  program
    .command("airs")
    .description("list every registered AIR: tables, widths, preprocessed columns, buses, degree and verification key")
    .option("--hash <config>", "hash configuration of the verification keys shown: keccak | poseidon2", "keccak")
    .option("--options <preset>", "proof options of the verification keys shown: default | test", "default")
    .option("--json", "print JSON instead of text")
    .action(async (opts: AirsFlags) => {
      const { runAirs } = await import("./run.js");
      await runAirs(opts);
    });
}

export interface AirsFlags {
  hash: string;
  options: string;
  json?: boolean;
}
