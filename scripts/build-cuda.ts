/**
 * Builds the optional CUDA addon build/cuda/prover_cuda.node:
 *   1. nvcc compiles kernels/cuda/*.cu (in parallel) into build/cuda/libprover_cuda_kernels.a,
 *   2. node-gyp builds kernels/cuda/binding.cc (node-addon-api) and links it with that library and
 *      the static CUDA runtime, so the addon needs only the NVIDIA driver at run time.
 *
 *   tsx scripts/build-cuda.ts                  (npm run build:cuda) build; fails if it cannot
 *   tsx scripts/build-cuda.ts --if-available   (npm run build, so npm install) skips in one line where
 *                                              nvcc is missing or PROVER_NODE_BUILD_CUDA=0, and never
 *                                              fails: a broken CUDA toolchain only prints why
 *
 * The whole build takes ~30 s on 2 cores (six architectures), so npm install attempts it wherever nvcc
 * exists. Environment: PROVER_NODE_BUILD_CUDA=0 opts the install-time build out; PROVER_NODE_CUDA_ARCHS
 * (default "75,86,89,90,120": Turing, Ampere, Ada and Blackwell consumer cards and Hopper) picks the GPU
 * architectures, each compiled to SASS, the oldest also to PTX that the driver compiles for any other
 * card (A100, future ones); CUDA_HOME / nvcc on PATH pick the toolkit.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { promisify } from "node:util";

const run = promisify(execFile);
const require = createRequire(import.meta.url);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "kernels", "cuda");
const OUT = join(ROOT, "build", "cuda");
export const ADDON_PATH = join(OUT, "prover_cuda.node");
export const EMU_ADDON_PATH = join(OUT, "prover_cuda_emu.node");
const DEFAULT_ARCHS = "75,86,89,90,120";

const ifAvailable = process.argv.includes("--if-available");
const log = (msg: string): void => void process.stdout.write(`cuda: ${msg}\n`);

class SkipBuild extends Error {}

interface Toolkit {
  nvcc: string;
  include: string;
  lib: string;
}

/** nvcc from CUDA_HOME or PATH; its include and library folders from its own --dryrun report. */
async function findToolkit(): Promise<Toolkit> {
  const home = process.env.CUDA_HOME ?? process.env.CUDA_PATH;
  const candidates = [home ? join(home, "bin", "nvcc") : null, "nvcc"].filter((c): c is string => c !== null);
  for (const nvcc of candidates) {
    let report: string;
    try {
      const probe = join(OUT, "probe.cu");
      mkdirSync(OUT, { recursive: true });
      const { writeFileSync } = await import("node:fs");
      writeFileSync(probe, "int main() { return 0; }\n");
      const r = await run(nvcc, ["--dryrun", "-c", probe, "-o", join(OUT, "probe.o")], { encoding: "utf8" });
      report = r.stdout + r.stderr;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      const x = e as { stdout?: string; stderr?: string };
      report = (x.stdout ?? "") + (x.stderr ?? "");
      if (!/TOP=/.test(report)) throw new Error(`nvcc --dryrun failed: ${report.trim() || String(e)}`);
    }
    const top = /^#\$ TOP=(.*)$/m.exec(report)?.[1]?.trim();
    const include = /^#\$ INCLUDES="-I([^"]+)"/m.exec(report)?.[1] ?? (top ? join(top, "..", "include") : undefined);
    const libs = [...report.matchAll(/"-L([^"]+)"/g)].map((m) => m[1]!).filter((l) => !l.endsWith("stubs"));
    const lib = libs.find((l) => existsSync(join(l, "libcudart_static.a"))) ?? (top ? join(top, "..", "lib64") : undefined);
    if (!include || !lib) throw new Error(`cannot read the CUDA include and library folders from nvcc --dryrun`);
    if (!existsSync(join(lib, "libcudart_static.a"))) throw new Error(`no libcudart_static.a in ${lib}`);
    return { nvcc, include, lib };
  }
  throw new SkipBuild("nvcc not found (set CUDA_HOME or put nvcc on PATH)");
}

