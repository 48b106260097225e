/**
 * Kernel benchmarks: js reference vs wasm on 1 thread vs wasm on all threads, per ProverBackend
 * operation, plus Keccak Merkle throughput against hash-wasm, Montgomery multiplications per second
 * and whole mix-v1 proofs. Writes bench/results/kernels.json; never fails on noise.
 *
 *   npm run bench:kernels                 # sizes of issue 3 (js runs scaled down where noted)
 *   npm run bench:kernels -- --quick      # everything 16× smaller, for a smoke run
 *   npm run bench:kernels -- --no-proofs  # skip the whole-proof runs
 *   npm run bench:kernels -- --only poseidon2   # only the poseidon2 hash configuration (Merkle commit
 *                                              # beside Keccak, grinding): bench/results/kernels-poseidon2.json
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { createKeccak } from "hash-wasm";
import * as F from "../src/stark/field/babybear.js";
import type { ExtColumns, ProverBackend } from "../src/backends/interface.js";
import { createJsBackend } from "../src/backends/js/index.js";
import { createWasmBackend, type WasmBackend } from "../src/backends/wasm/index.js";
import { mixAir } from "../src/stark/airs/index.js";
import { DEFAULT_OPTIONS } from "../src/stark/options.js";
import { proveStark } from "../src/stark/prover.js";
import { evalBaseAtExt } from "../src/stark/poly/eval.js";
import { readExt } from "../src/stark/field/extension.js";

const argv = process.argv.slice(2);
const args = new Set(argv);
const quick = args.has("--quick");
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : undefined;
if (only !== undefined && only !== "poseidon2") throw new Error(`--only takes poseidon2, got ${only}`);
const shrink = quick ? 4 : 0; // log2 reduction of every size
const threadsAll = availableParallelism();

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

/** CPU seconds (every thread of the process) of the best run of the last `time` call. */
let lastCpu = 0;

/** Best wall time of `runs` runs, in seconds (after one warm-up run when warm is true). */
async function time(fn: () => Promise<unknown>, runs = 3, warm = true): Promise<number> {
  if (warm) await fn();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (wall < best) {
      best = wall;
      lastCpu = (c.user + c.system) / 1e6;
    }
  }
  return best;
}

interface Row {
  op: string;
  size: string;
  js_s?: number;
  js_note?: string;
  wasm1_s: number;
  wasmAll_s: number;
  speedup_1t?: number;
  speedup_threads: number;
  [k: string]: unknown;
}

const rows: Row[] = [];
const log = (msg: string): void => void process.stderr.write(`${msg}\n`);

async function compare(
  op: string, size: string,
  run: (b: ProverBackend) => Promise<unknown>,
  js: { run?: (b: ProverBackend) => Promise<unknown>; scale?: number; note?: string; skip?: string } = {},
  runs = 3,
): Promise<void> {
  log(`${op} ${size}`);
  const w1 = await time(() => run(wasm1), runs);
  const cpu1 = lastCpu;
  const wa = await time(() => run(wasmAll), runs);
  const cpuAll = lastCpu;
  // cpu_s counts every thread of this process. On an idle machine cpu/wall of the all-threads run is
  // close to the thread count; when it is near 1, other processes held the cores and the wall-clock
  // scaling says nothing about the code. work_efficiency = cpu(1 thread) / cpu(all threads).
  const row: Row = {
    op, size, wasm1_s: w1, wasmAll_s: wa, speedup_threads: w1 / wa,
    wasm1_cpu_s: cpu1, wasmAll_cpu_s: cpuAll, wasmAll_cpu_per_wall: cpuAll / wa, work_efficiency: cpu1 / cpuAll,
  };
  if (js.skip) row.js_note = js.skip;
  else {
    const t = await time(() => (js.run ?? run)(jsBackend), 1, false);
    row.js_s = t * (js.scale ?? 1);
    row.js_cpu_s = lastCpu * (js.scale ?? 1);
    if (js.note) row.js_note = js.note;
    row.speedup_1t = row.js_s / w1;
    // On a shared machine CPU seconds compare single-threaded work better than wall time.
    row.speedup_1t_cpu = (row.js_cpu_s as number) / cpu1;
  }
  rows.push(row);
  log(`  ${JSON.stringify(row)}`);
}

const jsBackend = createJsBackend();
const wasm1: WasmBackend = createWasmBackend({ threads: 1 });
const wasmAll: WasmBackend = createWasmBackend({ threads: threadsAll });

