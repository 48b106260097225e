/**
 * `npx tsx bench/rollup.ts [--depth 20] [--logs 12,14,16] [--airs v1,v2] [--repeat 1] [--backend wasm] [--threads 1] [--layouts]`
 *
 * transfer-v1 and transfer-v2 side by side (docs/performance.md §Rollup): one segment per height, filled
 * with sample transactions (about 20% recorded no-ops, every kind), default options. Every (AIR, height)
 * runs in a child process of its own (peak RSS is per configuration), in the order v1, v2 at each
 * height, `--repeat` times; the report keeps every run. Prove time is wall time and CPU time (all the
 * process's threads): on a shared machine CPU time is the steadier figure.
 *
 * `--layouts` instead measures the Poseidon2 layouts (docs/rollup.md §5.4): transfer-v2 at 2^14 rows with
 * its lanes of degree 7 with the last round folded (x7f), of degree 7 (x7) and of degree 3 (x3,
 * transfer-v1's gadget); and synthetic tables proving 2^15 permutations two or four lanes per row, or
 * one lane per row in a hash table that a caller table queries over LogUp.
 *
 * `--gas [--gas-logs 8,12]` instead measures the generated Solidity verifier of transfer-v2-d20 (keccak,
 * default options, policy 96) on a local anvil: execution gas of `verify`, calldata gas (EIP-2028 and the
 * EIP-7623 floor), the whole transaction, and the proof size; transfer-v1 at 2^8 beside it.
 *
 * Writes bench/results/rollup.json (or rollup-layouts.json, rollup-gas.json). Figures, not assertions.
 */
import "../src/util/polyfills.js";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { proveStark } from "../src/stark/prover.js";
import { verifyStark } from "../src/stark/verifier.js";
import { DEFAULT_OPTIONS } from "../src/stark/options.js";
import { selectBackend, isBackendKind, type BackendKind } from "../src/backends/select.js";
import { estimateSecurity } from "../src/stark/security.js";
import { defineAir, type Air, type AirInstance } from "../src/stark/air/air.js";
import { poseidon2Permute16 } from "../src/stark/hash/poseidon2.js";
import { sampleBatch } from "../src/rollup/sample.js";
import { encodeWitness, witnessFromSegment, type SegmentWitness } from "../src/rollup/witness.js";
import { rowsPerTransaction, segmentCapacity, type SegmentGeometry } from "../src/rollup/segment.js";
import { buildTransferInstance, transferAir } from "../src/rollup/air/index.js";
import { buildTransferV2Air, buildTransferV2Instance, LANE_X3, LANE_X7, LANE_X7F, transferV2Air, type LaneGadget } from "../src/rollup/air-v2/index.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const depth = Number(flag("--depth", "20"));
const backendFlag = flag("--backend", "wasm");
if (!isBackendKind(backendFlag)) throw new Error(`unknown backend ${backendFlag}`);
const backendKind: BackendKind = backendFlag;
const threads = Number(flag("--threads", "1"));
const address = new Uint8Array(20).fill(0x42);
const self = fileURLToPath(import.meta.url);

type Variant = "v1" | "v2" | "v2-x7" | "v2-x3";

const geometryOf = (v: Variant): SegmentGeometry => (v === "v1" ? "v1" : "v2");

/** A full segment of sample transactions for the variant's geometry. */
function sampleWitness(logRows: number, geometry: SegmentGeometry): SegmentWitness {
  const { batch } = sampleBatch({ accounts: 1000, txs: segmentCapacity(depth, logRows, geometry), treeDepth: depth, logRows, batchId: 1n, seed: 5, geometry });
  return witnessFromSegment(batch.segments[0]!);
}

