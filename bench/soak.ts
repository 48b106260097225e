/**
 * The soak (issue [chaos], not a test): the chaos devnet with the `soak` profile for hours — faults drawn
 * per hour by kind (kills incl. the aggregator's, crash/invalid/withhold/silent provers, RPC storms,
 * partitions, hostile floods, sequencer restarts, reorgs, scale-to-zero) while batches flow one after
 * the other — with every invariant checked throughout (docs/reliability.md).
 *
 *   npm run soak -- --hours 1 [--seed 1] [--nodes 3] [--out soak.json] [--dir <devnet dir>] [--no-build]
 *     → soak.json: faults by kind, batches finalized / refunded, slashes explained / unexplained, the
 *       invariant checks and violations, tokens at the end, RSS and descriptors over time per node.
 *       The file is rewritten every minute while the run goes on ("finished": false).
 *
 * Exit 0 when every invariant held, 1 on a violation (the report carries the seed, the moment and the
 * evidence; rerun with the same seed and hours to replay the same schedule).
 */
import "../src/util/polyfills.js";
import { execFileSync } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SOAK_PROFILE, chaosDevnetOpts, defaultChaosOpts, runChaos } from "../src/cli/devnet/chaos/index.js";
import { createPinoLogger } from "../src/util/logger-pino.js";

const { values } = parseArgs({
  options: {
    hours: { type: "string", default: "1" },
    seed: { type: "string", default: "1" },
    nodes: { type: "string", default: "3" },
    out: { type: "string", default: "soak.json" },
    dir: { type: "string" },
    "no-build": { type: "boolean", default: false },
  },
});
const hours = Number(values.hours);
const seed = Number(values.seed);
const nodes = Number(values.nodes);
if (!(hours > 0 && hours <= 168)) throw new Error(`--hours must be in (0, 168], got ${values.hours}`);
if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${values.seed}`);
if (!Number.isInteger(nodes) || nodes < 2 || nodes > 8) throw new Error(`--nodes must be 2..8, got ${values.nodes}`);

// The nodes run the compiled CLI (restarts boot in seconds, not in a tsx compile on a loaded machine):
// compiled here first, so it is the code of this checkout.
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nodeEntry = join(root, "dist/cli/index.js");
if (!values["no-build"]) {
  process.stdout.write("soak: compiling dist/ (tsc -p tsconfig.build.json)\n");
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
}
if (!existsSync(nodeEntry)) throw new Error(`${nodeEntry} is missing: run npm run build (or drop --no-build)`);

const dir = values.dir ? resolve(values.dir) : await mkdtemp(join(tmpdir(), "prover-soak-"));
await mkdir(dir, { recursive: true });
const out = resolve(values.out!);
const logger = createPinoLogger({ level: "warn", pretty: false, destination: createWriteStream(join(dir, "chaos.log")) });
const opts = defaultChaosOpts(chaosDevnetOpts(dir, SOAK_PROFILE, { nodes, logger, nodeEntry }), SOAK_PROFILE, seed);
opts.durationMs = hours * 3_600_000;
opts.reportFile = out;
opts.print = (l) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${l}\n`);
process.stdout.write(`soak: ${hours} h, seed ${seed}, ${nodes} nodes, devnet in ${dir}, report → ${out}\n`);

const controller = new AbortController();
const onSignal = (): void => {
  if (controller.signal.aborted) process.exit(1);
  process.stdout.write("interrupted: undoing the faults, writing the report\n");
  controller.abort();
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
opts.signal = controller.signal;

const report = await runChaos(opts);
process.exit(report.ok ? 0 : 1);
