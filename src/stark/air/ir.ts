/**
 * The constraint IR (DESIGN §3.5): AIR constraints as a hash-consed expression DAG over current-row
 * and next-row trace columns, public inputs, public columns and constants. Degrees are inferred.
 *
 * Nodes are numbered in creation order, so children always precede parents (a topological order).
 */
import { fromInt, P } from "../field/babybear.js";
import { StarkError } from "../errors.js";

export type NodeKind = "const" | "cur" | "next" | "pubin" | "pcur" | "pnext" | "add" | "sub" | "mul" | "neg";

export interface IrNode {
  readonly kind: NodeKind;
  /** const: the value; cur/next: column; pubin: index; pcur/pnext: public column; binary/neg: left operand id. */
  readonly a: number;
  /** binary ops: right operand id; otherwise 0. */
  readonly b: number;
  /** Degree in the trace/public-column polynomials. */
  readonly degree: number;
}

/** Where a constraint must hold. */
export type Selector = "transition" | "firstRow" | "lastRow" | "everyRow";
export const SELECTOR_CODES: Record<Selector, number> = { transition: 0, firstRow: 1, lastRow: 2, everyRow: 3 };
export const SELECTORS: readonly Selector[] = ["transition", "firstRow", "lastRow", "everyRow"];

export interface Constraint {
  readonly node: number;
  readonly selector: Selector;
  readonly degree: number;
}

/** A value in a constraint expression; numbers and bigints are constants (reduced mod p). */
export type ExprLike = Expr | number | bigint;

export class Expr {
  constructor(
    readonly graph: ConstraintGraph,
    readonly id: number,
  ) {}
  get degree(): number {
    return this.graph.nodes[this.id]!.degree;
  }
  add(o: ExprLike): Expr {
    return this.graph.add(this, o);
  }
  sub(o: ExprLike): Expr {
    return this.graph.sub(this, o);
  }
  mul(o: ExprLike): Expr {
    return this.graph.mul(this, o);
  }
  neg(): Expr {
    return this.graph.neg(this);
  }
  square(): Expr {
    return this.graph.mul(this, this);
  }
  /** this^e for a small positive exponent, by repeated squaring (shared subexpressions). */
  pow(e: number): Expr {
    if (!Number.isInteger(e) || e < 1) throw new RangeError("Expr.pow needs a positive integer exponent");
    let result: Expr | null = null;
    let base: Expr = this;
    while (e > 0) {
      if (e & 1) result = result ? result.mul(base) : base;
      e >>= 1;
      if (e > 0) base = base.square();
    }
    return result!;
  }
}

/** Shape an AIR declares; every leaf reference is checked against it. */
export interface AirShape {
  readonly width: number;
  readonly numPublicInputs: number;
  readonly numPublicColumns: number;
}

export class ConstraintGraph {
  readonly nodes: IrNode[] = [];
  readonly constraints: Constraint[] = [];
  private readonly index = new Map<string, number>();

  constructor(readonly shape: AirShape) {}

  private intern(kind: NodeKind, a: number, b: number, degree: number): Expr {
    const key = `${kind}:${a}:${b}`;
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.nodes.length;
      this.nodes.push({ kind, a, b, degree });
      this.index.set(key, id);
    }
    return new Expr(this, id);
  }

  private lift(x: ExprLike): Expr {
    if (x instanceof Expr) {
      if (x.graph !== this) throw new StarkError({ code: "INVALID_AIR", detail: "expression from another AIR" });
      return x;
    }
    return this.constant(x);
  }

  private checkIndex(what: string, i: number, limit: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= limit) {
      throw new StarkError({ code: "INVALID_AIR", detail: `${what} index ${i} out of range [0, ${limit})` });
    }
  }

  constant(c: number | bigint): Expr {
    const v = fromInt(c);
    return this.intern("const", v, 0, 0);
  }
  cur(col: number): Expr {
    this.checkIndex("column", col, this.shape.width);
    return this.intern("cur", col, 0, 1);
  }
  next(col: number): Expr {
    this.checkIndex("column", col, this.shape.width);
    return this.intern("next", col, 0, 1);
  }
  publicInput(i: number): Expr {
    this.checkIndex("public input", i, this.shape.numPublicInputs);
    return this.intern("pubin", i, 0, 0);
  }
  publicColumn(k: number): Expr {
    this.checkIndex("public column", k, this.shape.numPublicColumns);
    return this.intern("pcur", k, 0, 1);
  }
  publicColumnNext(k: number): Expr {
    this.checkIndex("public column", k, this.shape.numPublicColumns);
    return this.intern("pnext", k, 0, 1);
  }

  add(x: ExprLike, y: ExprLike): Expr {
    const a = this.lift(x), b = this.lift(y);
    const [l, r] = a.id <= b.id ? [a, b] : [b, a]; // commutative: one canonical order
    const nl = this.nodes[l.id]!, nr = this.nodes[r.id]!;
    if (nl.kind === "const" && nr.kind === "const") return this.constant(BigInt(nl.a) + BigInt(nr.a));
    if (nl.kind === "const" && nl.a === 0) return r;
    if (nr.kind === "const" && nr.a === 0) return l;
    return this.intern("add", l.id, r.id, Math.max(nl.degree, nr.degree));
  }
  sub(x: ExprLike, y: ExprLike): Expr {
    const a = this.lift(x), b = this.lift(y);
    const na = this.nodes[a.id]!, nb = this.nodes[b.id]!;
    if (na.kind === "const" && nb.kind === "const") return this.constant(BigInt(na.a) - BigInt(nb.a));
    if (nb.kind === "const" && nb.a === 0) return a;
    return this.intern("sub", a.id, b.id, Math.max(na.degree, nb.degree));
  }
  mul(x: ExprLike, y: ExprLike): Expr {
    const a = this.lift(x), b = this.lift(y);
    const [l, r] = a.id <= b.id ? [a, b] : [b, a];
    const nl = this.nodes[l.id]!, nr = this.nodes[r.id]!;
    if (nl.kind === "const" && nr.kind === "const") return this.constant(BigInt(nl.a) * BigInt(nr.a));
    if ((nl.kind === "const" && nl.a === 0) || (nr.kind === "const" && nr.a === 0)) return this.constant(0);
    if (nl.kind === "const" && nl.a === 1) return r;
    if (nr.kind === "const" && nr.a === 1) return l;
    return this.intern("mul", l.id, r.id, nl.degree + nr.degree);
  }
  neg(x: ExprLike): Expr {
    const a = this.lift(x);
    const na = this.nodes[a.id]!;
    if (na.kind === "const") return this.constant(na.a === 0 ? 0 : P - na.a);
    return this.intern("neg", a.id, 0, na.degree);
  }

  /** Record that `e` must vanish where `selector` says. Constant constraints are refused. */
  assert(e: ExprLike, selector: Selector): void {
    const x = this.lift(e);
    const node = this.nodes[x.id]!;
    if (node.degree === 0) {
      throw new StarkError({ code: "INVALID_AIR", detail: `constraint ${this.constraints.length} has degree 0` });
    }
    this.constraints.push({ node: x.id, selector, degree: node.degree });
  }
}

/**
 * Number of quotient chunks (each of degree < n) a constraint of degree d needs:
 * transition C·(x − w^(n−1))/Z_H and every-row C/Z_H have degree < (d−1)·n; first/last-row
 * C/(x − 1), C/(x − w^(n−1)) have degree < d·n.
 */
export function quotientChunksFor(c: Constraint): number {
  const q = c.selector === "firstRow" || c.selector === "lastRow" ? c.degree : c.degree - 1;
  return Math.max(1, q);
}
