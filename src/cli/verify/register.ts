import type { Command } from "commander";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("verify a proof file: exit 0 valid, 1 invalid (one line naming what failed), 2 usage or I/O error")
    .requiredOption("--proof <file>", "proof file written by `prove`")
    .option("--prover-address <0x…>", "address the proof must be bound to (default: the one in the file)")
    .option("--min-security <bits>", "minimum conjectured security the proof's options must give", "96")
    .action(async (opts: VerifyFlags) => {
      const { runVerify } = await import("./run.js");
      await runVerify(opts);
    });
}

export interface VerifyFlags {
  proof: string;
  proverAddress?: string;
  minSecurity: string;
}
