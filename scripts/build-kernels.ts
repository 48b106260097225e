/**
 * Compiles the AssemblyScript kernels (kernels/wasm/) into build/kernels/prover.wasm with SIMD128 and
 * threads, importing a shared memory so that every worker thread runs its own instance over the same
 * WebAssembly.Memory. Run by `npm run build` (and so by `npm install`).
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
// Loaded through a variable specifier: AssemblyScript's bundled declarations add a global `console`
// namespace that would clash with Node's types everywhere else in the project.
const ASC_MODULE = "assemblyscript/asc";
interface AscApi {
  main(args: string[]): Promise<{ error: Error | null; stderr: { toString(): string } }>;
}
const asc = ((await import(ASC_MODULE)) as { default: AscApi }).default;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outFile = resolve(root, "build/kernels/prover.wasm");

/** Must match MAX_PAGES in src/backends/wasm/memory.ts: 4 GiB, the whole wasm32 address space. */
const MAX_PAGES = 65536;

async function main(): Promise<void> {
  mkdirSync(dirname(outFile), { recursive: true });
  const args = [
    resolve(root, "kernels/wasm/index.ts"),
    "--outFile", outFile,
    // `npm run build:kernels -- --wat` also writes the text form (function names for profiles).
    ...(process.argv.includes("--wat") ? ["--textFile", outFile.replace(/\.wasm$/, ".wat")] : []),
    "--optimizeLevel", "3",
    "--shrinkLevel", "0",
    "--noAssert",
    "--runtime", "stub",
    "--enable", "simd,threads",
    "--importMemory",
    "--sharedMemory",
    "--initialMemory", "1",
    "--maximumMemory", String(MAX_PAGES),
    "--use", "abort=",
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    process.stderr.write(stderr.toString());
    throw error;
  }
  process.stdout.write(`kernels: ${outFile.slice(root.length + 1)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
