// Radix-2 decimation-in-time NTT over BabyBear, natural-order output, blocked for the cache.
//
// Twiddle layout: one table per direction, tw[h + j] = w_{2h}^j · R (Montgomery form) for every stage
// half-size h = 1, 2, 4, … and j < h. Stage h reads tw[h .. 2h) contiguously, so the SIMD butterflies
// load 4 twiddles per vector, and the table built for N serves every size up to N (entry 0 unused).
//
// Data stays canonical: montMul(x, w·R) = x·w.
//
// Order of work for a column of N = 2^logN elements, bit-reversed on input:
//   1. every stage with 2h <= BLOCK is done block by block (a block of 2^LOG_BLOCK words stays in L1),
//   2. each remaining stage is one pass over the column (split between threads by butterfly range).
// The two first stages (h = 1, 2) are fused in one pass of 4-lane shuffles.

import { P, montMul, montPow, vAdd, vSub, vMontMul } from "./field";

export const LOG_BLOCK: u32 = 12;

/** tw[N/2 + j] = root^j·R for j in [start, end); rootMont = root·R, root of order N. */
export function twiddleTop(tw: usize, logN: u32, rootMont: u32, start: u32, end: u32): void {
  const half = (<u32>1 << logN) >> 1;
  let x = montPow(rootMont, start);
  for (let j = start; j < end; j++) {
    store<u32>(tw + (<usize>(half + j) << 2), x);
    x = montMul(x, rootMont);
  }
}

/** Fill the lower stages from the top one: tw[h/2 + j] = tw[h + 2j]. */
export function twiddleDerive(tw: usize, logN: u32): void {
  for (let h = (<u32>1 << logN) >> 1; h > 1; h >>= 1) {
    const half = h >> 1;
    for (let j: u32 = 0; j < half; j++) {
      store<u32>(tw + (<usize>(half + j) << 2), load<u32>(tw + (<usize>(h + 2 * j) << 2)));
    }
  }
}

@inline function bitrev(i: u32, logN: u32): u32 {
  if (logN == 0) return 0;
  let x = i;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  x = (x >>> 16) | (x << 16);
  return x >>> (32 - logN);
}

/**
 * Bit-reversal permutation in place with every element multiplied by scaleMont (Montgomery form; R
 * leaves values unchanged). Indices i in [start, end) own the pairs (i, rev i) with i <= rev i, so
 * disjoint ranges can run on different threads.
 */
export function bitrevScale(a: usize, logN: u32, scaleMont: u32, start: u32, end: u32): void {
  for (let i = start; i < end; i++) {
    const j = bitrev(i, logN);
    if (i < j) {
      const pi = a + (<usize>i << 2);
      const pj = a + (<usize>j << 2);
      const x = load<u32>(pi);
      store<u32>(pi, montMul(load<u32>(pj), scaleMont));
      store<u32>(pj, montMul(x, scaleMont));
    } else if (i == j) {
      const pi = a + (<usize>i << 2);
      store<u32>(pi, montMul(load<u32>(pi), scaleMont));
    }
  }
}

/** Stages h = 1 and h = 2 fused, over len words (a multiple of 8). */
function ditFirstTwo(a: usize, len: u32, tw: usize): void {
  const w4 = load<u32>(tw + (3 << 2)); // tw[2 + 1] = w_4
  const t = i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(0x0ffffffe), 1, w4), 3, w4);
  for (let i: u32 = 0; i < len; i += 8) {
    const p = a + (<usize>i << 2);
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    // h = 1: pairs (0,1), (2,3) of each block of 4.
    let x = i32x4.shuffle(v0, v1, 0, 2, 4, 6);
    let y = i32x4.shuffle(v0, v1, 1, 3, 5, 7);
    let s = vAdd(x, y);
    let d = vSub(x, y);
    // Now blocks are [s0 d0 s1 d1] and [s2 d2 s3 d3]; h = 2 pairs (0,2), (1,3) with twiddles (1, w4).
    x = i32x4.shuffle(s, d, 0, 4, 2, 6); // [s0 d0 s2 d2]  (first halves of both blocks)
    y = i32x4.shuffle(s, d, 1, 5, 3, 7); // [s1 d1 s3 d3]  (second halves)
    y = vMontMul(y, t);
    s = vAdd(x, y);
    d = vSub(x, y);
    v128.store(p, i32x4.shuffle(s, d, 0, 1, 4, 5));
    v128.store(p, i32x4.shuffle(s, d, 2, 3, 6, 7), 16);
  }
}

