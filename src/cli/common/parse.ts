import type { HashConfig } from "../../stark/hash/config.js";
/** Flag parsers shared by commands; each throws UsageError (exit 2) naming the flag. */
import { UsageError } from "../../util/errors.js";
import { OPTION_PRESETS, type OptionPresetName, type ProofOptions } from "../../stark/options.js";

export function parseAddress(v: string, flag: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(v)) throw new UsageError(`${flag} must be a 0x-prefixed 20-byte hex address`);
  return Uint8Array.from(Buffer.from(v.slice(2), "hex"));
}

export function parsePositiveInt(v: string, flag: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag} must be a non-negative integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} is too large`);
  return n;
}

/** A power of two given as `n` or `2^k`; returns log2. */
export function parseRows(v: string, flag: string): number {
  const m = /^2\^(\d+)$/.exec(v);
  const n = m ? 2 ** Number(m[1]) : parsePositiveInt(v, flag);
  if (!Number.isSafeInteger(n) || n < 1 || (n & (n - 1)) !== 0 || n > 2 ** 27) throw new UsageError(`${flag} must be a power of two (e.g. 4096 or 2^12)`);
  return Math.log2(n);
}

/** --hash: keccak (what L1 verifies) or poseidon2 (what a recursive verifier checks). */
export function parseHash(v: string): HashConfig {
  if (v !== "keccak" && v !== "poseidon2") throw new UsageError("--hash must be keccak or poseidon2");
  return v;
}

export function parseOptionsPreset(v: string): ProofOptions {
  if (!(v in OPTION_PRESETS)) throw new UsageError(`--options must be one of ${Object.keys(OPTION_PRESETS).join(", ")}`);
  return OPTION_PRESETS[v as OptionPresetName];
}
