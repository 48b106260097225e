/**
 * The base-field lowering of K-valued constraints (docs/proof-system.md §6.2): the lowered bytecode,
 * with weights α^i·X^e, accumulates exactly what the K-typed graph does — on base-field rows (what the
 * backends compute) and at a point of K (what a verifier interpreting the bytecode computes).
 */
import { strict as assert } from "node:assert";
import { lookupAir } from "../../../src/stark/airs/index.js";
import { readHeader, Op } from "../../../src/stark/air/bytecode.js";
import { evalConstraintsExt } from "../../../src/stark/air/evaluate.js";
import { type Ext, addE, mulE, subE, negE, fromBase, ZERO, ONE } from "../../../src/stark/field/extension.js";
import { SELECTOR_CODES } from "../../../src/stark/air/ir.js";
import { mulByXPower } from "../../../src/stark/prover.js";
import type { AirTable } from "../../../src/stark/air/air.js";
import { Rng } from "../../utils/rng.js";

/** Interpret a lowered program with K-valued registers; returns the four per-selector sums. */
function interpretK(t: AirTable, cur: Ext[], next: Ext[], publicInputs: number[], weights: Ext[]): Ext[] {
  const code = t.bytecode;
  const h = readHeader(code);
  const regs: Ext[] = new Array(h.numRegisters).fill(ZERO);
  const acc: Ext[] = [ZERO, ZERO, ZERO, ZERO];
  for (let k = 0; k < h.numInstructions; k++) {
    const [op, dst, a, b] = code.subarray(4 + 4 * k, 8 + 4 * k) as unknown as [number, number, number, number];
    switch (op) {
      case Op.CONST: regs[dst] = fromBase(a); break;
      case Op.CUR: regs[dst] = cur[a]!; break;
      case Op.NEXT: regs[dst] = next[a]!; break;
      case Op.PUBIN: regs[dst] = fromBase(publicInputs[a]!); break;
      case Op.ADD: regs[dst] = addE(regs[a]!, regs[b]!); break;
      case Op.SUB: regs[dst] = subE(regs[a]!, regs[b]!); break;
      case Op.MUL: regs[dst] = mulE(regs[a]!, regs[b]!); break;
      case Op.NEG: regs[dst] = negE(regs[a]!); break;
      case Op.ACC: acc[dst] = addE(acc[dst]!, mulE(weights[b]!, regs[a]!)); break;
      default: throw new Error(`opcode ${op}`);
    }
  }
  return acc;
}

const pow = (a: Ext, e: number): Ext => (e === 0 ? ONE : mulE(a, pow(a, e - 1)));

describe("stark/air: lowering K-valued constraints to the base field", () => {
  const rng = new Rng(17);
  const ext = (): Ext => [rng.field(), rng.field(), rng.field(), rng.field()];

  for (const t of lookupAir.tables) {
    it(`table ${t.name}: the lowered program's sums equal the graph's, at random base rows and at a point of K`, () => {
      assert.ok(t.numAux > 0 && t.graph.constraints.some((c) => c.ext));
      for (const atK of [false, true]) {
        const val = (): Ext => (atK ? ext() : fromBase(rng.field()));
        const main = Array.from({ length: t.width }, val), mainNext = Array.from({ length: t.width }, val);
        const pre = Array.from({ length: t.numPreprocessed }, val), preNext = Array.from({ length: t.numPreprocessed }, val);
        // Auxiliary columns by coordinates (each coordinate a polynomial over F, its value here in F or K).
        const coords = Array.from({ length: 4 * t.numAux }, val), coordsNext = Array.from({ length: 4 * t.numAux }, val);
        const fromCoords = (c: Ext[], a: number): Ext => [0, 1, 2, 3].reduce((s, e) => addE(s, mulByXPower(c[4 * a + e]!, e)), ZERO);
        const challenges = [ext(), ext()], terminal = ext(), alpha = ext();
        const publicInputs = [rng.field(), rng.field()];
        const cvals = evalConstraintsExt(t.graph, {
          cur: main, next: mainNext, preCur: pre, preNext, publicInputs, pubCur: [], pubNext: [],
          auxCur: Array.from({ length: t.numAux }, (_, a) => fromCoords(coords, a)), auxNext: Array.from({ length: t.numAux }, (_, a) => fromCoords(coordsNext, a)),
          challenges, terminal,
        });
        const expected: Ext[] = [ZERO, ZERO, ZERO, ZERO];
        t.graph.constraints.forEach((c, i) => {
          const s = SELECTOR_CODES[c.selector];
          expected[s] = addE(expected[s]!, mulE(pow(alpha, i), cvals[i]!));
        });
        const weights = t.weights.map((w) => mulByXPower(pow(alpha, w.constraint), w.coordinate));
        const loweredPi = [...publicInputs, ...challenges.flat(), ...terminal];
        // Lowered PUBIN values are base elements: coordinates of the challenges and the terminal sum.
        const got = interpretK(t, [...main, ...pre, ...coords], [...mainNext, ...preNext, ...coordsNext], loweredPi, weights);
        assert.deepEqual(got, expected, atK ? "at a point of K" : "on a base-field row");
      }
    });
  }
});
