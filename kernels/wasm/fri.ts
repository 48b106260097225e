// FRI folding. A fold of arity 2^a at beta equals a binary folds at beta, beta^2, beta^4, … (the
// interpolant on a coset of size 2^a, evaluated at beta, is Σ c_k beta^k, and each binary fold
// consumes one bit of k), so the kernel is the binary fold only:
//   out[i] = (v(x) + v(−x))/2 + beta·(v(x) − v(−x))/(2x),  x = s·w_M^i,  −x = s·w_M^(i + M/2).
// Values canonical; beta and the running 1/(2x) are in Montgomery form, so products stay canonical.

import { add, sub, montMul, montPow, montInv, toMont, kMul, k0, k1, k2, k3, vAdd, vSub, vMontMul, vkMul, kv0, kv1, kv2, kv3 } from "./field";


/**
 * One binary fold of a K column (4 coefficient columns of length M at src + c·M words) into 4 columns of
 * length M/2 at dst + c·(M/2) words, outputs [start, end). beta: 4 canonical words at betaPtr.
 * shift = s (canonical), wInv = w_M^-1 (canonical).
 */
export function friFold2(src: usize, dst: usize, logM: u32, betaPtr: usize, shift: u32, wInv: u32, start: u32, end: u32): void {
  const half: u32 = (<u32>1 << logM) >> 1;
  const srcStride = <usize>(half * 2) << 2;
  const dstStride = <usize>half << 2;
  const b0 = toMont(load<u32>(betaPtr));
  const b1 = toMont(load<u32>(betaPtr, 4));
  const b2 = toMont(load<u32>(betaPtr, 8));
  const b3 = toMont(load<u32>(betaPtr, 12));
  const wInvMont = toMont(wInv);
  const inv2 = montInv(toMont(2));
  // y_i = 1/(2·s·w^i) = (2s)^-1 · w^-i, Montgomery form.
  let y = montMul(montInv(toMont(add(shift, shift))), montPow(wInvMont, start));
  let i = start;
  if (half >= 4 && (start & 3) == 0) {
    const vEnd = end & ~3;
    let yv = i32x4(y, montMul(y, wInvMont), montMul(montMul(y, wInvMont), wInvMont), montMul(montMul(montMul(y, wInvMont), wInvMont), wInvMont));
    const step = i32x4.splat(montPow(wInvMont, 4));
    const vb0 = i32x4.splat(b0);
    const vb1 = i32x4.splat(b1);
    const vb2 = i32x4.splat(b2);
    const vb3 = i32x4.splat(b3);
    const vInv2 = i32x4.splat(inv2);
    for (; i < vEnd; i += 4) {
      const p = src + (<usize>i << 2);
      const q = p + dstStride; // the partner −x sits M/2 further
      const d0 = vMontMul(vSub(v128.load(p), v128.load(q)), yv);
      const d1 = vMontMul(vSub(v128.load(p + srcStride), v128.load(q + srcStride)), yv);
      const d2 = vMontMul(vSub(v128.load(p + 2 * srcStride), v128.load(q + 2 * srcStride)), yv);
      const d3 = vMontMul(vSub(v128.load(p + 3 * srcStride), v128.load(q + 3 * srcStride)), yv);
      vkMul(d0, d1, d2, d3, vb0, vb1, vb2, vb3);
      const o = dst + (<usize>i << 2);
      v128.store(o, vAdd(vMontMul(vAdd(v128.load(p), v128.load(q)), vInv2), kv0));
      v128.store(o + dstStride, vAdd(vMontMul(vAdd(v128.load(p + srcStride), v128.load(q + srcStride)), vInv2), kv1));
      v128.store(o + 2 * dstStride, vAdd(vMontMul(vAdd(v128.load(p + 2 * srcStride), v128.load(q + 2 * srcStride)), vInv2), kv2));
      v128.store(o + 3 * dstStride, vAdd(vMontMul(vAdd(v128.load(p + 3 * srcStride), v128.load(q + 3 * srcStride)), vInv2), kv3));
      yv = vMontMul(yv, step);
    }
    y = i32x4.extract_lane(yv, 0);
  }
  for (; i < end; i++) {
    const p = src + (<usize>i << 2);
    const q = p + dstStride;
    const e0 = montMul(sub(load<u32>(p), load<u32>(q)), y);
    const e1 = montMul(sub(load<u32>(p + srcStride), load<u32>(q + srcStride)), y);
    const e2 = montMul(sub(load<u32>(p + 2 * srcStride), load<u32>(q + 2 * srcStride)), y);
    const e3 = montMul(sub(load<u32>(p + 3 * srcStride), load<u32>(q + 3 * srcStride)), y);
    kMul(e0, e1, e2, e3, b0, b1, b2, b3);
    const o = dst + (<usize>i << 2);
    store<u32>(o, add(montMul(add(load<u32>(p), load<u32>(q)), inv2), k0));
    store<u32>(o + dstStride, add(montMul(add(load<u32>(p + srcStride), load<u32>(q + srcStride)), inv2), k1));
    store<u32>(o + 2 * dstStride, add(montMul(add(load<u32>(p + 2 * srcStride), load<u32>(q + 2 * srcStride)), inv2), k2));
    store<u32>(o + 3 * dstStride, add(montMul(add(load<u32>(p + 3 * srcStride), load<u32>(q + 3 * srcStride)), inv2), k3));
    y = montMul(y, wInvMont);
  }
}
