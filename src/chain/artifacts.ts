/** Compiled contract artifacts (build/contracts/<Name>.json, written by `npm run build:contracts`). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";

export interface ContractArtifact {
  contractName: string;
  abi: Abi;
  bytecode: Hex;
}

/** build/contracts of this package (the same relative path from src/chain and dist/chain). */
export const ARTIFACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "build", "contracts");

export function loadArtifact(name: string, dir = ARTIFACTS_DIR): ContractArtifact {
  const p = join(dir, `${name}.json`);
  if (!existsSync(p)) throw new Error(`contract artifact ${name} not found: run npm run build:contracts`);
  return JSON.parse(readFileSync(p, "utf8")) as ContractArtifact;
}
