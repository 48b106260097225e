import type { Command } from "commander";

export function registerProve(program: Command): void {
  program
    .command("prove")
    .description("generate an AIR's sample trace, prove it, and write the proof file")
    .requiredOption("--air <id>", "AIR name or id (fib-v1, mix-v1)")
    .requiredOption("--rows <n>", "trace height, a power of two (e.g. 4096 or 2^12)")
    .option("--options <preset>", "proof options: default | test (test is INSECURE)", "default")
    .option("--prover-address <0x…>", "20-byte address the proof is bound to", "0x0000000000000000000000000000000000000000")
    .option("--seed <n>", "sample seed", "1")
    .requiredOption("--out <file>", "where to write the proof file")
    .action(async (opts: ProveFlags) => {
      const { runProve } = await import("./run.js");
      await runProve(opts);
    });
}

export interface ProveFlags {
  air: string;
  rows: string;
  options: string;
  proverAddress: string;
  seed: string;
  out: string;
}