async function main(): Promise<void> {
  const s = (log2: number): number => 1 << Math.max(2, log2 - shrink);
  const flags = [quick ? "--quick" : "", only ? `--only ${only}` : "", args.has("--no-proofs") ? "--no-proofs" : ""].filter(Boolean).join(" ");
  const out: Record<string, unknown> = {
    command: `npm run bench:kernels${flags ? ` -- ${flags}` : ""}`,
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    threads: threadsAll,
    quick,
    loadAverageAtStart: loadavg(),
  };
  if (only === "poseidon2") {
    await poseidon2Config(columns(64, s(16)), out);
    await finish(out, "kernels-poseidon2.json");
    return;
  }

  // Montgomery multiplication, one worker, best of 5
  let mm = 0;
  for (let i = 0; i < 5; i++) mm = Math.max(mm, await wasm1.benchMontMul(1 << 12, quick ? 512 : 4096));
  out.montgomeryMulPerSecondPerCore = mm;
  log(`Montgomery mul: ${(mm / 1e9).toFixed(2)} G/s per core`);

  // NTT
  const big = column(s(20));
  await compare("interpolate", `1 × 2^${Math.log2(big.length)}`, (b) => b.interpolate([big.slice()]));
  const many = columns(64, s(16));
  await compare("interpolate", `64 × 2^${Math.log2(many[0]!.length)}`, (b) => b.interpolate(many.map((c) => c.slice())));
  await compare("evaluateOnCoset ×8", `64 × 2^${Math.log2(many[0]!.length)}`, (b) => b.evaluateOnCoset(many, 3, 31), {
    run: (b) => b.evaluateOnCoset(many.slice(0, 8), 3, 31), scale: 8, note: "js measured on 8 columns, ×8",
  }, 2);
  await compare("evaluateOnCoset ×8", `1 × 2^${Math.log2(big.length) - 3}`, (b) => b.evaluateOnCoset([big.subarray(0, big.length / 8)], 3, 31));

  // Merkle
  const matrix = columns(64, s(16));
  await compare("merkleCommit", `2^${Math.log2(matrix[0]!.length)} rows × 64 columns`, (b) => b.merkleCommit(matrix, 1), {}, 2);
  await keccakVsHashWasm(matrix, out);
  await poseidon2Config(matrix, out);

  // Poseidon2
  for (const width of [16, 24] as const) {
    const count = s(16);
    const states = column(count * width);
    const permute = (b: ProverBackend) => (width === 16 ? b.poseidon2Permute16(states.slice()) : b.poseidon2Permute24(states.slice()));
    let jsNote: string | undefined;
    try {
      await permute(jsBackend);
    } catch {
      jsNote = "js Poseidon2 not in this build";
    }
    await compare(`poseidon2Permute${width}`, `${count} states`, permute, jsNote ? { skip: jsNote } : {});
    const last = rows[rows.length - 1]!;
    last.perms_per_s_1t = count / last.wasm1_s;
    last.perms_per_s_all = count / last.wasmAll_s;
  }

  // Quotient (mix-v1 bytecode, 2^13 rows ×8) and the rest of the pipeline
  const logRowsQ = Math.max(4, 13 - shrink);
  const bigN = 1 << (logRowsQ + 3);
  const alphaPowers = column(4 * mixAir.numConstraints);
  const qIn = {
    bytecode: mixAir.bytecode, trace: columns(mixAir.width, bigN), publicColumns: columns(1, bigN),
    publicInputs: column(3), alphaPowers, logTraceHeight: logRowsQ, logBlowup: 3, shift: 31,
  };
  await compare("evaluateQuotient mix-v1", `2^${logRowsQ} rows ×8 (${mixAir.numConstraints} constraints)`, (b) => b.evaluateQuotient(qIn), {}, 2);

  const ext = (n: number): ExtColumns => [column(n), column(n), column(n), column(n)];
  const fri = ext(s(20));
  const beta = column(4);
  await compare("friFold arity 8", `2^${Math.log2(fri[0].length)}`, (b) => b.friFold(fri, 3, beta, 31));

  const deepN = s(19);
  const deepCols = columns(34, deepN);
  const claimColumn = Uint32Array.from([...Array(33).keys(), ...Array(33).keys(), 33]);
  const deepIn = {
    columns: deepCols, claimColumn, claimPoint: Uint32Array.from([...Array(33).fill(0), ...Array(33).fill(1), 0]),
    values: column(4 * claimColumn.length), points: column(8), gamma: column(4), logHeight: Math.log2(deepN), shift: 31,
  };
  await compare("deepCompose", `2^${Math.log2(deepN)} × ${claimColumn.length} claims`, (b) => b.deepCompose(deepIn), {}, 2);

  // Out-of-domain openings: what stark/prover.ts does in JS today (evalBaseAtExt per column and point)
  // against the proposed backend operation (WasmBackend.evaluateAtPoints).
  const oodCols = columns(45, s(16));
  const oodPoints = column(8);
  const oodJs = async (): Promise<void> => {
    for (let j = 0; j < 2; j++) for (const c of oodCols) evalBaseAtExt(c, readExt(oodPoints, j));
  };
  await compare("OOD openings (proposed evaluateAtPoints)", `45 × 2^${Math.log2(oodCols[0]!.length)}, 2 points`, (b) => (b as WasmBackend).evaluateAtPoints(oodCols, oodPoints), { run: oodJs }, 2);

  const state = Uint8Array.from({ length: 32 }, () => nextU32() & 0xff);
  await compare("grind 16 bits", "1 state", (b) => b.grind(state, 16), {}, 1);

  if (!args.has("--no-proofs")) out.proofs = await proofs();
  await finish(out, "kernels.json");
}

