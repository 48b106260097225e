import type { Command } from "commander";

export function registerRecurse(program: Command): void {
  program
    .command("recurse")
    .description("prove that one or two poseidon2 proofs verify (a recursion proof): exit 1 naming the check an invalid child fails")
    .requiredOption("--proof <file>", "a child proof file (give --proof twice for a 2-to-1 join)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--hash <config>", "hash configuration of the recursion proof: poseidon2 (recursable) | keccak (for L1)", "poseidon2")
    .option("--options <preset>", "proof options of the recursion proof: default | test (test is INSECURE)", "default")
    .option("--prover-address <0x…>", "20-byte address the recursion proof is bound to", "0x0000000000000000000000000000000000000000")
    .requiredOption("--out <file>", "where to write the recursion proof file")
    .option("--backend <kind>", "prover backend: auto | js | wasm | cuda", "auto")
    .option("--threads <n>", "worker threads of the wasm backend (default: every core)")
    .action(async (opts: RecurseFlags) => {
      const { runRecurse } = await import("./run.js");
      await runRecurse(opts);
    });
}

export interface RecurseFlags {
  proof: string[];
  hash: string;
  options: string;
  proverAddress: string;
  out: string;
  backend: string;
  threads?: string;
}
