/**
 * Hash configurations of a proof (docs/proof-system.md §3): `keccak` for everything L1 verifies,
 * `poseidon2` for everything verified inside a proof. The configuration decides the Merkle hasher,
 * the Fiat–Shamir transcript and the proof-of-work; it is bound into the transcript's first absorb and
 * into the verification key.
 */
import { StarkError } from "../errors.js";

export type HashConfig = "keccak" | "poseidon2";

export const HASH_CONFIGS: readonly HashConfig[] = ["keccak", "poseidon2"];

/** Wire code of each configuration (proof header, init block, verification key). */
export const HASH_CONFIG_CODES: Record<HashConfig, number> = { keccak: 0, poseidon2: 1 };

export function hashConfigFromCode(code: number): HashConfig | undefined {
  return HASH_CONFIGS.find((h) => HASH_CONFIG_CODES[h] === code);
}

export function parseHashConfig(s: string): HashConfig {
  if (s === "keccak" || s === "poseidon2") return s;
  throw new StarkError({ code: "INVALID_OPTIONS", field: "hash", value: s }, `hash must be keccak or poseidon2, got ${s}`);
}