async function finish(out: Record<string, unknown>, name: string): Promise<void> {
  out.operations = rows;
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL(`./results/${name}`, import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote bench/results/${name}`);
  await Promise.all([wasm1.close(), wasmAll.close()]);
}

/**
 * The poseidon2 hash configuration (issue 14): the Merkle commit of `matrix` with Poseidon2 beside the
 * Keccak commit of the same matrix, in permutations per second per core (leaf permutations,
 * height·⌈width/8⌉, plus height − 1 node compressions); and the duplex proof of work at 16 bits on
 * 1 and 2 threads, over 8 fixed states (one grind's time depends on where its nonce falls, so the
 * rate counts the nonces tried: Σ (nonce + 1)).
 */
async function poseidon2Config(matrix: Uint32Array[], out: Record<string, unknown>): Promise<void> {
  const height = matrix[0]!.length;
  const width = matrix.length;
  const size = `2^${Math.log2(height)} rows × ${width} columns`;
  let keccak = rows.find((r) => r.op === "merkleCommit" && r.size === size);
  if (!keccak) {
    await compare("merkleCommit", size, (b) => b.merkleCommit(matrix, 1), {}, 3);
    keccak = rows[rows.length - 1]!;
  }
  await compare("merkleCommit poseidon2", size, (b) => b.merkleCommit(matrix, 1, "poseidon2"), {}, 3);
  const p2 = rows[rows.length - 1]!;
  const leafPermutations = height * Math.ceil(width / 8);
  const permutations = leafPermutations + height - 1;
  const bytes = height * width * 4 + (height - 1) * 64; // the data hashed: the matrix, then 64 bytes per node
  const perMillion = (x: number): number => x / 1e6;
  out.poseidon2Merkle = {
    matrix: size,
    leafPermutations,
    nodeCompressions: height - 1,
    permutations,
    wasm1_s: p2.wasm1_s,
    wasm1_cpu_s: p2.wasm1_cpu_s,
    wasm1_Mperm_per_s_per_core: perMillion(permutations / p2.wasm1_s),
    wasm1_Mperm_per_cpu_s: perMillion(permutations / (p2.wasm1_cpu_s as number)),
    wasm1_MBps: bytes / p2.wasm1_s / 1e6,
    wasmAll_s: p2.wasmAll_s,
    keccak_wasm1_s: keccak.wasm1_s,
    keccak_wasm1_MBps: bytes / keccak.wasm1_s / 1e6,
    poseidon2_over_keccak_time: p2.wasm1_s / keccak.wasm1_s,
    js_s: p2.js_s,
    js_Mperm_per_s: p2.js_s ? perMillion(permutations / p2.js_s) : undefined,
    target_Mperm_per_s_per_core: 1.5,
  };
  log(`poseidon2 merkle: ${JSON.stringify(out.poseidon2Merkle)}`);

  const bits = 16;
  const cases = Array.from({ length: 8 }, (_, i) => ({ state: column(16), pending: column(i % 8) }));
  const wasm2 = createWasmBackend({ threads: 2 });
  try {
    const grinds: Record<string, unknown> = { bits, states: cases.length };
    for (const [name, backend] of [["wasm1", wasm1], ["wasm2", wasm2], ["js", jsBackend]] as const) {
      log(`grindPoseidon2 ${bits} bits ${name}`);
      if (name !== "js") for (const c of cases.slice(0, 2)) await backend.grindPoseidon2(c.state, c.pending, bits); // warm-up
      let tried = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (const c of cases) tried += Number(await backend.grindPoseidon2(c.state, c.pending, bits)) + 1;
      const wall = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(process.cpuUsage(c0));
      grinds[`${name}_s_per_grind`] = wall / cases.length;
      grinds[`${name}_cpu_s_per_grind`] = cpu / cases.length;
      grinds[`${name}_Mtries_per_s`] = perMillion(tried / wall);
      grinds[`${name}_Mtries_per_cpu_s`] = perMillion(tried / cpu);
      grinds.nonces_tried = tried;
    }
    grinds.speedup_2t = (grinds.wasm1_s_per_grind as number) / (grinds.wasm2_s_per_grind as number);
    out.poseidon2Grind = grinds;
    log(`poseidon2 grind: ${JSON.stringify(grinds)}`);
  } finally {
    await wasm2.close();
  }
}

/** Leaf + node hashing of the same matrix with hash-wasm's Keccak-256, one thread. */
async function keccakVsHashWasm(matrix: Uint32Array[], out: Record<string, unknown>): Promise<void> {
  const height = matrix[0]!.length;
  const width = matrix.length;
  const hasher = await createKeccak(256);
  const row = new Uint32Array(width);
  const rowBytes = new Uint8Array(row.buffer);
  const run = async (): Promise<void> => {
    let level = new Uint8Array(32 * height);
    for (let i = 0; i < height; i++) {
      for (let c = 0; c < width; c++) row[c] = matrix[c]![i]!;
      hasher.init();
      hasher.update(rowBytes);
      level.set(hasher.digest("binary"), 32 * i);
    }
    for (let n = height / 2; n >= 1; n /= 2) {
      const next = new Uint8Array(32 * n);
      for (let j = 0; j < n; j++) {
        hasher.init();
        hasher.update(level.subarray(64 * j, 64 * j + 64));
        next.set(hasher.digest("binary"), 32 * j);
      }
      level = next;
    }
  };
  const tHw = await time(run, 2);
  const ours = rows.find((r) => r.op === "merkleCommit")!;
  const bytes = height * width * 4 + (height - 1) * 64;
  out.keccakMerkle = {
    matrix: `2^${Math.log2(height)} rows × ${width} columns`,
    hashWasm_s: tHw,
    wasm1_s: ours.wasm1_s,
    hashWasm_MBps: bytes / tHw / 1e6,
    wasm1_MBps: bytes / ours.wasm1_s / 1e6,
    ratio_wasm1_over_hashWasm: tHw / ours.wasm1_s,
  };
  log(`keccak merkle: ${JSON.stringify(out.keccakMerkle)}`);
}

const cpuSeconds = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1e6;

async function proofs(): Promise<unknown[]> {
  const res: unknown[] = [];
  const proverAddress = new Uint8Array(20).fill(1);
  const sizes = quick ? [10, 12] : [16, 18];
  for (const logRows of sizes) {
    const instance = mixAir.sample(logRows, 1);
    const entry: Record<string, unknown> = { air: "mix-v1", rows: `2^${logRows}`, options: "default" };
    for (const [name, backend] of [["wasm1", wasm1], ["wasmAll", wasmAll]] as const) {
      log(`proof mix-v1 2^${logRows} ${name}`);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await proveStark({ air: mixAir, instance, options: DEFAULT_OPTIONS, proverAddress, backend });
      entry[`${name}_s`] = (performance.now() - t0) / 1000;
      entry[`${name}_cpu_s`] = cpuSeconds(process.cpuUsage(c0));
      entry[`${name}_phases_ms`] = r.timings;
    }
    const jsLimit = quick ? 12 : 16; // a js proof at 2^18 takes several minutes: not run
    if (logRows <= jsLimit) {
      log(`proof mix-v1 2^${logRows} js`);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await proveStark({ air: mixAir, instance, options: DEFAULT_OPTIONS, proverAddress, backend: jsBackend });
      entry.js_s = (performance.now() - t0) / 1000;
      entry.js_cpu_s = cpuSeconds(process.cpuUsage(c0));
      entry.js_phases_ms = r.timings;
    }
    res.push(entry);
    log(`  ${JSON.stringify(entry)}`);
  }
  if (!quick) {
    // js is measured at 2^14 (a 2^16 js proof takes minutes); the ratio at 2^14 is the comparable figure.
    const logRows = 14;
    const instance = mixAir.sample(logRows, 1);
    const entry: Record<string, unknown> = { air: "mix-v1", rows: `2^${logRows}`, options: "default" };
    for (const [name, backend] of [["js", jsBackend], ["wasm1", wasm1], ["wasmAll", wasmAll]] as const) {
      log(`proof mix-v1 2^${logRows} ${name}`);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await proveStark({ air: mixAir, instance, options: DEFAULT_OPTIONS, proverAddress, backend });
      entry[`${name}_s`] = (performance.now() - t0) / 1000;
      entry[`${name}_cpu_s`] = cpuSeconds(process.cpuUsage(c0));
      entry[`${name}_phases_ms`] = r.timings;
    }
    res.push(entry);
    log(`  ${JSON.stringify(entry)}`);
  }
  return res;
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
