/**
 * Poseidon2 over BabyBear, exactly Plonky3's default instances (width 16: 8 full + 13 partial rounds;
 * width 24: 8 full + 21 partial rounds; S-box x^7). This is the pure-JS reference every other
 * implementation (wasm/cuda kernels, the `transfer-v1` AIR) is tested against.
 *
 * Round structure (Plonky3 `Poseidon2::permute_mut`):
 *   state = M_E(state)
 *   4 × { state += rc_initial[r]; state = state^7; state = M_E(state) }
 *   R_P × { state[0] += rc_internal[r]; state[0] = state[0]^7; state = M_I(state) }
 *   4 × { state += rc_final[r]; state = state^7; state = M_E(state) }
 * M_E: each 4-chunk multiplied by M4 = [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]], then every element
 * gets the sum of the elements at its position mod 4 added (circ(2·M4, M4, …)).
 * M_I = J + diag(V): new[i] = V[i]·state[i] + Σ state.
 * All values are canonical (0 <= x < p); constants in poseidon2-constants.ts are canonical as well.
 */
import { P, mul } from "../field/babybear.js";
import {
  EXTERNAL_FINAL_16,
  EXTERNAL_FINAL_24,
  EXTERNAL_INITIAL_16,
  EXTERNAL_INITIAL_24,
  INTERNAL_16,
  INTERNAL_24,
  INTERNAL_DIAGONAL_16,
  INTERNAL_DIAGONAL_24,
} from "./poseidon2-constants.js";

/** One Poseidon2 instance: width and round constants (canonical). */
export interface Poseidon2Params {
  readonly width: number;
  /** rounds_full / 2 arrays of `width` constants for the initial full rounds. */
  readonly externalInitial: readonly (readonly number[])[];
  /** rounds_full / 2 arrays of `width` constants for the final full rounds. */
  readonly externalFinal: readonly (readonly number[])[];
  /** One constant per partial round (added to state[0]). */
  readonly internal: readonly number[];
  /** V of M_I = J + diag(V). */
  readonly internalDiagonal: readonly number[];
}

export const POSEIDON2_16: Poseidon2Params = {
  width: 16,
  externalInitial: EXTERNAL_INITIAL_16,
  externalFinal: EXTERNAL_FINAL_16,
  internal: INTERNAL_16,
  internalDiagonal: INTERNAL_DIAGONAL_16,
};

export const POSEIDON2_24: Poseidon2Params = {
  width: 24,
  externalInitial: EXTERNAL_INITIAL_24,
  externalFinal: EXTERNAL_FINAL_24,
  internal: INTERNAL_24,
  internalDiagonal: INTERNAL_DIAGONAL_24,
};

/** x^7 in BabyBear. */
export function sbox(x: number): number {
  const x2 = mul(x, x);
  const x3 = mul(x2, x);
  return mul(mul(x3, x3), x);
}

/** External linear layer M_E, in place on state[off .. off+width). */
export function externalLinearLayer(state: Uint32Array | number[], width: number, off = 0): void {
  // Each 4-chunk times M4 (Plonky3 apply_mat4: the same matrix, computed with few additions).
  for (let c = off; c < off + width; c += 4) {
    const a = state[c]!, b = state[c + 1]!, d = state[c + 2]!, e = state[c + 3]!;
    const t01 = a + b, t23 = d + e, t0123 = t01 + t23;
    const t01123 = t0123 + b, t01233 = t0123 + e;
    state[c] = (t01123 + t01) % P; //       2a + 3b + c + d
    state[c + 1] = (t01123 + 2 * d) % P; // a + 2b + 3c + d
    state[c + 2] = (t01233 + t23) % P; //   a + b + 2c + 3d
    state[c + 3] = (t01233 + 2 * a) % P; // 3a + b + c + 2d
  }
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let c = off; c < off + width; c += 4) {
    s0 += state[c]!;
    s1 += state[c + 1]!;
    s2 += state[c + 2]!;
    s3 += state[c + 3]!;
  }
  s0 %= P; s1 %= P; s2 %= P; s3 %= P;
  for (let c = off; c < off + width; c += 4) {
    state[c] = (state[c]! + s0) % P;
    state[c + 1] = (state[c + 1]! + s1) % P;
    state[c + 2] = (state[c + 2]! + s2) % P;
    state[c + 3] = (state[c + 3]! + s3) % P;
  }
}

/** Internal linear layer M_I = J + diag(V), in place on state[off .. off+width). */
export function internalLinearLayer(state: Uint32Array | number[], params: Poseidon2Params, off = 0): void {
  const w = params.width;
  let sum = 0;
  for (let i = 0; i < w; i++) sum += state[off + i]!;
  sum %= P;
  const v = params.internalDiagonal;
  for (let i = 0; i < w; i++) state[off + i] = (mul(v[i]!, state[off + i]!) + sum) % P;
}

