/**
 * The Solidity compiler from TypeScript (the npm `solc` package): the sources under contracts/, their
 * imports, and a standard-JSON compile into artifacts. scripts/build-contracts.ts builds the contracts
 * with it; src/chain/program-verifier.ts compiles the verifiers of programs generated at run time (the
 * aggregation wrap of a deployment's geometry).
 */
import { createRequire } from "node:module";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { QUERY_PHASE_CONTRACT } from "../stark/air/solidity.js";

const require = createRequire(import.meta.url);

/** The package root (the same relative path from src/chain and dist/chain). */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CONTRACTS_DIR = join(PACKAGE_ROOT, "contracts");
/** Where generated verifier sources live, as source keys (relative to contracts/). */
export const GENERATED_PREFIX = "verifier/generated/";

export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"] } },
} as const;

export interface Artifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: `0x${string}`;
  deployedBytecode: `0x${string}`;
}

export interface SolcModule {
  version(): string;
  compile(input: string): string;
}

/** Every .sol file under `dir` (contracts/), keyed by its path relative to it. */
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

/** Compile with solc standard JSON; throws with every error message on failure. */
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

/** `roots` and every file they import, transitively (relative imports of contracts/). */
export function withImports(roots: string[], all: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (key: string): void => {
    if (key in out) return;
    const text = all[key];
    if (text === undefined) throw new Error(`solc: ${key} not found under contracts/`);
    out[key] = text;
    for (const m of text.matchAll(/^import\s+[^"']*["']([^"']+)["'];/gm)) visit(posix.normalize(posix.join(posix.dirname(key), m[1]!)));
  };
  roots.forEach(visit);
  return out;
}

let solcModule: SolcModule | undefined;
export function loadSolc(): SolcModule {
  solcModule ??= require("solc") as SolcModule;
  return solcModule;
}
