import type { Command } from "commander";

export function registerDevnet(program: Command): void {
  program
    .command("devnet")
    .description("run a whole network on this machine: anvil, the contracts, a sequencer and N prover nodes proving real batches")
    .option("--nodes <n>", "prover node processes", "3")
    .option("--batches <n>", "exit 0 once this many batches are finalized (default: run until Ctrl-C)")
    .option("--txs-per-batch <m>", "transfers per batch (default: enough for 4 segments)")
    .option("--segment-rows <rows>", "rows per segment, a power of two: 2^k or the number (e.g. 2^8 or 256)", "2^8")
    .option("--tree-depth <d>", "depth of the L2 account tree", "20")
    .option("--options <preset>", "proof options: test (fast, INSECURE) or default (≥ 100 bits)", "test")
    .option("--path <path>", "bundle (one transfer-v1 proof per segment on L1) or aggregate (data batches on L1, one aggregated proof per batch)", "aggregate")
    .option("--backend <kind>", "prover backend of the nodes: auto, wasm, js, cuda", "auto")
    .option("--dir <dir>", "where the nodes' data directories and logs go", ".devnet")
    .option("--seed <n>", "seed of the genesis and the transfers", "1")
    .option("--fund <addresses>", "comma-separated addresses to give gas and 10000 stake tokens (your own node; see docs/operator.md)")
    .option("--chaos <seed>", "chaos mode (docs/reliability.md): a seeded, printed schedule of overlapping faults while batches flow, invariants checked throughout")
    .option("--chaos-profile <profile>", "chaos schedule: soak (faults drawn per hour over --duration) or ci (one of each, early and overlapping)", "soak")
    .option("--duration <time>", "chaos: how long to run, e.g. 90s, 20m, 1h (default 10m; with --batches, until that many batches settled)")
    .option("--report <file>", "chaos: write the JSON report here")
    .action(async (opts: DevnetFlags) => {
      if (opts.chaos !== undefined) {
        const { runChaosDevnet } = await import("./run.js");
        await runChaosDevnet(opts);
        return;
      }
      const { runDevnet } = await import("./run.js");
      await runDevnet(opts);
    });
}

export interface DevnetFlags {
  nodes: string;
  batches?: string;
  txsPerBatch?: string;
  segmentRows: string;
  treeDepth: string;
  options: string;
  /** "bundle" or "aggregate". */
  path?: string;
  backend: string;
  dir: string;
  seed: string;
  fund?: string;
  chaos?: string;
  chaosProfile?: string;
  duration?: string;
  report?: string;
}