function gencodeFlags(): string[] {
  const archs = (process.env.PROVER_NODE_CUDA_ARCHS ?? DEFAULT_ARCHS).split(/[ ,;]+/).filter(Boolean);
  if (archs.length === 0 || archs.some((a) => !/^\d+[af]?$/.test(a))) throw new Error(`bad PROVER_NODE_CUDA_ARCHS "${process.env.PROVER_NODE_CUDA_ARCHS}"`);
  const flags = archs.flatMap((a) => ["-gencode", `arch=compute_${a},code=sm_${a}`]);
  const oldest = archs[0]!;
  flags.push("-gencode", `arch=compute_${oldest},code=compute_${oldest}`);
  return flags;
}

/** Runs tasks with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]!);
  }));
}

/** The node headers: --nodedir as npm passes it, else the ones beside this node binary (offline). */
function nodeDir(): string | undefined {
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm) return fromNpm;
  const beside = resolve(dirname(process.execPath), "..");
  return existsSync(join(beside, "include", "node", "node_api.h")) ? beside : undefined;
}

async function build(): Promise<void> {
  const t0 = performance.now();
  const tk = await findToolkit();
  mkdirSync(join(OUT, "obj"), { recursive: true });
  const sources = readdirSync(SRC).filter((f) => f.endsWith(".cu")).sort();
  const gencode = gencodeFlags();
  const objects = sources.map((s) => join(OUT, "obj", s.replace(/\.cu$/, ".o")));
  const headers = readdirSync(SRC).filter((f) => f.endsWith(".cuh") || f.endsWith(".h")).map((f) => statSync(join(SRC, f)).mtimeMs);
  const newestHeader = Math.max(0, ...headers);
  // objects compiled with other flags (architectures) are stale whatever their dates
  const stamp = join(OUT, "obj", "flags.txt");
  const flags = gencode.join(" ");
  const { readFileSync, writeFileSync } = await import("node:fs");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== flags) {
    for (const o of objects) if (existsSync(o)) (await import("node:fs")).rmSync(o);
    writeFileSync(stamp, flags);
  }
  await pool(sources.map((s, i) => [s, objects[i]!] as const), Math.max(1, availableParallelism()), async ([src, obj]) => {
    const srcPath = join(SRC, src);
    if (existsSync(obj) && statSync(obj).mtimeMs > Math.max(statSync(srcPath).mtimeMs, newestHeader) && !process.argv.includes("--force")) return;
    await run(tk.nvcc, ["-c", "-O3", "-std=c++17", "-Xcompiler", "-fPIC", ...gencode, srcPath, "-o", obj], { maxBuffer: 16 << 20 });
  });
  const lib = join(OUT, "libprover_cuda_kernels.a");
  await run(tk.nvcc, ["-lib", "-o", lib, ...objects]);
  const t1 = performance.now();
  const gyp = require.resolve("node-gyp/bin/node-gyp.js");
  const dir = nodeDir();
  await run(process.execPath, [
    gyp, "rebuild", "--directory", SRC, ...(dir ? [`--nodedir=${dir}`] : []), "--",
    `-Dcuda_include=${tk.include}`, `-Dcuda_lib=${tk.lib}`, `-Dkernels_lib=${lib}`,
  ], { maxBuffer: 16 << 20 });
  copyFileSync(join(SRC, "build", "Release", "prover_cuda.node"), ADDON_PATH);
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  log(`built build/cuda/prover_cuda.node (kernels ${s(t1 - t0)} s, binding ${s(performance.now() - t1)} s)`);
}

/**
 * The CPU emulation: kernels/cuda/*.cu compiled as C++ with emu/emu.h (one thread per block) and the
 * binding against emu/cuda_runtime_api.h, linked into one addon with the host C++ compiler.
 */
