/**
 * The quartic extension K = F[X]/(X^4 − W), W = 11, about 124 bits. An element is its four base
 * coefficients [c0, c1, c2, c3] (c0 + c1·X + c2·X^2 + c3·X^3). Every random challenge lives in K.
 */
import { P, add, inv as invF, mul as mulF, neg as negF, sub as subF, isCanonical } from "./babybear.js";

export type Ext = readonly [number, number, number, number];

/** X^4 = W. */
export const W = 11;

export const ZERO: Ext = [0, 0, 0, 0];
export const ONE: Ext = [1, 0, 0, 0];

export function fromBase(a: number): Ext {
  return [a, 0, 0, 0];
}

export function isBase(a: Ext): boolean {
  return a[1] === 0 && a[2] === 0 && a[3] === 0;
}

export function equals(a: Ext, b: Ext): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

export function isCanonicalExt(a: ArrayLike<number>): boolean {
  return a.length === 4 && isCanonical(a[0]!) && isCanonical(a[1]!) && isCanonical(a[2]!) && isCanonical(a[3]!);
}

export function addE(a: Ext, b: Ext): Ext {
  return [add(a[0], b[0]), add(a[1], b[1]), add(a[2], b[2]), add(a[3], b[3])];
}

export function subE(a: Ext, b: Ext): Ext {
  return [subF(a[0], b[0]), subF(a[1], b[1]), subF(a[2], b[2]), subF(a[3], b[3])];
}

export function negE(a: Ext): Ext {
  return [negF(a[0]), negF(a[1]), negF(a[2]), negF(a[3])];
}

/** Multiply by a base-field element. */
export function scaleE(a: Ext, s: number): Ext {
  return [mulF(a[0], s), mulF(a[1], s), mulF(a[2], s), mulF(a[3], s)];
}

export function addBase(a: Ext, s: number): Ext {
  return [add(a[0], s), a[1], a[2], a[3]];
}

export function mulE(a: Ext, b: Ext): Ext {
  const [a0, a1, a2, a3] = a;
  const [b0, b1, b2, b3] = b;
  // Each sum has at most 4 canonical terms, reduced as we go.
  const c0 = add(mulF(a0, b0), mulF(W, add(add(mulF(a1, b3), mulF(a2, b2)), mulF(a3, b1))));
  const c1 = add(add(mulF(a0, b1), mulF(a1, b0)), mulF(W, add(mulF(a2, b3), mulF(a3, b2))));
  const c2 = add(add(add(mulF(a0, b2), mulF(a1, b1)), mulF(a2, b0)), mulF(W, mulF(a3, b3)));
  const c3 = add(add(add(mulF(a0, b3), mulF(a1, b2)), mulF(a2, b1)), mulF(a3, b0));
  return [c0, c1, c2, c3];
}

export function squareE(a: Ext): Ext {
  return mulE(a, a);
}

export function powE(a: Ext, e: number | bigint): Ext {
  let exp = BigInt(e);
  let result: Ext = ONE;
  let base = a;
  while (exp > 0n) {
    if (exp & 1n) result = mulE(result, base);
    base = mulE(base, base);
    exp >>= 1n;
  }
  return result;
}

/**
 * Inverse through the tower norm: a(X)·a(−X) = t0 + t2·X^2 lies in F[X^2], and
 * (t0 + t2·Y)(t0 − t2·Y) = t0^2 − W·t2^2 lies in F.
 */
export function invE(a: Ext): Ext {
  const conj: Ext = [a[0], negF(a[1]), a[2], negF(a[3])];
  const t = mulE(a, conj); // t1 = t3 = 0
  const norm = subF(mulF(t[0], t[0]), mulF(W, mulF(t[2], t[2])));
  if (norm === 0) throw new RangeError("inverse of zero in K");
  const tConj: Ext = [t[0], 0, negF(t[2]), 0];
  return scaleE(mulE(conj, tConj), invF(norm));
}

/** Inverses of many K elements with one K inversion. Throws RangeError if one is zero. */
export function batchInverseE(xs: readonly Ext[]): Ext[] {
  const n = xs.length;
  const prefix: Ext[] = new Array(n);
  let acc: Ext = ONE;
  for (let i = 0; i < n; i++) {
    if (equals(xs[i]!, ZERO)) throw new RangeError(`batch inverse: element ${i} is zero`);
    prefix[i] = acc;
    acc = mulE(acc, xs[i]!);
  }
  let invAcc = invE(acc);
  const out: Ext[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = mulE(prefix[i]!, invAcc);
    invAcc = mulE(invAcc, xs[i]!);
  }
  return out;
}

/** Read the K element at word offset 4·i of a flat array. */
export function readExt(words: ArrayLike<number>, i: number): Ext {
  const o = 4 * i;
  return [words[o]!, words[o + 1]!, words[o + 2]!, words[o + 3]!];
}

/** Write a K element at word offset 4·i of a flat array. */
export function writeExt(words: Uint32Array, i: number, a: Ext): void {
  const o = 4 * i;
  words[o] = a[0];
  words[o + 1] = a[1];
  words[o + 2] = a[2];
  words[o + 3] = a[3];
}

/** Flatten K elements into 4 words each. */
export function flattenExt(xs: readonly Ext[]): Uint32Array {
  const out = new Uint32Array(4 * xs.length);
  xs.forEach((x, i) => writeExt(out, i, x));
  return out;
}

export { P };
