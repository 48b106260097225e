/**
 * The recursion AIR `recursion-v1` (docs/recursion.md §3): four tables connected by one LogUp wire
 * bus, their constraints the same for every program; the program — which wire each row reads and
 * writes, the constants, the Poseidon2 rows' modes — lives in preprocessed columns, so it is part of
 * the verification key, never the prover's choice.
 *
 * Bus tuples are (wire id, v0, v1, v2, v3): a wire's value in K. A writer sends its wire with
 * multiplicity = the number of reads; a reader receives it once (an ALU assertion or a Poseidon2
 * output check reads with multiplicity −1 on the writer's side of its interaction).
 */
import { defineAir, type Air } from "../stark/air/air.js";
import type { ConstraintGraph, Expr } from "../stark/air/ir.js";
import { LANE_WIDTH, poseidon2LaneConstraints } from "../stark/air/poseidon2-lane.js";
import { W as EXT_W } from "../stark/field/extension.js";
import type { Program } from "./program.js";

export const WIRE_BUS = 1;
/** Public values of a generic recursion statement (key-set root and children digest). */
export const RECURSION_PUBLIC_VALUES = 16;

/** Column layout of the Poseidon2 table. */
export const P2 = {
  lane: 0,
  sib: LANE_WIDTH,
  bit: LANE_WIDTH + 8,
  width: LANE_WIDTH + 9,
  // preprocessed
  inId: 0,
  read: 8,
  keep: 16,
  compress: 24,
  chain: 25,
  initCap: 26,
  outId: 34,
  outMult: 42,
  bitId: 50,
  bitMult: 51,
  numPre: 52,
} as const;

/** Column layout of the ALU table: main a, b, c, d (4 coordinates each); preprocessed ids and multiplicities. */
export const ALU = { numMain: 16, numPre: 8 } as const;
/** Inputs table: main v[4]; preprocessed id, mult, isConst, constant[4]. */
export const INPUTS = { numMain: 4, numPre: 7 } as const;
/** Public table: main v; preprocessed id, mult, then one one-hot column per public value. */
export const PUBLIC = { numMain: 1, numPreFixed: 2 } as const;

/** Coordinates of a·b in K from coordinate expressions. */
function mulK(g: ConstraintGraph, a: Expr[], b: Expr[]): Expr[] {
  const [a0, a1, a2, a3] = a as [Expr, Expr, Expr, Expr];
  const [b0, b1, b2, b3] = b as [Expr, Expr, Expr, Expr];
  const w = (x: Expr) => x.mul(EXT_W);
  return [
    a0.mul(b0).add(w(a1.mul(b3).add(a2.mul(b2)).add(a3.mul(b1)))),
    a0.mul(b1).add(a1.mul(b0)).add(w(a2.mul(b3).add(a3.mul(b2)))),
    a0.mul(b2).add(a1.mul(b1)).add(a2.mul(b0)).add(w(a3.mul(b3))),
    a0.mul(b3).add(a1.mul(b2)).add(a2.mul(b1)).add(a3.mul(b0)),
  ];
}

