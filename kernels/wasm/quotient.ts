// The constraint-bytecode interpreter (src/stark/air/bytecode.ts format, version 1) over blocks of
// rows, and the three programs it runs:
//
// * the quotient   Q(x) = acc_T·(x − w_last)/Z_H(x) + acc_F/(x − 1) + acc_L/(x − w_last) + acc_E/Z_H(x)
//   (src/stark/quotient.ts) on its domain s·<w_{n·2^q}>, reading the LDE (of 2^logBlowup points per
//   row) by stride 2^(logBlowup − q);
// * the constraint pre-check on the trace domain (ACC marks a constraint: any non-zero value where its
//   selector applies is a violation);
// * LogUp's fingerprints and multiplicities on the trace domain (ACC dst = slot, lane-parallel K sums).
//
// One dispatch per instruction per block: every op is a loop over the block's rows, 4 rows per SIMD
// vector. Registers and accumulators hold Montgomery form. Columns are reached through tables of
// column addresses (u32 byte offsets), so a program reads columns of several matrices in place.

import { add, sub, montMul, montPow, montInv, toMont, fromMont, R_MOD_P, vAdd, vSub, vNeg, vMontMul, kMul, kInvMont, k0, k1, k2, k3 } from "./field";

export const ROWS: u32 = 128;

const OP_CONST: u32 = 1;
const OP_CUR: u32 = 2;
const OP_NEXT: u32 = 3;
const OP_PUBIN: u32 = 4;
const OP_PCUR: u32 = 5;
const OP_PNEXT: u32 = 6;
const OP_ADD: u32 = 7;
const OP_SUB: u32 = 8;
const OP_MUL: u32 = 9;
const OP_NEG: u32 = 10;
const OP_ACC: u32 = 11;

/** What ACC does: weighted K sums per selector (quotient), OR of the values (check), weighted K sums per slot (LogUp). */
const MODE_QUOTIENT: u32 = 0;
const MODE_CHECK: u32 = 1;
const MODE_SLOTS: u32 = 2;

@inline function fill(dst: usize, padded: u32, v: u32): void {
  const vv = i32x4.splat(v);
  for (let r: u32 = 0; r < padded; r += 4) v128.store(dst + (<usize>r << 2), vv);
}

/**
 * dst[r] = toMont(col[((first + r) mod M)·2^logStride]) for r < rows (M = mask + 1), zero up to padded.
 */
@inline function gather(dst: usize, col: usize, first: u32, mask: u32, logStride: u32, rows: u32, padded: u32): void {
  const r2 = i32x4.splat(0x45dddde3);
  if (logStride == 0 && first + rows <= mask + 1) {
    const src = col + (<usize>first << 2);
    let r: u32 = 0;
    for (; r + 4 <= rows; r += 4) v128.store(dst + (<usize>r << 2), vMontMul(v128.load(src + (<usize>r << 2)), r2));
    for (; r < rows; r++) store<u32>(dst + (<usize>r << 2), toMont(load<u32>(src + (<usize>r << 2))));
  } else {
    let r: u32 = 0;
    for (; r + 4 <= rows; r += 4) {
      const i = first + r;
      const v = i32x4(
        load<u32>(col + (<usize>((i & mask) << logStride) << 2)),
        load<u32>(col + (<usize>(((i + 1) & mask) << logStride) << 2)),
        load<u32>(col + (<usize>(((i + 2) & mask) << logStride) << 2)),
        load<u32>(col + (<usize>(((i + 3) & mask) << logStride) << 2)),
      );
      v128.store(dst + (<usize>r << 2), vMontMul(v, r2));
    }
    for (; r < rows; r++) store<u32>(dst + (<usize>r << 2), toMont(load<u32>(col + (<usize>(((first + r) & mask) << logStride) << 2))));
  }
  for (let r = rows; r < padded; r++) store<u32>(dst + (<usize>r << 2), 0);
}

/**
 * Run the program on rows [b, b + rows) of a domain of mask + 1 points. trace / pub: tables of column
 * addresses; a column is read at index i·2^logStride, the next row at index i + nextStep.
 * ACC by mode: QUOTIENT adds weight_b·reg into acc[(4·dst + c)·padded + r] (weights at `weights`, 4
 * Montgomery words each); CHECK ORs reg into acc[dst·padded + r]; SLOTS as QUOTIENT with dst a slot.
 * Returns false on a bad opcode.
 */
