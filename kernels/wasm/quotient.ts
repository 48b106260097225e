// The constraint-bytecode interpreter (src/stark/air/bytecode.ts format, version 1) over blocks of
// LDE rows, and the quotient
//   Q(x) = acc_T·(x − w_last)/Z_H(x) + acc_F/(x − 1) + acc_L/(x − w_last) + acc_E/Z_H(x)
// (src/stark/quotient.ts). One dispatch per instruction per block: every op is a loop over the
// block's rows, 4 rows per SIMD vector. Registers and accumulators hold Montgomery form.
//
// Work area per thread (words): registers numRegisters·ROWS, accumulators 16·ROWS (selector-major,
// then coefficient, then row), denominators 2·ROWS, prefix products 2·ROWS.

import { sub, montMul, montPow, montInv, toMont, fromMont, R_MOD_P, vAdd, vSub, vNeg, vMontMul } from "./field";

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

@inline function fill(dst: usize, padded: u32, v: u32): void {
  const vv = i32x4.splat(v);
  for (let r: u32 = 0; r < padded; r += 4) v128.store(dst + (<usize>r << 2), vv);
}

/** dst[r] = toMont(col[(first + r) mod N]) for r < rows, zero up to padded. */
@inline function gather(dst: usize, col: usize, first: u32, mask: u32, rows: u32, padded: u32): void {
  if (first + rows <= mask + 1 && rows >= 4) {
    const r2 = i32x4.splat(0x45dddde3);
    const src = col + (<usize>first << 2);
    let r: u32 = 0;
    for (; r + 4 <= rows; r += 4) v128.store(dst + (<usize>r << 2), vMontMul(v128.load(src + (<usize>r << 2)), r2));
    for (; r < rows; r++) store<u32>(dst + (<usize>r << 2), toMont(load<u32>(src + (<usize>r << 2))));
  } else {
    for (let r: u32 = 0; r < rows; r++) store<u32>(dst + (<usize>r << 2), toMont(load<u32>(col + (<usize>((first + r) & mask) << 2))));
  }
  for (let r = rows; r < padded; r++) store<u32>(dst + (<usize>r << 2), 0);
}

/**
 * Quotient rows [start, end) of the LDE domain of 2^logN points. trace / pub: column c at base + c·N
 * words; pubIn: public inputs (canonical); alpha: alpha^i in Montgomery form (4 words each); code:
 * the instructions (4 words each, header stripped); zhInv: 1/Z_H at the 2^logBlowup distinct values
 * (Montgomery). out: 4 columns of N words. Returns false if a denominator vanishes.
 */
export function quotientRows(
  trace: usize, pub: usize, pubIn: usize, alpha: usize, code: usize, numInstructions: u32, numRegisters: u32,
  logN: u32, logBlowup: u32, shift: u32, wLast: u32, zhInv: usize, out: usize, start: u32, end: u32, work: usize,
): bool {
  const n: u32 = 1 << logN;
  const mask = n - 1;
  const blowup: u32 = 1 << logBlowup;
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
    for (let k: u32 = 0; k < numInstructions; k++) {
      const ins = code + (<usize>k << 4);
      const op = load<u32>(ins);
      const a = load<u32>(ins, 8);
      const bb = load<u32>(ins, 12);
      const d = regs + (<usize>(load<u32>(ins, 4) * padded) << 2);
      if (op == OP_ACC) {
        const x = regs + (<usize>(a * padded) << 2);
        const sel = load<u32>(ins, 4);
        for (let c: u32 = 0; c < 4; c++) {
          const al = i32x4.splat(load<u32>(alpha + (<usize>(4 * bb + c) << 2)));
          const dst = acc + (<usize>((sel * 4 + c) * padded) << 2);
          for (let r: u32 = 0; r < padded; r += 4) {
            const o = <usize>r << 2;
            v128.store(dst + o, vAdd(v128.load(dst + o), vMontMul(v128.load(x + o), al)));
          }
        }
        continue;
      }
      if (op == OP_CONST) fill(d, padded, toMont(a));
      else if (op == OP_CUR) gather(d, trace + <usize>a * colStride, b, mask, rows, padded);
      else if (op == OP_NEXT) gather(d, trace + <usize>a * colStride, b + blowup, mask, rows, padded);
      else if (op == OP_PUBIN) fill(d, padded, toMont(load<u32>(pubIn + (<usize>a << 2))));
      else if (op == OP_PCUR) gather(d, pub + <usize>a * colStride, b, mask, rows, padded);
      else if (op == OP_PNEXT) gather(d, pub + <usize>a * colStride, b + blowup, mask, rows, padded);
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

/** Generator of the subgroup of order 2^logN (canonical): 31^((p−1)/2^27) squared 27 − logN times. */
function twoAdicRoot(logN: u32): u32 {
  let g = montPow(toMont(31), (0x78000001 - 1) >> 27);
  for (let i = logN; i < 27; i++) g = montMul(g, g);
  return fromMont(g);
}
