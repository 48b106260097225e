/**
 * `prover-node bench`: prove sample segments of one AIR on the chosen backend, take the median time
 * per segment, and merge it into `<dataDir>/profile.json`. A transfer-v1 segment is a full one (a
 * sample batch with as many transactions as 2^k rows hold at the default tree depth), timed from the
 * witness bytes as a prover worker gets them: decode, trace, proof.
 */
import { join } from "node:path";
import { UsageError } from "../../util/errors.js";
import { airRegistry, type Air, type AirInstance } from "../../stark/air/air.js";
import "../../stark/airs/index.js";
import { OPTION_PRESETS, type OptionPresetName } from "../../stark/options.js";
import { proveStark } from "../../stark/prover.js";
import type { ProverBackend } from "../../stark/backend.js";
import { buildTransferInstance, TRANSFER_AIR_NAME } from "../../rollup/air/index.js";
import { defaultRollupOpts } from "../../rollup/options.js";
import { sampleBatch } from "../../rollup/sample.js";
import { MAX_LOG_ROWS, segmentCapacity } from "../../rollup/segment.js";
import { decodeWitness, encodeWitness, witnessFromSegment } from "../../rollup/witness.js";
import { backendFromFlags } from "../common/backend.js";
import { parsePositiveInt } from "../common/parse.js";
import { dataDirOf } from "../stake/context.js";
import type { BenchFlags } from "./register.js";
import { mergeProfile, readProfile, writeProfile } from "./profile.js";
import type { ProvingProfile } from "../../market/pricing.js";

const PROVER_ADDRESS = new Uint8Array(20);
const MAX_RUNS = 1000;

export interface BenchRun {
  readonly seconds: number;
  readonly warmup: boolean;
  /** The process's peak resident set after this run, in bytes (0 where the runtime cannot say). */
  readonly peakRssBytes: number;
}

export interface BenchReport {
  readonly backend: string;
  readonly air: string;
  readonly logRows: number;
  readonly options: OptionPresetName;
  /** transfer-v1 only: transactions in the measured segment. */
  readonly transactions?: number;
  readonly runs: readonly BenchRun[];
  readonly secondsPerSegment: number;
  /** The process's peak resident set over every run (what a worker proving these segments needs), in bytes. */
  readonly peakRssBytes: number;
  readonly profile: string;
}

interface BenchPlan {
  readonly air: Air;
  readonly logRows: number;
  readonly options: OptionPresetName;
  readonly runs: number;
  /** transfer-v1: transactions per segment (a full segment). */
  readonly transactions?: number;
}

/** Everything a prover does for one segment before proveStark (witness → instance), and the sample it uses. */
function sampleSource(p: BenchPlan): () => AirInstance {
  if (p.transactions === undefined) return () => p.air.sample(p.logRows, 1);
  const treeDepth = defaultRollupOpts.treeDepth;
  const accounts = Math.min(2 ** treeDepth, Math.max(2, 2 * p.transactions));
  const { batch } = sampleBatch({ accounts, txs: p.transactions, treeDepth, logRows: p.logRows, batchId: 1n, seed: 1 });
  const witness = encodeWitness(witnessFromSegment(batch.segments[0]!));
  return () => buildTransferInstance(decodeWitness(witness));
}

const mib = (bytes: number): string => (bytes > 0 ? `${Math.round(bytes / 2 ** 20)} MiB` : "unknown");
const roundMicros = (s: number): number => Math.max(1e-6, Math.round(s * 1e6) / 1e6);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function plan(flags: BenchFlags): BenchPlan {
  const air = airRegistry.getByName(flags.air);
  const known = [...new Set([TRANSFER_AIR_NAME, ...airRegistry.list().filter((a) => a.hasSample).map((a) => a.name)])];
  if (!air || !known.includes(air.name)) throw new UsageError(`--air must be one of ${known.join(", ")}`);
  const logRows = parsePositiveInt(flags.logRows, "--log-rows");
  if (logRows > MAX_LOG_ROWS) throw new UsageError(`--log-rows must be at most ${MAX_LOG_ROWS}`);
  if (!(flags.options in OPTION_PRESETS)) throw new UsageError(`--options must be one of ${Object.keys(OPTION_PRESETS).join(", ")}`);
  const options = flags.options as OptionPresetName;
  const runs = parsePositiveInt(flags.runs, "--runs");
  if (runs < 1 || runs > MAX_RUNS) throw new UsageError(`--runs must be in [1, ${MAX_RUNS}]`);

  if (air.name !== TRANSFER_AIR_NAME) {
    if (logRows < air.minLogRows) throw new UsageError(`--log-rows must be at least ${air.minLogRows} for ${air.name}`);
    return { air, logRows, options, runs };
  }
  const treeDepth = defaultRollupOpts.treeDepth;
  const capacity = logRows < 3 ? 0 : segmentCapacity(treeDepth, logRows);
  if (capacity < 1) {
    let min = 3;
    while (segmentCapacity(treeDepth, min) < 1) min++;
    throw new UsageError(`--log-rows must be at least ${min} for ${air.name} (a segment must hold one transaction at tree depth ${treeDepth})`);
  }
  return { air, logRows, options, runs, transactions: capacity };
}

