/**
 * Native helpers for the witness of a verifier circuit: a child proof's batched multi-proofs expanded
 * into one sibling list per opened leaf (the circuit checks every query's path on its own).
 */
import type { MerkleOpening } from "../stark/proof.js";
import type { MerkleHasher } from "../stark/merkle/hasher.js";
import { RecursionError } from "./errors.js";

/** Every node a multi-proof determines: key `${level}:${index}`. */
export class OpenedTree {
  private readonly nodes = new Map<string, Uint8Array>();
  private readonly leafIndex = new Map<number, number>();

  constructor(
    readonly opening: MerkleOpening,
    readonly indices: readonly number[],
    readonly leafWords: number,
    readonly depth: number,
    hasher: MerkleHasher,
  ) {
    let idx = [...indices];
    let hashes = indices.map((_, k) => hasher.leaf(opening.values.subarray(k * leafWords, (k + 1) * leafWords)));
    indices.forEach((i, k) => {
      this.leafIndex.set(i, k);
      this.nodes.set(`0:${i}`, hashes[k]!);
    });
    let s = 0;
    for (let l = 0; l < depth; l++) {
      const nextIdx: number[] = [], nextHashes: Uint8Array[] = [];
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k]!;
        let left: Uint8Array, right: Uint8Array;
        if (k + 1 < idx.length && idx[k + 1] === (i ^ 1)) {
          left = hashes[k]!;
          right = hashes[k + 1]!;
          k++;
        } else {
          const sib = opening.siblings[s++];
          if (!sib) throw new RecursionError("CHILD_REFUSED", "a multi-proof has too few siblings");
          this.nodes.set(`${l}:${i ^ 1}`, sib);
          [left, right] = i & 1 ? [sib, hashes[k]!] : [hashes[k]!, sib];
        }
        const parent = hasher.node(left, right);
        this.nodes.set(`${l + 1}:${i >> 1}`, parent);
        nextIdx.push(i >> 1);
        nextHashes.push(parent);
      }
      idx = nextIdx;
      hashes = nextHashes;
    }
  }

  /** The words of the leaf at index i. */
  leaf(i: number): Uint32Array {
    const k = this.leafIndex.get(i);
    if (k === undefined) throw new RecursionError("CHILD_REFUSED", `leaf ${i} is not opened`);
    return this.opening.values.subarray(k * this.leafWords, (k + 1) * this.leafWords);
  }

  /** The sibling of leaf i's path at `level` (level 0: the sibling leaf's digest). */
  sibling(i: number, level: number): Uint8Array {
    const d = this.nodes.get(`${level}:${(i >> level) ^ 1}`);
    if (!d) throw new RecursionError("CHILD_REFUSED", `no sibling for leaf ${i} at level ${level}`);
    return d;
  }
}
