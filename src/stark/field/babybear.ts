/**
 * BabyBear prime field, p = 2^31 − 2^27 + 1, canonical representation (0 <= x < p) in JS numbers.
 */
export const P = 0x78000001; // 2013265921
/** Multiplicative generator of F*. */
export const GENERATOR = 31;
/** 2-adicity of p − 1. */
export const TWO_ADICITY = 27;

export function add(a: number, b: number): number {
  const s = a + b;
  return s >= P ? s - P : s;
}

export function sub(a: number, b: number): number {
  const s = a - b;
  return s < 0 ? s + P : s;
}

export function neg(a: number): number {
  return a === 0 ? 0 : P - a;
}

/**
 * a·b mod p for canonical a, b. The quotient q = ⌊a·b/p⌋ is estimated in double precision: a·b < 2^62
 * is rounded by at most 2^9, so the estimate is off by at most one and the true remainder
 * a·b − q·p lies in (−2^10, p + 2^10) ⊂ int32 — which Math.imul computes exactly modulo 2^32.
 */
export function mul(a: number, b: number): number {
  const q = Math.floor((a * b) / P);
  const r = (Math.imul(a, b) - Math.imul(q, P)) | 0;
  return r < 0 ? r + P : r >= P ? r - P : r;
}

export function square(a: number): number {
  return mul(a, a);
}

/** a^e for a non-negative integer exponent (number or bigint). */
export function pow(a: number, e: number | bigint): number {
  let exp = BigInt(e);
  if (exp < 0n) throw new RangeError("negative exponent");
  let result = 1;
  let base = a;
  while (exp > 0n) {
    if (exp & 1n) result = mul(result, base);
    base = mul(base, base);
    exp >>= 1n;
  }
  return result;
}

/** Multiplicative inverse; throws RangeError for 0. */
export function inv(a: number): number {
  if (a === 0) throw new RangeError("inverse of zero");
  return pow(a, P - 2);
}

/** Reduce any integer (number or bigint, possibly negative) into canonical form. */
export function fromInt(x: number | bigint): number {
  const r = BigInt(x) % BigInt(P);
  return Number(r < 0n ? r + BigInt(P) : r);
}

export function isCanonical(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x < P;
}

/**
 * Inverse of every element at once (Montgomery's trick: 3(n−1) multiplications and one inversion).
 * Throws RangeError if any element is zero.
 */
export function batchInverse(xs: ArrayLike<number>): Uint32Array {
  const n = xs.length;
  const out = new Uint32Array(n);
  if (n === 0) return out;
  let acc = 1;
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    if (x === 0) throw new RangeError(`batch inverse: element ${i} is zero`);
    out[i] = acc;
    acc = mul(acc, x);
  }
  let invAcc = inv(acc);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = mul(out[i]!, invAcc);
    invAcc = mul(invAcc, xs[i]!);
  }
  return out;
}

const TWO_ADIC_ROOT = pow(GENERATOR, (P - 1) / 2 ** TWO_ADICITY);

/** Generator of the multiplicative subgroup of order 2^logN (logN <= 27): 31^((p−1)/2^logN). */
export function twoAdicGenerator(logN: number): number {
  if (!Number.isInteger(logN) || logN < 0 || logN > TWO_ADICITY) throw new RangeError(`no subgroup of order 2^${logN}`);
  let g = TWO_ADIC_ROOT;
  for (let i = logN; i < TWO_ADICITY; i++) g = mul(g, g);
  return g;
}

/** [1, g, g^2, …, g^(n−1)] as a Uint32Array. */
export function powers(g: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    out[i] = x;
    x = mul(x, g);
  }
  return out;
}

/** Uniformly distributed field element from a uniform random u32 source, by rejection (tests, sampling). */
export function randomElement(nextU32: () => number): number {
  for (;;) {
    const x = nextU32() & 0x7fffffff;
    if (x < P) return x;
  }
}
