// Poseidon2-BabyBear (Plonky3 instance), widths 16 and 24, four states at a time: the states are
// transposed so lane l of vector i holds word i of state l, and every step is lane-parallel.
// Inside, values are in Montgomery form (the constants are stored that way); input and output canonical.
// Width 16 runs the generated, unrolled permute16Unrolled (poseidon2-16.ts, about 1.6× these loops);
// width 24 runs the loops below.

import { R2_MOD_P, vAdd, vMontMul } from "./field";
import { permute16Unrolled } from "./poseidon2-16";
import { EXT_INITIAL_24, EXT_FINAL_24, INTERNAL_24, DIAG_24, PARTIAL_ROUNDS_24 } from "./poseidon2-constants";

@inline function sbox(x: v128): v128 {
  const x2 = vMontMul(x, x);
  const x3 = vMontMul(x2, x);
  const x6 = vMontMul(x3, x3);
  return vMontMul(x6, x);
}

/** x ← M4·x for the 4 vectors at p (Plonky3's apply_mat4: [[2,3,1,1],[1,2,3,1],[1,1,2,3],[3,1,1,2]]). */
@inline function mat4(p: usize): void {
  const x0 = v128.load(p);
  const x1 = v128.load(p, 16);
  const x2 = v128.load(p, 32);
  const x3 = v128.load(p, 48);
  const t01 = vAdd(x0, x1);
  const t23 = vAdd(x2, x3);
  const t0123 = vAdd(t01, t23);
  const t01123 = vAdd(t0123, x1);
  const t01233 = vAdd(t0123, x3);
  v128.store(p, vAdd(t01123, t01));
  v128.store(p, vAdd(t01123, vAdd(x2, x2)), 16);
  v128.store(p, vAdd(t01233, t23), 32);
  v128.store(p, vAdd(t01233, vAdd(x0, x0)), 48);
}

/** External layer: M4 per chunk, then add to each word the sum of its column across chunks. */
function externalLinear(s: usize, width: u32): void {
  for (let c: u32 = 0; c < width; c += 4) mat4(s + (<usize>c << 4));
  for (let k: u32 = 0; k < 4; k++) {
    let sum = i32x4.splat(0);
    for (let c: u32 = 0; c < width; c += 4) sum = vAdd(sum, v128.load(s + (<usize>(c + k) << 4)));
    for (let c: u32 = 0; c < width; c += 4) {
      const p = s + (<usize>(c + k) << 4);
      v128.store(p, vAdd(v128.load(p), sum));
    }
  }
}

function fullRounds(s: usize, width: u32, rc: usize): void {
  for (let r: u32 = 0; r < 4; r++) {
    for (let i: u32 = 0; i < width; i++) {
      const p = s + (<usize>i << 4);
      const c = i32x4.splat(load<u32>(rc + (<usize>(r * width + i) << 2)));
      v128.store(p, sbox(vAdd(v128.load(p), c)));
    }
    externalLinear(s, width);
  }
}

function partialRounds(s: usize, width: u32, rounds: u32, rc: usize, diag: usize): void {
  for (let r: u32 = 0; r < rounds; r++) {
    v128.store(s, sbox(vAdd(v128.load(s), i32x4.splat(load<u32>(rc + (<usize>r << 2))))));
    let sum = i32x4.splat(0);
    for (let i: u32 = 0; i < width; i++) sum = vAdd(sum, v128.load(s + (<usize>i << 4)));
    for (let i: u32 = 0; i < width; i++) {
      const p = s + (<usize>i << 4);
      v128.store(p, vAdd(vMontMul(v128.load(p), i32x4.splat(load<u32>(diag + (<usize>i << 2)))), sum));
    }
  }
}

/** 4×4 transpose of the vectors at (a, a + stride, a + 2·stride, a + 3·stride) into 4 vectors at dst. */
@inline export function transpose4(a: usize, stride: usize, dst: usize, dstStride: usize, scale: v128): void {
  const v0 = vMontMul(v128.load(a), scale);
  const v1 = vMontMul(v128.load(a + stride), scale);
  const v2 = vMontMul(v128.load(a + 2 * stride), scale);
  const v3 = vMontMul(v128.load(a + 3 * stride), scale);
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dstStride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/**
 * The width-16 permutation of four states held transposed at s (vector i = word i of the four states,
 * Montgomery form), in place: the core the Merkle and grinding kernels (poseidon2-merkle.ts) share.
 */
@inline export function permute16Lanes(s: usize): void {
  permute16Unrolled(s);
}

/** Permute 4 consecutive states at p in place; s is a width·16-byte scratch. */
function permute4(p: usize, width: u32, s: usize): void {
  const stateBytes = <usize>width << 2;
  const toMont = i32x4.splat(R2_MOD_P);
  const fromMont = i32x4.splat(1);
  for (let g: u32 = 0; g < width; g += 4) transpose4(p + (<usize>g << 2), stateBytes, s + (<usize>g << 4), 16, toMont);
  if (width == 16) {
    permute16Lanes(s);
  } else {
    externalLinear(s, 24);
    fullRounds(s, 24, EXT_INITIAL_24);
    partialRounds(s, 24, PARTIAL_ROUNDS_24, INTERNAL_24, DIAG_24);
    fullRounds(s, 24, EXT_FINAL_24);
  }
  for (let g: u32 = 0; g < width; g += 4) transpose4(s + (<usize>g << 4), 16, p + (<usize>g << 2), stateBytes, fromMont);
}

/**
 * States [start, end) of the array at states (each `width` words, width 16 or 24) permuted in place.
 * scratch: width·16 bytes for the transposed state plus 4·width·4 bytes for a padded tail group.
 */
export function poseidon2Permute(states: usize, width: u32, start: u32, end: u32, scratch: usize): void {
  const stateBytes = <usize>width << 2;
  let i = start;
  for (; i + 4 <= end; i += 4) permute4(states + <usize>i * stateBytes, width, scratch);
  const rest = end - i;
  if (rest > 0) {
    const pad = scratch + (<usize>width << 4);
    memory.fill(pad, 0, 4 * stateBytes);
    memory.copy(pad, states + <usize>i * stateBytes, <usize>rest * stateBytes);
    permute4(pad, width, scratch);
    memory.copy(states + <usize>i * stateBytes, pad, <usize>rest * stateBytes);
  }
}
