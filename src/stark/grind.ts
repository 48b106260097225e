/** Proof-of-work grinding, reference implementation: the smallest nonce that passes `checkPow`. */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { leadingZeroBits } from "./transcript.js";
import { AbortError } from "../util/errors.js";

export function grindReference(state: Uint8Array, bits: number, signal?: AbortSignal): bigint {
  if (bits === 0) return 0n;
  const buf = new Uint8Array(40);
  buf.set(state, 0);
  const dv = new DataView(buf.buffer);
  for (let nonce = 0n; ; nonce++) {
    if ((nonce & 0xffffn) === 0n && signal?.aborted) throw new AbortError("grinding aborted");
    dv.setBigUint64(32, nonce, true);
    if (leadingZeroBits(keccak_256(buf)) >= bits) return nonce;
  }
}
