/**
 * Naive, obviously correct implementations of the backend operations, straight from the definitions
 * in src/backends/interface.ts (O(n^2) DFT, direct Lagrange interpolation, keccak256 from
 * @noble/hashes). The conformance suite checks every backend against them.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import * as F from "../../../src/stark/field/babybear.js";
import * as K from "../../../src/stark/field/extension.js";
import type { DeepInputs, ExtColumns } from "../../../src/backends/interface.js";


export function evalPoly(coeffs: ArrayLike<number>, x: number): number {
  let acc = 0;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = F.add(F.mul(acc, x), coeffs[i]!);
  return acc;
}

export function naiveCoset(coeffs: Uint32Array, logBlowup: number, shift: number): Uint32Array {
  const big = coeffs.length << logBlowup;
  const w = F.twoAdicGenerator(Math.log2(big));
  const out = new Uint32Array(big);
  let x = shift;
  for (let i = 0; i < big; i++) {
    out[i] = evalPoly(coeffs, x);
    x = F.mul(x, w);
  }
  return out;
}

/** Coefficients from natural-order evaluations over <w_n>: c_k = (1/n) Σ_i v_i w^(−ik). */
export function naiveInterpolate(values: Uint32Array): Uint32Array {
  const n = values.length;
  const wInv = F.inv(F.twoAdicGenerator(Math.log2(n)));
  const nInv = F.inv(n);
  const out = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const step = F.pow(wInv, k);
    let acc = 0;
    let x = 1;
    for (let i = 0; i < n; i++) {
      acc = F.add(acc, F.mul(values[i]!, x));
      x = F.mul(x, step);
    }
    out[k] = F.mul(acc, nInv);
  }
  return out;
}

export function rowBytes(columns: Uint32Array[], row: number): Uint8Array {
  const out = new Uint8Array(4 * columns.length);
  const dv = new DataView(out.buffer);
  columns.forEach((c, j) => dv.setUint32(4 * j, c[row]!, true));
  return out;
}

