// BabyBear p = 2^31 - 2^27 + 1 in Montgomery form (R = 2^32), scalar and on i32x4 lanes.
//
// montMul(a, b) = a·b·R^-1 mod p. A canonical value times a constant stored as c·R gives the canonical
// product a·c, so kernels that multiply data by precomputed constants (twiddles, powers) keep the data
// canonical and never convert it. Every function returns a value in [0, p).

export const P: u32 = 0x78000001;
/** p^-1 mod 2^32 (p·MU ≡ 1). */
export const MU: u32 = 0x88000001;
/** R mod p: Montgomery form of 1. */
export const R_MOD_P: u32 = 0x0ffffffe;
/** R^2 mod p: montMul(x, R2) = x·R, the conversion to Montgomery form. */
export const R2_MOD_P: u32 = 0x45dddde3;

// ---------------------------------------------------------------- scalar

@inline export function add(a: u32, b: u32): u32 {
  const s = a + b;
  return min<u32>(s, s - P);
}

@inline export function sub(a: u32, b: u32): u32 {
  const d = a - b;
  return min<u32>(d, d + P);
}

@inline export function neg(a: u32): u32 {
  return sub(0, a);
}

/** Montgomery multiplication: a·b·2^-32 mod p for a, b < p. */
@inline export function montMul(a: u32, b: u32): u32 {
  const t = <u64>a * <u64>b;
  const m = <u32>t * MU;
  const u = <u64>m * <u64>P;
  const r = <u32>(t >> 32) - <u32>(u >> 32);
  return min<u32>(r, r + P);
}

/** Canonical -> Montgomery form. */
@inline export function toMont(a: u32): u32 {
  return montMul(a, R2_MOD_P);
}

/** Montgomery form -> canonical. */
@inline export function fromMont(a: u32): u32 {
  return montMul(a, 1);
}

/** Canonical product of two canonical values. */
@inline export function mulCanon(a: u32, b: u32): u32 {
  return montMul(montMul(a, b), R2_MOD_P);
}

/** a^e, a and the result in Montgomery form. */
export function montPow(a: u32, e: u32): u32 {
  let r = R_MOD_P;
  let b = a;
  while (e != 0) {
    if (e & 1) r = montMul(r, b);
    b = montMul(b, b);
    e >>= 1;
  }
  return r;
}

/** Inverse in Montgomery form (a in Montgomery form, nonzero). */
@inline export function montInv(a: u32): u32 {
  return montPow(a, P - 2);
}

// ---------------------------------------------------------------- i32x4

@inline export function vAdd(a: v128, b: v128): v128 {
  const s = i32x4.add(a, b);
  return i32x4.min_u(s, i32x4.sub(s, i32x4.splat(P)));
}

@inline export function vSub(a: v128, b: v128): v128 {
  const d = i32x4.sub(a, b);
  return i32x4.min_u(d, i32x4.add(d, i32x4.splat(P)));
}

@inline export function vNeg(a: v128): v128 {
  return vSub(i32x4.splat(0), a);
}

/**
 * Four Montgomery multiplications. The low words of the 64-bit products come from i32x4.mul, the high
 * words from i64x2.extmul_{low,high}_i32x4_u gathered with one shuffle; t - m·p has zero low word, so
 * the result is hi(t) - hi(m·p), corrected into [0, p) with one unsigned min.
 */
@inline export function vMontMul(a: v128, b: v128): v128 {
  const tLo = i64x2.extmul_low_i32x4_u(a, b);
  const tHi = i64x2.extmul_high_i32x4_u(a, b);
  const m = i32x4.mul(i32x4.mul(a, b), i32x4.splat(MU));
  const p = i32x4.splat(P);
  const uLo = i64x2.extmul_low_i32x4_u(m, p);
  const uHi = i64x2.extmul_high_i32x4_u(m, p);
  const th = i32x4.shuffle(tLo, tHi, 1, 3, 5, 7);
  const uh = i32x4.shuffle(uLo, uHi, 1, 3, 5, 7);
  const r = i32x4.sub(th, uh);
  return i32x4.min_u(r, i32x4.add(r, p));
}

