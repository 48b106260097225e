// DEEP composition: f(x) = Σ_p (Σ_{k at point p} gamma^k·P_k(x) − V_p) / (x − z_p), V_p = Σ gamma^k v_k,
// over x in s·<w_N>, outputs [start, end). The per-point 1/(x − z_p) come from one K inversion per
// block of BLOCK points (Montgomery's batch trick).
//
// Layout (words): cols: a table of u32 column addresses (column c at the byte address cols[c]); pts: z_p (4 canonical words each); vals: V_p (4 canonical);
// claimStart: np+1 offsets into claimCol / claimCoef; claimCoef: gamma^k in Montgomery form (4 words).
// out: 4 columns of N words, overwritten. scratch: 3·4·BLOCK words.

import { add, sub, neg, montMul, montPow, montInv, toMont, kMul, kInvMont, k0, k1, k2, k3, vAdd, vSub, vMontMul, vkMul, kv0, kv1, kv2, kv3, R_MOD_P } from "./field";

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
 * The same, 4 consecutive points per vector. 1/(x − z_p) through the norm: with m_p(x) = N(x − z_p)
 * (z_p's minimal polynomial, coefficients in F) and q_p(x) = Π_{k=1..3}(x − σ^k(z_p)) (K coefficients),
 * 1/(x − z_p) = q_p(x)/m_p(x): a base-field batch inversion of m_p(x) (4 interleaved chains, 4 scalar
 * inversions per block) and a cubic in x. poly + 64·p: m0..m3, then q0, q1, q2 (4 words each), all
 * Montgomery form. The Σ gamma^k·P_k(x) sums are lane-parallel. Needs start, end multiples of 4.
 * scratch: 7·BLOCK words.
 */
export function deepComposeVec(
  cols: usize, logN: u32, shift: u32, wN: u32,
  np: u32, pts: usize, vals: usize, claimStart: usize, claimCol: usize, claimCoef: usize,
  out: usize, start: u32, end: u32, scratch: usize, poly: usize,
): bool {
  const n: u32 = 1 << logN;
  const colStride = <usize>n << 2;
  const wMont = toMont(wN);
  const steps = BLOCK >> 2;
  const prefix = scratch; // steps × 1 vector: prefix products of m(x)
  const dv = prefix + (<usize>steps << 4); // steps × 1: m(x)
  const xv = dv + (<usize>steps << 4); // steps × 1: x (Montgomery)
  const inv = xv + (<usize>steps << 4); // steps × 4 vectors: 1/(x − z)
  const r2 = i32x4.splat(0x45dddde3);
  const w4 = i32x4.splat(montPow(wMont, 4));
  const zero = i32x4.splat(0);
  const one = i32x4.splat(R_MOD_P);
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
      const pp = poly + (<usize>p << 6);
      const m0 = i32x4.splat(load<u32>(pp)), m1 = i32x4.splat(load<u32>(pp, 4)), m2 = i32x4.splat(load<u32>(pp, 8)), m3 = i32x4.splat(load<u32>(pp, 12));
      let a = one;
      let xs = i32x4(x0, x1, x2, x3);
      for (let j: u32 = 0; j < nSteps; j++) {
        v128.store(prefix + (<usize>j << 4), a);
        const xm = vMontMul(xs, r2);
        let t = vMontMul(vAdd(xm, m3), xm);
        t = vMontMul(vAdd(t, m2), xm);
        t = vMontMul(vAdd(t, m1), xm);
        t = vAdd(t, m0);
        v128.store(dv + (<usize>j << 4), t);
        v128.store(xv + (<usize>j << 4), xm);
        a = vMontMul(a, t);
        xs = vMontMul(xs, w4);
      }
      const l0 = <u32>i32x4.extract_lane(a, 0), l1 = <u32>i32x4.extract_lane(a, 1), l2 = <u32>i32x4.extract_lane(a, 2), l3 = <u32>i32x4.extract_lane(a, 3);
      if (l0 == 0 || l1 == 0 || l2 == 0 || l3 == 0) return false;
      let r = i32x4(montInv(l0), montInv(l1), montInv(l2), montInv(l3));
      const q00 = i32x4.splat(load<u32>(pp, 16)), q01 = i32x4.splat(load<u32>(pp, 20)), q02 = i32x4.splat(load<u32>(pp, 24)), q03 = i32x4.splat(load<u32>(pp, 28));
      const q10 = i32x4.splat(load<u32>(pp, 32)), q11 = i32x4.splat(load<u32>(pp, 36)), q12 = i32x4.splat(load<u32>(pp, 40)), q13 = i32x4.splat(load<u32>(pp, 44));
      const q20 = i32x4.splat(load<u32>(pp, 48)), q21 = i32x4.splat(load<u32>(pp, 52)), q22 = i32x4.splat(load<u32>(pp, 56)), q23 = i32x4.splat(load<u32>(pp, 60));
      for (let j = nSteps; j > 0; ) {
        j--;
        const ninv = vMontMul(v128.load(prefix + (<usize>j << 4)), r);
        r = vMontMul(r, v128.load(dv + (<usize>j << 4)));
        const xm = v128.load(xv + (<usize>j << 4));
        // q(x) = ((x + q2)·x + q1)·x + q0, then times 1/m(x)
        let u0 = vAdd(vMontMul(vAdd(xm, q20), xm), q10);
        let u1 = vAdd(vMontMul(q21, xm), q11);
        let u2 = vAdd(vMontMul(q22, xm), q12);
        let u3 = vAdd(vMontMul(q23, xm), q13);
        u0 = vAdd(vMontMul(u0, xm), q00);
        u1 = vAdd(vMontMul(u1, xm), q01);
        u2 = vAdd(vMontMul(u2, xm), q02);
        u3 = vAdd(vMontMul(u3, xm), q03);
        const t = inv + (<usize>j << 6);
        v128.store(t, vMontMul(u0, ninv));
        v128.store(t, vMontMul(u1, ninv), 16);
        v128.store(t, vMontMul(u2, ninv), 32);
        v128.store(t, vMontMul(u3, ninv), 48);
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
          const w0 = load<u32>(cf), w1 = load<u32>(cf, 4), w2 = load<u32>(cf, 8), w3 = load<u32>(cf, 12);
          // a unit weight X^e (one coordinate R, the others 0): the column adds to coordinate e as it is
          if ((w1 | w2 | w3) == 0 && w0 == R_MOD_P) g0 = vAdd(g0, pv);
          else if ((w0 | w2 | w3) == 0 && w1 == R_MOD_P) g1 = vAdd(g1, pv);
          else if ((w0 | w1 | w3) == 0 && w2 == R_MOD_P) g2 = vAdd(g2, pv);
          else if ((w0 | w1 | w2) == 0 && w3 == R_MOD_P) g3 = vAdd(g3, pv);
          else {
            g0 = vAdd(g0, vMontMul(pv, i32x4.splat(w0)));
            g1 = vAdd(g1, vMontMul(pv, i32x4.splat(w1)));
            g2 = vAdd(g2, vMontMul(pv, i32x4.splat(w2)));
            g3 = vAdd(g3, vMontMul(pv, i32x4.splat(w3)));
          }
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