export function naiveMerkle(columns: Uint32Array[], leafArity: number): Uint8Array[] {
  const height = columns[0]!.length;
  const leaves = height / leafArity;
  const level: Uint8Array[] = [];
  for (let i = 0; i < leaves; i++) {
    const parts: Uint8Array[] = [];
    for (let k = 0; k < leafArity; k++) parts.push(rowBytes(columns, i + k * leaves));
    level.push(keccak_256(concat(parts)));
  }
  const levels = [concat(level)];
  let cur = level;
  while (cur.length > 1) {
    const next: Uint8Array[] = [];
    for (let j = 0; j < cur.length / 2; j++) next.push(keccak_256(concat([cur[2 * j]!, cur[2 * j + 1]!])));
    levels.push(concat(next));
    cur = next;
  }
  return levels;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function leadingZeros(d: Uint8Array): number {
  let z = 0;
  for (const b of d) {
    if (b === 0) z += 8;
    else return z + Math.clz32(b) - 24;
  }
  return z;
}

export function naiveGrind(state: Uint8Array, bits: number): bigint {
  const buf = new Uint8Array(state.length + 8);
  buf.set(state);
  const dv = new DataView(buf.buffer);
  for (let n = 0n; ; n++) {
    dv.setBigUint64(state.length, n, true);
    if (leadingZeros(keccak_256(buf)) >= bits) return n;
  }
}

/** Lagrange interpolation through (xs, ys) in K with base-field xs, evaluated at t ∈ K. */
function lagrangeAt(xs: number[], ys: K.Ext[], t: K.Ext): K.Ext {
  let acc: K.Ext = K.ZERO;
  for (let i = 0; i < xs.length; i++) {
    let term = ys[i]!;
    for (let j = 0; j < xs.length; j++) {
      if (j === i) continue;
      // (t − x_j) / (x_i − x_j)
      term = K.scaleE(K.mulE(term, K.addBase(t, F.neg(xs[j]!))), F.inv(F.sub(xs[i]!, xs[j]!)));
    }
    acc = K.addE(acc, term);
  }
  return acc;
}

export function naiveFriFold(values: ExtColumns, logArity: number, beta: Uint32Array, shift: number): ExtColumns {
  const m = values[0].length;
  const arity = 1 << logArity;
  const outLen = m / arity;
  const w = F.twoAdicGenerator(Math.log2(m));
  const out = [0, 1, 2, 3].map(() => new Uint32Array(outLen)) as unknown as ExtColumns;
  const b = K.readExt(beta, 0);
  for (let i = 0; i < outLen; i++) {
    const xs: number[] = [];
    const ys: K.Ext[] = [];
    for (let k = 0; k < arity; k++) {
      const idx = i + k * outLen;
      xs.push(F.mul(shift, F.pow(w, idx)));
      ys.push([values[0][idx]!, values[1][idx]!, values[2][idx]!, values[3][idx]!]);
    }
    const v = lagrangeAt(xs, ys, b);
    for (let c = 0; c < 4; c++) out[c]![i] = v[c]!;
  }
  return out;
}

export function naiveDeep(inp: DeepInputs & { readonly columns: readonly Uint32Array[] }): ExtColumns {
  const n = 2 ** inp.logHeight;
  const w = F.twoAdicGenerator(inp.logHeight);
  const gamma = K.readExt(inp.gamma, 0);
  const out = [0, 1, 2, 3].map(() => new Uint32Array(n)) as unknown as ExtColumns;
  let x = inp.shift;
  for (let i = 0; i < n; i++) {
    let acc: K.Ext = K.ZERO;
    let g: K.Ext = K.ONE;
    for (let k = 0; k < inp.claimColumn.length; k++) {
      const z = K.readExt(inp.points, inp.claimPoint[k]!);
      const num = K.subE(K.fromBase(inp.columns[inp.claimColumn[k]!]![i]!), K.readExt(inp.values, k));
      const den = K.subE(K.fromBase(x), z);
      acc = K.addE(acc, K.mulE(inp.weights ? K.readExt(inp.weights, k) : g, K.mulE(num, K.invE(den))));
      g = K.mulE(g, gamma);
    }
    for (let c = 0; c < 4; c++) out[c]![i] = acc[c]!;
    x = F.mul(x, w);
  }
  return out;
}

export interface Poseidon2Vectors {
  width: number;
  rounds_partial: number;
  external_initial_constants: number[][];
  external_final_constants: number[][];
  internal_constants: number[];
  internal_diagonal: number[];
  test_vectors: Array<{ input: number[]; output: number[] }>;
}

/** Poseidon2 straight from the round structure described in the vector files. */
export function naivePoseidon2(state: number[], v: Poseidon2Vectors): number[] {
  const w = v.width;
  let s = state.slice();
  const sbox = (x: number): number => F.pow(x, 7);
  const external = (): void => {
    const m: number[] = [];
    for (let j = 0; j < w; j += 4) {
      const [a, b, c, d] = [s[j]!, s[j + 1]!, s[j + 2]!, s[j + 3]!];
      const row = (k0: number, k1: number, k2: number, k3: number): number =>
        F.add(F.add(F.mul(k0, a), F.mul(k1, b)), F.add(F.mul(k2, c), F.mul(k3, d)));
      m.push(row(2, 3, 1, 1), row(1, 2, 3, 1), row(1, 1, 2, 3), row(3, 1, 1, 2));
    }
    const sums = [0, 1, 2, 3].map((k) => m.filter((_, i) => i % 4 === k).reduce(F.add, 0));
    s = m.map((x, i) => F.add(x, sums[i % 4]!));
  };
  external();
  for (const rc of v.external_initial_constants) {
    s = s.map((x, i) => sbox(F.add(x, rc[i]!)));
    external();
  }
  for (const rc of v.internal_constants) {
    s[0] = sbox(F.add(s[0]!, rc));
    const sum = s.reduce(F.add, 0);
    s = s.map((x, i) => F.add(F.mul(x, v.internal_diagonal[i]!), sum));
  }
  for (const rc of v.external_final_constants) {
    s = s.map((x, i) => sbox(F.add(x, rc[i]!)));
    external();
  }
  return s;
}
