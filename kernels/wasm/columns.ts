// Small passes over columns that used to run as plain JS on the calling thread: the coset shift of
// coefficients (interpolation over s·<w_n>), a FRI layer joined by a smaller group's DEEP function,
// and the canonical-value check of uploaded columns.

import { P, montMul, toMont, vAdd, vMontMul, vkMul, kv0, kv1, kv2, kv3, add, kMul, k0, k1, k2, k3 } from "./field";

/** a[i] ← a[i]·first·step^(i − start) for i in [start, end); first, step in Montgomery form. */
export function scalePowers(a: usize, start: u32, end: u32, firstMont: u32, stepMont: u32): void {
  let i = start;
  let x = firstMont;
  if (end - start >= 8) {
    const x1 = montMul(x, stepMont);
    const x2 = montMul(x1, stepMont);
    const x3 = montMul(x2, stepMont);
    let xv = i32x4(x, x1, x2, x3);
    const step2 = montMul(stepMont, stepMont);
    const step4 = i32x4.splat(montMul(step2, step2));
    const vEnd = start + ((end - start) & ~3);
    for (; i < vEnd; i += 4) {
      const p = a + (<usize>i << 2);
      v128.store(p, vMontMul(v128.load(p), xv));
      xv = vMontMul(xv, step4);
    }
    x = <u32>i32x4.extract_lane(xv, 0);
  }
  for (; i < end; i++) {
    const p = a + (<usize>i << 2);
    store<u32>(p, montMul(load<u32>(p), x));
    x = montMul(x, stepMont);
  }
}

/**
 * out = a + c·b in K over points [start, end): a, b, out are 4 coordinate columns of n words each
 * (coordinate e at base + e·n words); c: 4 canonical words at cPtr.
 */
export function addScaledExt(a: usize, b: usize, out: usize, n: u32, cPtr: usize, start: u32, end: u32): void {
  const stride = <usize>n << 2;
  const c0 = toMont(load<u32>(cPtr)), c1 = toMont(load<u32>(cPtr, 4)), c2 = toMont(load<u32>(cPtr, 8)), c3 = toMont(load<u32>(cPtr, 12));
  let i = start;
  if ((start & 3) == 0 && n >= 4) {
    const v0 = i32x4.splat(c0), v1 = i32x4.splat(c1), v2 = i32x4.splat(c2), v3 = i32x4.splat(c3);
    const vEnd = end & ~3;
    for (; i < vEnd; i += 4) {
      const o = <usize>i << 2;
      vkMul(v128.load(b + o), v128.load(b + stride + o), v128.load(b + 2 * stride + o), v128.load(b + 3 * stride + o), v0, v1, v2, v3);
      v128.store(out + o, vAdd(v128.load(a + o), kv0));
      v128.store(out + stride + o, vAdd(v128.load(a + stride + o), kv1));
      v128.store(out + 2 * stride + o, vAdd(v128.load(a + 2 * stride + o), kv2));
      v128.store(out + 3 * stride + o, vAdd(v128.load(a + 3 * stride + o), kv3));
    }
  }
  for (; i < end; i++) {
    const o = <usize>i << 2;
    kMul(load<u32>(b + o), load<u32>(b + stride + o), load<u32>(b + 2 * stride + o), load<u32>(b + 3 * stride + o), c0, c1, c2, c3);
    store<u32>(out + o, add(load<u32>(a + o), k0));
    store<u32>(out + stride + o, add(load<u32>(a + stride + o), k1));
    store<u32>(out + 2 * stride + o, add(load<u32>(a + 2 * stride + o), k2));
    store<u32>(out + 3 * stride + o, add(load<u32>(a + 3 * stride + o), k3));
  }
}

/** The first word index in [start, end) at a holding a value ≥ p, or −1. */
export function firstNonCanonical(a: usize, start: u32, end: u32): i32 {
  let i = start;
  const pv = i32x4.splat(P);
  const vEnd = start + ((end - start) & ~15);
  for (; i < vEnd; i += 16) {
    const p = a + (<usize>i << 2);
    const bad = v128.or(v128.or(i32x4.ge_u(v128.load(p), pv), i32x4.ge_u(v128.load(p, 16), pv)), v128.or(i32x4.ge_u(v128.load(p, 32), pv), i32x4.ge_u(v128.load(p, 48), pv)));
    if (v128.any_true(bad)) break;
  }
  for (; i < end; i++) if (load<u32>(a + (<usize>i << 2)) >= P) return <i32>i;
  return -1;
}

const COMBINE_BLOCK: u32 = 256;

/**
 * Rows [start, end) of out (4 columns of n words, coordinate e at out + e·n words) = Σ_k w_k·col_k in K
 * over `count` base columns (addresses in the table cols) and weights (4 Montgomery words each).
 * Accumulates block by block (the block of out stays in L1 while every column passes over it).
 */
export function combineRows(cols: usize, count: u32, weights: usize, out: usize, n: u32, start: u32, end: u32): void {
  const stride = <usize>n << 2;
  for (let b = start; b < end; b += COMBINE_BLOCK) {
    const bEnd = min<u32>(end, b + COMBINE_BLOCK);
    const vEnd = (n >= 4 && (b & 3) == 0) ? b + ((bEnd - b) & ~3) : b;
    for (let e: u32 = 0; e < 4; e++) memory.fill(out + <usize>e * stride + (<usize>b << 2), 0, <usize>(bEnd - b) << 2);
    for (let k: u32 = 0; k < count; k++) {
      const col = <usize>load<u32>(cols + (<usize>k << 2));
      const wp = weights + (<usize>k << 4);
      const s0 = load<u32>(wp), s1 = load<u32>(wp, 4), s2 = load<u32>(wp, 8), s3 = load<u32>(wp, 12);
      const w0 = i32x4.splat(s0), w1 = i32x4.splat(s1), w2 = i32x4.splat(s2), w3 = i32x4.splat(s3);
      let r = b;
      for (; r < vEnd; r += 4) {
        const o = <usize>r << 2;
        const v = v128.load(col + o);
        v128.store(out + o, vAdd(v128.load(out + o), vMontMul(v, w0)));
        v128.store(out + stride + o, vAdd(v128.load(out + stride + o), vMontMul(v, w1)));
        v128.store(out + 2 * stride + o, vAdd(v128.load(out + 2 * stride + o), vMontMul(v, w2)));
        v128.store(out + 3 * stride + o, vAdd(v128.load(out + 3 * stride + o), vMontMul(v, w3)));
      }
      for (; r < bEnd; r++) {
        const o = <usize>r << 2;
        const v = load<u32>(col + o);
        store<u32>(out + o, add(load<u32>(out + o), montMul(v, s0)));
        store<u32>(out + stride + o, add(load<u32>(out + stride + o), montMul(v, s1)));
        store<u32>(out + 2 * stride + o, add(load<u32>(out + 2 * stride + o), montMul(v, s2)));
        store<u32>(out + 3 * stride + o, add(load<u32>(out + 3 * stride + o), montMul(v, s3)));
      }
    }
  }
}
