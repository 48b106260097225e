/**
 * Poseidon2 gadgets over the circuit's permutation rows (docs/recursion.md §4): the length-tagged
 * sponge of `poseidon2Hash` (Merkle leaves, verification keys) and Merkle paths of compressions. A
 * path's rows chain from the leaf's last sponge row, so a leaf and its path are emitted together.
 */
import { P } from "../stark/field/babybear.js";
import type { Circuit, Wire } from "./circuit.js";
import { RecursionError } from "./errors.js";

const NONE8 = (): null[] => new Array(8).fill(null);

/**
 * poseidon2Hash(words): state[8] = len; each chunk of up to 8 overwrites the first positions of the
 * rate (the rest is kept) and permutes. Returns the index of the last permutation row (its outputs
 * 0..7 are the digest).
 */
export function spongeRows(c: Circuit, words: readonly Wire[]): number {
  const n = words.length;
  const chunks = Math.max(1, Math.ceil(n / 8));
  for (let k = 0; k < chunks; k++) {
    const part = words.slice(8 * k, 8 * k + 8);
    const rate = Array.from({ length: 8 }, (_, i) => (i < part.length ? ("read" as const) : k === 0 ? ("zero" as const) : ("keep" as const)));
    const rateIn = Array.from({ length: 8 }, (_, i) => (i < part.length ? part[i]!.id : null));
    const initCap = k === 0 ? [n % P, 0, 0, 0, 0, 0, 0, 0] : [0, 0, 0, 0, 0, 0, 0, 0];
    c.permute({ rate, rateIn, compress: false, bit: null, chain: k > 0, initCap }, NONE8());
  }
  return c.p2.length - 1;
}

/** The digest of `words` as 8 new wires. */
export function hashWires(c: Circuit, words: readonly Wire[]): Wire[] {
  const row = spongeRows(c, words);
  return Array.from({ length: 8 }, (_, j) => c.outputWireOf(row, j));
}

/**
 * Continue from the previous permutation row's digest up a Merkle path: one compression per level,
 * node left or right by `bits[l]`, siblings private (`siblings()` gives them, concrete mode); the last
 * output is checked against `root` (8 wires).
 */
export function merklePath(c: Circuit, bits: readonly Wire[], siblings: (level: number) => ArrayLike<number>, root: readonly Wire[], what: string): void {
  for (let l = 0; l < bits.length; l++) {
    c.permute({ rate: new Array(8).fill("zero"), rateIn: NONE8(), compress: true, bit: bits[l]!.id, chain: false, initCap: [0, 0, 0, 0, 0, 0, 0, 0] }, NONE8(), c.symbolic ? undefined : c.hint(() => siblings(l), new Uint32Array(8)));
  }
  if (root.length !== 8) throw new RecursionError("CIRCUIT", "a root is 8 wires");
  for (let j = 0; j < 8; j++) c.checkOutput(j, root[j]!, `${what}: root word ${j}`);
}
