import type { Command } from "commander";
import { UsageError } from "../../util/errors.js";

export function registerProve(program: Command): void {
  program
    .command("prove")
    .description("prove an AIR's sample trace, or a rollup segment witness (--witness), and write the proof file")
    .option("--air <id>", "AIR name or id (see `prover-node airs`); required without --witness. With --witness: transfer-v1 | transfer-v2 (default: the sample's batch.json, else transfer-v1)")
    .option("--rows <n>", "trace height of the AIR's first table, a power of two (e.g. 4096 or 2^12); required without --witness")
    .option("--witness <file>", "rollup segment witness: prove it with transfer-v1 or transfer-v2 (no --rows)")
    .option("--options <preset>", "proof options: default | test (test is INSECURE)", "default")
    .option("--hash <config>", "hash configuration: keccak (verified on L1) | poseidon2 (verified inside a proof)", "keccak")
    .option("--prover-address <0x…>", "20-byte address the proof is bound to", "0x0000000000000000000000000000000000000000")
    .option("--seed <n>", "sample seed", "1")
    .requiredOption("--out <file>", "where to write the proof file")
    .option("--backend <kind>", "prover backend: auto | js | wasm | cuda (auto: cuda if usable, else wasm, else js)", "auto")
    .option("--threads <n>", "worker threads of the wasm backend (default: every core)")
    .action(async (opts: ProveFlags) => {
      if (opts.witness !== undefined) {
        if (opts.rows !== undefined) throw new UsageError("--witness replaces --rows");
        const { runProveWitness } = await import("../rollup/witness-proof.js");
        return runProveWitness({ ...opts, witness: opts.witness });
      }
      if (opts.air === undefined || opts.rows === undefined) throw new UsageError("--air and --rows are required (or --witness)");
      const { runProve } = await import("./run.js");
      await runProve({ ...opts, air: opts.air, rows: opts.rows });
    });
}

export interface ProveFlags {
  air?: string;
  rows?: string;
  witness?: string;
  options: string;
  hash: string;
  proverAddress: string;
  seed: string;
  out: string;
  backend: string;
  threads?: string;
}
