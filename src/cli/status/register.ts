import type { Command } from "commander";
import { chainFlags, type ChainFlags } from "../stake/context.js";

/** `prover-node status`: the chain side of this node (RPC in use, chain, registration, stake, balances). */
export function registerStatus(program: Command): void {
  chainFlags(program.command("status").description("chain-side status: RPC endpoint in use, registration, stake, balances").option("--json", "machine-readable output", false)).action(
    async (flags: ChainFlags & { json: boolean }) => {
      const { runStatus } = await import("./run.js");
      await runStatus(flags);
    },
  );
}