function variantAir(v: Variant): { air: Air; build: (w: SegmentWitness) => AirInstance } {
  if (v === "v1") return { air: transferAir, build: buildTransferInstance };
  const lane = v === "v2" ? LANE_X7F : v === "v2-x7" ? LANE_X7 : LANE_X3;
  const air = v === "v2" ? transferV2Air(depth) : buildTransferV2Air(depth, lane);
  return { air, build: (w) => buildTransferV2Instance(w, air, lane) };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One (variant, height) in this process: trace, prove (after a small warm-up proof), verify cold and warm. */
async function runOne(v: Variant, logRows: number): Promise<Record<string, unknown>> {
  const { air, build } = variantAir(v);
  const backend = selectBackend(backendKind, { threads });
  const warm = build(sampleWitness(Math.max(10, air.tables[0]!.minLogRows), geometryOf(v)));
  await proveStark({ air, instance: warm, options: DEFAULT_OPTIONS, proverAddress: address, backend, checkConstraints: false });
  const w = sampleWitness(logRows, geometryOf(v));
  let t = performance.now();
  const instance = build(w);
  const traceMs = performance.now() - t;
  const c0 = cpuMs();
  t = performance.now();
  const { bytes, timings, proof } = await proveStark({ air, instance, options: DEFAULT_OPTIONS, proverAddress: address, backend, checkConstraints: false });
  const proveMs = performance.now() - t;
  const proveCpuMs = cpuMs() - c0;
  await backend.close();
  const verifyOnce = (): number => {
    const t0 = performance.now();
    verifyStark({ air, proof: bytes, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress: address, policy: { minSecurityBits: 0 } });
    return performance.now() - t0;
  };
  const verifyColdMs = verifyOnce(); // derives the verification key (v2: its preprocessed commitments)
  const verifyWarmMs = Math.min(verifyOnce(), verifyOnce());
  const n = 2 ** logRows;
  const txs = w.steps.length;
  const heights = proof.logHeights;
  const lanes = v === "v1" ? 2 * n : 4 * n + 2 ** heights[1]!; // permutations in the trace (every lane of every row)
  const useful = 4 * depth + 6 + (v === "v1" ? 0 : 1); // per transfer: 4D tree nodes, 6 leaf-sponge blocks (v2: + one txCommitment block)
  const tables = air.tables.map((tb, i) => ({ table: tb.name, logRows: heights[i], main: tb.width, auxiliaryBase: 4 * tb.numAux, preprocessed: tb.numPreprocessed, public: tb.numPublicColumns, quotientBase: 4 * tb.numQuotientChunks, constraints: tb.numConstraints, maxDegree: tb.maxDegree }));
  return {
    air: air.name, variant: v, backend: backend.name, threads, treeDepth: depth, logRows,
    tables,
    rowsPerTransfer: rowsPerTransaction(depth, geometryOf(v)),
    committedCellsPerTransfer: Math.round(air.tables.reduce((a, tb, i) => a + 2 ** heights[i]! * (tb.width + 4 * tb.numAux + tb.numPreprocessed + 4 * tb.numQuotientChunks + tb.numPublicColumns), 0) / txs),
    transfersPerSegment: txs,
    witnessBytes: encodeWitness(w).length,
    traceMs: Math.round(traceMs),
    proveMs: Math.round(proveMs),
    proveCpuMs: Math.round(proveCpuMs),
    transfersPerSecPerCore: +(txs / (proveMs / 1000) / threads).toFixed(1),
    transfersPerCpuSec: +(txs / (proveCpuMs / 1000)).toFixed(1),
    poseidon2LanesPerSegment: lanes,
    poseidon2LanesPerSecPerCore: Math.round(lanes / (proveMs / 1000) / threads),
    usefulPoseidon2PerTransfer: useful,
    usefulPoseidon2PerSecPerCore: Math.round((useful * txs) / (proveMs / 1000) / threads),
    proofBytes: bytes.length,
    verifyColdMs: Math.round(verifyColdMs),
    verifyWarmMs: +verifyWarmMs.toFixed(1),
    securityBits: estimateSecurity(air, DEFAULT_OPTIONS, heights).conjecturedBits,
    phasesMs: Object.fromEntries(Object.entries(timings).map(([k, x]) => [k, Math.round(x)])),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

// ------------------------------------------------------------------ layouts (synthetic tables)

const PERM_BUS = 1;

/** Permutations k lanes per row (the paths table's layout without its structure). */
function lanesAir(k: number, lane: LaneGadget): Air {
  return defineAir({ name: `bench-${k}-lanes-${lane.name}`, version: 1, numPublicInputs: 0, width: k * lane.width, numPublicColumns: 0, constraints: (g) => {
    for (let i = 0; i < k; i++) lane.constraints(g, i * lane.width);
  } });
}

/** One x7 lane per row in a hash table; a caller table holds each permutation's input and output and queries it over LogUp. */
function hashTableAir(): Air {
  return defineAir({ name: "bench-hash-table-x7", version: 1, numPublicInputs: 0, tables: [
    { name: "calls", width: 24, numPublicColumns: 0, constraints: (g) => {
      g.send(PERM_BUS, Array.from({ length: 24 }, (_, i) => g.cur(i)));
    } },
    { name: "hash", width: LANE_X7.width, numPublicColumns: 0, constraints: (g) => {
      const out = LANE_X7.constraints(g, 0);
      g.receive(PERM_BUS, [...Array.from({ length: 16 }, (_, i) => g.cur(i)), ...out.slice(0, 8)]);
    } },
  ] });
}

function lanesInstance(k: number, lane: LaneGadget, perms: number): AirInstance {
  const rows = perms / k;
  const trace = Array.from({ length: k * lane.width }, () => new Uint32Array(rows));
  for (let p = 0; p < perms; p++) lane.fill(trace, (p % k) * lane.width, Math.floor(p / k), Array.from({ length: 16 }, (_, i) => (p * 16 + i + 1) % 2013265921));
  return { trace, publicInputs: new Uint32Array(0), publicColumns: [] };
}

function hashInstance(perms: number): AirInstance {
  const hash = Array.from({ length: LANE_X7.width }, () => new Uint32Array(perms));
  const calls = Array.from({ length: 24 }, () => new Uint32Array(perms));
  for (let p = 0; p < perms; p++) {
    const inp = Array.from({ length: 16 }, (_, i) => (p * 16 + i + 1) % 2013265921);
    const out = LANE_X7.fill(hash, 0, p, inp);
    inp.forEach((x, i) => (calls[i]![p] = x));
    for (let i = 0; i < 8; i++) calls[16 + i]![p] = out[i]!;
  }
  return { trace: calls, extraTraces: [hash], publicInputs: new Uint32Array(0), publicColumns: [] };
}

const SYNTHETIC: Record<string, { air: () => Air; instance: (perms: number) => AirInstance }> = {
  "2-lanes-x7": { air: () => lanesAir(2, LANE_X7), instance: (p) => lanesInstance(2, LANE_X7, p) },
  "2-lanes-x7f": { air: () => lanesAir(2, LANE_X7F), instance: (p) => lanesInstance(2, LANE_X7F, p) },
  "4-lanes-x7f": { air: () => lanesAir(4, LANE_X7F), instance: (p) => lanesInstance(4, LANE_X7F, p) },
  "hash-table": { air: hashTableAir, instance: hashInstance },
};

async function runLayout(kind: string, logRows: number): Promise<Record<string, unknown>> {
  const backend = selectBackend(backendKind, { threads });
  let air: Air, instance: AirInstance, perms: number, txs: number | undefined;
  const synthetic = SYNTHETIC[kind];
  if (synthetic) {
    perms = 2 ** (logRows + 1);
    air = synthetic.air();
    instance = synthetic.instance(perms);
    await proveStark({ air, instance: synthetic.instance(2 ** 11), options: DEFAULT_OPTIONS, proverAddress: address, backend, checkConstraints: false });
  } else {
    const v = kind as Variant;
    const { air: a, build } = variantAir(v);
    air = a;
    await proveStark({ air, instance: build(sampleWitness(10, geometryOf(v))), options: DEFAULT_OPTIONS, proverAddress: address, backend, checkConstraints: false });
    const w = sampleWitness(logRows, geometryOf(v));
    instance = build(w);
    txs = w.steps.length;
    perms = 4 * 2 ** logRows;
  }
  const c0 = cpuMs();
  const t = performance.now();
  const { bytes, timings } = await proveStark({ air, instance, options: DEFAULT_OPTIONS, proverAddress: address, backend, checkConstraints: false });
  const proveMs = performance.now() - t;
  const proveCpuMs = cpuMs() - c0;
  await backend.close();
  return {
    layout: kind, air: air.name, logRows, permutations: perms, proveMs: Math.round(proveMs), proveCpuMs: Math.round(proveCpuMs),
    permsPerCpuSec: Math.round(perms / (proveCpuMs / 1000)), ...(txs === undefined ? {} : { transfers: txs, transfersPerCpuSec: +(txs / (proveCpuMs / 1000)).toFixed(1) }), proofBytes: bytes.length,
    tables: air.tables.map((tb) => ({ table: tb.name, main: tb.width, auxiliaryBase: 4 * tb.numAux, quotientBase: 4 * tb.numQuotientChunks, maxDegree: tb.maxDegree, constraints: tb.numConstraints })),
    phasesMs: Object.fromEntries(Object.entries(timings).map(([k, x]) => [k, Math.round(x)])),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

// ------------------------------------------------------------------ on-chain gas

async function runGas(logs: number[]): Promise<Record<string, unknown>[]> {
  const { buildContracts } = await import("../scripts/build-contracts.js");
  const { startAnvil } = await import("../src/chain/anvil.js");
  const { deployGasMeter, deployQueryPhase, deployStarkVerifier, measureVerifyGas } = await import("../src/chain/stark-verifier.js");
  const { createPublicClient, createWalletClient, http } = await import("viem");
  const { mnemonicToAccount } = await import("viem/accounts");
  const { anvil: anvilChain } = await import("viem/chains");
  buildContracts({ writeAbi: false });
  const anvil = await startAnvil({ args: ["--gas-limit", "2000000000"] });
  const out: Record<string, unknown>[] = [];
  try {
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 });
    const wallet = createWalletClient({ chain: anvilChain, transport, account: mnemonicToAccount("test test test test test test test test test test test junk") });
    const meter = await deployGasMeter(wallet, publicClient);
    const queryPhase = await deployQueryPhase(wallet, publicClient);
    const backend = selectBackend(backendKind, { threads });
    const cases: [Variant, number][] = [["v1", 8], ...logs.map((l): [Variant, number] => ["v2", l])];
    for (const [v, log] of cases) {
      const { air, build } = variantAir(v);
      const w = sampleWitness(log, geometryOf(v));
      const instance = build(w);
      const { bytes, proof } = await proveStark({ air, instance, options: DEFAULT_OPTIONS, proverAddress: address, backend });
      const verifier = await deployStarkVerifier(wallet, publicClient, air.name, 96, { queryPhase });
      const s = { airId: air.id, proof: bytes, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, prover: address };
      const gas = await measureVerifyGas(publicClient, meter, verifier, s, true);
      const row = { air: air.name, logRows: log, logHeights: proof.logHeights, transfers: w.steps.length, proofBytes: bytes.length, ...gas, gasPerTransfer: Math.round(gas.transaction / Math.max(1, w.steps.length)) };
      console.log(JSON.stringify(row));
      out.push(row);
    }
    await backend.close();
  } finally {
    await anvil.stop();
  }
  return out;
}

// ------------------------------------------------------------------ driver

function child(extra: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ["--import", "tsx", self, ...args.filter((a) => a !== "--layouts"), ...extra], { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`child ${extra.join(" ")} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

const one = args.indexOf("--one");
const layoutOne = args.indexOf("--layout-one");
if (one >= 0) {
  const [v, log] = args[one + 1]!.split("@");
  console.log(JSON.stringify(await runOne(v as Variant, Number(log))));
} else if (layoutOne >= 0) {
  const [kind, log] = args[layoutOne + 1]!.split("@");
  console.log(JSON.stringify(await runLayout(kind!, Number(log))));
} else {
  const t0 = performance.now();
  const inputs = Array.from({ length: 20000 }, (_, k) => Array.from({ length: 16 }, (_, i) => (k * 16 + i) % 2013265921));
  for (const x of inputs) poseidon2Permute16(x);
  const permPerSecJs = Math.round(20000 / ((performance.now() - t0) / 1000));
  const meta = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, backend: backendKind, threads, treeDepth: depth, options: DEFAULT_OPTIONS, permPerSecJs };
  mkdirSync("bench/results", { recursive: true });
  const repeat = Number(flag("--repeat", "1"));
  const results: Record<string, unknown>[] = [];
  if (args.includes("--gas")) {
    const rows = await runGas(flag("--gas-logs", "8,12").split(",").map(Number));
    writeFileSync("bench/results/rollup-gas.json", JSON.stringify({ ...meta, results: rows }, null, 2));
    console.log("wrote bench/results/rollup-gas.json");
  } else if (args.includes("--layouts")) {
    const log = 14;
    for (let r = 0; r < repeat; r++) {
      for (const kind of ["v2", "v2-x7", "v2-x3", ...Object.keys(SYNTHETIC)]) {
        const row = child(["--layout-one", `${kind}@${log}`]);
        console.log(JSON.stringify(row));
        results.push(row);
      }
    }
    writeFileSync("bench/results/rollup-layouts.json", JSON.stringify({ ...meta, results }, null, 2));
    console.log("wrote bench/results/rollup-layouts.json");
  } else {
    const logs = flag("--logs", "12,14,16").split(",").map(Number);
    const variants = flag("--airs", "v1,v2").split(",") as Variant[];
    for (let r = 0; r < repeat; r++) {
      for (const log of logs) {
        for (const v of variants) {
          const row = child(["--one", `${v}@${log}`]);
          console.log(JSON.stringify(row));
          results.push(row);
        }
      }
    }
    writeFileSync("bench/results/rollup.json", JSON.stringify({ ...meta, results }, null, 2));
    console.log("wrote bench/results/rollup.json");
  }
}
