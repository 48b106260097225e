import { strict as assert } from "node:assert";
import * as F from "../../../src/stark/field/babybear.js";
import * as K from "../../../src/stark/field/extension.js";
import { Rng, EDGE_VALUES } from "../../utils/rng.js";

const bigMul = (a: number, b: number) => Number((BigInt(a) * BigInt(b)) % BigInt(F.P));

describe("stark/field: BabyBear", () => {
  const rng = new Rng(1);
  const samples = [...EDGE_VALUES, ...Array.from({ length: 200 }, () => rng.field())];

  it("has the documented constants", () => {
    assert.equal(F.P, 2013265921);
    assert.equal(F.P, 2 ** 31 - 2 ** 27 + 1);
    // Plonky3's two-adic generator of order 2^27 for BabyBear.
    assert.equal(F.twoAdicGenerator(27), 0x1a427a41);
    assert.equal(F.pow(F.twoAdicGenerator(27), 2 ** 26), F.P - 1);
    assert.equal(F.pow(F.GENERATOR, (F.P - 1) / 2), F.P - 1, "31 is a non-residue, so it generates F*");
  });

  it("multiplies exactly like bigint arithmetic, edge values included", () => {
    for (const a of samples) for (const b of samples.slice(0, 40)) assert.equal(F.mul(a, b), bigMul(a, b), `${a}·${b}`);
  });

  it("multiplies exactly when the product lies just beside a multiple of p (quotient estimate edge)", () => {
    let checked = 0;
    for (let a = F.P - 1; a > F.P - 20000; a -= 13) {
      for (const k of [Math.floor(a / 2), 12345, a - 7]) {
        const b0 = Math.floor((k * F.P) / a);
        for (const b of [b0 - 1, b0, b0 + 1]) {
          if (b <= 0 || b >= F.P) continue;
          assert.equal(F.mul(a, b), bigMul(a, b), `${a}·${b}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 10000);
  });

  it("satisfies the field axioms", () => {
    for (let i = 0; i + 2 < samples.length; i++) {
      const [a, b, c] = [samples[i]!, samples[i + 1]!, samples[i + 2]!];
      assert.equal(F.add(a, b), F.add(b, a));
      assert.equal(F.mul(a, F.add(b, c)), F.add(F.mul(a, b), F.mul(a, c)));
      assert.equal(F.sub(F.add(a, b), b), a);
      assert.equal(F.add(a, F.neg(a)), 0);
      if (a !== 0) assert.equal(F.mul(a, F.inv(a)), 1);
    }
  });

  it("batch-inverts and refuses zero", () => {
    const xs = samples.filter((x) => x !== 0);
    const inv = F.batchInverse(xs);
    xs.forEach((x, i) => assert.equal(F.mul(x, inv[i]!), 1));
    assert.throws(() => F.batchInverse([1, 0, 2]), /element 1 is zero/);
    assert.throws(() => F.inv(0), RangeError);
  });

  it("two-adic generators have exact order 2^k", () => {
    for (let k = 0; k <= 27; k++) {
      const g = F.twoAdicGenerator(k);
      assert.equal(F.pow(g, 2 ** k), 1);
      if (k > 0) assert.equal(F.pow(g, 2 ** (k - 1)), F.P - 1);
    }
    assert.throws(() => F.twoAdicGenerator(28), RangeError);
  });

  it("reduces integers canonically", () => {
    assert.equal(F.fromInt(-1), F.P - 1);
    assert.equal(F.fromInt(BigInt(F.P) * 5n + 3n), 3);
    assert.ok(!F.isCanonical(F.P));
    assert.ok(F.isCanonical(F.P - 1));
  });
});

describe("stark/field: quartic extension K", () => {
  const rng = new Rng(2);
  const xs = Array.from({ length: 60 }, () => rng.ext());
  xs.push([F.P - 1, F.P - 1, F.P - 1, F.P - 1], [0, 0, 0, 1], [1, 0, 0, 0]);

  it("X^4 = 11", () => {
    const X: K.Ext = [0, 1, 0, 0];
    assert.deepEqual(K.powE(X, 4), [11, 0, 0, 0]);
  });

  it("is a commutative ring with the distributive law", () => {
    for (let i = 0; i + 2 < xs.length; i++) {
      const [a, b, c] = [xs[i]!, xs[i + 1]!, xs[i + 2]!];
      assert.deepEqual(K.mulE(a, b), K.mulE(b, a));
      assert.deepEqual(K.mulE(a, K.mulE(b, c)), K.mulE(K.mulE(a, b), c));
      assert.deepEqual(K.mulE(a, K.addE(b, c)), K.addE(K.mulE(a, b), K.mulE(a, c)));
    }
  });

  it("inverts every non-zero element (a field: X^4 − 11 is irreducible)", () => {
    for (const a of xs) assert.deepEqual(K.mulE(a, K.invE(a)), K.ONE);
    const inv = K.batchInverseE(xs);
    xs.forEach((a, i) => assert.deepEqual(K.mulE(a, inv[i]!), K.ONE));
    assert.throws(() => K.invE(K.ZERO), RangeError);
  });

  it("Frobenius has order 4 (x^(p^4) = x) for random elements", () => {
    const a = xs[0]!;
    assert.deepEqual(K.powE(a, BigInt(F.P) ** 4n), a);
    assert.notDeepEqual(K.powE(a, BigInt(F.P)), a);
  });
});
