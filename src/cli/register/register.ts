import type { Command } from "commander";
import { chainFlags, type ChainFlags } from "../stake/context.js";

export interface RegisterFlags extends ChainFlags {
  peerId?: string;
}

/** `prover-node register`: bind the staking address to the node's libp2p peer id on ProverStaking. */
export function registerRegister(program: Command): void {
  chainFlags(
    program
      .command("register")
      .description("register the staking address as a prover, bound to the node's libp2p peer id")
      .option("--peer-id <id>", "peer id to register (default: the one of <data-dir>/p2p/peer-key)"),
  ).action(async (flags: RegisterFlags) => {
    const { runRegister } = await import("./run.js");
    await runRegister(flags);
  });
}
