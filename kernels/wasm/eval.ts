// Evaluation of base-field polynomials (coefficients) at a point z ∈ K: the out-of-domain openings.
// P(z) = Σ_l z^l·Q_l(z^4) with Q_l(y) = Σ_j c_{4j+l} y^j, so one vector load feeds the four Horner
// chains (lane l runs Q_l) and every step is one lane-parallel K multiplication by z^4.

import { add, montMul, toMont, kMul, k0, k1, k2, k3, vAdd, vMontMul, vkMul, kv0, kv1, kv2, kv3 } from "./field";

/** out (4 canonical words) = P(z) for the n coefficients at coefs; z: 4 canonical words at zPtr. */
export function evalAtExt(coefs: usize, n: u32, zPtr: usize, out: usize): void {
  const z0 = toMont(load<u32>(zPtr)), z1 = toMont(load<u32>(zPtr, 4)), z2 = toMont(load<u32>(zPtr, 8)), z3 = toMont(load<u32>(zPtr, 12));
  let r0: u32 = 0, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0;
  if (n >= 4 && (n & 3) == 0) {
    // z^2, z^3, z^4 in Montgomery form
    kMul(z0, z1, z2, z3, z0, z1, z2, z3);
    const s0 = k0, s1 = k1, s2 = k2, s3 = k3;
    kMul(s0, s1, s2, s3, z0, z1, z2, z3);
    const t0 = k0, t1 = k1, t2 = k2, t3 = k3;
    kMul(s0, s1, s2, s3, s0, s1, s2, s3);
    const f0 = k0, f1 = k1, f2 = k2, f3 = k3;
    const q0 = i32x4.splat(f0), q1 = i32x4.splat(f1), q2 = i32x4.splat(f2), q3 = i32x4.splat(f3);
    let a0 = i32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let j = n;
    if ((n & 7) == 0) {
      // Two independent chains (coefficients 8j..8j+3 and 8j+4..8j+7, step z^8) hide the latency of
      // the K multiplication; then A + z^4·B.
      kMul(f0, f1, f2, f3, f0, f1, f2, f3);
      const e0 = i32x4.splat(k0), e1 = i32x4.splat(k1), e2 = i32x4.splat(k2), e3 = i32x4.splat(k3);
      let b0 = a0, b1 = a0, b2 = a0, b3 = a0;
      for (; j > 0; ) {
        j -= 8;
        vkMul(a0, a1, a2, a3, e0, e1, e2, e3);
        const n0 = kv0, n1 = kv1, n2 = kv2, n3 = kv3;
        vkMul(b0, b1, b2, b3, e0, e1, e2, e3);
        a0 = vAdd(n0, v128.load(coefs + (<usize>j << 2)));
        a1 = n1;
        a2 = n2;
        a3 = n3;
        b0 = vAdd(kv0, v128.load(coefs + (<usize>(j + 4) << 2)));
        b1 = kv1;
        b2 = kv2;
        b3 = kv3;
      }
      vkMul(b0, b1, b2, b3, q0, q1, q2, q3);
      a0 = vAdd(a0, kv0);
      a1 = vAdd(a1, kv1);
      a2 = vAdd(a2, kv2);
      a3 = vAdd(a3, kv3);
    }
    for (; j > 0; ) {
      j -= 4;
      vkMul(a0, a1, a2, a3, q0, q1, q2, q3);
      a0 = vAdd(kv0, v128.load(coefs + (<usize>j << 2)));
      a1 = kv1;
      a2 = kv2;
      a3 = kv3;
    }
    // Σ_l z^l·acc_l (acc canonical, powers of z in Montgomery form: products canonical)
    r0 = <u32>i32x4.extract_lane(a0, 0);
    r1 = <u32>i32x4.extract_lane(a1, 0);
    r2 = <u32>i32x4.extract_lane(a2, 0);
    r3 = <u32>i32x4.extract_lane(a3, 0);
    kMul(<u32>i32x4.extract_lane(a0, 1), <u32>i32x4.extract_lane(a1, 1), <u32>i32x4.extract_lane(a2, 1), <u32>i32x4.extract_lane(a3, 1), z0, z1, z2, z3);
    r0 = add(r0, k0); r1 = add(r1, k1); r2 = add(r2, k2); r3 = add(r3, k3);
    kMul(<u32>i32x4.extract_lane(a0, 2), <u32>i32x4.extract_lane(a1, 2), <u32>i32x4.extract_lane(a2, 2), <u32>i32x4.extract_lane(a3, 2), s0, s1, s2, s3);
    r0 = add(r0, k0); r1 = add(r1, k1); r2 = add(r2, k2); r3 = add(r3, k3);
    kMul(<u32>i32x4.extract_lane(a0, 3), <u32>i32x4.extract_lane(a1, 3), <u32>i32x4.extract_lane(a2, 3), <u32>i32x4.extract_lane(a3, 3), t0, t1, t2, t3);
    r0 = add(r0, k0); r1 = add(r1, k1); r2 = add(r2, k2); r3 = add(r3, k3);
  } else {
    for (let j = n; j > 0; ) {
      j--;
      kMul(r0, r1, r2, r3, z0, z1, z2, z3);
      r0 = add(k0, load<u32>(coefs + (<usize>j << 2)));
      r1 = k1;
      r2 = k2;
      r3 = k3;
    }
  }
  store<u32>(out, r0);
  store<u32>(out, r1, 4);
  store<u32>(out, r2, 8);
  store<u32>(out, r3, 12);
}