/** The recursion AIR running `program` (its preprocessed columns and table heights). */
export function recursionAir(program: Program): Air {
  const h = program.logHeights;
  const numPublic = program.numPublicValues;
  return defineAir({
    name: "recursion-v1",
    version: 1,
    numPublicInputs: numPublic,
    tables: [
      {
        name: "inputs",
        width: INPUTS.numMain,
        numPublicColumns: 0,
        numPreprocessed: INPUTS.numPre,
        preprocessed: (logRows) => program.preprocessed("inputs", logRows),
        minLogRows: h.inputs,
        maxLogRows: h.inputs,
        constraints(g) {
          const v = [0, 1, 2, 3].map((e) => g.cur(e));
          const isConst = g.preprocessed(2);
          for (let e = 0; e < 4; e++) g.assert(isConst.mul(v[e]!.sub(g.preprocessed(3 + e))), "everyRow");
          g.send(WIRE_BUS, [g.preprocessed(0), ...v], g.preprocessed(1));
        },
      },
      {
        name: "public",
        width: PUBLIC.numMain,
        numPublicColumns: 0,
        numPreprocessed: PUBLIC.numPreFixed + numPublic,
        preprocessed: (logRows) => program.preprocessed("public", logRows),
        minLogRows: h.public,
        maxLogRows: h.public,
        constraints(g) {
          const v = g.cur(0);
          let bound: Expr = g.constant(0);
          for (let j = 0; j < numPublic; j++) bound = bound.add(g.preprocessed(2 + j).mul(v.sub(g.publicInput(j))));
          g.assert(bound, "everyRow");
          g.send(WIRE_BUS, [g.preprocessed(0), v, 0, 0, 0], g.preprocessed(1));
        },
      },
      {
        name: "alu",
        width: ALU.numMain,
        numPublicColumns: 0,
        numPreprocessed: ALU.numPre,
        preprocessed: (logRows) => program.preprocessed("alu", logRows),
        minLogRows: h.alu,
        maxLogRows: h.alu,
        constraints(g) {
          const k = (o: number) => [0, 1, 2, 3].map((e) => g.cur(o + e));
          const [a, b, c, d] = [k(0), k(4), k(8), k(12)];
          const ab = mulK(g, a, b);
          for (let e = 0; e < 4; e++) g.assert(d[e]!.sub(ab[e]!).sub(c[e]!), "everyRow");
          const pre = (i: number) => g.preprocessed(i);
          g.receive(WIRE_BUS, [pre(0), ...a], pre(4));
          g.receive(WIRE_BUS, [pre(1), ...b], pre(5));
          g.receive(WIRE_BUS, [pre(2), ...c], pre(6));
          g.send(WIRE_BUS, [pre(3), ...d], pre(7));
        },
      },
      {
        name: "poseidon2",
        width: P2.width,
        numPublicColumns: 0,
        numPreprocessed: P2.numPre,
        preprocessed: (logRows) => program.preprocessed("poseidon2", logRows),
        minLogRows: h.poseidon2,
        maxLogRows: h.poseidon2,
        constraints(g) {
          const out = poseidon2LaneConstraints(g, P2.lane);
          const pre = (i: number) => g.preprocessed(i);
          const preNext = (i: number) => g.preprocessedNext(i);
          // Row 0 is a zero row: every real row has a predecessor.
          for (let i = 0; i < 16; i++) g.assert(g.cur(P2.lane + i), "firstRow");
          const bitN = g.next(P2.bit);
          const compressN = preNext(P2.compress);
          for (let i = 0; i < 8; i++) {
            const inN = g.next(P2.lane + i);
            const sibN = g.next(P2.sib + i);
            const node = out[i]!;
            // rate: read (bus), keep (previous output), zero, or the compression's left half
            const left = node.add(bitN.mul(sibN.sub(node)));
            g.assert(g.constant(1).sub(preNext(P2.read + i)).mul(inN).sub(preNext(P2.keep + i).mul(node)).sub(compressN.mul(left)), "transition");
            // capacity: chained previous output plus constants, or the compression's right half
            const capN = g.next(P2.lane + 8 + i);
            const right = sibN.add(bitN.mul(node.sub(sibN)));
            g.assert(capN.sub(preNext(P2.chain).mul(out[8 + i]!)).sub(preNext(P2.initCap + i)).sub(compressN.mul(right)), "transition");
          }
          for (let i = 0; i < 8; i++) g.receive(WIRE_BUS, [pre(P2.inId + i), g.cur(P2.lane + i), 0, 0, 0], pre(P2.read + i));
          for (let j = 0; j < 8; j++) g.send(WIRE_BUS, [pre(P2.outId + j), out[j]!, 0, 0, 0], pre(P2.outMult + j));
          g.receive(WIRE_BUS, [pre(P2.bitId), g.cur(P2.bit), 0, 0, 0], pre(P2.bitMult));
        },
      },
    ],
  });
}
