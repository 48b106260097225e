// DEEP composition: f(x) = Σ_p (Σ_{k at point p} gamma^k·P_k(x) − V_p) / (x − z_p), V_p = Σ gamma^k v_k,
// over x in s·<w_N>, outputs [start, end). The per-point 1/(x − z_p) come from one K inversion per
// block of BLOCK points (Montgomery's batch trick).
//
// Layout (words): cols: a table of u32 column addresses (column c at the byte address cols[c]); pts: z_p (4 canonical words each); vals: V_p (4 canonical);
// claimStart: np+1 offsets into claimCol / claimCoef; claimCoef: gamma^k in Montgomery form (4 words).
// out: 4 columns of N words, overwritten. scratch: 3·4·BLOCK words.

import { add, sub, neg, montMul, montPow, toMont, kMul, kInvMont, k0, k1, k2, k3, vAdd, vSub, vMontMul, vkMul, kv0, kv1, kv2, kv3 } from "./field";

const BLOCK: u32 = 256;

export function deepCompose(
  cols: usize, logN: u32, shift: u32, wN: u32,
  np: u32, pts: usize, vals: usize, claimStart: usize, claimCol: usize, claimCoef: usize,
  out: usize, start: u32, end: u32, scratch: usize,
): bool {
  const n: u32 = 1 << logN;
  const colStride = <usize>n << 2;
  const wMont = toMont(wN);
  const prefix = scratch;
  const inv = scratch + (<usize>BLOCK << 4);
  const dv = scratch + (<usize>BLOCK << 5);
  for (let i = start; i < end; i++) {
    const o = out + (<usize>i << 2);
    store<u32>(o, 0);
    store<u32>(o + colStride, 0);
    store<u32>(o + 2 * colStride, 0);
    store<u32>(o + 3 * colStride, 0);
  }
  for (let b = start; b < end; b += BLOCK) {
    const bEnd = min<u32>(end, b + BLOCK);
    const xStart = montMul(shift, montPow(wMont, b)); // canonical
    for (let p: u32 = 0; p < np; p++) {
      // a point no claim names contributes nothing (and must not fail when x = z there)
      if (load<u32>(claimStart + (<usize>p << 2)) == load<u32>(claimStart + (<usize>(p + 1) << 2))) continue;
      const z = pts + (<usize>p << 4);
      const nz1 = toMont(neg(load<u32>(z, 4)));
      const nz2 = toMont(neg(load<u32>(z, 8)));
      const nz3 = toMont(neg(load<u32>(z, 12)));
      const z0 = load<u32>(z);
      // prefix products of d_x = x − z_p (Montgomery form)
      let a0 = toMont(1), a1: u32 = 0, a2: u32 = 0, a3: u32 = 0;
      let x = xStart;
      for (let i = b; i < bEnd; i++) {
        const s = prefix + (<usize>(i - b) << 4);
        store<u32>(s, a0);
        store<u32>(s, a1, 4);
        store<u32>(s, a2, 8);
        store<u32>(s, a3, 12);
        const d = dv + (<usize>(i - b) << 4);
        const d0 = toMont(sub(x, z0));
        store<u32>(d, d0);
        kMul(a0, a1, a2, a3, d0, nz1, nz2, nz3);
        a0 = k0; a1 = k1; a2 = k2; a3 = k3;
        x = montMul(x, wMont);
      }
      if (!kInvMont(a0, a1, a2, a3)) return false;
      let r0 = k0, r1 = k1, r2 = k2, r3 = k3; // inverse of the running product
      for (let i = bEnd; i > b; ) {
        i--;
        const s = prefix + (<usize>(i - b) << 4);
        kMul(load<u32>(s), load<u32>(s, 4), load<u32>(s, 8), load<u32>(s, 12), r0, r1, r2, r3);
        const t = inv + (<usize>(i - b) << 4);
        store<u32>(t, k0);
        store<u32>(t, k1, 4);
        store<u32>(t, k2, 8);
        store<u32>(t, k3, 12);
        // r ← r·d_i, d_i = x_i − z_p
        kMul(r0, r1, r2, r3, load<u32>(dv + (<usize>(i - b) << 4)), nz1, nz2, nz3);
        r0 = k0; r1 = k1; r2 = k2; r3 = k3;
      }
      const c0 = load<u32>(claimStart + (<usize>p << 2));
      const c1 = load<u32>(claimStart + (<usize>(p + 1) << 2));
      const v = vals + (<usize>p << 4);
      const v0 = load<u32>(v), v1 = load<u32>(v, 4), v2 = load<u32>(v, 8), v3 = load<u32>(v, 12);
      for (let i = b; i < bEnd; i++) {
        let g0: u32 = 0, g1: u32 = 0, g2: u32 = 0, g3: u32 = 0;
        for (let k = c0; k < c1; k++) {
          const col = load<u32>(claimCol + (<usize>k << 2));
          const pv = load<u32>(<usize>load<u32>(cols + (<usize>col << 2)) + (<usize>i << 2));
          const cf = claimCoef + (<usize>k << 4);
          g0 = add(g0, montMul(pv, load<u32>(cf)));
          g1 = add(g1, montMul(pv, load<u32>(cf, 4)));
          g2 = add(g2, montMul(pv, load<u32>(cf, 8)));
          g3 = add(g3, montMul(pv, load<u32>(cf, 12)));
        }
        const t = inv + (<usize>(i - b) << 4);
        kMul(sub(g0, v0), sub(g1, v1), sub(g2, v2), sub(g3, v3), load<u32>(t), load<u32>(t, 4), load<u32>(t, 8), load<u32>(t, 12));
        const o = out + (<usize>i << 2);
        store<u32>(o, add(load<u32>(o), k0));
        store<u32>(o + colStride, add(load<u32>(o + colStride), k1));
        store<u32>(o + 2 * colStride, add(load<u32>(o + 2 * colStride), k2));
        store<u32>(o + 3 * colStride, add(load<u32>(o + 3 * colStride), k3));
      }
    }
  }
  return true;
}