/** One radix-2 DIT stage of half-size h >= 4 over butterflies [qStart, qEnd) (multiples of 4). */
function ditStageVec(a: usize, logH: u32, tw: usize, qStart: u32, qEnd: u32): void {
  const h: u32 = 1 << logH;
  const mask = h - 1;
  let q = qStart;
  while (q < qEnd) {
    const j0 = q & mask;
    const base = ((q >> logH) << (logH + 1)) + j0;
    const run = min<u32>(h - j0, qEnd - q);
    let px = a + (<usize>base << 2);
    let py = px + (<usize>h << 2);
    let pw = tw + (<usize>(h + j0) << 2);
    const pend = px + (<usize>run << 2);
    while (px < pend) {
      const x = v128.load(px);
      const y = vMontMul(v128.load(py), v128.load(pw));
      v128.store(px, vAdd(x, y));
      v128.store(py, vSub(x, y));
      px += 16;
      py += 16;
      pw += 16;
    }
    q += run;
  }
}

/** Scalar radix-2 DIT stage (any h), butterflies [qStart, qEnd). */
function ditStageScalar(a: usize, logH: u32, tw: usize, qStart: u32, qEnd: u32): void {
  const h: u32 = 1 << logH;
  const mask = h - 1;
  for (let q = qStart; q < qEnd; q++) {
    const j = q & mask;
    const i = ((q >> logH) << (logH + 1)) + j;
    const px = a + (<usize>i << 2);
    const py = px + (<usize>h << 2);
    const x = load<u32>(px);
    const y = montMul(load<u32>(py), load<u32>(tw + (<usize>(h + j) << 2)));
    const s = x + y;
    const d = x - y;
    store<u32>(px, min<u32>(s, s - P));
    store<u32>(py, min<u32>(d, d + P));
  }
}

/** DIT stage logH over butterflies [qStart, qEnd) of a column of 2^logN words. */
export function ditStage(a: usize, logH: u32, tw: usize, qStart: u32, qEnd: u32): void {
  if (logH >= 2 && ((qStart | qEnd) & 3) == 0) ditStageVec(a, logH, tw, qStart, qEnd);
  else ditStageScalar(a, logH, tw, qStart, qEnd);
}

/**
 * Stages logH … logH + stages − 1 (stages 1..3, logH ≥ 2) in one pass: each group of 2^stages rows 2^logH
 * apart (4 consecutive lanes per vector) goes through all its butterflies in registers, so the large
 * stages of a transform cost a third of the memory passes. Groups are numbered q = 0 … N/2^stages − 1
 * (q multiple of 4); this call does [qStart, qEnd).
 */
export function ditStages(a: usize, logH: u32, stages: u32, tw: usize, qStart: u32, qEnd: u32): void {
  if (stages == 1) {
    ditStageVec(a, logH, tw, qStart, qEnd);
    return;
  }
  const h: u32 = 1 << logH;
  const mask = h - 1;
  const stride = <usize>h << 2;
  const t1 = tw + (<usize>h << 2); // stage logH: tw[h + j]
  const t2 = tw + (<usize>(2 * h) << 2); // stage logH + 1: tw[2h + j + (t & 1)·h]
  const t3 = tw + (<usize>(4 * h) << 2); // stage logH + 2: tw[4h + j + t·h]
  for (let q = qStart; q < qEnd; q += 4) {
    const j = q & mask;
    const b = ((q >> logH) << (logH + stages)) + j;
    const p = a + (<usize>b << 2);
    const jo = <usize>j << 2;
    if (stages == 2) {
      let x0 = v128.load(p), x1 = v128.load(p + stride), x2 = v128.load(p + 2 * stride), x3 = v128.load(p + 3 * stride);
      const w1 = v128.load(t1 + jo);
      let y = vMontMul(x1, w1); x1 = vSub(x0, y); x0 = vAdd(x0, y);
      y = vMontMul(x3, w1); x3 = vSub(x2, y); x2 = vAdd(x2, y);
      y = vMontMul(x2, v128.load(t2 + jo)); x2 = vSub(x0, y); x0 = vAdd(x0, y);
      y = vMontMul(x3, v128.load(t2 + jo + stride)); x3 = vSub(x1, y); x1 = vAdd(x1, y);
      v128.store(p, x0); v128.store(p + stride, x1); v128.store(p + 2 * stride, x2); v128.store(p + 3 * stride, x3);
      continue;
    }
    let x0 = v128.load(p), x1 = v128.load(p + stride), x2 = v128.load(p + 2 * stride), x3 = v128.load(p + 3 * stride);
    let x4 = v128.load(p + 4 * stride), x5 = v128.load(p + 5 * stride), x6 = v128.load(p + 6 * stride), x7 = v128.load(p + 7 * stride);
    // stage logH: pairs (0,1) (2,3) (4,5) (6,7), one twiddle
    const w1 = v128.load(t1 + jo);
    let y = vMontMul(x1, w1); x1 = vSub(x0, y); x0 = vAdd(x0, y);
    y = vMontMul(x3, w1); x3 = vSub(x2, y); x2 = vAdd(x2, y);
    y = vMontMul(x5, w1); x5 = vSub(x4, y); x4 = vAdd(x4, y);
    y = vMontMul(x7, w1); x7 = vSub(x6, y); x6 = vAdd(x6, y);
    // stage logH + 1: pairs (0,2) (1,3) (4,6) (5,7)
    const wa = v128.load(t2 + jo), wb = v128.load(t2 + jo + stride);
    y = vMontMul(x2, wa); x2 = vSub(x0, y); x0 = vAdd(x0, y);
    y = vMontMul(x3, wb); x3 = vSub(x1, y); x1 = vAdd(x1, y);
    y = vMontMul(x6, wa); x6 = vSub(x4, y); x4 = vAdd(x4, y);
    y = vMontMul(x7, wb); x7 = vSub(x5, y); x5 = vAdd(x5, y);
    // stage logH + 2: pairs (0,4) (1,5) (2,6) (3,7)
    y = vMontMul(x4, v128.load(t3 + jo)); x4 = vSub(x0, y); x0 = vAdd(x0, y);
    y = vMontMul(x5, v128.load(t3 + jo + stride)); x5 = vSub(x1, y); x1 = vAdd(x1, y);
    y = vMontMul(x6, v128.load(t3 + jo + 2 * stride)); x6 = vSub(x2, y); x2 = vAdd(x2, y);
    y = vMontMul(x7, v128.load(t3 + jo + 3 * stride)); x7 = vSub(x3, y); x3 = vAdd(x3, y);
    v128.store(p, x0); v128.store(p + stride, x1); v128.store(p + 2 * stride, x2); v128.store(p + 3 * stride, x3);
    v128.store(p + 4 * stride, x4); v128.store(p + 5 * stride, x5); v128.store(p + 6 * stride, x6); v128.store(p + 7 * stride, x7);
  }
}

