import { poseidon2Compress } from "../stark/hash/poseidon2.js";
import { type Digest, digestEquals, ZERO_DIGEST } from "./digest.js";
import { checkTreeDepth } from "./options.js";

const emptyCache: Digest[] = [ZERO_DIGEST];

/**
 * Digests of empty subtrees: emptyDigests(D)[h] is the root of an empty subtree of height h
 * (h = 0: the empty leaf, the zero digest; h + 1: compress(E_h, E_h)).
 */
export function emptyDigests(depth: number): readonly Digest[] {
  checkTreeDepth(depth);
  while (emptyCache.length <= depth) {
    const e = emptyCache[emptyCache.length - 1]!;
    emptyCache.push(poseidon2Compress(e, e));
  }
  return emptyCache.slice(0, depth + 1);
}

/** Membership proof of a leaf: siblings from the leaf level up (siblings[0] is the leaf's neighbour). */
export interface MerkleProof {
  readonly index: number;
  readonly siblings: readonly Digest[];
}

/** Root reached from `leaf` at `index` along `siblings` (bit l of index = 1: the node is a right child). */
export function rootFromPath(leaf: Digest, index: number, siblings: readonly Digest[]): Digest {
  let node = leaf;
  for (let l = 0; l < siblings.length; l++) {
    const right = Math.floor(index / 2 ** l) % 2 === 1;
    node = right ? poseidon2Compress(siblings[l]!, node) : poseidon2Compress(node, siblings[l]!);
  }
  return node;
}

export function verifyProof(root: Digest, leaf: Digest, proof: MerkleProof): boolean {
  return digestEquals(rootFromPath(leaf, proof.index, proof.siblings), root);
}

/**
 * Sparse Merkle tree of depth D over Poseidon2 (node = compress(left, right)). Only non-empty nodes are
 * stored; empty subtrees take their fixed digests.
 */
export class SparseMerkleTree {
  readonly depth: number;
  private readonly empty: readonly Digest[];
  /** levels[h]: node index at height h -> digest (height 0 = leaves). */
  private readonly levels: Map<number, Digest>[];

  constructor(depth: number) {
    checkTreeDepth(depth);
    this.depth = depth;
    this.empty = emptyDigests(depth);
    this.levels = Array.from({ length: depth + 1 }, () => new Map<number, Digest>());
  }

  get capacity(): number {
    return 2 ** this.depth;
  }

  get root(): Digest {
    return this.node(this.depth, 0);
  }

  leaf(index: number): Digest {
    this.checkIndex(index);
    return this.node(0, index);
  }

  /** Set leaf `index` and update its path; an empty digest (all zeros) removes the leaf. */
  setLeaf(index: number, leaf: Digest): void {
    this.checkIndex(index);
    let node = leaf;
    let i = index;
    for (let h = 0; h <= this.depth; h++) {
      if (digestEquals(node, this.empty[h]!)) this.levels[h]!.delete(i);
      else this.levels[h]!.set(i, node);
      if (h === this.depth) break;
      const sibling = this.node(h, i ^ 1);
      node = i % 2 === 1 ? poseidon2Compress(sibling, node) : poseidon2Compress(node, sibling);
      i = Math.floor(i / 2);
    }
  }

  proof(index: number): MerkleProof {
    this.checkIndex(index);
    const siblings: Digest[] = [];
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      siblings.push(this.node(h, i ^ 1).slice()); // copies: callers may edit proofs
      i = Math.floor(i / 2);
    }
    return { index, siblings };
  }

  private node(height: number, index: number): Digest {
    return this.levels[height]!.get(index) ?? this.empty[height]!;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`leaf index ${index} outside the tree (depth ${this.depth})`);
    }
  }
}
