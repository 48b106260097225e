import { poseidon2Hash } from "../stark/hash/poseidon2.js";
import { type Digest, ZERO_DIGEST } from "./digest.js";

/** An L2 account: the digest of its owner's key, a balance < 2^30 and a nonce (transactions sent). */
export interface Account {
  readonly key: Digest;
  readonly balance: number;
  readonly nonce: number;
}

/** Leaf of an empty slot: the zero digest (a sponge output of zero has negligible probability). */
export const EMPTY_LEAF: Digest = ZERO_DIGEST;

/** Leaf of an account: Poseidon2 sponge of (key[0..8], balance, nonce) — two width-16 permutations. */
export function accountLeaf(a: Account): Digest {
  return poseidon2Hash([...a.key, a.balance, a.nonce]);
}

/** The leaf of a slot: the account's leaf, or EMPTY_LEAF for an empty slot. */
export function slotLeaf(a: Account | undefined): Digest {
  return a === undefined ? EMPTY_LEAF : accountLeaf(a);
}

/** An owner key digest derived from a seed (samples and tests; real keys are hashed the same way). */
export function keyDigestFromSeed(seed: number, salt = 0): Digest {
  return poseidon2Hash([seed >>> 0 & 0x3fffffff, salt >>> 0 & 0x3fffffff]);
}
