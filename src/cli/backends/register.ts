import type { Command } from "commander";

export function registerBackends(program: Command): void {
  program
    .command("backends")
    .description("list the prover backends and whether this machine can run them (and why not)")
    .action(async () => {
      const { runBackends } = await import("./run.js");
      runBackends();
    });
}
