/**
 * The allowed-key set (docs/recursion.md §6): the verification keys a recursion statement accepts,
 * committed as a Poseidon2 Merkle tree of fixed depth whose leaves are the keys themselves (8-element
 * digests; empty leaves are the zero digest). Its root is a public value of every recursion
 * statement, and a statement over recursion children must carry the same root: one set binds a whole
 * tree of proofs, as SP1's vk_root or RISC Zero's control-id set do.
 */
import { poseidon2Hasher } from "../stark/merkle/hasher.js";
import { bytesEqual, toHex } from "../stark/hash/keccak.js";
import { RecursionError } from "./errors.js";

export const DEFAULT_KEY_SET_DEPTH = 4;

export class KeySet {
  readonly keys: readonly Uint8Array[];
  private readonly levels: Uint8Array[][];

  constructor(keys: readonly Uint8Array[], readonly depth = DEFAULT_KEY_SET_DEPTH) {
    const unique: Uint8Array[] = [];
    for (const k of keys) {
      if (!poseidon2Hasher.isDigest(k)) throw new RecursionError("CHILD_REFUSED", `${toHex(k)} is not a poseidon2 verification key`);
      if (!unique.some((u) => bytesEqual(u, k))) unique.push(k);
    }
    if (unique.length > 2 ** depth) throw new RecursionError("CHILD_REFUSED", `${unique.length} keys do not fit a set of depth ${depth}`);
    this.keys = unique;
    let level = Array.from({ length: 2 ** depth }, (_, i) => unique[i] ?? new Uint8Array(32));
    this.levels = [level];
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(poseidon2Hasher.node(level[i]!, level[i + 1]!));
      this.levels.push((level = next));
    }
  }

  get root(): Uint8Array {
    return this.levels[this.depth]![0]!;
  }

  /** The leaf index and siblings (leaf level first) of a key; refuses a key outside the set. */
  path(vk: Uint8Array): { index: number; siblings: Uint8Array[] } {
    const index = this.keys.findIndex((k) => bytesEqual(k, vk));
    if (index < 0) throw new RecursionError("CHILD_REFUSED", `verification key ${toHex(vk)} is not in the allowed set`);
    return { index, siblings: this.levels.slice(0, this.depth).map((lv, l) => lv[(index >> l) ^ 1]!) };
  }

  has(vk: Uint8Array): boolean {
    return this.keys.some((k) => bytesEqual(k, vk));
  }
}