/** Permute state[off .. off+width) in place (canonical in, canonical out). */
export function poseidon2PermuteInPlace(params: Poseidon2Params, state: Uint32Array | number[], off = 0): void {
  const w = params.width;
  externalLinearLayer(state, w, off);
  for (const rc of params.externalInitial) fullRound(state, w, off, rc);
  for (const c of params.internal) {
    state[off] = sbox((state[off]! + c) % P);
    internalLinearLayer(state, params, off);
  }
  for (const rc of params.externalFinal) fullRound(state, w, off, rc);
}

function fullRound(state: Uint32Array | number[], w: number, off: number, rc: readonly number[]): void {
  for (let i = 0; i < w; i++) state[off + i] = sbox((state[off + i]! + rc[i]!) % P);
  externalLinearLayer(state, w, off);
}

function checkedCopy(state: ArrayLike<number>, width: number): number[] {
  if (state.length !== width) throw new RangeError(`poseidon2: state must have ${width} elements, got ${state.length}`);
  const out = new Array<number>(width);
  for (let i = 0; i < width; i++) {
    const x = state[i]!;
    if (!Number.isInteger(x) || x < 0 || x >= P) throw new RangeError(`poseidon2: state[${i}] = ${x} is not a canonical BabyBear element`);
    out[i] = x;
  }
  return out;
}

/** Poseidon2-BabyBear width-16 permutation (Plonky3 default constants). Returns a new array. */
export function poseidon2Permute16(state: ArrayLike<number>): number[] {
  const s = checkedCopy(state, 16);
  poseidon2PermuteInPlace(POSEIDON2_16, s);
  return s;
}

/** Poseidon2-BabyBear width-24 permutation (Plonky3 default constants). Returns a new array. */
export function poseidon2Permute24(state: ArrayLike<number>): number[] {
  const s = checkedCopy(state, 24);
  poseidon2PermuteInPlace(POSEIDON2_24, s);
  return s;
}

/** In place: permute every consecutive 16-word state of `states` (bulk form used by backends). */
export function poseidon2Permute16Many(states: Uint32Array): void {
  if (states.length % 16 !== 0) throw new RangeError("poseidon2Permute16Many: length is not a multiple of 16");
  for (let off = 0; off < states.length; off += 16) poseidon2PermuteInPlace(POSEIDON2_16, states, off);
}

/** In place: permute every consecutive 24-word state of `states` (bulk form used by backends). */
export function poseidon2Permute24Many(states: Uint32Array): void {
  if (states.length % 24 !== 0) throw new RangeError("poseidon2Permute24Many: length is not a multiple of 24");
  for (let off = 0; off < states.length; off += 24) poseidon2PermuteInPlace(POSEIDON2_24, states, off);
}

/** Digest size (elements) of the sponge and of the compression: 8 × 31 bits. */
export const DIGEST_ELEMENTS = 8;
/** Sponge rate over the width-16 permutation (capacity 8). */
export const SPONGE_RATE = 8;

/**
 * Poseidon2 sponge over the width-16 permutation, rate 8, capacity 8, overwrite mode (as Plonky3's
 * PaddingFreeSponge<_, 16, 8, 8>) with one difference: the capacity's first element starts as the input
 * length, so inputs of different lengths never collide without any padding. The input is cut into
 * chunks of 8; each chunk overwrites state[0 .. len) and the state is permuted; an empty input is one
 * permutation of the initial state. Output: state[0 .. 8).
 */
export function poseidon2Hash(input: ArrayLike<number>): number[] {
  const state = new Uint32Array(16);
  state[SPONGE_RATE] = input.length % P;
  if (input.length === 0) poseidon2PermuteInPlace(POSEIDON2_16, state);
  for (let start = 0; start < input.length; start += SPONGE_RATE) {
    const end = Math.min(start + SPONGE_RATE, input.length);
    for (let i = start; i < end; i++) {
      const x = input[i]!;
      if (!Number.isInteger(x) || x < 0 || x >= P) throw new RangeError(`poseidon2Hash: input[${i}] = ${x} is not canonical`);
      state[i - start] = x;
    }
    poseidon2PermuteInPlace(POSEIDON2_16, state);
  }
  return Array.from(state.subarray(0, DIGEST_ELEMENTS));
}

/**
 * 2-to-1 compression of two 8-element digests (Plonky3 TruncatedPermutation<_, 2, 8, 16>):
 * the first 8 elements of the width-16 permutation of left ‖ right.
 */
export function poseidon2Compress(left: ArrayLike<number>, right: ArrayLike<number>): number[] {
  if (left.length !== DIGEST_ELEMENTS || right.length !== DIGEST_ELEMENTS) {
    throw new RangeError("poseidon2Compress: both inputs must have 8 elements");
  }
  const state = new Uint32Array(16);
  for (let i = 0; i < 8; i++) {
    const l = left[i]!, r = right[i]!;
    if (!(l >= 0 && l < P && r >= 0 && r < P)) throw new RangeError(`poseidon2Compress: element ${i} is not canonical`);
    state[i] = l;
    state[8 + i] = r;
  }
  poseidon2PermuteInPlace(POSEIDON2_16, state);
  return Array.from(state.subarray(0, DIGEST_ELEMENTS));
}
