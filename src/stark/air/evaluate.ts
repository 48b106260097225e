/** Direct evaluators of a constraint graph: over K (the verifier's OOD check) and over F (trace checks). */
import type { ConstraintGraph } from "./ir.js";
import { add, mul, neg, sub } from "../field/babybear.js";
import { type Ext, addE, fromBase, mulE, negE, subE, ZERO } from "../field/extension.js";

export interface ExtRowValues {
  readonly cur: readonly Ext[];
  readonly next: readonly Ext[];
  readonly publicInputs: ArrayLike<number>;
  readonly pubCur: readonly Ext[];
  readonly pubNext: readonly Ext[];
  /** Preprocessed columns at this point and the next (default none). */
  readonly preCur?: readonly Ext[];
  readonly preNext?: readonly Ext[];
  /** Auxiliary columns (K-valued polynomials) at this point and the next. */
  readonly auxCur?: readonly Ext[];
  readonly auxNext?: readonly Ext[];
  readonly challenges?: readonly Ext[];
  readonly terminal?: Ext;
}

/** Value of every node at one point, over K. */
export function evalNodesExt(graph: ConstraintGraph, v: ExtRowValues): Ext[] {
  const vals: Ext[] = new Array(graph.nodes.length);
  graph.nodes.forEach((n, id) => {
    switch (n.kind) {
      case "const": vals[id] = fromBase(n.a); break;
      case "cur": vals[id] = v.cur[n.a]!; break;
      case "next": vals[id] = v.next[n.a]!; break;
      case "pre": vals[id] = v.preCur![n.a]!; break;
      case "prenext": vals[id] = v.preNext![n.a]!; break;
      case "pubin": vals[id] = fromBase(v.publicInputs[n.a]!); break;
      case "pcur": vals[id] = v.pubCur[n.a]!; break;
      case "pnext": vals[id] = v.pubNext[n.a]!; break;
      case "aux": vals[id] = v.auxCur![n.a]!; break;
      case "auxnext": vals[id] = v.auxNext![n.a]!; break;
      case "challenge": vals[id] = v.challenges![n.a]!; break;
      case "terminal": vals[id] = v.terminal ?? ZERO; break;
      case "add": vals[id] = addE(vals[n.a]!, vals[n.b]!); break;
      case "sub": vals[id] = subE(vals[n.a]!, vals[n.b]!); break;
      case "mul": vals[id] = mulE(vals[n.a]!, vals[n.b]!); break;
      case "neg": vals[id] = negE(vals[n.a]!); break;
    }
  });
  return vals;
}

/** Value of every constraint at one point, over K. */
export function evalConstraintsExt(graph: ConstraintGraph, v: ExtRowValues): Ext[] {
  const vals = evalNodesExt(graph, v);
  return graph.constraints.map((c) => vals[c.node]!);
}

export interface BaseRowValues {
  readonly cur: ArrayLike<number>;
  readonly next: ArrayLike<number>;
  readonly publicInputs: ArrayLike<number>;
  readonly pubCur: ArrayLike<number>;
  readonly pubNext: ArrayLike<number>;
  readonly preCur?: ArrayLike<number>;
  readonly preNext?: ArrayLike<number>;
}

/** Value of every base-field node at one row (K-valued nodes, and nodes outside `needed`, are left 0). */
export function evalNodesBase(graph: ConstraintGraph, v: BaseRowValues, scratch?: Uint32Array, needed?: Uint8Array): Uint32Array {
  const vals = scratch ?? new Uint32Array(graph.nodes.length);
  graph.nodes.forEach((n, id) => {
    if (n.ext || (needed && !needed[id])) {
      vals[id] = 0;
      return;
    }
    switch (n.kind) {
      case "const": vals[id] = n.a; break;
      case "cur": vals[id] = v.cur[n.a]!; break;
      case "next": vals[id] = v.next[n.a]!; break;
      case "pre": vals[id] = v.preCur![n.a]!; break;
      case "prenext": vals[id] = v.preNext![n.a]!; break;
      case "pubin": vals[id] = v.publicInputs[n.a]!; break;
      case "pcur": vals[id] = v.pubCur[n.a]!; break;
      case "pnext": vals[id] = v.pubNext[n.a]!; break;
      case "add": vals[id] = add(vals[n.a]!, vals[n.b]!); break;
      case "sub": vals[id] = sub(vals[n.a]!, vals[n.b]!); break;
      case "mul": vals[id] = mul(vals[n.a]!, vals[n.b]!); break;
      case "neg": vals[id] = neg(vals[n.a]!); break;
      default: vals[id] = 0;
    }
  });
  return vals;
}

/** Value of every constraint at one row, over F (K-valued constraints read 0: check them elsewhere). */
export function evalConstraintsBase(graph: ConstraintGraph, v: BaseRowValues, scratch?: Uint32Array): number[] {
  const vals = evalNodesBase(graph, v, scratch);
  return graph.constraints.map((c) => (c.ext ? 0 : vals[c.node]!));
}
