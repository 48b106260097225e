// BabyBear p = 2^31 - 2^27 + 1 in Montgomery form (R = 2^32, mu = p^-1 mod 2^32), and the quartic
// extension K = F[X]/(X^4 - 11). The same conventions as kernels/wasm/field.ts:
//   mont_mul(a, b) = a*b*R^-1 mod p. A canonical value times a constant held as c*R gives the canonical
//   product a*c, so kernels multiply canonical data by Montgomery-form constants (twiddles, powers,
//   challenges) and never convert the data. Every function returns a value in [0, p).
// Functions are __host__ __device__ so the host side (binding.cc) computes the same constants.
#pragma once
#include <stdint.h>

#ifdef __CUDACC__
#define BB_HD __host__ __device__ __forceinline__
#else
#define BB_HD inline
#endif

namespace bb {

constexpr uint32_t P = 0x78000001u;
/** p^-1 mod 2^32 (p * MU = 1 mod 2^32). */
constexpr uint32_t MU = 0x88000001u;
/** R mod p: Montgomery form of 1. */
constexpr uint32_t R_MOD_P = 0x0ffffffeu;
/** R^2 mod p: mont_mul(x, R2) = x*R, the conversion to Montgomery form. */
constexpr uint32_t R2_MOD_P = 0x45dddde3u;
/** Montgomery form of W = 11 (X^4 = W in K). */
constexpr uint32_t W_MONT = 0x37ffffe9u;

BB_HD uint32_t umin(uint32_t a, uint32_t b) { return a < b ? a : b; }

BB_HD uint32_t add(uint32_t a, uint32_t b) {
  uint32_t s = a + b;
  return umin(s, s - P);
}

BB_HD uint32_t sub(uint32_t a, uint32_t b) {
  uint32_t d = a - b;
  return umin(d, d + P);
}

BB_HD uint32_t neg(uint32_t a) { return sub(0, a); }

BB_HD uint32_t mulhi(uint32_t a, uint32_t b) {
#ifdef __CUDA_ARCH__
  return __umulhi(a, b);  // mul.hi.u32
#else
  return (uint32_t)(((uint64_t)a * b) >> 32);
#endif
}

/**
 * a*b*2^-32 mod p for a, b < p. t = a*b and u = m*p (m = lo(t)*mu) agree in their low words, so
 * (t - u)/2^32 = hi(t) - hi(u) in (-p, p); one unsigned min folds it into [0, p). Three 32-bit
 * multiplications and two high halves: mul.lo / mul.hi pairs on the GPU.
 */
BB_HD uint32_t mont_mul(uint32_t a, uint32_t b) {
  uint32_t lo = a * b;
  uint32_t hi = mulhi(a, b);
  uint32_t m = lo * MU;
  uint32_t r = hi - mulhi(m, P);
  return umin(r, r + P);
}

BB_HD uint32_t to_mont(uint32_t a) { return mont_mul(a, R2_MOD_P); }
BB_HD uint32_t from_mont(uint32_t a) { return mont_mul(a, 1); }
/** Canonical product of two canonical values. */
BB_HD uint32_t mul_canon(uint32_t a, uint32_t b) { return mont_mul(mont_mul(a, b), R2_MOD_P); }

/** a^e with a and the result in Montgomery form. */
BB_HD uint32_t mont_pow(uint32_t a, uint64_t e) {
  uint32_t r = R_MOD_P;
  while (e != 0) {
    if (e & 1) r = mont_mul(r, a);
    a = mont_mul(a, a);
    e >>= 1;
  }
  return r;
}

/** Inverse in Montgomery form (0 maps to 0). */
BB_HD uint32_t mont_inv(uint32_t a) { return mont_pow(a, P - 2); }

/** Generator of the subgroup of order 2^log_n, Montgomery form: 31^((p-1)/2^27) squared 27 - log_n times. */
BB_HD uint32_t two_adic_root_mont(uint32_t log_n) {
  uint32_t g = mont_pow(to_mont(31), (P - 1) >> 27);
  for (uint32_t i = log_n; i < 27; i++) g = mont_mul(g, g);
  return g;
}

/** An element of K: c0 + c1 X + c2 X^2 + c3 X^3. */
struct Ext {
  uint32_t c0, c1, c2, c3;
};

BB_HD Ext ext_add(Ext a, Ext b) { return {add(a.c0, b.c0), add(a.c1, b.c1), add(a.c2, b.c2), add(a.c3, b.c3)}; }
BB_HD Ext ext_sub(Ext a, Ext b) { return {sub(a.c0, b.c0), sub(a.c1, b.c1), sub(a.c2, b.c2), sub(a.c3, b.c3)}; }

/**
 * a*b in K with Montgomery products: canonical x Montgomery gives canonical, Montgomery x Montgomery
 * gives Montgomery (as kMul in kernels/wasm/field.ts).
 */
BB_HD Ext ext_mul(Ext a, Ext b) {
  Ext r;
  r.c0 = add(mont_mul(a.c0, b.c0), mont_mul(add(add(mont_mul(a.c1, b.c3), mont_mul(a.c2, b.c2)), mont_mul(a.c3, b.c1)), W_MONT));
  r.c1 = add(add(mont_mul(a.c0, b.c1), mont_mul(a.c1, b.c0)), mont_mul(add(mont_mul(a.c2, b.c3), mont_mul(a.c3, b.c2)), W_MONT));
  r.c2 = add(add(add(mont_mul(a.c0, b.c2), mont_mul(a.c1, b.c1)), mont_mul(a.c2, b.c0)), mont_mul(mont_mul(a.c3, b.c3), W_MONT));
  r.c3 = add(add(add(mont_mul(a.c0, b.c3), mont_mul(a.c1, b.c2)), mont_mul(a.c2, b.c1)), mont_mul(a.c3, b.c0));
  return r;
}

/** Each coefficient of a times the base element s (one side Montgomery, as mont_mul). */
BB_HD Ext ext_scale(Ext a, uint32_t s) { return {mont_mul(a.c0, s), mont_mul(a.c1, s), mont_mul(a.c2, s), mont_mul(a.c3, s)}; }

BB_HD Ext ext_to_mont(Ext a) { return {to_mont(a.c0), to_mont(a.c1), to_mont(a.c2), to_mont(a.c3)}; }

/**
 * Inverse of a Montgomery-form element via the norm to F: a(X)*a(-X) = t0 + t2 X^2 and
 * (t0 + t2 Y)(t0 - t2 Y) = t0^2 - W t2^2. Sets *ok = false (and returns 0) when a = 0.
 */
BB_HD Ext ext_inv_mont(Ext a, bool* ok) {
  Ext conj = {a.c0, neg(a.c1), a.c2, neg(a.c3)};
  Ext t = ext_mul(a, conj);
  uint32_t norm = sub(mont_mul(t.c0, t.c0), mont_mul(mont_mul(t.c2, t.c2), W_MONT));
  *ok = norm != 0;
  uint32_t n_inv = mont_inv(norm);
  Ext u = ext_mul(conj, Ext{t.c0, 0, neg(t.c2), 0});
  return ext_scale(u, n_inv);
}

}  // namespace bb
