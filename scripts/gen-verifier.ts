/**
 * Generates the AIR-specific on-chain verifiers (contracts/verifier/generated/<Name>.sol) from the
 * constraint IR of every registered AIR (fib-v1, mix-v1, transfer-v1). Run by scripts/build-contracts.ts
 * before it collects sources; rewrites only files whose text changed.
 *
 *   tsx scripts/gen-verifier.ts           write
 *   tsx scripts/gen-verifier.ts --check   fail if a generated file is out of date
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { airRegistry } from "../src/stark/air/air.js";
import "../src/stark/airs/index.js";
import "../src/rollup/air/index.js";
import { generateVerifierSources } from "../src/stark/air/solidity.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const GENERATED_DIR = join(ROOT, "contracts", "verifier", "generated");

/** AIRs that get an on-chain verifier. */
export const VERIFIER_AIRS = ["fib-v1", "mix-v1", "transfer-v1"] as const;

export function renderVerifiers(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of VERIFIER_AIRS) {
    const air = airRegistry.getByName(name);
    if (!air) throw new Error(`gen-verifier: AIR ${name} is not registered`);
    Object.assign(out, generateVerifierSources(air));
  }
  return out;
}

/** Writes the generated sources that differ (and removes stale ones); returns the names written. */
export function generateVerifiers(dir = GENERATED_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const files = renderVerifiers();
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    if (existsSync(p) && readFileSync(p, "utf8") === text) continue;
    writeFileSync(p, text);
    written.push(name);
  }
  for (const f of readdirSync(dir)) if (f.endsWith(".sol") && !(f in files)) unlinkSync(join(dir, f));
  return written;
}

export function staleVerifiers(dir = GENERATED_DIR): string[] {
  return Object.entries(renderVerifiers())
    .filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), "utf8") !== text)
    .map(([name]) => name);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  if (process.argv.includes("--check")) {
    const stale = staleVerifiers();
    if (stale.length > 0) {
      console.error(`generated verifiers out of date: ${stale.join(", ")}`);
      process.exit(1);
    }
  } else {
    const w = generateVerifiers();
    console.log(`verifier: ${w.length > 0 ? `generated ${w.join(", ")}` : "generated sources up to date"}`);
  }
}
