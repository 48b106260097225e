/**
 * CUDA benchmarks (issue 10), cuda vs wasm on all of this machine's cores, in one run:
 *   - NTT 2^22 and 64 × 2^20: on the device alone (data resident; what the kernels cost) and through
 *     ProverBackend.interpolate (with the PCIe copies), against the memory-bandwidth bound,
 *   - Merkle commit of 2^20 rows × 64 columns, Poseidon2 width-16 permutations per second,
 *   - whole transfer-v1 and mix-v1 proofs at 2^16 … 2^20 rows (default options).
 * Writes bench/results/cuda.json; never fails on noise. Needs a GPU (exits with the reason otherwise).
 *
 *   npx tsx bench/cuda.ts                        # everything
 *   npx tsx bench/cuda.ts --quick                # sizes 16× smaller, proofs at 2^12 … 2^14
 *   npx tsx bench/cuda.ts --max-log 18           # whole proofs up to 2^18 rows
 *   npx tsx bench/cuda.ts --bandwidth-gbs 3350   # the card's DRAM bandwidth, when not in the table below
 *   npx tsx bench/cuda.ts --no-wasm              # cuda only
 *   npx tsx bench/cuda.ts --out FILE             # write the JSON there instead
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as F from "../src/stark/field/babybear.js";
import type { ProverBackend } from "../src/backends/interface.js";
import { createCudaBackend, cudaStatus } from "../src/backends/cuda/index.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { mixAir } from "../src/stark/airs/index.js";
import { transferAir } from "../src/rollup/air/index.js";
import { DEFAULT_OPTIONS } from "../src/stark/options.js";
import { proveStark } from "../src/stark/prover.js";
import { readHeader } from "../src/stark/air/bytecode.js";
import type { Air } from "../src/stark/air/air.js";

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes("--quick");
const withWasm = !argv.includes("--no-wasm");
const shrink = quick ? 4 : 0;
const maxLog = Number(flag("--max-log") ?? (quick ? 14 : 20));
const minLog = quick ? 12 : 16;
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

/** Peak DRAM bandwidth (GB/s) of common cards, by a name fragment; --bandwidth-gbs overrides. */
const BANDWIDTH_GBS: Array<[RegExp, number]> = [
  [/H200/, 4800], [/H100.*(SXM|HBM3)/, 3350], [/H100/, 2000], [/A100.*80/, 2039], [/A100/, 1555],
  [/RTX 5090/, 1792], [/RTX 4090/, 1008], [/RTX 4080/, 717], [/RTX 4070/, 504], [/RTX 4060 Ti/, 288], [/RTX 4060/, 272],
  [/RTX 3090/, 936], [/RTX 3080/, 760], [/RTX 3070/, 448], [/RTX 3060/, 360], [/L4\b/, 300], [/T4\b/, 320],
];

const status = cudaStatus();
if (!status.available) {
  log(`bench/cuda: no CUDA here: ${status.reason}`);
  process.exit(1);
}
const addon = status.addon;
const dev = status.device;
const bandwidthGBs = Number(flag("--bandwidth-gbs") ?? BANDWIDTH_GBS.find(([re]) => re.test(dev.name))?.[1] ?? NaN);

let seed = 0x9e3779b9;
const nextU32 = (): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>>= 0);
};
const column = (n: number): Uint32Array => Uint32Array.from({ length: n }, () => F.randomElement(nextU32));
const columns = (count: number, n: number): Uint32Array[] => Array.from({ length: count }, () => column(n));

