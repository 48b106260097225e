import type { Command } from "commander";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("verify a proof file: exit 0 valid, 1 invalid (one line naming what failed), 2 usage or I/O error")
    .requiredOption("--proof <file>", "proof file written by `prove`")
    .option("--prover-address <0x…>", "address the proof must be bound to (default: the one in the file)")
    .option("--witness <file>", "rollup segment witness: public inputs and public columns are rebuilt from it")
    .option("--min-security <bits>", "minimum conjectured security the proof's options must give", "96")
    .option("--onchain", "verify with the Solidity verifier on a local anvil instead, and print the gas used")
    .action(async (opts: VerifyFlags) => {
      if (opts.onchain) {
        const { runVerifyOnChain } = await import("./onchain.js");
        return runVerifyOnChain(opts);
      }
      if (opts.witness !== undefined) {
        const { runVerifyWitness } = await import("../rollup/witness-proof.js");
        return runVerifyWitness({ ...opts, witness: opts.witness });
      }
      const { runVerify } = await import("./run.js");
      await runVerify(opts);
    });
}

export interface VerifyFlags {
  proof: string;
  proverAddress?: string;
  witness?: string;
  minSecurity: string;
  onchain?: boolean;
}
