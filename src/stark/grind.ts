/** Proof-of-work grinding, reference implementations: the smallest nonce that passes each check. */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { leadingZeroBits, powSampleOk } from "./transcript.js";
import { P } from "./field/babybear.js";
import { POSEIDON2_16, poseidon2PermuteInPlace } from "./hash/poseidon2.js";
import { AbortError } from "../util/errors.js";

/** Keccak: smallest nonce with keccak256(state ‖ u64le(nonce)) starting with `bits` zero bits. */
export function grindReference(state: Uint8Array, bits: number, signal?: AbortSignal): bigint {
  if (bits === 0) return 0n;
  const buf = new Uint8Array(state.length + 8);
  buf.set(state, 0);
  const dv = new DataView(buf.buffer);
  for (let nonce = 0n; ; nonce++) {
    if ((nonce & 0xffffn) === 0n && signal?.aborted) throw new AbortError("grinding aborted");
    dv.setBigUint64(state.length, nonce, true);
    if (leadingZeroBits(keccak_256(buf)) >= bits) return nonce;
  }
}

/**
 * Poseidon2 duplex: smallest nonce n < p such that, with the sponge `state` (16 elements) and the
 * `pending` inputs (fewer than 8), observing n and sampling gives an element x < p − 1 whose low
 * `bits` bits are zero. Each try is one permutation: rate ← pending ‖ n ‖ 0…, state[15] += len + 1.
 */
export function grindPoseidon2Reference(state: Uint32Array, pending: Uint32Array, bits: number, signal?: AbortSignal): bigint {
  if (state.length !== 16 || pending.length >= 8) throw new RangeError("grindPoseidon2: state must have 16 elements and fewer than 8 pending inputs");
  const l = pending.length + 1;
  const s = new Uint32Array(16);
  for (let nonce = 0; nonce < P; nonce++) {
    if ((nonce & 0xffff) === 0 && signal?.aborted) throw new AbortError("grinding aborted");
    s.set(state);
    for (let i = 0; i < 8; i++) s[i] = i < pending.length ? pending[i]! : 0;
    s[pending.length] = nonce;
    s[15] = (state[15]! + l) % P;
    poseidon2PermuteInPlace(POSEIDON2_16, s);
    if (powSampleOk(s[0]!, bits)) return BigInt(nonce);
  }
  throw new RangeError(`no nonce below p gives ${bits} proof-of-work bits`);
}
