/** Direct evaluators of the constraint graph: over K (the verifier's OOD check) and over F (trace checks). */
import type { ConstraintGraph } from "./ir.js";
import { add, mul, neg, sub } from "../field/babybear.js";
import { type Ext, addE, fromBase, mulE, negE, subE } from "../field/extension.js";

export interface ExtRowValues {
  readonly cur: readonly Ext[];
  readonly next: readonly Ext[];
  readonly publicInputs: ArrayLike<number>;
  readonly pubCur: readonly Ext[];
  readonly pubNext: readonly Ext[];
}

/** Value of every constraint at one point, over K. */
export function evalConstraintsExt(graph: ConstraintGraph, v: ExtRowValues): Ext[] {
  const vals: Ext[] = new Array(graph.nodes.length);
  graph.nodes.forEach((n, id) => {
    switch (n.kind) {
      case "const": vals[id] = fromBase(n.a); break;
      case "cur": vals[id] = v.cur[n.a]!; break;
      case "next": vals[id] = v.next[n.a]!; break;
      case "pubin": vals[id] = fromBase(v.publicInputs[n.a]!); break;
      case "pcur": vals[id] = v.pubCur[n.a]!; break;
      case "pnext": vals[id] = v.pubNext[n.a]!; break;
      case "add": vals[id] = addE(vals[n.a]!, vals[n.b]!); break;
      case "sub": vals[id] = subE(vals[n.a]!, vals[n.b]!); break;
      case "mul": vals[id] = mulE(vals[n.a]!, vals[n.b]!); break;
      case "neg": vals[id] = negE(vals[n.a]!); break;
    }
  });
  return graph.constraints.map((c) => vals[c.node]!);
}

export interface BaseRowValues {
  readonly cur: ArrayLike<number>;
  readonly next: ArrayLike<number>;
  readonly publicInputs: ArrayLike<number>;
  readonly pubCur: ArrayLike<number>;
  readonly pubNext: ArrayLike<number>;
}

/** Value of every constraint at one row, over F. */
export function evalConstraintsBase(graph: ConstraintGraph, v: BaseRowValues, scratch?: Uint32Array): number[] {
  const vals = scratch ?? new Uint32Array(graph.nodes.length);
  graph.nodes.forEach((n, id) => {
    switch (n.kind) {
      case "const": vals[id] = n.a; break;
      case "cur": vals[id] = v.cur[n.a]!; break;
      case "next": vals[id] = v.next[n.a]!; break;
      case "pubin": vals[id] = v.publicInputs[n.a]!; break;
      case "pcur": vals[id] = v.pubCur[n.a]!; break;
      case "pnext": vals[id] = v.pubNext[n.a]!; break;
      case "add": vals[id] = add(vals[n.a]!, vals[n.b]!); break;
      case "sub": vals[id] = sub(vals[n.a]!, vals[n.b]!); break;
      case "mul": vals[id] = mul(vals[n.a]!, vals[n.b]!); break;
      case "neg": vals[id] = neg(vals[n.a]!); break;
    }
  });
  return graph.constraints.map((c) => vals[c.node]!);
}
