/**
 * `prover-node devnet`: bring the network up, post batches one after another (the next once the previous
 * is finalized), show the live summary, exit 0 after `--batches` finalized batches, tear everything down
 * on exit or Ctrl-C.
 */
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UsageError } from "../../util/errors.js";
import { createPinoLogger } from "../../util/logger-pino.js";
import { BACKEND_KINDS, type BackendKind } from "../../backends/select.js";
import { sleep } from "../../util/sleep.js";
import { Devnet, defaultDevnetOpts, type DevnetOpts } from "./devnet.js";
import { segmentCapacity } from "../../rollup/segment.js";
import { formatSummary, summarize, type DevnetSummary } from "./summary.js";
import { L1CallLog, reportJson } from "./l1-calls.js";
import type { DevnetFlags } from "./register.js";
import { CliExit, ExitCode } from "../program.js";

function int(v: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new UsageError(`${name} must be in [${min}, ${max}], got ${n}`);
  return n;
}

export function parseSegmentRows(v: string): number {
  const m = /^2\^(\d+)$/.exec(v.trim());
  if (m) return int(m[1]!, "--segment-rows exponent", 3, 20);
  const n = int(v, "--segment-rows", 8, 2 ** 20);
  if ((n & (n - 1)) !== 0) throw new UsageError(`--segment-rows must be a power of two, got ${n}`);
  return Math.log2(n);
}

