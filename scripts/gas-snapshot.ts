/**
 * Measures the gas of the important contract calls and writes contracts/gas-snapshot.json, printing
 * the change against the committed snapshot. Only `compiler`, `note` and `gas` are rewritten; any other
 * section of the existing file (e.g. `verifier`) is kept as it is.
 *
 *   tsx scripts/gas-snapshot.ts           measure, compare, write
 *   tsx scripts/gas-snapshot.ts --check   measure and compare only; exit 1 if anything moved > 1%
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SOLC_SETTINGS } from "./build-contracts.js";
import { measureGas, type GasFigures } from "../test/utils/gas.js";
import { startSystem, TEST_GENESIS_ROOT } from "../test/utils/system.js";

export const SNAPSHOT_PATH = join(ROOT, "contracts", "gas-snapshot.json");
export const TOLERANCE = 0.01;

export interface GasSnapshot {
  compiler: { optimizer: { enabled: boolean; runs: number }; evmVersion: string };
  note: string;
  gas: GasFigures;
  /** Sections this script does not produce (e.g. `verifier`) are kept as they are when it rewrites the file. */
  [other: string]: unknown;
}

export function readSnapshot(): GasSnapshot | undefined {
  return existsSync(SNAPSHOT_PATH) ? (JSON.parse(readFileSync(SNAPSHOT_PATH, "utf8")) as GasSnapshot) : undefined;
}

/** Lines describing every figure that moved by more than `tolerance` (or appeared/disappeared). */
export function compareGas(before: GasFigures, after: GasFigures, tolerance = TOLERANCE): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (a === undefined || b === undefined) out.push(`${key}: ${a ?? "-"} -> ${b ?? "-"}`);
    else if (Math.abs(b - a) > a * tolerance) out.push(`${key}: ${a} -> ${b} (${b > a ? "+" : ""}${(((b - a) / a) * 100).toFixed(1)}%)`);
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const sys = await startSystem({ genesisRoot: TEST_GENESIS_ROOT });
  let gas: GasFigures;
  try {
    gas = await measureGas(sys);
  } finally {
    await sys.stop();
  }
  const previous = readSnapshot();
  const changes = previous ? compareGas(previous.gas, gas) : ["(no previous snapshot)"];
  for (const [k, v] of Object.entries(gas)) console.log(`${k.padEnd(36)} ${String(v).padStart(9)}`);
  console.log(changes.length ? `changes:\n  ${changes.join("\n  ")}` : "no change beyond 1%");
  if (argv.includes("--check")) {
    if (changes.length) process.exit(1);
    return;
  }
  // Merge into the existing file: keep the sections this script does not measure (e.g. `verifier`).
  const snapshot: GasSnapshot = {
    ...previous,
    compiler: { optimizer: SOLC_SETTINGS.optimizer, evmVersion: SOLC_SETTINGS.evmVersion },
    note: "gasUsed per transaction (incl. 21000 base); verification uses the test stand-in verifier, so STARK verification cost is excluded. Regenerate with: npx tsx scripts/gas-snapshot.ts",
    gas,
  };
  writeFileSync(SNAPSHOT_PATH, `${JSON.stringify(snapshot, null, 2)}\n`);
}

if (process.argv[1]?.endsWith("gas-snapshot.ts")) await main(process.argv.slice(2));
