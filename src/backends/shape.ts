/** Shape and argument checks shared by the backends, so that every backend refuses the same inputs with the same words. */
import { P } from "../stark/field/babybear.js";
import type { HashConfig } from "../stark/hash/config.js";
import { MAX_DUPLEX_BITS } from "../stark/transcript.js";

/** log2 of a power of two; RangeError naming `what` otherwise. */
export function log2Exact(n: number, what: string): number {
  const l = Math.log2(n);
  if (!Number.isInteger(l) || l < 0) throw new RangeError(`${what} ${n} is not a power of two`);
  return l;
}

/** Indices of the columns grouped by length (order kept inside a group). */
export function groupByLength(columns: Uint32Array[]): number[][] {
  const groups = new Map<number, number[]>();
  columns.forEach((c, i) => {
    const g = groups.get(c.length);
    if (g) g.push(i);
    else groups.set(c.length, [i]);
  });
  return [...groups.values()];
}

/** The hash configuration argument of merkleCommit (JS callers can pass anything). */
export function checkHashConfig(hash: unknown): HashConfig {
  if (hash === "keccak" || hash === "poseidon2") return hash;
  throw new RangeError(`merkleCommit: hash must be "keccak" or "poseidon2", got ${String(hash)}`);
}

/** The shape of a matrix to commit: at least one column, one power-of-two height, leafArity a power of two ≤ height. */
export function checkMerkleShape(columns: readonly Uint32Array[], leafArity: number): { height: number; width: number; leafCount: number } {
  if (columns.length === 0) throw new RangeError("merkleCommit: no columns");
  const height = columns[0]!.length;
  if (columns.some((c) => c.length !== height)) throw new RangeError("merkleCommit: columns of different heights");
  log2Exact(height, "merkleCommit: height");
  log2Exact(leafArity, "merkleCommit: leafArity");
  if (leafArity > height) throw new RangeError(`merkleCommit: leafArity ${leafArity} > height ${height}`);
  return { height, width: columns.length, leafCount: height / leafArity };
}

/**
 * Poseidon2 hashes field elements: the first word ≥ p (column-major order) is refused, naming where it
 * is. Kernels only flag that such a word exists; this scan, on the error path, says which.
 */
export function checkCanonicalColumns(columns: readonly Uint32Array[], what: string): void {
  for (let c = 0; c < columns.length; c++) {
    const col = columns[c]!;
    for (let r = 0; r < col.length; r++) {
      if (col[r]! >= P) throw new RangeError(`${what}: column ${c}, row ${r} holds ${col[r]}, not a canonical BabyBear element`);
    }
  }
}

/**
 * Checks the arguments of grindPoseidon2 and returns the state every try starts from: `state` with its
 * rate overwritten by pending ‖ 0… and word 15 increased by pending.length + 1; the nonce goes to word
 * `position` = pending.length (src/stark/grind.ts).
 */
export function grindPoseidon2Template(state: Uint32Array, pending: Uint32Array, bits: number): { template: Uint32Array; position: number } {
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_DUPLEX_BITS) {
    throw new RangeError(`grindPoseidon2: bits must be an integer in [0, ${MAX_DUPLEX_BITS}], got ${bits}`);
  }
  if (state.length !== 16) throw new RangeError(`grindPoseidon2: the sponge state must have 16 elements, got ${state.length}`);
  if (pending.length >= 8) throw new RangeError(`grindPoseidon2: at most 7 pending inputs, got ${pending.length}`);
  state.forEach((x, i) => {
    if (x >= P) throw new RangeError(`grindPoseidon2: state[${i}] = ${x} is not a canonical BabyBear element`);
  });
  pending.forEach((x, i) => {
    if (x >= P) throw new RangeError(`grindPoseidon2: pending[${i}] = ${x} is not a canonical BabyBear element`);
  });
  const template = state.slice();
  for (let i = 0; i < 8; i++) template[i] = i < pending.length ? pending[i]! : 0;
  template[15] = (state[15]! + pending.length + 1) % P;
  return { template, position: pending.length };
}
