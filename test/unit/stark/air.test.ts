import { strict as assert } from "node:assert";
import { ConstraintGraph, quotientChunksFor } from "../../../src/stark/air/ir.js";
import { defineAir } from "../../../src/stark/air/air.js";
import { interpretBlock, readHeader, type BlockSource } from "../../../src/stark/air/bytecode.js";
import { evalConstraintsBase } from "../../../src/stark/air/evaluate.js";
import { fibAir, mixAir } from "../../../src/stark/airs/index.js";
import * as F from "../../../src/stark/field/babybear.js";
import { flattenExt } from "../../../src/stark/field/extension.js";
import { extPowers } from "../../../src/stark/deep.js";
import { StarkError } from "../../../src/stark/errors.js";
import { Rng } from "../../utils/rng.js";

describe("stark/air: constraint IR", () => {
  const shape = { width: 3, numPublicInputs: 1, numPublicColumns: 1 };

  it("hash-conses identical subexpressions (commutative operands in one order)", () => {
    const g = new ConstraintGraph(shape);
    const a = g.cur(0), b = g.cur(1);
    assert.equal(a.mul(b).id, b.mul(a).id);
    assert.equal(a.add(b).id, b.add(a).id);
    assert.notEqual(a.sub(b).id, b.sub(a).id);
    const before = g.nodes.length;
    a.mul(b).add(1);
    a.mul(b).add(1);
    assert.equal(g.nodes.length, before + 2);
  });

  it("infers degrees", () => {
    const g = new ConstraintGraph(shape);
    const x = g.cur(0);
    assert.equal(x.pow(7).degree, 7);
    assert.equal(x.mul(g.publicColumn(0)).degree, 2);
    assert.equal(x.mul(g.publicInput(0)).degree, 1);
    assert.equal(g.constant(5).mul(x).add(g.next(2)).degree, 1);
  });

  it("folds constants and refuses degree-0 constraints and bad indices", () => {
    const g = new ConstraintGraph(shape);
    assert.equal(g.constant(3).add(4).id, g.constant(7).id);
    assert.throws(() => g.assert(g.constant(1), "everyRow"), StarkError);
    assert.throws(() => g.cur(3), /column index 3/);
    assert.throws(() => g.publicInput(1), /public input index 1/);
  });

  it("counts quotient chunks per selector", () => {
    const c = (selector: "transition" | "firstRow" | "lastRow" | "everyRow", degree: number) => quotientChunksFor({ selector, degree });
    assert.equal(c("transition", 1), 1);
    assert.equal(c("transition", 3), 2);
    assert.equal(c("everyRow", 2), 1);
    assert.equal(c("firstRow", 2), 2);
    assert.equal(c("lastRow", 1), 1);
    assert.equal(fibAir.numQuotientChunks, 1);
    assert.equal(mixAir.numQuotientChunks, 2);
    assert.ok(mixAir.width >= 32 && mixAir.maxDegree === 3 && mixAir.numPublicColumns === 1);
  });

  it("gives AIR ids that change with any constraint", () => {
    const mk = (k: number) =>
      defineAir({ name: "t", version: 1, width: 1, numPublicInputs: 0, numPublicColumns: 0, constraints: (g) => g.assert(g.next(0).sub(g.cur(0).add(k)), "transition") });
    assert.deepEqual(mk(1).id, mk(1).id);
    assert.notDeepEqual(mk(1).id, mk(2).id);
    assert.notDeepEqual(fibAir.id, mixAir.id);
  });

  for (const air of [fibAir, mixAir]) {
    it(`${air.name}: the bytecode interpreter agrees with the direct evaluator on random rows`, () => {
      const rng = new Rng(5);
      const rows = 37;
      const cur = Array.from({ length: air.width }, () => rng.fieldArray(rows));
      const next = Array.from({ length: air.width }, () => rng.fieldArray(rows));
      const pc = Array.from({ length: air.numPublicColumns }, () => rng.fieldArray(rows));
      const pn = Array.from({ length: air.numPublicColumns }, () => rng.fieldArray(rows));
      const pi = rng.fieldArray(air.numPublicInputs);
      const alphaPowers = flattenExt(extPowers(rng.ext(), air.numConstraints));
      const copy = (cols: Uint32Array[]) => (c: number, o: Uint32Array) => o.set(cols[c]!.subarray(0, rows));
      const src: BlockSource = { rows, cur: copy(cur), next: copy(next), pcur: copy(pc), pnext: copy(pn), publicInputs: pi };
      const acc = new Uint32Array(4 * rows * 4);
      interpretBlock(air.bytecode, src, alphaPowers, acc);
      const h = readHeader(air.bytecode);
      assert.ok(h.numRegisters < air.graph.nodes.length, "registers are reused");
      for (let r = 0; r < rows; r++) {
        const vals = evalConstraintsBase(air.graph, {
          cur: cur.map((c) => c[r]!), next: next.map((c) => c[r]!), publicInputs: pi, pubCur: pc.map((c) => c[r]!), pubNext: pn.map((c) => c[r]!),
        });
        const expect = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
        const sel = { transition: 0, firstRow: 1, lastRow: 2, everyRow: 3 } as const;
        air.graph.constraints.forEach((c, i) => {
          for (let e = 0; e < 4; e++) expect[sel[c.selector]]![e] = F.add(expect[sel[c.selector]]![e]!, F.mul(alphaPowers[4 * i + e]!, vals[i]!));
        });
        for (let s = 0; s < 4; s++) for (let e = 0; e < 4; e++) assert.equal(acc[(s * rows + r) * 4 + e], expect[s]![e], `row ${r} selector ${s}`);
      }
    });
  }
});
