/**
 * Merkle hashers of the two hash configurations (docs/proof-system.md §3.1). A digest is always 32
 * bytes: Keccak-256 output, or 8 canonical BabyBear elements as u32 little-endian words.
 *
 * keccak:    leaf = keccak256(leaf words as u32 LE),        node = keccak256(left ‖ right)
 * poseidon2: leaf = poseidon2Hash(leaf words) (length-tagged sponge, rate 8),
 *            node = poseidon2Compress(left, right) = permute(left ‖ right)[0..8)
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { HashConfig } from "../hash/config.js";
import { hashPair } from "../hash/keccak.js";
import { poseidon2Compress, poseidon2Hash } from "../hash/poseidon2.js";
import { P } from "../field/babybear.js";

export interface MerkleHasher {
  readonly config: HashConfig;
  /** Digest of a leaf's words (each a canonical field element). */
  leaf(words: Uint32Array): Uint8Array;
  /** Digest of an inner node from its two children. */
  node(left: Uint8Array, right: Uint8Array): Uint8Array;
  /** Whether 32 bytes are a digest this hasher can produce (poseidon2: 8 canonical words). */
  isDigest(d: Uint8Array): boolean;
}

/** The 8 words of a 32-byte digest (u32 LE). */
export function digestWords(d: Uint8Array): Uint32Array {
  const out = new Uint32Array(8);
  const dv = new DataView(d.buffer, d.byteOffset, 32);
  for (let i = 0; i < 8; i++) out[i] = dv.getUint32(4 * i, true);
  return out;
}

/** 32 bytes holding 8 words as u32 LE. */
export function wordsDigest(w: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) dv.setUint32(4 * i, w[i]!, true);
  return out;
}

export const keccakHasher: MerkleHasher = {
  config: "keccak",
  leaf(words) {
    return keccak_256(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
  },
  node: hashPair,
  isDigest: (d) => d.length === 32,
};

export const poseidon2Hasher: MerkleHasher = {
  config: "poseidon2",
  leaf(words) {
    return wordsDigest(poseidon2Hash(words));
  },
  node(left, right) {
    return wordsDigest(poseidon2Compress(digestWords(left), digestWords(right)));
  },
  isDigest(d) {
    if (d.length !== 32) return false;
    return digestWords(d).every((x) => x < P);
  },
};

export function hasherFor(config: HashConfig): MerkleHasher {
  return config === "keccak" ? keccakHasher : poseidon2Hasher;
}