@inline function interpret(
  mode: u32, trace: usize, pub: usize, pubIn: usize, weights: usize, code: usize, numInstructions: u32, regs: usize, acc: usize,
  b: u32, rows: u32, padded: u32, mask: u32, logStride: u32, nextStep: u32,
): bool {
  for (let k: u32 = 0; k < numInstructions; k++) {
    const ins = code + (<usize>k << 4);
    const op = load<u32>(ins);
    const a = load<u32>(ins, 8);
    const bb = load<u32>(ins, 12);
    const d = regs + (<usize>(load<u32>(ins, 4) * padded) << 2);
    if (op == OP_ACC) {
      const x = regs + (<usize>(a * padded) << 2);
      const sel = load<u32>(ins, 4);
      if (mode == MODE_CHECK) {
        const dst = acc + (<usize>(sel * padded) << 2);
        for (let r: u32 = 0; r < padded; r += 4) {
          const o = <usize>r << 2;
          v128.store(dst + o, v128.or(v128.load(dst + o), v128.load(x + o)));
        }
        continue;
      }
      for (let c: u32 = 0; c < 4; c++) {
        const al = i32x4.splat(load<u32>(weights + (<usize>(4 * bb + c) << 2)));
        const dst = acc + (<usize>((sel * 4 + c) * padded) << 2);
        for (let r: u32 = 0; r < padded; r += 4) {
          const o = <usize>r << 2;
          v128.store(dst + o, vAdd(v128.load(dst + o), vMontMul(v128.load(x + o), al)));
        }
      }
      continue;
    }
    if (op == OP_CONST) fill(d, padded, toMont(a));
    else if (op == OP_CUR) gather(d, load<u32>(trace + (<usize>a << 2)), b, mask, logStride, rows, padded);
    else if (op == OP_NEXT) gather(d, load<u32>(trace + (<usize>a << 2)), b + nextStep, mask, logStride, rows, padded);
    else if (op == OP_PUBIN) fill(d, padded, toMont(load<u32>(pubIn + (<usize>a << 2))));
    else if (op == OP_PCUR) gather(d, load<u32>(pub + (<usize>a << 2)), b, mask, logStride, rows, padded);
    else if (op == OP_PNEXT) gather(d, load<u32>(pub + (<usize>a << 2)), b + nextStep, mask, logStride, rows, padded);
    else {
      const x = regs + (<usize>(a * padded) << 2);
      const y = regs + (<usize>(bb * padded) << 2);
      if (op == OP_ADD) {
        for (let r: u32 = 0; r < padded; r += 4) v128.store(d + (<usize>r << 2), vAdd(v128.load(x + (<usize>r << 2)), v128.load(y + (<usize>r << 2))));
      } else if (op == OP_SUB) {
        for (let r: u32 = 0; r < padded; r += 4) v128.store(d + (<usize>r << 2), vSub(v128.load(x + (<usize>r << 2)), v128.load(y + (<usize>r << 2))));
      } else if (op == OP_MUL) {
        for (let r: u32 = 0; r < padded; r += 4) v128.store(d + (<usize>r << 2), vMontMul(v128.load(x + (<usize>r << 2)), v128.load(y + (<usize>r << 2))));
      } else if (op == OP_NEG) {
        for (let r: u32 = 0; r < padded; r += 4) v128.store(d + (<usize>r << 2), vNeg(v128.load(x + (<usize>r << 2))));
      } else {
        return false;
      }
    }
  }
  return true;
}

/**
 * Quotient rows [start, end) of the quotient domain s·<w_{2^logN}>, logN = log n + q; the LDE columns
 * hold 2^(logN + logStride) points (logStride = logBlowup − q). trace / pub: column address tables;
 * pubIn: public inputs (canonical); alpha: alpha^i in Montgomery form (4 words each); code: the
 * instructions (4 words each, header stripped); zhInv: 1/Z_H at the 2^q distinct values (Montgomery).
 * out: 4 columns of 2^logN words. Returns false if a denominator vanishes or an opcode is bad.
 */
