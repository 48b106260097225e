import type { Command } from "commander";
import { chainFlags, type ChainFlags } from "./context.js";

/** `prover-node stake …`: bond, unbond, withdraw, status, delegate, undelegate, rewards, claim. */
export function registerStake(program: Command): void {
  const stake = program.command("stake").description("bond, unbond and delegate stake on ProverStaking");
  const run = (name: keyof typeof import("./run.js"), ...args: string[]) => async (flags: ChainFlags) => {
    const mod = await import("./run.js");
    await (mod[name] as (flags: ChainFlags, ...a: string[]) => Promise<void>)(flags, ...args);
  };
  chainFlags(stake.command("bond <amount>").description("self-bond <amount> tokens to your own prover pool (approves the token first if needed)")).action((amount: string, flags: ChainFlags) => run("stakeBond", amount)(flags));
  chainFlags(stake.command("unbond <amount>").description("start unbonding <amount> tokens of self-stake (withdrawable after the unbonding delay)")).action((amount: string, flags: ChainFlags) => run("stakeUnbond", amount)(flags));
  chainFlags(stake.command("withdraw").description("withdraw matured unbonding stake").option("--prover <address>", "the pool to withdraw from (default: your own)")).action((flags: ChainFlags & { prover?: string }) => run("stakeWithdraw", flags.prover ?? "")(flags));
  chainFlags(stake.command("status").description("registration, stake, unbonding, balances").option("--json", "machine-readable output", false)).action((flags: ChainFlags & { json: boolean }) => run("stakeStatus")(flags));
  chainFlags(stake.command("delegate <prover> <amount>").description("delegate <amount> tokens to <prover>'s pool")).action((prover: string, amount: string, flags: ChainFlags) => run("stakeDelegate", prover, amount)(flags));
  chainFlags(stake.command("undelegate <prover> <amount>").description("start unbonding <amount> tokens delegated to <prover>")).action((prover: string, amount: string, flags: ChainFlags) => run("stakeUndelegate", prover, amount)(flags));
  chainFlags(stake.command("rewards").description("claimable commission and the growth of each delegation").option("--json", "machine-readable output", false)).action((flags: ChainFlags & { json: boolean }) => run("stakeRewards")(flags));
  chainFlags(stake.command("claim").description("claim your prover commission")).action((flags: ChainFlags) => run("stakeClaim")(flags));
}
