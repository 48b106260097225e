/**
 * Generates the AIR-specific on-chain verifiers (contracts/verifier/generated/) from the constraint IR
 * of every AIR in VERIFIER_AIRS and every program in PROGRAM_VERIFIERS, in two steps: the evaluator contracts (`<Air>Constraints<i>.sol`) first,
 * then, once scripts/build-contracts.ts has compiled them, the verifiers (`<Air>Verifier.sol`), which pin
 * the evaluators' code hashes. Rewrites only files whose text changed.
 *
 *   tsx scripts/gen-verifier.ts --check   fail if a generated file is out of date (compiles the evaluators)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { airRegistry, type Air } from "../src/stark/air/air.js";
import "../src/stark/airs/index.js";
import "../src/rollup/air/index.js";
import "../src/rollup/air-v2/index.js";
import { generateEvaluatorSources, generateVerifierSource, verifierContractName, type VerifierSpec } from "../src/stark/air/solidity.js";
import { standinAir } from "./aggregate-standin.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const GENERATED_DIR = join(ROOT, "contracts", "verifier", "generated");
/** Source keys of the generated files, relative to contracts/ (as scripts/build-contracts.ts names them). */
export { GENERATED_PREFIX } from "../src/chain/solc.js";
import { GENERATED_PREFIX } from "../src/chain/solc.js";

/** AIRs that get an on-chain verifier. */
export const VERIFIER_AIRS = ["fib-v1", "mix-v1", "transfer-v1", "lookup-v1", "transfer-v2-d20"] as const;

/**
 * AIRs whose preprocessed commitments are baked for fewer heights or blowups than every supported one:
 * transfer-v2-d20's paths table admits 2^5.. rows, and baking 2^5..2^14 at every blowup would take minutes
 * of LDE and hashing at each build. Its segments on L1 are 2^5..2^12 rows at blowup 8 (the default options).
 */
export const BAKE_OPTIONS: Readonly<Record<string, VerifierSpec>> = { "transfer-v2-d20": { maxLogRows: 12, logBlowups: [3] } };

/** A verifier the build generates: an AIR and how (its names, the preprocessed caps it bakes). */
export interface VerifierTarget {
  readonly air: Air;
  readonly spec: VerifierSpec;
}

/**
 * Programs (AIRs built from a recursion descriptor, not registered) that get an on-chain verifier:
 * the stand-in of the aggregation wrap (scripts/aggregate-standin.ts), its caps baked at cap height 2 for
 * blowups 2^4..2^6 (the L1 settings its tests and bench/aggregate-l1.ts prove; all six would not fit EIP-170). A
 * tall program bakes only its proofs' blowup (scripts/program-verifier.ts).
 */
export function programVerifiers(): VerifierTarget[] {
  return [{ air: standinAir(), spec: { contractName: "AggWrapStandinVerifier", evaluatorPrefix: "AggWrapStandin", logBlowups: [4, 5, 6], logCap: 2 } }];
}

export function verifierTargets(): VerifierTarget[] {
  const registered = VERIFIER_AIRS.map((name) => {
    const air = airRegistry.getByName(name);
    if (!air) throw new Error(`gen-verifier: AIR ${name} is not registered`);
    return { air, spec: BAKE_OPTIONS[name] ?? {} };
  });
  return [...registered, ...programVerifiers()];
}

/** The file name of a target's verifier. */
export function verifierFileName(t: VerifierTarget): string {
  return `${t.spec.contractName ?? verifierContractName(t.air.name)}.sol`;
}

/** Every evaluator contract: file name → Solidity. */
export function renderEvaluators(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of verifierTargets()) Object.assign(out, generateEvaluatorSources(t.air, t.spec));
  return out;
}

/** Every verifier contract, given the evaluators' code hashes (contract name → 0x…): file name → Solidity. */
export function renderVerifiers(codeHashes: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of verifierTargets()) out[verifierFileName(t)] = generateVerifierSource(t.air, codeHashes, t.spec);
  return out;
}

/** Writes the files whose text differs; returns the names written. */
export function writeGenerated(files: Record<string, string>, dir = GENERATED_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    if (existsSync(p) && readFileSync(p, "utf8") === text) continue;
    writeFileSync(p, text);
    written.push(name);
  }
  return written;
}

/** Removes generated .sol files that are not in `keep`. */
export function removeStaleGenerated(keep: Record<string, string>, dir = GENERATED_DIR): void {
  for (const f of readdirSync(dir)) if (f.endsWith(".sol") && !(f in keep)) unlinkSync(join(dir, f));
}

/** Names of generated files whose committed text differs from what the IR (and the code hashes) give. */
export function staleGenerated(codeHashes: Readonly<Record<string, string>>, dir = GENERATED_DIR): string[] {
  const files = { ...renderEvaluators(), ...renderVerifiers(codeHashes) };
  const stale = Object.entries(files)
    .filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), "utf8") !== text)
    .map(([name]) => name);
  const extra = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sol") && !(f in files)) : [];
  return [...stale, ...extra];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { pinnedCodeHashes } = await import("./build-contracts.js");
  const stale = staleGenerated(pinnedCodeHashes());
  if (stale.length > 0) {
    console.error(`generated verifiers out of date (run npm run build:contracts): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log("verifier: generated sources up to date");
}
