/**
 * Compiles contracts/ with the npm `solc` package into build/contracts/<Name>.json ({abi, bytecode})
 * and regenerates the committed typed ABI modules in src/chain/abi/ (so `tsc` type-checks against them).
 *
 * The pipeline is a list of steps: generate the AIR-specific constraint evaluators from the IR
 * (scripts/gen-verifier.ts) → compile them → generate the verifiers, which pin the evaluators' code
 * hashes → collect the other sources → compile → artifacts → ABI modules. Each of the two compilations
 * is skipped when its sources (and the compiler and settings) are unchanged since the last build.
 *
 *   tsx scripts/build-contracts.ts            build (skips compiling when sources are unchanged)
 *   tsx scripts/build-contracts.ts --force    always recompile
 *   tsx scripts/build-contracts.ts --check    fail if the committed ABI modules are out of date
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { GENERATED_PREFIX, removeStaleGenerated, renderEvaluators, renderVerifiers, writeGenerated } from "./gen-verifier.js";
import { codeHashOf, QUERY_PHASE_CONTRACT } from "../src/stark/air/solidity.js";

const require = createRequire(import.meta.url);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CONTRACTS_DIR = join(ROOT, "contracts");
export const ARTIFACTS_DIR = join(ROOT, "build", "contracts");
export const ABI_DIR = join(ROOT, "src", "chain", "abi");
const HASH_FILE = join(ARTIFACTS_DIR, ".build-cache.json");
/** Bump when the output format of this script changes, so caches are invalidated. */
const GENERATOR_VERSION = "2";

export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"] } },
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
    contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string; immutableReferences?: Record<string, unknown> } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  const artifacts: Artifact[] = [];
  for (const [sourceName, contracts] of Object.entries(output.contracts ?? {})) {
    for (const [contractName, c] of Object.entries(contracts)) {
      if ((sourceName.startsWith(GENERATED_PREFIX) && /Constraints\d+$/.test(contractName)) || contractName === QUERY_PHASE_CONTRACT) {
        if (Object.keys(c.evm.deployedBytecode.immutableReferences ?? {}).length > 0) {
        // The verifier pins an evaluator by the hash of this code: it must be exactly what gets deployed.
          throw new Error(`${contractName} has immutables: its deployed code would differ from the compiled code`);
        }
      }
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

/** Compile `sources` unless the hash of the last build of the same `stage` matches; returns its artifacts. */
function compileStage(stage: string, sources: Record<string, string>, solc: SolcModule, force: boolean): { artifacts: Artifact[]; compiled: boolean } {
  const hash = hashSources(sources, solc.version());
  const cache = readCache();
  const hit = cache[stage];
  if (!force && hit && hit.hash === hash) {
    const artifacts = hit.names.map((n) => join(ARTIFACTS_DIR, `${n}.json`));
    if (artifacts.every((f) => existsSync(f))) return { artifacts: artifacts.map((f) => JSON.parse(readFileSync(f, "utf8")) as Artifact), compiled: false };
  }
  const artifacts = Object.keys(sources).length === 0 ? [] : compile(sources, solc);
  writeArtifacts(artifacts);
  const selected = selectForOutput(artifacts);
  writeCache({ ...readCache(), [stage]: { hash, names: selected.map((a) => a.contractName) } });
  return { artifacts: selected, compiled: true };
}

interface BuildCache {
  [stage: string]: { hash: string; names: string[] } | undefined;
}

function readCache(): BuildCache {
  if (!existsSync(HASH_FILE)) return {};
  try {
    return JSON.parse(readFileSync(HASH_FILE, "utf8")) as BuildCache;
  } catch {
    return {};
  }
}

function writeCache(c: BuildCache): void {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  writeFileSync(HASH_FILE, `${JSON.stringify(c)}\n`);
}

/** Hand-written contracts the generated verifiers pin by code hash, compiled with the evaluators (keys under contracts/). */
const PINNED_SOURCES = [`verifier/${QUERY_PHASE_CONTRACT}.sol`];

/** `roots` and every file they import, transitively (relative imports of contracts/). */
function withImports(roots: string[], all: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (key: string): void => {
    if (key in out) return;
    const text = all[key];
    if (text === undefined) throw new Error(`build-contracts: ${key} not found under contracts/`);
    out[key] = text;
    for (const m of text.matchAll(/^import\s+[^"']*["']([^"']+)["'];/gm)) visit(posix.normalize(posix.join(posix.dirname(key), m[1]!)));
  };
  roots.forEach(visit);
  return out;
}

/**
 * Steps 1–2: generate the constraint evaluators and compile them with the other pinned contracts
 * (StarkQueryPhase); their code hashes by contract name.
 */
function buildPinned(solc: SolcModule, force: boolean): { artifacts: Artifact[]; compiled: boolean; codeHashes: Record<string, string>; roots: string[] } {
  const files = renderEvaluators();
  writeGenerated(files);
  const all = collectSources();
  const roots = [...Object.keys(files).map((name) => `${GENERATED_PREFIX}${name}`), ...PINNED_SOURCES];
  // One compilation per pinned contract: a change to one does not recompile the others.
  const artifacts: Artifact[] = [];
  let compiled = false;
  for (const root of roots) {
    const r = compileStage(`pinned:${root}`, withImports([root], all), solc, force);
    const own = r.artifacts.filter((a) => a.sourceName === root);
    artifacts.push(...own);
    compiled ||= r.compiled;
  }
  const codeHashes = Object.fromEntries(artifacts.map((a) => [a.contractName, codeHashOf(a.deployedBytecode)]));
  return { artifacts, compiled, codeHashes, roots };
}

/** The code hashes of the pinned contracts (compiling them unless the last build is current). */
export function pinnedCodeHashes(): Record<string, string> {
  return buildPinned(loadSolc(), false).codeHashes;
}

/** The whole pipeline. Skips solc for the stages whose sources are unchanged since the last build. */
export function buildContracts(opts: { force?: boolean; writeAbi?: boolean } = {}): BuildResult {
  const t0 = Date.now();
  const solc = loadSolc();
  const pinned = buildPinned(solc, opts.force ?? false);
  const verifiers = renderVerifiers(pinned.codeHashes);
  writeGenerated(verifiers);
  removeStaleGenerated({ ...renderEvaluators(), ...verifiers });
  const roots = new Set(pinned.roots);
  const sources = Object.fromEntries(Object.entries(collectSources()).filter(([k]) => !roots.has(k)));
  const main = compileStage("main", sources, solc, opts.force ?? false);
  const pinnedNames = new Set(pinned.artifacts.map((a) => a.contractName));
  const artifacts = [...pinned.artifacts, ...main.artifacts.filter((a) => !pinnedNames.has(a.contractName))].sort((a, b) => a.contractName.localeCompare(b.contractName));
  const abiFilesWritten = opts.writeAbi === false ? [] : writeAbiModules(artifacts);
  return { compiled: pinned.compiled || main.compiled, artifacts, abiFilesWritten, ms: Date.now() - t0 };
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