/** Pairs [start, end) of (column, point), pair q = point·numCols + column; column c at the byte address coefs[c] (a table). */
export function evalAtExtBatch(coefs: usize, n: u32, numCols: u32, points: usize, out: usize, start: u32, end: u32): void {
  for (let q = start; q < end; q++) {
    const c = q % numCols;
    const p = q / numCols;
    evalAtExt(<usize>load<u32>(coefs + (<usize>c << 2)), n, points + (<usize>p << 4), out + (<usize>q << 4));
  }
}

/**
 * The powers z^j, j in [start, end), of z (4 canonical words at zPtr) in Montgomery form, planar:
 * coordinate e of z^j at out + (e·n + j)·4. One K product per power, from z^start.
 */
export function extPowersPlanar(out: usize, n: u32, zPtr: usize, start: u32, end: u32): void {
  const z0 = toMont(load<u32>(zPtr)), z1 = toMont(load<u32>(zPtr, 4)), z2 = toMont(load<u32>(zPtr, 8)), z3 = toMont(load<u32>(zPtr, 12));
  // z^start by square and multiply
  let r0: u32 = 0x0ffffffe, r1: u32 = 0, r2: u32 = 0, r3: u32 = 0;
  let b0 = z0, b1 = z1, b2 = z2, b3 = z3;
  for (let e = start; e != 0; e >>= 1) {
    if (e & 1) {
      kMul(r0, r1, r2, r3, b0, b1, b2, b3);
      r0 = k0; r1 = k1; r2 = k2; r3 = k3;
    }
    kMul(b0, b1, b2, b3, b0, b1, b2, b3);
    b0 = k0; b1 = k1; b2 = k2; b3 = k3;
  }
  const stride = <usize>n << 2;
  for (let j = start; j < end; j++) {
    const p = out + (<usize>j << 2);
    store<u32>(p, r0);
    store<u32>(p + stride, r1);
    store<u32>(p + 2 * stride, r2);
    store<u32>(p + 3 * stride, r3);
    kMul(r0, r1, r2, r3, z0, z1, z2, z3);
    r0 = k0; r1 = k1; r2 = k2; r3 = k3;
  }
}

const DOT_BLOCK: u32 = 512;

/**
 * Σ_j c_j·z^j over j in [start, end) for numCols coefficient columns (addresses in the table coefs) and
 * the planar powers pw (extPowersPlanar): acc + 64·c receives column c's sum as 4 coordinates × 4 lanes
 * (added to what is there; the host adds the lanes). Blocks of rows keep the powers in L1 while every
 * column passes. start, end multiples of 4 (n ≥ 4).
 */
export function dotPowers(coefs: usize, numCols: u32, pw: usize, n: u32, start: u32, end: u32, acc: usize): void {
  const stride = <usize>n << 2;
  for (let b = start; b < end; b += DOT_BLOCK) {
    const bEnd = min<u32>(end, b + DOT_BLOCK);
    for (let c: u32 = 0; c < numCols; c++) {
      const col = <usize>load<u32>(coefs + (<usize>c << 2));
      const a = acc + (<usize>c << 6);
      let a0 = v128.load(a), a1 = v128.load(a, 16), a2 = v128.load(a, 32), a3 = v128.load(a, 48);
      for (let j = b; j < bEnd; j += 4) {
        const o = <usize>j << 2;
        const v = v128.load(col + o);
        a0 = vAdd(a0, vMontMul(v, v128.load(pw + o)));
        a1 = vAdd(a1, vMontMul(v, v128.load(pw + stride + o)));
        a2 = vAdd(a2, vMontMul(v, v128.load(pw + 2 * stride + o)));
        a3 = vAdd(a3, vMontMul(v, v128.load(pw + 3 * stride + o)));
      }
      v128.store(a, a0);
      v128.store(a, a1, 16);
      v128.store(a, a2, 32);
      v128.store(a, a3, 48);
    }
  }
}