async function measure(p: BenchPlan, backend: ProverBackend, onRun: (r: BenchRun, i: number) => void): Promise<BenchRun[]> {
  const source = sampleSource(p);
  const out: BenchRun[] = [];
  for (let i = 0; i < p.runs; i++) {
    const t0 = performance.now();
    const instance = source();
    const { peakRssBytes } = await proveStark({ air: p.air, instance, options: OPTION_PRESETS[p.options], proverAddress: PROVER_ADDRESS, backend });
    const run = { seconds: roundMicros((performance.now() - t0) / 1000), warmup: p.runs > 1 && i === 0, peakRssBytes };
    out.push(run);
    onRun(run, i);
  }
  return out;
}

export async function runBench(flags: BenchFlags): Promise<void> {
  const p = plan(flags);
  const profilePath = join(dataDirOf(flags), "profile.json");
  await readProfile(profilePath); // an unreadable profile fails now, not after the proofs
  const backend = backendFromFlags(flags);
  const say = (line: string): void => {
    if (!flags.json) process.stdout.write(line + "\n");
  };
  const rows = p.transactions !== undefined ? `2^${p.logRows} rows (${p.transactions} transaction${p.transactions === 1 ? "" : "s"})` : `2^${p.logRows} rows`;
  say(`bench: ${p.air.name}, ${rows}, ${p.options} options, backend ${backend.name}, ${p.runs} run(s)`);
  let runs: BenchRun[];
  try {
    runs = await measure(p, backend, (r, i) => say(`  run ${String(i + 1).padEnd(3)} ${r.seconds.toFixed(3).padStart(9)} s  peak RSS ${mib(r.peakRssBytes)}${r.warmup ? "  (warm-up)" : ""}`));
  } finally {
    await backend.close();
  }
  const secondsPerSegment = roundMicros(median(runs.filter((r) => !r.warmup).map((r) => r.seconds)));
  const peakRssBytes = Math.max(0, ...runs.map((r) => r.peakRssBytes));
  const entry = { secondsPerSegment, logRows: p.logRows, options: p.options, ...(peakRssBytes > 0 ? { peakRssBytes } : {}) };
  const merged = mergeProfile(await readProfile(profilePath), backend.name, p.air.name, entry, Date.now());
  await writeProfile(profilePath, merged);
  const report: BenchReport = {
    backend: backend.name,
    air: p.air.name,
    logRows: p.logRows,
    options: p.options,
    ...(p.transactions !== undefined ? { transactions: p.transactions } : {}),
    runs,
    secondsPerSegment,
    peakRssBytes,
    profile: profilePath,
  };
  if (flags.json) {
    process.stdout.write(JSON.stringify(report, null, 1) + "\n");
    return;
  }
  const measured = runs.filter((r) => !r.warmup).length;
  say(`seconds per segment: ${secondsPerSegment.toFixed(3)} (median of ${measured} run${measured === 1 ? "" : "s"}), peak RSS ${mib(peakRssBytes)}`);
  say("");
  say(formatProfile(merged));
  say(`wrote ${profilePath}`);
}

/** The whole profile as a table: backend, AIR, rows, options, peak RSS, seconds per segment. */
export function formatProfile(profile: ProvingProfile): string {
  const rows: string[][] = [["backend", "air", "rows", "options", "peak RSS", "s/segment"]];
  for (const [backend, airs] of Object.entries(profile.backends)) {
    for (const [air, e] of Object.entries(airs)) {
      rows.push([backend, air, e.logRows !== undefined ? `2^${e.logRows}` : "-", e.options ?? "-", e.peakRssBytes ? mib(e.peakRssBytes) : "-", e.secondsPerSegment.toFixed(3)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join("  ")).join("\n");
}

/**
 * The same measurement as `prover-node bench`, as a library call: prove `runs` sample segments and
 * return a fresh profile with the median (the devnet writes it into each node's data directory).
 */
export async function measureProfile(o: { backend: string; threads: number; air: string; logRows: number; options: OptionPresetName; runs: number }): Promise<ProvingProfile> {
  const flags: BenchFlags = { backend: o.backend, threads: String(o.threads), air: o.air, logRows: String(o.logRows), options: o.options, runs: String(o.runs), json: true };
  const p = plan(flags);
  const backend = backendFromFlags(flags);
  let runs: BenchRun[];
  try {
    runs = await measure(p, backend, () => undefined);
  } finally {
    await backend.close();
  }
  const secondsPerSegment = roundMicros(median(runs.filter((r) => !r.warmup).map((r) => r.seconds)));
  return mergeProfile(null, backend.name, p.air.name, { secondsPerSegment, logRows: p.logRows, options: p.options }, Date.now());
}
