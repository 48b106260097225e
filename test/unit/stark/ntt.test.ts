import { strict as assert } from "node:assert";
import * as F from "../../../src/stark/field/babybear.js";
import { ntt, intt, cosetLde, cosetInterpolate, cosetPoints, COSET_SHIFT } from "../../../src/stark/poly/ntt.js";
import { evalBaseAtExt, evalColumnsAtExt } from "../../../src/stark/poly/eval.js";
import { Rng } from "../../utils/rng.js";

function naiveEval(coeffs: Uint32Array, x: number): number {
  let acc = 0;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = F.add(F.mul(acc, x), coeffs[i]!);
  return acc;
}

describe("stark/poly: NTT and LDE", () => {
  const rng = new Rng(3);

  for (let logN = 0; logN <= 10; logN++) {
    it(`NTT of size 2^${logN} equals the naive DFT, and the inverse undoes it`, () => {
      const n = 1 << logN;
      const coeffs = rng.fieldArray(n);
      const evals = Uint32Array.from(coeffs);
      ntt(evals);
      const w = F.twoAdicGenerator(logN);
      // Check every point for small sizes, a sample for large ones.
      const step = Math.max(1, n >> 6);
      for (let i = 0; i < n; i += step) assert.equal(evals[i], naiveEval(coeffs, F.pow(w, i)), `point ${i}`);
      intt(evals);
      assert.deepEqual(evals, coeffs);
    });
  }

  it("coset LDE agrees with direct evaluation and with the trace on the subgroup", () => {
    const logN = 5, logB = 3;
    const values = rng.fieldArray(1 << logN);
    const coeffs = Uint32Array.from(values);
    intt(coeffs);
    const lde = cosetLde(coeffs, logB, COSET_SHIFT);
    const xs = cosetPoints(logN + logB, COSET_SHIFT);
    for (let i = 0; i < lde.length; i += 7) assert.equal(lde[i], naiveEval(coeffs, xs[i]!));
    // With shift 1 the LDE restricted to every 2^logB-th point is the original evaluations.
    const plain = cosetLde(coeffs, logB, 1);
    for (let i = 0; i < values.length; i++) assert.equal(plain[i << logB], values[i]);
    assert.deepEqual(cosetInterpolate(lde, COSET_SHIFT).subarray(0, coeffs.length), coeffs);
    assert.ok(cosetInterpolate(lde, COSET_SHIFT).subarray(coeffs.length).every((c) => c === 0), "degree < n");
  });

  it("evaluates columns at a point of K by barycentric interpolation, matching Horner", () => {
    const logN = 6;
    const cols = [rng.fieldArray(1 << logN), rng.fieldArray(1 << logN)];
    const z = rng.ext();
    const got = evalColumnsAtExt(cols, F.twoAdicGenerator(logN), z);
    cols.forEach((c, k) => {
      const coeffs = Uint32Array.from(c);
      intt(coeffs);
      assert.deepEqual(got[k], evalBaseAtExt(coeffs, z));
    });
  });

  it("rejects sizes that are not powers of two", () => {
    assert.throws(() => ntt(new Uint32Array(3)), RangeError);
  });
});
