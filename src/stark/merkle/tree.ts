/**
 * Merkle trees over column-major matrices (docs/proof-system.md §3), with either hasher, optional
 * caps, and batched multi-proofs.
 *
 * Leaf i of a matrix of height H grouped `arity` rows per leaf (L = H/arity leaves) is the hash of
 * row(i) ‖ row(i+L) ‖ … ‖ row(i+(arity−1)L), a row being its elements in column order. With arity 2^s
 * the leaf holds exactly the 2^s points of the coset that one FRI fold of arity 2^s combines.
 *
 * A tree of depth d committed with cap height c (c' = min(c, d)) is committed as its 2^c' digests at
 * level d − c' (the cap; c' = 0 is the root). Openings then stop at the cap level.
 */
import type { MerkleTreeData } from "../backend.js";
import { keccakHasher, type MerkleHasher } from "./hasher.js";
import { log2Exact } from "../poly/ntt.js";

export type { MerkleTreeData };

/** The words of leaf i (rows i, i+L, … in column order). */
export function leafWords(columns: readonly Uint32Array[], arity: number, i: number): Uint32Array {
  const height = columns[0]!.length;
  const L = height / arity;
  const w = columns.length;
  const out = new Uint32Array(w * arity);
  let o = 0;
  for (let m = 0; m < arity; m++) {
    const row = i + m * L;
    for (let c = 0; c < w; c++) out[o++] = columns[c]![row]!;
  }
  return out;
}

/** keccak256 of u32 words as little-endian bytes (the keccak leaf hash). */
export function hashWords(words: Uint32Array): Uint8Array {
  return keccakHasher.leaf(words);
}

/** Reference Merkle commitment (used by the js backend). */
export function buildMerkleTree(columns: readonly Uint32Array[], arity: number, hasher: MerkleHasher = keccakHasher): MerkleTreeData {
  if (columns.length === 0) throw new RangeError("Merkle tree over a matrix with no columns");
  const height = columns[0]!.length;
  for (const c of columns) if (c.length !== height) throw new RangeError("Merkle tree: columns of unequal height");
  log2Exact(height);
  log2Exact(arity);
  if (arity > height) throw new RangeError("Merkle tree: leaf arity exceeds height");
  const leafCount = height / arity;
  const leaves = new Uint8Array(leafCount * 32);
  for (let i = 0; i < leafCount; i++) leaves.set(hasher.leaf(leafWords(columns, arity, i)), 32 * i);
  return { levels: buildLevels(leaves, hasher) };
}

/** All levels above a leaf-digest level. */
export function buildLevels(leaves: Uint8Array, hasher: MerkleHasher = keccakHasher): Uint8Array[] {
  const levels = [leaves];
  let cur = leaves;
  while (cur.length > 32) {
    const count = cur.length / 64;
    const next = new Uint8Array(count * 32);
    for (let i = 0; i < count; i++) next.set(hasher.node(cur.subarray(64 * i, 64 * i + 32), cur.subarray(64 * i + 32, 64 * i + 64)), 32 * i);
    levels.push(next);
    cur = next;
  }
  return levels;
}

export function treeDepth(tree: MerkleTreeData): number {
  return tree.levels.length - 1;
}

export function merkleRoot(tree: MerkleTreeData): Uint8Array {
  return tree.levels[tree.levels.length - 1]!.slice(0, 32);
}

/** Effective cap height of a tree of `depth` levels committed with cap height `logCap`. */
export function capHeight(depth: number, logCap: number): number {
  return Math.min(depth, logCap);
}

/** The tree's cap: the 2^c' digests at level depth − c' (c' = min(logCap, depth)). */
export function merkleCap(tree: MerkleTreeData, logCap: number): Uint8Array[] {
  const depth = treeDepth(tree);
  const level = tree.levels[depth - capHeight(depth, logCap)]!;
  const out: Uint8Array[] = [];
  for (let i = 0; i < level.length; i += 32) out.push(level.slice(i, i + 32));
  return out;
}

/**
 * Batched multi-proof for sorted, distinct leaf indices: the sibling digests that cannot be computed
 * from the opened leaves, level by level from the leaves up to the cap, left to right within a level.
 */
export function openMulti(tree: MerkleTreeData, indices: readonly number[], logCap = 0): Uint8Array[] {
  const siblings: Uint8Array[] = [];
  const depth = treeDepth(tree);
  const levels = depth - capHeight(depth, logCap);
  let idx = [...indices];
  for (let l = 0; l < levels; l++) {
    const level = tree.levels[l]!;
    const next: number[] = [];
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      const sib = i ^ 1;
      if (k + 1 < idx.length && idx[k + 1] === sib) k++;
      else siblings.push(level.slice(32 * sib, 32 * sib + 32));
      next.push(i >> 1);
    }
    idx = next;
  }
  return siblings;
}

/** Number of sibling digests a multi-proof for these indices over `levels` levels holds. */
export function multiProofSize(indices: readonly number[], levels: number): number {
  let count = 0;
  let idx = [...indices];
  for (let l = 0; l < levels; l++) {
    const next: number[] = [];
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      if (k + 1 < idx.length && idx[k + 1] === (i ^ 1)) k++;
      else count++;
      next.push(i >> 1);
    }
    idx = next;
  }
  return count;
}

/**
 * Walk a multi-proof from the opened leaf digests (same order as `indices`) up `levels` levels.
 * Returns the distinct node indices reached and their digests (ascending), or null when the inputs
 * are malformed: unsorted, duplicate or out-of-range indices (leaves < 2^depth), or a sibling count
 * that does not match the walk exactly.
 */
export function walkMultiProof(
  leafDigests: readonly Uint8Array[],
  indices: readonly number[],
  siblings: readonly Uint8Array[],
  depth: number,
  levels: number,
  hasher: MerkleHasher,
): { indices: number[]; digests: Uint8Array[] } | null {
  if (indices.length === 0 || leafDigests.length !== indices.length) return null;
  const leafCount = 2 ** depth;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= leafCount) return null;
    if (k > 0 && i <= indices[k - 1]!) return null;
  }
  let idx = [...indices];
  let hashes = [...leafDigests];
  let s = 0;
  for (let l = 0; l < levels; l++) {
    const nextIdx: number[] = [];
    const nextHashes: Uint8Array[] = [];
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      let left: Uint8Array, right: Uint8Array;
      if (k + 1 < idx.length && idx[k + 1] === (i ^ 1)) {
        left = hashes[k]!;
        right = hashes[k + 1]!;
        k++;
      } else {
        if (s >= siblings.length) return null;
        const sib = siblings[s++]!;
        if (i & 1) {
          left = sib;
          right = hashes[k]!;
        } else {
          left = hashes[k]!;
          right = sib;
        }
      }
      nextIdx.push(i >> 1);
      nextHashes.push(hasher.node(left, right));
    }
    idx = nextIdx;
    hashes = nextHashes;
  }
  if (s !== siblings.length) return null;
  return { indices: idx, digests: hashes };
}

/** Recompute the root of a depth-`depth` tree from a multi-proof (no cap); null when malformed. */
export function computeMultiRoot(
  leafDigests: readonly Uint8Array[],
  indices: readonly number[],
  siblings: readonly Uint8Array[],
  depth: number,
  hasher: MerkleHasher = keccakHasher,
): Uint8Array | null {
  const r = walkMultiProof(leafDigests, indices, siblings, depth, depth, hasher);
  return r ? r.digests[0]! : null;
}