/** Stages [logHStart, logHEnd) on one contiguous segment of len = 2^logLen words. */
function ditSegment(a: usize, logLen: u32, tw: usize, logHStart: u32, logHEnd: u32): void {
  let logH = logHStart;
  if (logH == 0 && logHEnd >= 2 && logLen >= 3) {
    ditFirstTwo(a, <u32>1 << logLen, tw);
    logH = 2;
  }
  const pairs = (<u32>1 << logLen) >> 1;
  for (; logH < logHEnd; logH++) ditStage(a, logH, tw, 0, pairs);
}

/**
 * The block phase: blocks [blockStart, blockEnd) of 2^min(LOG_BLOCK, logN) words each get every stage
 * logH in [logHStart, min(LOG_BLOCK, logN)).
 */
export function ditBlocks(a: usize, logN: u32, tw: usize, logHStart: u32, blockStart: u32, blockEnd: u32): void {
  const logB = min<u32>(LOG_BLOCK, logN);
  if (logHStart >= logB) return;
  for (let b = blockStart; b < blockEnd; b++) {
    ditSegment(a + (<usize>b << (logB + 2)), logB, tw, logHStart, logB);
  }
}

/** log2 of the L2 block: stages below it run block by block, a block staying in L2 (256 KiB). */
export const LOG_L2_BLOCK: u32 = 16;

/**
 * Stages [logHStart, logBlk) of one block of 2^logBlk words at a: L1 sub-blocks of 2^LOG_BLOCK words for
 * the stages that fit them, then the rest of the block's stages three per pass (still in L2).
 */
function ditBlockL2(a: usize, logBlk: u32, tw: usize, logHStart: u32): void {
  const logB = min<u32>(LOG_BLOCK, logBlk);
  if (logHStart < logB) {
    for (let sb: u32 = 0; sb < (<u32>1 << (logBlk - logB)); sb++) ditSegment(a + (<usize>sb << (logB + 2)), logB, tw, logHStart, logB);
  }
  let logH = max<u32>(logB, logHStart);
  while (logH < logBlk) {
    const stages = min<u32>(3, logBlk - logH);
    ditStages(a, logH, stages, tw, 0, (<u32>1 << logBlk) >> stages);
    logH += stages;
  }
}

/** Blocks [blockStart, blockEnd) of 2^logBlk words (logBlk ≤ logN): every stage logH in [logHStart, logBlk). */
export function ditBlocksL2(a: usize, logBlk: u32, tw: usize, logHStart: u32, blockStart: u32, blockEnd: u32): void {
  for (let b = blockStart; b < blockEnd; b++) ditBlockL2(a + (<usize>b << (logBlk + 2)), logBlk, tw, logHStart);
}