/**
 * The same, 4 consecutive points per vector: the batch inversion runs 4 interleaved prefix-product
 * chains (one per lane, 4 scalar K inversions per block), and the Σ gamma^k·P_k(x) sums are
 * lane-parallel. Needs start, end multiples of 4. scratch: 9·4·BLOCK words.
 */
export function deepComposeVec(
  cols: usize, logN: u32, shift: u32, wN: u32,
  np: u32, pts: usize, vals: usize, claimStart: usize, claimCol: usize, claimCoef: usize,
  out: usize, start: u32, end: u32, scratch: usize,
): bool {
  const n: u32 = 1 << logN;
  const colStride = <usize>n << 2;
  const wMont = toMont(wN);
  const steps = BLOCK >> 2;
  const prefix = scratch; // steps × 4 vectors
  const inv = prefix + (<usize>steps << 6); // steps × 4 vectors
  const dv = inv + (<usize>steps << 6); // steps × 1 vector
  const r2 = i32x4.splat(0x45dddde3);
  const w4 = i32x4.splat(montPow(wMont, 4));
  const zero = i32x4.splat(0);
  for (let i = start; i < end; i += 4) {
    const o = out + (<usize>i << 2);
    v128.store(o, zero);
    v128.store(o + colStride, zero);
    v128.store(o + 2 * colStride, zero);
    v128.store(o + 3 * colStride, zero);
  }
  for (let b = start; b < end; b += BLOCK) {
    const bEnd = min<u32>(end, b + BLOCK);
    const nSteps = (bEnd - b) >> 2;
    const x0 = montMul(shift, montPow(wMont, b));
    const x1 = montMul(x0, wMont);
    const x2 = montMul(x1, wMont);
    const x3 = montMul(x2, wMont);
    for (let p: u32 = 0; p < np; p++) {
      // a point no claim names contributes nothing (and must not fail when x = z there)
      if (load<u32>(claimStart + (<usize>p << 2)) == load<u32>(claimStart + (<usize>(p + 1) << 2))) continue;
      const z = pts + (<usize>p << 4);
      const z0 = i32x4.splat(load<u32>(z));
      const nz1 = i32x4.splat(toMont(neg(load<u32>(z, 4))));
      const nz2 = i32x4.splat(toMont(neg(load<u32>(z, 8))));
      const nz3 = i32x4.splat(toMont(neg(load<u32>(z, 12))));
      let a0 = i32x4.splat(toMont(1)), a1 = zero, a2 = zero, a3 = zero;
      let xs = i32x4(x0, x1, x2, x3);
      for (let j: u32 = 0; j < nSteps; j++) {
        const s = prefix + (<usize>j << 6);
        v128.store(s, a0);
        v128.store(s, a1, 16);
        v128.store(s, a2, 32);
        v128.store(s, a3, 48);
        const d0 = vMontMul(vSub(xs, z0), r2);
        v128.store(dv + (<usize>j << 4), d0);
        vkMul(a0, a1, a2, a3, d0, nz1, nz2, nz3);
        a0 = kv0; a1 = kv1; a2 = kv2; a3 = kv3;
        xs = vMontMul(xs, w4);
      }
      // invert each lane's running product
      let r0 = zero, r1 = zero, r2v = zero, r3 = zero;
      r0 = a0; r1 = a1; r2v = a2; r3 = a3;
      {
        if (!kInvMont(<u32>i32x4.extract_lane(r0, 0), <u32>i32x4.extract_lane(r1, 0), <u32>i32x4.extract_lane(r2v, 0), <u32>i32x4.extract_lane(r3, 0))) return false;
        const l0k0 = k0, l0k1 = k1, l0k2 = k2, l0k3 = k3;
        if (!kInvMont(<u32>i32x4.extract_lane(r0, 1), <u32>i32x4.extract_lane(r1, 1), <u32>i32x4.extract_lane(r2v, 1), <u32>i32x4.extract_lane(r3, 1))) return false;
        const l1k0 = k0, l1k1 = k1, l1k2 = k2, l1k3 = k3;
        if (!kInvMont(<u32>i32x4.extract_lane(r0, 2), <u32>i32x4.extract_lane(r1, 2), <u32>i32x4.extract_lane(r2v, 2), <u32>i32x4.extract_lane(r3, 2))) return false;
        const l2k0 = k0, l2k1 = k1, l2k2 = k2, l2k3 = k3;
        if (!kInvMont(<u32>i32x4.extract_lane(r0, 3), <u32>i32x4.extract_lane(r1, 3), <u32>i32x4.extract_lane(r2v, 3), <u32>i32x4.extract_lane(r3, 3))) return false;
        r0 = i32x4(l0k0, l1k0, l2k0, k0);
        r1 = i32x4(l0k1, l1k1, l2k1, k1);
        r2v = i32x4(l0k2, l1k2, l2k2, k2);
        r3 = i32x4(l0k3, l1k3, l2k3, k3);
      }
      for (let j = nSteps; j > 0; ) {
        j--;
        const s = prefix + (<usize>j << 6);
        vkMul(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), r0, r1, r2v, r3);
        const t = inv + (<usize>j << 6);
        v128.store(t, kv0);
        v128.store(t, kv1, 16);
        v128.store(t, kv2, 32);
        v128.store(t, kv3, 48);
        vkMul(r0, r1, r2v, r3, v128.load(dv + (<usize>j << 4)), nz1, nz2, nz3);
        r0 = kv0; r1 = kv1; r2v = kv2; r3 = kv3;
      }
      const c0 = load<u32>(claimStart + (<usize>p << 2));
      const c1 = load<u32>(claimStart + (<usize>(p + 1) << 2));
      const v = vals + (<usize>p << 4);
      const v0 = i32x4.splat(load<u32>(v)), v1 = i32x4.splat(load<u32>(v, 4)), v2 = i32x4.splat(load<u32>(v, 8)), v3 = i32x4.splat(load<u32>(v, 12));
      for (let j: u32 = 0; j < nSteps; j++) {
        const i = b + (j << 2);
        let g0 = zero, g1 = zero, g2 = zero, g3 = zero;
        for (let k = c0; k < c1; k++) {
          const col = load<u32>(claimCol + (<usize>k << 2));
          const pv = v128.load(<usize>load<u32>(cols + (<usize>col << 2)) + (<usize>i << 2));
          const cf = claimCoef + (<usize>k << 4);
          g0 = vAdd(g0, vMontMul(pv, i32x4.splat(load<u32>(cf))));
          g1 = vAdd(g1, vMontMul(pv, i32x4.splat(load<u32>(cf, 4))));
          g2 = vAdd(g2, vMontMul(pv, i32x4.splat(load<u32>(cf, 8))));
          g3 = vAdd(g3, vMontMul(pv, i32x4.splat(load<u32>(cf, 12))));
        }
        const t = inv + (<usize>j << 6);
        vkMul(vSub(g0, v0), vSub(g1, v1), vSub(g2, v2), vSub(g3, v3), v128.load(t), v128.load(t, 16), v128.load(t, 32), v128.load(t, 48));
        const o = out + (<usize>i << 2);
        v128.store(o, vAdd(v128.load(o), kv0));
        v128.store(o + colStride, vAdd(v128.load(o + colStride), kv1));
        v128.store(o + 2 * colStride, vAdd(v128.load(o + 2 * colStride), kv2));
        v128.store(o + 3 * colStride, vAdd(v128.load(o + 3 * colStride), kv3));
      }
    }
  }
  return true;
}
