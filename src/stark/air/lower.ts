/**
 * Lowering a table's constraint graph to the base field (docs/proof-system.md §6.2), so the prover
 * backends interpret one kind of program: registers over F, whatever the table declares.
 *
 * An element of K is its four coordinates over F (c0 + c1·X + c2·X² + c3·X³, X⁴ = 11). Every K-valued
 * node becomes four base nodes; K-valued leaves map to base leaves of a wider shape:
 *   columns       [main 0..W) [preprocessed W..W+P) [auxiliary coordinates W+P+4a+e]
 *   public inputs [π 0..m) [challenge coordinates m+4j+e] [terminal-sum coordinates m+4J+e]
 * A K-valued constraint i becomes four base constraints (coordinate e = 0..3) whose weight in the
 * quotient is α^i·X^e instead of α^i, so the accumulated sum is unchanged: Σ_e α^i·X^e·C_e = α^i·C.
 *
 * Evaluating coordinates is a ring homomorphism from F[x] to K at an out-of-domain point too, so the
 * lowered program evaluated at z (every register a K value) gives the same sums as the graph itself.
 */
import { ConstraintGraph, Expr, type Selector } from "./ir.js";
import { W as EXT_W } from "../field/extension.js";
import { StarkError } from "../errors.js";

/** A lowered constraint: which original constraint and which coordinate of it. */
export interface LoweredWeight {
  readonly constraint: number;
  readonly coordinate: number;
}

export interface LoweredTable {
  /** The base-field graph (its constraints are the lowered ones, in weight order). */
  readonly graph: ConstraintGraph;
  /** weights[j] says lowered constraint j carries α^constraint·X^coordinate. */
  readonly weights: readonly LoweredWeight[];
}

type Lowered = Expr[]; // one base expression, or four coordinates

export function lowerGraph(src: ConstraintGraph): LoweredTable {
  const { width, numPublicInputs, numPublicColumns } = src.shape;
  const P = src.shape.numPreprocessed ?? 0;
  const A = src.shape.numAux;
  const J = src.shape.numChallenges;
  const hasTerminal = src.nodes.some((n) => n.kind === "terminal");
  const g = new ConstraintGraph({
    width: width + P + 4 * A,
    numPublicInputs: numPublicInputs + 4 * J + (hasTerminal ? 4 : 0),
    numPublicColumns,
  });
  const zero = g.constant(0);
  const coords = (x: Lowered): Expr[] => (x.length === 4 ? x : [x[0]!, zero, zero, zero]);
  const sub = (a: Expr, b: Expr): Expr => (b.id === zero.id ? a : a.id === zero.id ? g.neg(b) : g.sub(a, b));
  const vals: Lowered[] = new Array(src.nodes.length);
  src.nodes.forEach((n, id) => {
    switch (n.kind) {
      case "const": vals[id] = [g.constant(n.a)]; break;
      case "cur": vals[id] = [g.cur(n.a)]; break;
      case "next": vals[id] = [g.next(n.a)]; break;
      case "pre": vals[id] = [g.cur(width + n.a)]; break;
      case "prenext": vals[id] = [g.next(width + n.a)]; break;
      case "pubin": vals[id] = [g.publicInput(n.a)]; break;
      case "pcur": vals[id] = [g.publicColumn(n.a)]; break;
      case "pnext": vals[id] = [g.publicColumnNext(n.a)]; break;
      case "aux": vals[id] = [0, 1, 2, 3].map((e) => g.cur(width + P + 4 * n.a + e)); break;
      case "auxnext": vals[id] = [0, 1, 2, 3].map((e) => g.next(width + P + 4 * n.a + e)); break;
      case "challenge": vals[id] = [0, 1, 2, 3].map((e) => g.publicInput(numPublicInputs + 4 * n.a + e)); break;
      case "terminal": vals[id] = [0, 1, 2, 3].map((e) => g.publicInput(numPublicInputs + 4 * J + e)); break;
      case "neg": vals[id] = vals[n.a]!.map((x) => g.neg(x)); break;
      case "add":
      case "sub": {
        const a = vals[n.a]!, b = vals[n.b]!;
        if (a.length === 1 && b.length === 1) vals[id] = [n.kind === "add" ? g.add(a[0]!, b[0]!) : g.sub(a[0]!, b[0]!)];
        else {
          const ca = coords(a), cb = coords(b);
          vals[id] = ca.map((x, e) => (n.kind === "add" ? g.add(x, cb[e]!) : sub(x, cb[e]!)));
        }
        break;
      }
      case "mul": {
        const a = vals[n.a]!, b = vals[n.b]!;
        if (a.length === 1 && b.length === 1) vals[id] = [g.mul(a[0]!, b[0]!)];
        else if (a.length === 1) vals[id] = b.map((y) => g.mul(a[0]!, y));
        else if (b.length === 1) vals[id] = a.map((x) => g.mul(x, b[0]!));
        else vals[id] = mulK(g, a, b);
        break;
      }
    }
  });
  const weights: LoweredWeight[] = [];
  const assert = (e: Expr, sel: Selector, constraint: number, coordinate: number): void => {
    const node = g.nodes[e.id]!;
    if (node.kind === "const") {
      if (node.a === 0) return; // a coordinate that is identically zero constrains nothing
      throw new StarkError({ code: "INVALID_AIR", detail: `constraint ${constraint} coordinate ${coordinate} is a non-zero constant: unsatisfiable` });
    }
    g.assert(e, sel);
    weights.push({ constraint, coordinate });
  };
  src.constraints.forEach((c, i) => {
    const v = vals[c.node]!;
    v.forEach((x, e) => assert(x, c.selector, i, e));
  });
  return { graph: g, weights };
}

/** Coordinates of a·b in K = F[X]/(X⁴ − 11). */
function mulK(g: ConstraintGraph, a: Expr[], b: Expr[]): Expr[] {
  const [a0, a1, a2, a3] = a as [Expr, Expr, Expr, Expr];
  const [b0, b1, b2, b3] = b as [Expr, Expr, Expr, Expr];
  const m = (x: Expr, y: Expr) => g.mul(x, y);
  const s = (...xs: Expr[]) => xs.reduce((acc, x) => g.add(acc, x));
  const w = (x: Expr) => g.mul(x, EXT_W);
  return [
    s(m(a0, b0), w(s(m(a1, b3), m(a2, b2), m(a3, b1)))),
    s(m(a0, b1), m(a1, b0), w(s(m(a2, b3), m(a3, b2)))),
    s(m(a0, b2), m(a1, b1), m(a2, b0), w(m(a3, b3))),
    s(m(a0, b3), m(a1, b2), m(a2, b1), m(a3, b0)),
  ];
}
