/**
 * The inverse of the Poseidon2-BabyBear width-16 permutation: what an attacker uses to make a lane
 * output any value it likes (the input of an unconstrained row is free). Tests only.
 */
import { add, inv, mul, P, pow, sub } from "../../../src/stark/field/babybear.js";
import { externalLinearLayer, internalLinearLayer, POSEIDON2_16 } from "../../../src/stark/hash/poseidon2.js";

const W = 16;

/** The matrix of a linear layer (column j = the layer applied to unit vector j), inverted mod p. */
function invertedLayer(apply: (s: number[]) => void): number[][] {
  const a: number[][] = Array.from({ length: W }, () => new Array<number>(2 * W).fill(0));
  for (let j = 0; j < W; j++) {
    const e = new Array<number>(W).fill(0);
    e[j] = 1;
    apply(e);
    for (let i = 0; i < W; i++) a[i]![j] = e[i]!;
  }
  for (let i = 0; i < W; i++) a[i]![W + i] = 1;
  for (let c = 0; c < W; c++) {
    const piv = a.findIndex((row, r) => r >= c && row[c] !== 0);
    [a[c], a[piv]] = [a[piv]!, a[c]!];
    const f = inv(a[c]![c]!);
    a[c] = a[c]!.map((x) => mul(x, f));
    for (let r = 0; r < W; r++) {
      if (r === c || a[r]![c] === 0) continue;
      const k = a[r]![c]!;
      a[r] = a[r]!.map((x, j) => sub(x, mul(k, a[c]![j]!)));
    }
  }
  return a.map((row) => row.slice(W));
}

const ME_INV = invertedLayer((s) => externalLinearLayer(s, W));
const MI_INV = invertedLayer((s) => internalLinearLayer(s, POSEIDON2_16));
/** 7^(−1) mod (p − 1): x ↦ x^d undoes x ↦ x^7. */
const SBOX_INV = (() => {
  const n = BigInt(P - 1);
  let [r0, r1, s0, s1] = [7n, n, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return ((s0 % n) + n) % n;
})();

function apply(m: number[][], s: number[]): number[] {
  return m.map((row) => row.reduce((acc, x, j) => add(acc, mul(x, s[j]!)), 0));
}

/** poseidon2Permute16^(−1)(output). */
export function poseidon2Inverse16(output: ArrayLike<number>): number[] {
  let s = Array.from(output);
  const unFull = (rc: readonly number[]): void => {
    s = apply(ME_INV, s).map((x, i) => sub(pow(x, SBOX_INV), rc[i]!));
  };
  for (const rc of [...POSEIDON2_16.externalFinal].reverse()) unFull(rc);
  for (const c of [...POSEIDON2_16.internal].reverse()) {
    s = apply(MI_INV, s);
    s[0] = sub(pow(s[0]!, SBOX_INV), c);
  }
  for (const rc of [...POSEIDON2_16.externalInitial].reverse()) unFull(rc);
  return apply(ME_INV, s);
}
