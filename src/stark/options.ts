/** Proof options (docs/proof-system.md §13) and their presets. */
import { StarkError } from "./errors.js";

export interface ProofOptions {
  /** log2 of the LDE blowup factor. */
  readonly logBlowup: number;
  /** Number of FRI query positions. */
  readonly numQueries: number;
  /** Proof-of-work bits ground before the queries are drawn. */
  readonly powBits: number;
  /** log2 of the FRI folding arity. */
  readonly friLogArity: number;
  /** log2 of the maximum number of coefficients of the final FRI polynomial. */
  readonly logFinalPolyLen: number;
  /** Merkle cap height: every tree is committed as its 2^logCap digests below the root (0: the root). */
  readonly logCap: number;
}

/** ≥ 100 conjectured bits at 2^20 rows (see security.ts). */
export const DEFAULT_OPTIONS: ProofOptions = Object.freeze({
  logBlowup: 3,
  numQueries: 28,
  powBits: 16,
  friLogArity: 3,
  logFinalPolyLen: 3,
  logCap: 0,
});

/** Fast and INSECURE (about 20 bits): for tests and devnets only; every report says so. */
export const TEST_OPTIONS: ProofOptions = Object.freeze({
  logBlowup: 2,
  numQueries: 8,
  powBits: 4,
  friLogArity: 2,
  logFinalPolyLen: 2,
  logCap: 0,
});

export const OPTION_PRESETS = { default: DEFAULT_OPTIONS, test: TEST_OPTIONS } as const;
export type OptionPresetName = keyof typeof OPTION_PRESETS;

/** Bounds the decoder and the prover enforce; the Solidity verifier enforces the same. */
export const OPTION_LIMITS = {
  logBlowup: [1, 6],
  numQueries: [1, 128],
  powBits: [0, 32],
  friLogArity: [1, 4],
  logFinalPolyLen: [0, 10],
  logCap: [0, 8],
} as const satisfies Record<keyof ProofOptions, readonly [number, number]>;

/** Smallest and largest supported trace heights (log2). */
export const MIN_LOG_TRACE_HEIGHT = 2;
export const MAX_LOG_LDE_SIZE = 27;

/** Throws StarkError(INVALID_OPTIONS) naming the field when an option is out of range. */
export function validateOptions(options: ProofOptions): void {
  for (const key of Object.keys(OPTION_LIMITS) as (keyof ProofOptions)[]) {
    const v = options[key];
    const [lo, hi] = OPTION_LIMITS[key];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new StarkError({ code: "INVALID_OPTIONS", field: key, value: v }, `option ${key} = ${v} is outside [${lo}, ${hi}]`);
    }
  }
}

export function optionsEqual(a: ProofOptions, b: ProofOptions): boolean {
  return (
    a.logBlowup === b.logBlowup &&
    a.numQueries === b.numQueries &&
    a.powBits === b.powBits &&
    a.friLogArity === b.friLogArity &&
    a.logFinalPolyLen === b.logFinalPolyLen &&
    a.logCap === b.logCap
  );
}