export function devnetOptsFromFlags(f: DevnetFlags): DevnetOpts {
  const base = defaultDevnetOpts(resolve(f.dir));
  if (f.options !== "test" && f.options !== "default") throw new UsageError(`--options must be test or default, got "${f.options}"`);
  if (!(BACKEND_KINDS as readonly string[]).includes(f.backend)) throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(", ")}, got "${f.backend}"`);
  const path = f.path ?? "aggregate";
  if (path !== "bundle" && path !== "aggregate") throw new UsageError(`--path must be bundle or aggregate, got "${path}"`);
  const treeDepth = int(f.treeDepth, "--tree-depth", 2, 30);
  const segmentLogRows = parseSegmentRows(f.segmentRows);
  // Data batches hold transfer-v2 segments (D + 2 rows a transaction), at most 16 of them.
  const perSegment = segmentCapacity(treeDepth, segmentLogRows, path === "aggregate" ? "v2" : "v1");
  const maxSegments = path === "aggregate" ? 16 : 256;
  if (perSegment < 1) throw new UsageError(`a segment of 2^${segmentLogRows} rows holds no transaction at tree depth ${treeDepth}: use more rows`);
  return {
    ...base,
    nodes: int(f.nodes, "--nodes", 0, 16),
    fund: (f.fund ?? "").split(",").map((a) => a.trim()).filter(Boolean).map((a) => {
      if (!/^0x[0-9a-fA-F]{40}$/.test(a)) throw new UsageError(`--fund: "${a}" is not a 0x-prefixed 20-byte address`);
      return a as `0x${string}`;
    }),
    treeDepth,
    segmentLogRows,
    path,
    txsPerBatch: f.txsPerBatch !== undefined ? int(f.txsPerBatch, "--txs-per-batch", 1, Math.min(maxSegments * perSegment, path === "aggregate" ? 8192 : Infinity)) : 4 * perSegment,
    options: f.options,
    backend: f.backend as BackendKind,
    seed: int(f.seed, "--seed", 0, 2 ** 31),
  };
}

export async function runDevnet(f: DevnetFlags): Promise<void> {
  const opts = devnetOptsFromFlags(f);
  const batches = f.batches !== undefined ? int(f.batches, "--batches", 1, 10_000) : null;
  const tty = Boolean(process.stdout.isTTY);
  const log = createPinoLogger({ level: "info", pretty: tty });
  opts.logger = log;
  if (opts.options === "test") log.warn("Proof options 'test': the proofs are INSECURE and the verifier's policy is lowered to accept them (devnet only)");
  log.info("Devnet path", { path: opts.path });

  const devnet = await Devnet.create(opts);
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(1);
    interrupted = true;
    log.info("Ctrl-C: tearing the devnet down");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await devnet.startNodes();
    log.info("Devnet up", { rpc: devnet.anvil.rpcUrl, deployment: devnet.deploymentFile, nodes: opts.nodes, dir: opts.baseDir });
    process.stdout.write(
      [
        "connect your own node (docs/operator.md):",
        `  rpc:        ${devnet.anvil.rpcUrl}`,
        `  deployment: ${devnet.deploymentFile}`,
        `  network:    ${devnet.network}`,
        `  bootstrap:  ${devnet.bootstrapAddrs().join(" ")}`,
        "",
      ].join("\n"),
    );
    const calls = new L1CallLog(devnet.publicClient, devnet.deployment.addresses, devnet.deployment.block);
    const summaryFile = join(opts.baseDir, "summary.json");
    const writeSummary = async (s: DevnetSummary): Promise<void> => {
      const l1 = await calls.report(devnet.posted);
      await writeFile(summaryFile, reportJson({ path: devnet.path, options: opts.options, segmentLogRows: opts.segmentLogRows, treeDepth: opts.treeDepth, nodeCount: opts.nodes, ...s, l1 }));
    };
    let finalized = 0;
    let lastPrint = 0;
    while (!interrupted && (batches === null || finalized < batches)) {
      const b = await devnet.postBatch();
      while (!interrupted && (await devnet.lastFinalizedBatch()) < b.batchId) {
        if (Date.now() - lastPrint > (tty ? 2000 : 10_000)) {
          lastPrint = Date.now();
          const lines = formatSummary(await summarize(devnet));
          if (tty) process.stdout.write(lines.join("\n") + "\n");
          else log.info("Devnet", { summary: lines.join(" / ") });
        }
        await sleep(500);
      }
      if (!interrupted) {
        finalized++;
        await writeSummary(await summarize(devnet)).catch((err: unknown) => log.warn("summary.json not written", { error: String(err) }));
      }
    }
    const s = await summarize(devnet);
    process.stdout.write(formatSummary(s).join("\n") + "\n");
    await writeSummary(s).then(
      () => log.info("Summary written", { file: summaryFile }),
      (err: unknown) => log.warn("summary.json not written", { error: String(err) }),
    );
    if (!interrupted && !s.rootsMatch) throw new Error("the L1 state root differs from the sequencer's");
  } finally {
    await devnet.stop();
    log.info("Devnet stopped", { logs: opts.baseDir });
  }
}

/** `90s`, `20m`, `1.5h`, or plain seconds → milliseconds. */
export function parseDuration(v: string, name = "--duration"): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new UsageError(`${name} must be a duration like 90s, 20m or 1h, got "${v}"`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  if (ms < 1000 || ms > 7 * 24 * 3_600_000) throw new UsageError(`${name} must be between 1 s and a week, got "${v}"`);
  return ms;
}

/**
 * `prover-node devnet --chaos <seed>`: the chaos devnet (docs/reliability.md). Exit 0 when every invariant
 * held, 1 on a violation (printed with the seed, the moment and the evidence).
 */
export async function runChaosDevnet(f: DevnetFlags): Promise<void> {
  const { runChaos, defaultChaosOpts, CI_PROFILE, SOAK_PROFILE, chaosDevnetOpts } = await import("./chaos/index.js");
  const seed = int(f.chaos!, "--chaos", 0, 2 ** 31);
  if (f.chaosProfile !== "soak" && f.chaosProfile !== "ci") throw new UsageError(`--chaos-profile must be soak or ci, got "${f.chaosProfile}"`);
  const profile = f.chaosProfile === "ci" ? CI_PROFILE : SOAK_PROFILE;
  const base = devnetOptsFromFlags(f);
  const tty = Boolean(process.stdout.isTTY);
  const log = createPinoLogger({ level: "warn", pretty: tty });
  const devnet = chaosDevnetOpts(base.baseDir, profile, { nodes: base.nodes, backend: base.backend, options: base.options, seed: base.seed, logger: log });
  const opts = defaultChaosOpts(devnet, profile, seed);
  opts.durationMs = f.duration !== undefined ? parseDuration(f.duration) : 600_000;
  opts.batches = f.batches !== undefined ? int(f.batches, "--batches", 1, 100_000) : null;
  opts.reportFile = f.report ? resolve(f.report) : null;
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(1);
    interrupted = true;
    process.stdout.write("Ctrl-C: undoing the faults, writing the report\n");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  opts.signal = controller.signal;
  const report = await runChaos(opts);
  if (!report.ok) throw new CliExit(ExitCode.failure, `chaos seed ${seed}: ${report.violations[0]?.message ?? "failed"}`);
}
