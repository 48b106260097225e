/**
 * Compiles contracts/ with the npm `solc` package into build/contracts/<Name>.json ({abi, bytecode})
 * and regenerates the committed typed ABI modules in src/chain/abi/ (so `tsc` type-checks against them).
 *
 * The pipeline is a list of steps (generate verifiers → collect → hash/skip → compile → artifacts → ABI
 * modules); the first regenerates the AIR-specific STARK verifiers into contracts/verifier/generated/
 * from the constraint IR (scripts/gen-verifier.ts).
 *
 *   tsx scripts/build-contracts.ts            build (skips compiling when sources are unchanged)
 *   tsx scripts/build-contracts.ts --force    always recompile
 *   tsx scripts/build-contracts.ts --check    fail if the committed ABI modules are out of date
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateVerifiers } from "./gen-verifier.js";

const require = createRequire(import.meta.url);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CONTRACTS_DIR = join(ROOT, "contracts");
export const ARTIFACTS_DIR = join(ROOT, "build", "contracts");
export const ABI_DIR = join(ROOT, "src", "chain", "abi");
const HASH_FILE = join(ARTIFACTS_DIR, ".sources.sha256");
/** Bump when the output format of this script changes, so caches are invalidated. */
const GENERATOR_VERSION = "1";

export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
} as const;

/** Contracts that get an ABI module even though they have no bytecode. */
const ABI_ONLY = new Set(["IStarkVerifier"]);

export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: `0x${string}`;
  deployedBytecode: `0x${string}`;
}

export interface BuildResult {
  compiled: boolean;
  artifacts: Artifact[];
  abiFilesWritten: string[];
  ms: number;
}

interface SolcModule {
  version(): string;
  compile(input: string): string;
}

/** Step 1: every .sol file under contracts/, keyed by its path relative to contracts/. */
export function collectSources(dir = CONTRACTS_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith(".sol")) out[relative(dir, p).split("\\").join("/")] = readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

/** Step 2: a hash of everything that determines the output. */
export function hashSources(sources: Record<string, string>, solcVersion: string): string {
  const h = createHash("sha256");
  h.update(`${GENERATOR_VERSION}\0${solcVersion}\0${JSON.stringify(SOLC_SETTINGS)}\0`);
  for (const name of Object.keys(sources).sort()) h.update(`${name}\0${sources[name]}\0`);
  return h.digest("hex");
}

/** Step 3: compile with solc standard JSON; throws with every error message on failure. */
export function compile(sources: Record<string, string>, solc: SolcModule = loadSolc()): Artifact[] {
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([k, content]) => [k, { content }])),
    settings: SOLC_SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const artifacts: Artifact[] = [];
  for (const [sourceName, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, c] of Object.entries(contracts)) {
      artifacts.push({
        contractName,
        sourceName,
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      });
    }
  }
  return artifacts.sort((a, b) => a.contractName.localeCompare(b.contractName));
}

/** Step 4: build/contracts/<Name>.json for every deployable contract (and ABI-only interfaces). */
export function writeArtifacts(artifacts: Artifact[], dir = ARTIFACTS_DIR): void {
  mkdirSync(dir, { recursive: true });
  for (const a of selectForOutput(artifacts)) writeFileSync(join(dir, `${a.contractName}.json`), `${JSON.stringify(a, null, 2)}\n`);
}

/** Step 5: the typed ABI modules (`export const fooAbi = [...] as const`) and their index. */
export function renderAbiModules(artifacts: Artifact[]): Record<string, string> {
  const files: Record<string, string> = {};
  const selected = selectForOutput(artifacts);
  const header = "// Generated by scripts/build-contracts.ts from contracts/. Do not edit.\n";
  for (const a of selected) {
    files[`${a.contractName}.ts`] = `${header}export const ${abiConstName(a.contractName)} = ${JSON.stringify(a.abi, null, 2)} as const;\n`;
  }
  files["index.ts"] =
    header + selected.map((a) => `export { ${abiConstName(a.contractName)} } from "./${a.contractName}.js";\n`).join("");
  return files;
}

/** Writes the modules that differ; returns the names written. */
export function writeAbiModules(artifacts: Artifact[], dir = ABI_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(renderAbiModules(artifacts))) {
    const p = join(dir, name);
    if (existsSync(p) && readFileSync(p, "utf8") === text) continue;
    writeFileSync(p, text);
    written.push(name);
  }
  return written;
}

/** Names of ABI modules whose committed text differs from what the artifacts produce. */
export function staleAbiModules(artifacts: Artifact[], dir = ABI_DIR): string[] {
  return Object.entries(renderAbiModules(artifacts))
    .filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), "utf8") !== text)
    .map(([name]) => name);
}

export function abiConstName(contractName: string): string {
  const lead = contractName.match(/^[A-Z]+(?=[A-Z][a-z]|$)/)?.[0] ?? contractName[0]!;
  return `${lead.toLowerCase()}${contractName.slice(lead.length)}Abi`;
}

export function readArtifacts(dir = ARTIFACTS_DIR): Artifact[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as Artifact);
}

/** The whole pipeline. Skips solc when the sources hash matches the last build. */
export function buildContracts(opts: { force?: boolean; writeAbi?: boolean } = {}): BuildResult {
  const t0 = Date.now();
  const solc = loadSolc();
  generateVerifiers();
  const sources = collectSources();
  const hash = hashSources(sources, solc.version());
  const cached = !opts.force && existsSync(HASH_FILE) && readFileSync(HASH_FILE, "utf8").trim() === hash;
  let artifacts = cached ? readArtifacts() : [];
  const compiled = artifacts.length === 0;
  if (compiled) {
    artifacts = compile(sources, solc);
    writeArtifacts(artifacts);
    writeFileSync(HASH_FILE, `${hash}\n`);
  }
  const abiFilesWritten = opts.writeAbi === false ? [] : writeAbiModules(artifacts);
  return { compiled, artifacts, abiFilesWritten, ms: Date.now() - t0 };
}

function selectForOutput(artifacts: Artifact[]): Artifact[] {
  return artifacts.filter((a) => (a.bytecode.length > 2 && a.abi.length > 0) || ABI_ONLY.has(a.contractName));
}

let solcModule: SolcModule | undefined;
function loadSolc(): SolcModule {
  solcModule ??= require("solc") as SolcModule;
  return solcModule;
}

function main(argv: string[]): void {
  if (argv.includes("--check")) {
    const { artifacts } = buildContracts({ writeAbi: false });
    const stale = staleAbiModules(artifacts);
    if (stale.length > 0) {
      console.error(`ABI modules out of date (run npm run build:contracts): ${stale.join(", ")}`);
      process.exit(1);
    }
    console.log("contracts: ABI modules up to date");
    return;
  }
  const r = buildContracts({ force: argv.includes("--force") });
  const what = r.compiled ? `compiled ${r.artifacts.length} contracts` : "sources unchanged, compile skipped";
  const abi = r.abiFilesWritten.length > 0 ? `; ABI modules updated: ${r.abiFilesWritten.join(", ")}` : "";
  console.log(`contracts: ${what} in ${r.ms} ms${abi}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));
