/**
 * The constraint quotient (docs/proof-system.md §6.3). With acc_s = Σ_{i: selector s} alpha^i·C_i(x),
 * Z_H(x) = x^n − 1 and w_last = w_n^(n−1):
 *
 *   Q(x) = acc_transition·(x − w_last)/Z_H(x) + acc_firstRow/(x − 1)
 *        + acc_lastRow/(x − w_last)          + acc_everyRow/Z_H(x)
 *
 * The prover evaluates it over the LDE domain (reference below); the verifier at z (`quotientAtPoint`).
 */
import { add, batchInverse, mul, pow, sub, twoAdicGenerator } from "./field/babybear.js";
import { type Ext, addE, invE, mulE, ONE, powE, subE, fromBase } from "./field/extension.js";
import type { ExtColumns, QuotientInputs } from "./backend.js";
import { interpretBlock, readHeader, type BlockSource } from "./air/bytecode.js";
import { cosetPoints } from "./poly/ntt.js";

/** Rows per interpreter block in the reference backend. */
const BLOCK = 256;

/** The quotient at an out-of-domain point z ∈ K from the per-selector accumulators. */
export function quotientAtPoint(acc: readonly [Ext, Ext, Ext, Ext], z: Ext, logN: number): Ext {
  const n = 1 << logN;
  const wLast = fromBase(pow(twoAdicGenerator(logN), n - 1));
  const zhInv = invE(subE(powE(z, n), ONE));
  const zMinusLast = subE(z, wLast);
  let q = mulE(mulE(acc[0], zMinusLast), zhInv);
  q = addE(q, mulE(acc[1], invE(subE(z, ONE))));
  q = addE(q, mulE(acc[2], invE(zMinusLast)));
  q = addE(q, mulE(acc[3], zhInv));
  return q;
}

/** Reference evaluation of the quotient over the LDE domain (js backend). */
export function evaluateQuotientReference(inp: QuotientInputs): ExtColumns {
  const { trace, publicColumns, bytecode, alphaPowers, logTraceHeight, logBlowup, shift } = inp;
  readHeader(bytecode);
  const n = 1 << logTraceHeight;
  const B = 1 << logBlowup;
  const logN = logTraceHeight + logBlowup;
  const N = 1 << logN;
  const out: ExtColumns = [new Uint32Array(N), new Uint32Array(N), new Uint32Array(N), new Uint32Array(N)];

  const xs = cosetPoints(logN, shift);
  const wLast = pow(twoAdicGenerator(logTraceHeight), n - 1);
  // Z_H(x_i) = shift^n·w_B^(i mod B) − 1 takes only B values.
  const shiftN = pow(shift, n);
  const wB = twoAdicGenerator(logBlowup);
  const zh = new Uint32Array(B);
  for (let k = 0, w = 1; k < B; k++, w = mul(w, wB)) zh[k] = sub(mul(shiftN, w), 1);
  const zhInv = batchInverse(zh);
  const denFirst = new Uint32Array(N), denLast = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    denFirst[i] = sub(xs[i]!, 1);
    denLast[i] = sub(xs[i]!, wLast);
  }
  const invFirst = batchInverse(denFirst), invLast = batchInverse(denLast);

  const { numRegisters } = readHeader(bytecode);
  const registers = Array.from({ length: numRegisters }, () => new Uint32Array(BLOCK));
  const acc = new Uint32Array(4 * BLOCK * 4);
  for (let start = 0; start < N; start += BLOCK) {
    const rows = Math.min(BLOCK, N - start);
    const gather = (cols: Uint32Array[], offset: number) => (c: number, o: Uint32Array) => {
      const col = cols[c]!;
      for (let r = 0; r < rows; r++) o[r] = col[(start + r + offset) & (N - 1)]!;
    };
    const src: BlockSource = {
      rows,
      cur: gather(trace, 0),
      next: gather(trace, B),
      pcur: gather(publicColumns, 0),
      pnext: gather(publicColumns, B),
      publicInputs: inp.publicInputs,
    };
    acc.fill(0);
    interpretBlock(bytecode, src, alphaPowers, acc, registers);
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      const zi = zhInv[i & (B - 1)]!;
      const fT = mul(denLast[i]!, zi); // (x − w_last)/Z_H(x)
      const fF = invFirst[i]!;
      const fL = invLast[i]!;
      for (let c = 0; c < 4; c++) {
        const t = acc[(0 * rows + r) * 4 + c]!;
        const f = acc[(1 * rows + r) * 4 + c]!;
        const l = acc[(2 * rows + r) * 4 + c]!;
        const e = acc[(3 * rows + r) * 4 + c]!;
        out[c][i] = add(add(mul(t, fT), mul(f, fF)), add(mul(l, fL), mul(e, zi)));
      }
    }
  }
  return out;
}