async function time(fn: () => unknown, runs = 3): Promise<number> {
  await fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

/**
 * Global-memory passes of a radix-2 NTT of 2^logN in kernels/cuda/ntt.cu: the bit-reversal pass,
 * one pass for the first 10 stages, one per 5 further stages; each reads and writes every word.
 * interpolate adds one device-to-device copy back.
 */
function nttPasses(logN: number): number {
  return 1 + 1 + Math.ceil(Math.max(0, logN - 10) / 5) + 1;
}

const rows: Record<string, unknown>[] = [];
const cuda = createCudaBackend();
const wasm = withWasm ? createWasmBackend({ threads: availableParallelism() }) : null;

async function compare(op: string, size: string, run: (b: ProverBackend) => Promise<unknown>, extra: Record<string, unknown> = {}, runs = 3): Promise<void> {
  log(`${op} ${size}`);
  const c = await time(() => run(cuda), runs);
  const w = wasm ? await time(() => run(wasm), runs) : undefined;
  const row = { op, size, cuda_s: c, ...(w !== undefined ? { wasm_s: w, speedup: w / c } : {}), ...extra };
  rows.push(row);
  log(`  ${JSON.stringify(row)}`);
}

/** The NTT on the device alone: data uploaded once, `count` columns of 2^logN interpolated in place. */
async function deviceNtt(logN: number, count: number): Promise<Record<string, unknown>> {
  const n = 2 ** logN;
  const data = addon.alloc(4 * n * count);
  const tmp = addon.alloc(4 * n * count);
  const tw = addon.alloc(4 * 2 ** (logN - 1));
  try {
    addon.twiddles(tw, logN, true);
    for (let c = 0; c < count; c++) addon.upload(data, 4 * n * c, column(n));
    const s = await time(() => {
      addon.interpolate(data, tmp, logN, count, tw, logN);
      addon.synchronize();
    }, 5);
    const bytes = nttPasses(logN) * 8 * n * count;
    const boundS = bytes / (bandwidthGBs * 1e9);
    return { device_s: s, device_GBs: bytes / s / 1e9, bandwidth_bound_s: boundS, vs_bound: s / boundS, passes: nttPasses(logN) };
  } finally {
    addon.free(data);
    addon.free(tmp);
    addon.free(tw);
  }
}

async function proof(air: Air, logRows: number, backend: ProverBackend): Promise<number> {
  const instance = air.sample(logRows, 7);
  const proverAddress = new Uint8Array(20);
  const t0 = performance.now();
  await proveStark({ air, instance, options: DEFAULT_OPTIONS, proverAddress, backend });
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const s = (log2: number): number => 2 ** (log2 - shrink);
  const out: Record<string, unknown> = {
    command: `npx tsx bench/cuda.ts ${argv.join(" ")}`.trim(),
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    threads: availableParallelism(),
    device: dev,
    bandwidthGBs,
  };
  log(`${dev.name} (compute ${dev.computeCapability}, ${(dev.totalBytes / 2 ** 30).toFixed(1)} GiB, ~${bandwidthGBs} GB/s) vs wasm on ${availableParallelism()} threads`);

  // NTT
  for (const [logN, count] of [[22 - shrink, 1], [20 - shrink, 64]] as const) {
    const size = `${count} × 2^${logN}`;
    const device = await deviceNtt(logN, count);
    const cols = columns(count, 2 ** logN);
    await compare("interpolate", size, (b) => b.interpolate(cols.map((c) => c.slice())), device);
  }
  const ldeIn = columns(64, s(17));
  await compare("evaluateOnCoset ×8", `64 × 2^${17 - shrink}`, (b) => b.evaluateOnCoset(ldeIn, 3, 31), {}, 2);

  // Merkle: 2^20 rows × 64 columns (uploaded each time: host arrays the backend did not produce)
  const matrix = columns(64, s(20));
  await compare("merkleCommit", `2^${20 - shrink} × 64`, (b) => b.merkleCommit(matrix, 1), { note: `includes the upload of ${(256 * s(20)) / 2 ** 20} MiB` }, 2);
  const resident = await cuda.evaluateOnCoset(columns(64, s(17)), 3, 31);
  const t = await time(() => cuda.merkleCommit(resident, 1), 3);
  rows.push({ op: "merkleCommit (LDE already on the device)", size: `2^${20 - shrink} × 64`, cuda_s: t });
  log(`  merkleCommit on a resident LDE: ${t.toFixed(4)} s`);

  // Poseidon2
  const count = s(20);
  const states = column(16 * count);
  await compare("poseidon2Permute16", `${count} states`, (b) => b.poseidon2Permute16(states), {}, 3);
  const last = rows[rows.length - 1]!;
  last.cuda_perms_per_s = count / (last.cuda_s as number);
  if (last.wasm_s) last.wasm_perms_per_s = count / (last.wasm_s as number);

  // Whole proofs
  const proofs: Record<string, unknown>[] = [];
  for (const air of [transferAir, mixAir]) {
    const shape = { width: air.width, logBlowup: DEFAULT_OPTIONS.logBlowup, publicColumns: air.numPublicColumns, quotientChunks: air.numQuotientChunks, registers: readHeader(air.bytecode).numRegisters };
    const fits = cuda.maxLogRows(shape);
    for (let k = minLog; k <= maxLog; k++) {
      if (k > fits) {
        proofs.push({ air: air.name, logRows: k, skipped: `needs more than the free device memory (max 2^${fits})` });
        continue;
      }
      log(`proof ${air.name} 2^${k}`);
      const c = await proof(air, k, cuda);
      const w = wasm ? await proof(air, k, wasm) : undefined;
      const row = { air: air.name, logRows: k, cuda_s: c, ...(w !== undefined ? { wasm_s: w, speedup: w / c } : {}) };
      proofs.push(row);
      log(`  ${JSON.stringify(row)}`);
    }
  }
  out.kernels = rows;
  out.proofs = proofs;
  const file = flag("--out") ?? fileURLToPath(new URL("./results/cuda.json", import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  log(`wrote ${file}`);
}

main()
  .catch((e: unknown) => {
    log(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 1;
  })
  .finally(async () => {
    await cuda.close();
    await wasm?.close();
  });