export function quotientRows(
  trace: usize, pub: usize, pubIn: usize, alpha: usize, code: usize, numInstructions: u32, numRegisters: u32,
  logN: u32, logQ: u32, logStride: u32, shift: u32, wLast: u32, zhInv: usize, out: usize, start: u32, end: u32, work: usize,
): bool {
  const n: u32 = 1 << logN;
  const mask = n - 1;
  const blowup: u32 = 1 << logQ;
  const colStride = <usize>n << 2;
  const regs = work;
  const acc = regs + (<usize>(numRegisters * ROWS) << 2);
  const dens = acc + (<usize>(16 * ROWS) << 2);
  const prefix = dens + (<usize>(2 * ROWS) << 2);
  const wMont = toMont(twoAdicRoot(logN));
  const oneMont = R_MOD_P;
  const wLastMont = toMont(wLast);
  for (let b = start; b < end; b += ROWS) {
    const rows = min<u32>(ROWS, end - b);
    const padded = (rows + 3) & ~3;
    fill(acc, 16 * padded, 0);
    if (!interpret(MODE_QUOTIENT, trace, pub, pubIn, alpha, code, numInstructions, regs, acc, b, rows, padded, mask, logStride, blowup)) return false;
    // Denominators x − 1 and x − w_last for the block, inverted together.
    let x = montMul(toMont(shift), montPow(wMont, b));
    for (let r: u32 = 0; r < rows; r++) {
      store<u32>(dens + (<usize>r << 2), sub(x, oneMont));
      store<u32>(dens + (<usize>(rows + r) << 2), sub(x, wLastMont));
      x = montMul(x, wMont);
    }
    let run = oneMont;
    for (let j: u32 = 0; j < 2 * rows; j++) {
      store<u32>(prefix + (<usize>j << 2), run);
      run = montMul(run, load<u32>(dens + (<usize>j << 2)));
    }
    if (run == 0) return false;
    let inv = montInv(run);
    for (let j = 2 * rows; j > 0; ) {
      j--;
      const dj = load<u32>(dens + (<usize>j << 2));
      const pj = prefix + (<usize>j << 2);
      const invj = montMul(load<u32>(pj), inv);
      inv = montMul(inv, dj);
      store<u32>(pj, invj); // prefix[j] ← 1/dens[j]
    }
    for (let r: u32 = 0; r < rows; r++) {
      const i = b + r;
      const zi = load<u32>(zhInv + (<usize>(i & (blowup - 1)) << 2));
      const fT = montMul(load<u32>(dens + (<usize>(rows + r) << 2)), zi);
      const fF = load<u32>(prefix + (<usize>r << 2));
      const fL = load<u32>(prefix + (<usize>(rows + r) << 2));
      for (let c: u32 = 0; c < 4; c++) {
        const t = load<u32>(acc + (<usize>((0 + c) * padded + r) << 2));
        const f = load<u32>(acc + (<usize>((4 + c) * padded + r) << 2));
        const l = load<u32>(acc + (<usize>((8 + c) * padded + r) << 2));
        const e = load<u32>(acc + (<usize>((12 + c) * padded + r) << 2));
        let v = montMul(t, fT);
        let s = v + montMul(f, fF);
        v = min<u32>(s, s - 0x78000001);
        s = v + montMul(l, fL);
        v = min<u32>(s, s - 0x78000001);
        s = v + montMul(e, zi);
        v = min<u32>(s, s - 0x78000001);
        store<u32>(out + <usize>c * colStride + (<usize>i << 2), fromMont(v));
      }
    }
  }
  return true;
}

/**
 * The constraint pre-check over rows [start, end) of the trace domain of 2^logN rows: the first row r
 * where an ACC of selector s that applies at r (0 transition r < n − 1, 1 first row, 2 last row, 3 every
 * row) saw a non-zero value; −1 if none; −2 on a bad opcode. work: (numRegisters + 4)·ROWS words.
 */
export function checkRows(
  trace: usize, pub: usize, pubIn: usize, code: usize, numInstructions: u32, numRegisters: u32, logN: u32, start: u32, end: u32, work: usize,
): i32 {
  const n: u32 = 1 << logN;
  const regs = work;
  const flags = regs + (<usize>(numRegisters * ROWS) << 2);
  for (let b = start; b < end; b += ROWS) {
    const rows = min<u32>(ROWS, end - b);
    const padded = (rows + 3) & ~3;
    fill(flags, 4 * padded, 0);
    if (!interpret(MODE_CHECK, trace, pub, pubIn, 0, code, numInstructions, regs, flags, b, rows, padded, n - 1, 0, 1)) return -2;
    for (let r: u32 = 0; r < rows; r++) {
      const i = b + r;
      const t = load<u32>(flags + (<usize>r << 2));
      const f = load<u32>(flags + (<usize>(padded + r) << 2));
      const l = load<u32>(flags + (<usize>(2 * padded + r) << 2));
      const e = load<u32>(flags + (<usize>(3 * padded + r) << 2));
      if (e != 0 || (t != 0 && i < n - 1) || (f != 0 && i == 0) || (l != 0 && i == n - 1)) return <i32>i;
    }
  }
  return -1;
}

