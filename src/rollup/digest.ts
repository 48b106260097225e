import { P } from "../stark/field/babybear.js";
import { DIGEST_ELEMENTS } from "../stark/hash/poseidon2.js";

/** A Poseidon2 digest: 8 canonical BabyBear elements (a state root, a leaf, a tree node, a key digest). */
export type Digest = readonly number[];

export const ZERO_DIGEST: Digest = Object.freeze(new Array<number>(DIGEST_ELEMENTS).fill(0));

export function isDigest(d: unknown): d is Digest {
  return Array.isArray(d) && d.length === DIGEST_ELEMENTS && d.every((x) => Number.isInteger(x) && x >= 0 && x < P);
}

export function digestEquals(a: Digest, b: Digest): boolean {
  for (let i = 0; i < DIGEST_ELEMENTS; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A root as the bytes32 the L1 contracts store: the 8 elements as u32 little-endian, element 0 first.
 * Returned as a 0x-prefixed hex string (viem's Hex).
 */
export function digestToBytes32(d: Digest): `0x${string}` {
  return `0x${Buffer.from(digestToBytes(d)).toString("hex")}`;
}

export function digestToBytes(d: Digest): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  for (let i = 0; i < DIGEST_ELEMENTS; i++) view.setUint32(4 * i, d[i]!, true);
  return out;
}

/** Inverse of digestToBytes32; throws RangeError on a wrong length or a non-canonical element. */
export function digestFromBytes32(hex: string): Digest {
  const m = /^0x([0-9a-fA-F]{64})$/.exec(hex);
  if (!m) throw new RangeError("bytes32 expected (0x + 64 hex digits)");
  const bytes = Buffer.from(m[1]!, "hex");
  const out: number[] = [];
  for (let i = 0; i < DIGEST_ELEMENTS; i++) {
    const x = bytes.readUInt32LE(4 * i);
    if (x >= P) throw new RangeError(`bytes32 element ${i} = ${x} is not a canonical BabyBear element`);
    out.push(x);
  }
  return out;
}

export function digestToHex(d: Digest): string {
  return digestToBytes32(d);
}