/** The stages from max(logHStart, logBlk) to logN, three per pass over the column (groups [0, all)). */
function ditLargeStages(a: usize, logN: u32, logBlk: u32, tw: usize, logHStart: u32): void {
  let logH = max<u32>(logBlk, logHStart);
  while (logH < logN) {
    const stages = min<u32>(3, logN - logH);
    ditStages(a, logH, stages, tw, 0, (<u32>1 << logN) >> stages);
    logH += stages;
  }
}

/** A whole DIT transform of one column on the calling thread (input bit-reversed, output natural). */
export function ditColumn(a: usize, logN: u32, tw: usize, logHStart: u32): void {
  if (logN < 3) {
    const pairs = (<u32>1 << logN) >> 1;
    for (let logH = logHStart; logH < logN; logH++) ditStage(a, logH, tw, 0, pairs);
    return;
  }
  const logBlk = min<u32>(LOG_L2_BLOCK, logN);
  ditBlocksL2(a, logBlk, tw, logHStart, 0, <u32>1 << (logN - logBlk));
  ditLargeStages(a, logN, logBlk, tw, logHStart);
}

/**
 * Columns [first, last) of a batch (column c at base + c·2^logN words): evaluations -> coefficients.
 * twInv is the inverse-root table, nInvMont = n^-1·R.
 */
export function interpolateColumns(base: usize, logN: u32, first: u32, last: u32, twInv: usize, nInvMont: u32): void {
  const n: u32 = 1 << logN;
  for (let c = first; c < last; c++) {
    const a = base + (<usize>c << (logN + 2));
    bitrevScale(a, logN, nInvMont, 0, n);
    ditColumn(a, logN, twInv, 0);
  }
}

/** dst[i] = src[i]·first·step^(i − start) for i in [start, end) (first, step Montgomery): the coset shift before an LDE. */
export function scaledCopy(src: usize, dst: usize, start: u32, end: u32, firstMont: u32, stepMont: u32): void {
  let x = firstMont;
  for (let i = start; i < end; i++) {
    store<u32>(dst + (<usize>i << 2), montMul(load<u32>(src + (<usize>i << 2)), x));
    x = montMul(x, stepMont);
  }
}

/**
 * LDE blocks [blockStart, blockEnd) of 2^logBlk words of dst (logBlk ≤ logN + logBlowup): in bit-reversed
 * order after the first logBlowup stages, position o holds c_i·s^i for i = rev_n(o >> logBlowup) (the
 * zero padding makes those stages copies), read from the shifted coefficients at tmp; then the block's
 * stages from logBlowup run while it is in L2. Writes are sequential; the gathered reads hit tmp (n words).
 */
export function ldeGather(tmp: usize, dst: usize, logN: u32, logBlowup: u32, logBlk: u32, tw: usize, blockStart: u32, blockEnd: u32): void {
  const logBig = logN + logBlowup;
  const blow: u32 = 1 << logBlowup;
  for (let b = blockStart; b < blockEnd; b++) {
    const base = dst + (<usize>b << (logBlk + 2));
    const o0 = b << logBlk;
    const end = o0 + (<u32>1 << logBlk);
    for (let o = o0; o < end; o += blow) {
      const v = load<u32>(tmp + (<usize>bitrev(o >> logBlowup, logN) << 2));
      let p = base + (<usize>(o - o0) << 2);
      if (blow >= 4) {
        const vv = i32x4.splat(v);
        const pend = p + (<usize>blow << 2);
        while (p < pend) {
          v128.store(p, vv);
          p += 16;
        }
      } else {
        for (let t: u32 = 0; t < blow; t++) store<u32>(p + (<usize>t << 2), v);
      }
    }
    if (logBig < 3) {
      const pairs = (<u32>1 << logBlk) >> 1;
      for (let logH = logBlowup; logH < logBlk; logH++) ditStage(base, logH, tw, 0, pairs);
    } else {
      ditBlockL2(base, logBlk, tw, logBlowup);
    }
  }
}

/**
 * LDE of columns [first, last): src column c at srcBase + c·n words, dst column at dstBase + c·N words;
 * tmp: n words of scratch (the shifted coefficients).
 */
export function ldeColumns(srcBase: usize, dstBase: usize, logN: u32, logBlowup: u32, first: u32, last: u32, tw: usize, shiftMont: u32, tmp: usize): void {
  const logBig = logN + logBlowup;
  const n: u32 = 1 << logN;
  const logBlk = min<u32>(LOG_L2_BLOCK, logBig);
  for (let c = first; c < last; c++) {
    const src = srcBase + (<usize>c << (logN + 2));
    const dst = dstBase + (<usize>c << (logBig + 2));
    scaledCopy(src, tmp, 0, n, 0x0ffffffe, shiftMont);
    ldeGather(tmp, dst, logN, logBlowup, logBlk, tw, 0, <u32>1 << (logBig - logBlk));
    if (logBig >= 3) ditLargeStages(dst, logBig, logBlk, tw, logBlowup);
  }
}