/**
 * LogUp over rows [start, end) of the trace domain of 2^logN rows, with numInteractions interactions
 * cut into helpers of `batch`. The program puts Σ_j μ^(j+1)·v_ij in slot 2i and the multiplicity in
 * slot 2i + 1 (weights: 4 Montgomery words each). d_i = offsets_i − slot_2i (offsets canonical, 4 words
 * each), h_k = Σ_{i∈k} ±m_i/d_i (sends: one u32 per interaction, 1 = +), the running sum starts at 0 at
 * row `start` (the host adds each range's offset afterwards, `logUpAddOffset`). out: column 4a + e at
 * out + (4a + e)·n words, a = 0 .. helpers (the last is the running sum). The range's total goes to
 * total (4 canonical words). Returns −1, the first row where a denominator vanishes, or −2 on a bad
 * opcode. work: (numRegisters + 16·numInteractions)·ROWS words.
 */
export function logUpRows(
  trace: usize, pub: usize, pubIn: usize, weights: usize, code: usize, numInstructions: u32, numRegisters: u32, logN: u32,
  offsets: usize, sends: usize, numInteractions: u32, batch: u32, out: usize, total: usize, start: u32, end: u32, work: usize,
): i32 {
  const n: u32 = 1 << logN;
  const colStride = <usize>n << 2;
  const helpers = (numInteractions + batch - 1) / batch;
  const regs = work;
  const acc = regs + (<usize>(numRegisters * ROWS) << 2); // 2I slots × 4 coordinates × padded
  const inv = acc + (<usize>(8 * numInteractions * ROWS) << 2); // I·rows K elements (Montgomery), then prefix products
  const pre = inv + (<usize>(4 * numInteractions * ROWS) << 2);
  let s0: u32 = 0, s1: u32 = 0, s2: u32 = 0, s3: u32 = 0; // running sum (canonical)
  for (let b = start; b < end; b += ROWS) {
    const rows = min<u32>(ROWS, end - b);
    const padded = (rows + 3) & ~3;
    fill(acc, 8 * numInteractions * padded, 0);
    if (!interpret(MODE_SLOTS, trace, pub, pubIn, weights, code, numInstructions, regs, acc, b, rows, padded, n - 1, 0, 1)) return -2;
    // d = offset − slot_2i (Montgomery form), prefix products over (interaction, row), one K inversion.
    let a0 = R_MOD_P, a1: u32 = 0, a2: u32 = 0, a3: u32 = 0;
    for (let i: u32 = 0; i < numInteractions; i++) {
      const o0 = toMont(load<u32>(offsets + (<usize>(4 * i) << 2)));
      const o1 = toMont(load<u32>(offsets + (<usize>(4 * i + 1) << 2)));
      const o2 = toMont(load<u32>(offsets + (<usize>(4 * i + 2) << 2)));
      const o3 = toMont(load<u32>(offsets + (<usize>(4 * i + 3) << 2)));
      const slot = acc + (<usize>(8 * i * padded) << 2);
      for (let r: u32 = 0; r < rows; r++) {
        const d0 = sub(o0, load<u32>(slot + (<usize>r << 2)));
        const d1 = sub(o1, load<u32>(slot + (<usize>(padded + r) << 2)));
        const d2 = sub(o2, load<u32>(slot + (<usize>(2 * padded + r) << 2)));
        const d3 = sub(o3, load<u32>(slot + (<usize>(3 * padded + r) << 2)));
        if ((d0 | d1 | d2 | d3) == 0) return <i32>(b + r);
        const e = inv + (<usize>(4 * (i * rows + r)) << 2);
        store<u32>(e, d0);
        store<u32>(e, d1, 4);
        store<u32>(e, d2, 8);
        store<u32>(e, d3, 12);
        const q = pre + (<usize>(4 * (i * rows + r)) << 2);
        store<u32>(q, a0);
        store<u32>(q, a1, 4);
        store<u32>(q, a2, 8);
        store<u32>(q, a3, 12);
        kMul(a0, a1, a2, a3, d0, d1, d2, d3);
        a0 = k0; a1 = k1; a2 = k2; a3 = k3;
      }
    }
    if (!kInvMont(a0, a1, a2, a3)) return <i32>b; // not reached: every factor is non-zero
    let r0 = k0, r1 = k1, r2 = k2, r3 = k3;
    for (let j = numInteractions * rows; j > 0; ) {
      j--;
      const e = inv + (<usize>(4 * j) << 2);
      const q = pre + (<usize>(4 * j) << 2);
      const d0 = load<u32>(e), d1 = load<u32>(e, 4), d2 = load<u32>(e, 8), d3 = load<u32>(e, 12);
      kMul(load<u32>(q), load<u32>(q, 4), load<u32>(q, 8), load<u32>(q, 12), r0, r1, r2, r3);
      store<u32>(e, k0);
      store<u32>(e, k1, 4);
      store<u32>(e, k2, 8);
      store<u32>(e, k3, 12);
      kMul(r0, r1, r2, r3, d0, d1, d2, d3);
      r0 = k0; r1 = k1; r2 = k2; r3 = k3;
    }
    // Helpers and the running sum, row by row.
    for (let r: u32 = 0; r < rows; r++) {
      const row = b + r;
      for (let k: u32 = 0; k < helpers; k++) {
        let h0: u32 = 0, h1: u32 = 0, h2: u32 = 0, h3: u32 = 0;
        const last = min<u32>(numInteractions, (k + 1) * batch);
        for (let i = k * batch; i < last; i++) {
          const m = load<u32>(acc + (<usize>((8 * i + 4) * padded + r) << 2)); // slot 2i + 1, coordinate 0 (Montgomery)
          if (m == 0) continue;
          const e = inv + (<usize>(4 * (i * rows + r)) << 2);
          // (1/d in Montgomery)·(m in Montgomery) → Montgomery; canonical by fromMont below
          const t0 = montMul(load<u32>(e), m), t1 = montMul(load<u32>(e, 4), m), t2 = montMul(load<u32>(e, 8), m), t3 = montMul(load<u32>(e, 12), m);
          if (load<u32>(sends + (<usize>i << 2)) != 0) {
            h0 = add(h0, t0); h1 = add(h1, t1); h2 = add(h2, t2); h3 = add(h3, t3);
          } else {
            h0 = sub(h0, t0); h1 = sub(h1, t1); h2 = sub(h2, t2); h3 = sub(h3, t3);
          }
        }
        h0 = fromMont(h0); h1 = fromMont(h1); h2 = fromMont(h2); h3 = fromMont(h3);
        const col = out + (<usize>(4 * k) * colStride) + (<usize>row << 2);
        store<u32>(col, h0);
        store<u32>(col + colStride, h1);
        store<u32>(col + 2 * colStride, h2);
        store<u32>(col + 3 * colStride, h3);
        s0 = add(s0, h0); s1 = add(s1, h1); s2 = add(s2, h2); s3 = add(s3, h3);
      }
      const sc = out + (<usize>(4 * helpers) * colStride) + (<usize>row << 2);
      store<u32>(sc, s0);
      store<u32>(sc + colStride, s1);
      store<u32>(sc + 2 * colStride, s2);
      store<u32>(sc + 3 * colStride, s3);
    }
  }
  store<u32>(total, s0);
  store<u32>(total, s1, 4);
  store<u32>(total, s2, 8);
  store<u32>(total, s3, 12);
  return -1;
}

/** Rows [start, end) of the 4 running-sum columns (column e at sum + e·n words) plus the K value at offset. */
export function logUpAddOffset(sum: usize, logN: u32, offset: usize, start: u32, end: u32): void {
  const colStride = <usize>(<u32>1 << logN) << 2;
  for (let e: u32 = 0; e < 4; e++) {
    const o = load<u32>(offset + (<usize>e << 2));
    const col = sum + <usize>e * colStride;
    for (let r = start; r < end; r++) {
      const p = col + (<usize>r << 2);
      store<u32>(p, add(load<u32>(p), o));
    }
  }
}

/** Generator of the subgroup of order 2^logN (canonical): 31^((p−1)/2^27) squared 27 − logN times. */
function twoAdicRoot(logN: u32): u32 {
  let g = montPow(toMont(31), (0x78000001 - 1) >> 27);
  for (let i = logN; i < 27; i++) g = montMul(g, g);
  return fromMont(g);
}