async function buildEmulation(): Promise<void> {
  const t0 = performance.now();
  const cxx = process.env.CXX ?? "g++";
  const dir = nodeDir();
  const nodeInclude = dir ? join(dir, "include", "node") : undefined;
  if (!nodeInclude || !existsSync(join(nodeInclude, "node_api.h"))) throw new SkipBuild("no node headers beside this node binary (set npm_config_nodedir)");
  const napiInclude = (require("node-addon-api") as { include_dir: string }).include_dir;
  const objDir = join(OUT, "emu-obj");
  mkdirSync(objDir, { recursive: true });
  const common = ["-std=c++17", "-O2", "-fPIC", `-I${join(SRC, "emu")}`, `-I${SRC}`];
  const sources = readdirSync(SRC).filter((f) => f.endsWith(".cu")).sort();
  const units: Array<[string, string[]]> = [
    ...sources.map((f): [string, string[]] => [join(objDir, `${f}.o`), ["-x", "c++", "-include", join(SRC, "emu", "emu.h"), join(SRC, f)]]),
    [join(objDir, "binding.o"), ["-DNAPI_VERSION=8", "-DNAPI_CPP_EXCEPTIONS", "-fexceptions", `-I${nodeInclude}`, `-I${napiInclude}`, join(SRC, "binding.cc")]],
  ];
  try {
    await pool(units, Math.max(1, availableParallelism()), async ([obj, args]) => void (await run(cxx, [...common, "-c", ...args, "-o", obj], { maxBuffer: 16 << 20 })));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new SkipBuild(`no C++ compiler (${cxx})`);
    throw e;
  }
  await run(cxx, ["-shared", "-o", EMU_ADDON_PATH, ...units.map(([o]) => o)]);
  log(`built build/cuda/prover_cuda_emu.node, the CPU emulation (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

async function attempt(what: string, job: () => Promise<void>): Promise<boolean> {
  try {
    await job();
    return true;
  } catch (e) {
    const x = e as { stderr?: string; message?: string };
    const why = e instanceof SkipBuild ? e.message : `build failed: ${(x.stderr || x.message || String(e)).trim().split("\n").slice(-15).join("\n")}`;
    if (ifAvailable) log(`${what} not built: ${why}`);
    else process.stderr.write(`cuda: ${what}: ${why}\n`);
    return false;
  }
}

/**
 * Three folders below the root, as src/backends/*\/x.ts: the bundles' import.meta.url-relative paths
 * (build/cuda, build/kernels, ../../vectors) then resolve as they do from the sources.
 */
async function deviceBundle(): Promise<void> {
  const esbuild = (await import("esbuild")) as typeof import("esbuild");
  const { cpSync } = await import("node:fs");
  const dir = join(ROOT, ".device", "p", "q");
  mkdirSync(dir, { recursive: true });
  const common = {
    bundle: true, platform: "node" as const, format: "esm" as const, target: "node20", logLevel: "warning" as const,
    // CommonJS dependencies inside an ES module bundle
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  };
  await esbuild.build({ ...common, entryPoints: [join(ROOT, "test", "gpu", "run.ts")], outfile: join(dir, "gpu-tests.mjs") });
  await esbuild.build({ ...common, entryPoints: [join(ROOT, "bench", "cuda.ts")], outfile: join(dir, "bench-cuda.mjs") });
  cpSync(join(ROOT, "test", "vectors"), join(ROOT, ".device", "vectors"), { recursive: true });
  log("bundled .device/p/q/gpu-tests.mjs and .device/p/q/bench-cuda.mjs (test vectors in .device/vectors)");
}

async function main(): Promise<void> {
  if (process.argv.includes("--device-bundle")) {
    await deviceBundle();
    return;
  }
  if (ifAvailable && process.env.PROVER_NODE_BUILD_CUDA === "0") {
    log("addon not built (PROVER_NODE_BUILD_CUDA=0)");
    return;
  }
  if (process.argv.includes("--emulate")) {
    if (!(await attempt("emulation", buildEmulation)) && !ifAvailable) process.exit(1);
    return;
  }
  if (ifAvailable) {
    await attempt("emulation", buildEmulation);
    await attempt("addon", build);
    return;
  }
  try {
    await build();
  } catch (e) {
    const x = e as { stderr?: string; message?: string };
    const why = e instanceof SkipBuild ? e.message : `build failed: ${(x.stderr || x.message || String(e)).trim().split("\n").slice(-15).join("\n")}`;
    if (ifAvailable) {
      log(`addon not built: ${why}`);
      return;
    }
    process.stderr.write(`cuda: ${why}\n`);
    process.exit(1);
  }
}

await main();
