/**
 * Number-theoretic transforms over BabyBear, natural order in and out (radix-2, decimation in time
 * after a bit-reversal permutation). This is the reference implementation: simple, obviously correct,
 * and what the wasm and cuda kernels are tested against.
 */
import { P, inv, mul, twoAdicGenerator, GENERATOR } from "../field/babybear.js";

/** Coset shift of every LDE domain: the multiplicative generator, which lies in no two-adic subgroup. */
export const COSET_SHIFT = GENERATOR;

export function log2Exact(n: number): number {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`${n} is not a power of two`);
  return 31 - Math.clz32(n);
}

export function bitReverse(x: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r;
}

function bitReversePermute(a: Uint32Array): void {
  const n = a.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
}

const twiddleCache = new Map<number, Uint32Array>();

/** w_n^0 … w_n^(n/2−1) for the root of order n (cached per size). */
function twiddles(logN: number): Uint32Array {
  let t = twiddleCache.get(logN);
  if (!t) {
    const half = (1 << logN) >>> 1;
    t = new Uint32Array(Math.max(half, 1));
    const w = twoAdicGenerator(logN);
    let x = 1;
    for (let i = 0; i < half; i++) {
      t[i] = x;
      x = mul(x, w);
    }
    twiddleCache.set(logN, t);
  }
  return t;
}

function transform(a: Uint32Array, inverse: boolean): void {
  const n = a.length;
  const logN = log2Exact(n);
  if (n === 1) return;
  bitReversePermute(a);
  const tw = twiddles(logN);
  for (let len = 2, s = 1; len <= n; len <<= 1, s++) {
    const half = len >>> 1;
    const stride = n / len;
    for (let start = 0; start < n; start += len) {
      for (let j = 0; j < half; j++) {
        // The inverse transform uses w^(−k) = w^(n−k).
        const k = j * stride;
        const w = inverse ? (k === 0 ? 1 : negTw(tw, n, k)) : tw[k]!;
        const u = a[start + j]!;
        const v = mul(a[start + j + half]!, w);
        const sum = u + v;
        a[start + j] = sum >= P ? sum - P : sum;
        const diff = u - v;
        a[start + j + half] = diff < 0 ? diff + P : diff;
      }
    }
  }
}

/** w^(−k) = w^(n−k) = −w^(n/2−k) for 0 < k < n/2. */
function negTw(tw: Uint32Array, n: number, k: number): number {
  const x = tw[n / 2 - k]!;
  return x === 0 ? 0 : P - x;
}

/** In place: coefficients -> evaluations over <w_n>, natural order. */
export function ntt(a: Uint32Array): void {
  transform(a, false);
}

/** In place: evaluations over <w_n> -> coefficients (includes the 1/n factor). */
export function intt(a: Uint32Array): void {
  transform(a, true);
  const n = a.length;
  if (n === 1) return;
  const nInv = inv(n % P);
  for (let i = 0; i < n; i++) a[i] = mul(a[i]!, nInv);
}

/** Evaluations over the coset shift·<w_N> (N = n << logBlowup) of a polynomial given by n coefficients. */
export function cosetLde(coefficients: Uint32Array, logBlowup: number, shift: number): Uint32Array {
  const n = coefficients.length;
  const N = n << logBlowup;
  const out = new Uint32Array(N);
  let s = 1;
  for (let i = 0; i < n; i++) {
    out[i] = mul(coefficients[i]!, s);
    s = mul(s, shift);
  }
  ntt(out);
  return out;
}

/**
 * Coefficients of a polynomial given by its evaluations over the coset shift·<w_N>: the inverse of
 * `cosetLde` with logBlowup 0.
 */
export function cosetInterpolate(evals: Uint32Array, shift: number): Uint32Array {
  const out = Uint32Array.from(evals);
  intt(out);
  const sInv = inv(shift);
  let s = 1;
  for (let i = 0; i < out.length; i++) {
    out[i] = mul(out[i]!, s);
    s = mul(s, sInv);
  }
  return out;
}

/** The points shift·w_N^i of a coset, natural order. */
export function cosetPoints(logN: number, shift: number): Uint32Array {
  const N = 1 << logN;
  const out = new Uint32Array(N);
  const w = twoAdicGenerator(logN);
  let x = shift;
  for (let i = 0; i < N; i++) {
    out[i] = x;
    x = mul(x, w);
  }
  return out;
}