// ---------------------------------------------------------------- K = F[X]/(X^4 - 11), lane-parallel
// A K element per lane is held as four vectors (one per coefficient). W·x is computed as a Montgomery
// multiplication by W·R so the product of canonical values stays canonical.

/** Montgomery form of W = 11. */
export const W_MONT: u32 = 0x37ffffe9;

// Scalar K arithmetic returns through these globals (one instance per thread, so no sharing).
export let k0: u32 = 0;
export let k1: u32 = 0;
export let k2: u32 = 0;
export let k3: u32 = 0;

/**
 * (a0..a3)·(b0..b3) in K with Montgomery products: Montgomery × Montgomery gives Montgomery, and
 * canonical × Montgomery gives canonical. Result in k0..k3.
 */
@inline export function kMul(a0: u32, a1: u32, a2: u32, a3: u32, b0: u32, b1: u32, b2: u32, b3: u32): void {
  const c0 = add(montMul(a0, b0), montMul(add(add(montMul(a1, b3), montMul(a2, b2)), montMul(a3, b1)), W_MONT));
  const c1 = add(add(montMul(a0, b1), montMul(a1, b0)), montMul(add(montMul(a2, b3), montMul(a3, b2)), W_MONT));
  const c2 = add(add(add(montMul(a0, b2), montMul(a1, b1)), montMul(a2, b0)), montMul(montMul(a3, b3), W_MONT));
  const c3 = add(add(add(montMul(a0, b3), montMul(a1, b2)), montMul(a2, b1)), montMul(a3, b0));
  k0 = c0;
  k1 = c1;
  k2 = c2;
  k3 = c3;
}

/** Inverse in K of a Montgomery-form element (via the norm to F), result in k0..k3; false if zero. */
export function kInvMont(a0: u32, a1: u32, a2: u32, a3: u32): bool {
  // a(X)·a(−X) = t0 + t2·X^2; (t0 + t2 Y)(t0 − t2 Y) = t0^2 − W t2^2 ∈ F.
  const n1 = neg(a1);
  const n3 = neg(a3);
  kMul(a0, a1, a2, a3, a0, n1, a2, n3);
  const t0 = k0;
  const t2 = k2;
  const norm = sub(montMul(t0, t0), montMul(montMul(t2, t2), W_MONT));
  if (norm == 0) return false;
  const nInv = montInv(norm);
  kMul(a0, n1, a2, n3, t0, 0, neg(t2), 0);
  k0 = montMul(k0, nInv);
  k1 = montMul(k1, nInv);
  k2 = montMul(k2, nInv);
  k3 = montMul(k3, nInv);
  return true;
}

/** Lane-parallel K product (canonical × Montgomery or Montgomery × Montgomery), into kv0..kv3. */
export let kv0: v128 = i32x4.splat(0);
export let kv1: v128 = i32x4.splat(0);
export let kv2: v128 = i32x4.splat(0);
export let kv3: v128 = i32x4.splat(0);

@inline export function vkMul(a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128): void {
  const w = i32x4.splat(W_MONT);
  kv0 = vAdd(vMontMul(a0, b0), vMontMul(vAdd(vAdd(vMontMul(a1, b3), vMontMul(a2, b2)), vMontMul(a3, b1)), w));
  kv1 = vAdd(vAdd(vMontMul(a0, b1), vMontMul(a1, b0)), vMontMul(vAdd(vMontMul(a2, b3), vMontMul(a3, b2)), w));
  kv2 = vAdd(vAdd(vAdd(vMontMul(a0, b2), vMontMul(a1, b1)), vMontMul(a2, b0)), vMontMul(vMontMul(a3, b3), w));
  kv3 = vAdd(vAdd(vAdd(vMontMul(a0, b3), vMontMul(a1, b2)), vMontMul(a2, b1)), vMontMul(a3, b0));
}
