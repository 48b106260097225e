/**
 * The constraint IR (docs/proof-system.md §6): a table's constraints as a hash-consed expression DAG
 * over current-row and next-row columns — main trace, preprocessed, public and auxiliary — public
 * inputs, challenges, the table's LogUp terminal sum and constants. Degrees are inferred, and so is
 * each node's field: a node is over K (`ext`) when it reads an auxiliary column, a challenge or the
 * terminal sum, or has such a child; otherwise it is over the base field F.
 *
 * Nodes are numbered in creation order, so children always precede parents (a topological order).
 */
import { fromInt, P } from "../field/babybear.js";
import { StarkError } from "../errors.js";

export type NodeKind =
  | "const"
  | "cur"
  | "next"
  | "pre"
  | "prenext"
  | "pubin"
  | "pcur"
  | "pnext"
  | "aux"
  | "auxnext"
  | "challenge"
  | "terminal"
  | "add"
  | "sub"
  | "mul"
  | "neg";

export interface IrNode {
  readonly kind: NodeKind;
  /** const: the value; leaves: the column / input / challenge index; binary and neg: left operand id. */
  readonly a: number;
  /** binary ops: right operand id; otherwise 0. */
  readonly b: number;
  /** Degree in the column polynomials. */
  readonly degree: number;
  /** Whether the node's value lies in K rather than F. */
  readonly ext: boolean;
}

/** Where a constraint must hold. */
export type Selector = "transition" | "firstRow" | "lastRow" | "everyRow";
export const SELECTOR_CODES: Record<Selector, number> = { transition: 0, firstRow: 1, lastRow: 2, everyRow: 3 };
export const SELECTORS: readonly Selector[] = ["transition", "firstRow", "lastRow", "everyRow"];

export interface Constraint {
  readonly node: number;
  readonly selector: Selector;
  readonly degree: number;
  readonly ext: boolean;
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
  get ext(): boolean {
    return this.graph.nodes[this.id]!.ext;
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

/** Shape a table declares; every leaf reference is checked against it. */
export interface AirShape {
  /** Main trace columns. */
  readonly width: number;
  readonly numPublicInputs: number;
  readonly numPublicColumns: number;
  /** Preprocessed (fixed) columns (default 0). */
  readonly numPreprocessed?: number;
}

/** How many of each kind of leaf a graph may reference; aux columns and challenges are set by the core. */
export interface GraphShape extends AirShape {
  numAux: number;
  numChallenges: number;
}

/** Whether a node kind is a leaf (no operands). */
export function isLeaf(kind: NodeKind): boolean {
  return kind !== "add" && kind !== "sub" && kind !== "mul" && kind !== "neg";
}

export class ConstraintGraph {
  readonly nodes: IrNode[] = [];
  readonly constraints: Constraint[] = [];
  readonly shape: GraphShape;
  private readonly index = new Map<string, number>();

  constructor(shape: AirShape) {
    this.shape = { ...shape, numPreprocessed: shape.numPreprocessed ?? 0, numAux: 0, numChallenges: 0 };
  }

  private intern(kind: NodeKind, a: number, b: number, degree: number, ext: boolean): Expr {
    const key = `${kind}:${a}:${b}`;
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.nodes.length;
      this.nodes.push({ kind, a, b, degree, ext });
      this.index.set(key, id);
    }
    return new Expr(this, id);
  }

  private lift(x: ExprLike): Expr {
    if (x instanceof Expr) {
      if (x.graph !== this) throw new StarkError({ code: "INVALID_AIR", detail: "expression from another table" });
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
    return this.intern("const", v, 0, 0, false);
  }
  cur(col: number): Expr {
    this.checkIndex("column", col, this.shape.width);
    return this.intern("cur", col, 0, 1, false);
  }
  next(col: number): Expr {
    this.checkIndex("column", col, this.shape.width);
    return this.intern("next", col, 0, 1, false);
  }
  /** Preprocessed column `col` at this row. */
  preprocessed(col: number): Expr {
    this.checkIndex("preprocessed column", col, this.shape.numPreprocessed!);
    return this.intern("pre", col, 0, 1, false);
  }
  /** Preprocessed column `col` at the next row. */
  preprocessedNext(col: number): Expr {
    this.checkIndex("preprocessed column", col, this.shape.numPreprocessed!);
    return this.intern("prenext", col, 0, 1, false);
  }
  publicInput(i: number): Expr {
    this.checkIndex("public input", i, this.shape.numPublicInputs);
    return this.intern("pubin", i, 0, 0, false);
  }
  publicColumn(k: number): Expr {
    this.checkIndex("public column", k, this.shape.numPublicColumns);
    return this.intern("pcur", k, 0, 1, false);
  }
  publicColumnNext(k: number): Expr {
    this.checkIndex("public column", k, this.shape.numPublicColumns);
    return this.intern("pnext", k, 0, 1, false);
  }
  /** Auxiliary (K-valued) column `col` at this row. */
  aux(col: number): Expr {
    this.checkIndex("auxiliary column", col, this.shape.numAux);
    return this.intern("aux", col, 0, 1, true);
  }
  auxNext(col: number): Expr {
    this.checkIndex("auxiliary column", col, this.shape.numAux);
    return this.intern("auxnext", col, 0, 1, true);
  }
  /** Challenge `i` of the auxiliary phase (an element of K). */
  challenge(i: number): Expr {
    this.checkIndex("challenge", i, this.shape.numChallenges);
    return this.intern("challenge", i, 0, 0, true);
  }
  /** This table's LogUp terminal sum (an element of K sent in the proof). */
  terminal(): Expr {
    return this.intern("terminal", 0, 0, 0, true);
  }

  add(x: ExprLike, y: ExprLike): Expr {
    const a = this.lift(x), b = this.lift(y);
    const [l, r] = a.id <= b.id ? [a, b] : [b, a]; // commutative: one canonical order
    const nl = this.nodes[l.id]!, nr = this.nodes[r.id]!;
    if (nl.kind === "const" && nr.kind === "const") return this.constant(BigInt(nl.a) + BigInt(nr.a));
    if (nl.kind === "const" && nl.a === 0) return r;
    if (nr.kind === "const" && nr.a === 0) return l;
    return this.intern("add", l.id, r.id, Math.max(nl.degree, nr.degree), nl.ext || nr.ext);
  }
  sub(x: ExprLike, y: ExprLike): Expr {
    const a = this.lift(x), b = this.lift(y);
    const na = this.nodes[a.id]!, nb = this.nodes[b.id]!;
    if (na.kind === "const" && nb.kind === "const") return this.constant(BigInt(na.a) - BigInt(nb.a));
    if (nb.kind === "const" && nb.a === 0) return a;
    return this.intern("sub", a.id, b.id, Math.max(na.degree, nb.degree), na.ext || nb.ext);
  }
  mul(x: ExprLike, y: ExprLike): Expr {
    const a = this.lift(x), b = this.lift(y);
    const [l, r] = a.id <= b.id ? [a, b] : [b, a];
    const nl = this.nodes[l.id]!, nr = this.nodes[r.id]!;
    if (nl.kind === "const" && nr.kind === "const") return this.constant(BigInt(nl.a) * BigInt(nr.a));
    if ((nl.kind === "const" && nl.a === 0) || (nr.kind === "const" && nr.a === 0)) return this.constant(0);
    if (nl.kind === "const" && nl.a === 1) return r;
    if (nr.kind === "const" && nr.a === 1) return l;
    return this.intern("mul", l.id, r.id, nl.degree + nr.degree, nl.ext || nr.ext);
  }
  neg(x: ExprLike): Expr {
    const a = this.lift(x);
    const na = this.nodes[a.id]!;
    if (na.kind === "const") return this.constant(na.a === 0 ? 0 : P - na.a);
    return this.intern("neg", a.id, 0, na.degree, na.ext);
  }

  /** Record that `e` must vanish where `selector` says. Constant constraints are refused. */
  assert(e: ExprLike, selector: Selector): void {
    const x = this.lift(e);
    const node = this.nodes[x.id]!;
    if (node.degree === 0) {
      throw new StarkError({ code: "INVALID_AIR", detail: `constraint ${this.constraints.length} has degree 0` });
    }
    this.constraints.push({ node: x.id, selector, degree: node.degree, ext: node.ext });
  }

  // ---------------------------------------------------------------- interactions (LogUp)

  /** Interactions declared with send/receive, in declaration order. */
  readonly interactions: Interaction[] = [];

  /**
   * Put the tuple `values` on bus `bus` with multiplicity `multiplicity` (default 1 on every row).
   * Over all tables, every bus must balance: each tuple sent as often as it is received.
   * A multiplicity must be constrained by the AIR (e.g. a 0/1 selector) on the sending side.
   */
  send(bus: number, values: readonly ExprLike[], multiplicity: ExprLike = 1): void {
    this.interact("send", bus, values, multiplicity);
  }

  /** Take the tuple `values` off bus `bus`, `multiplicity` times (e.g. a lookup table's counts). */
  receive(bus: number, values: readonly ExprLike[], multiplicity: ExprLike = 1): void {
    this.interact("receive", bus, values, multiplicity);
  }

  private interact(kind: "send" | "receive", bus: number, values: readonly ExprLike[], multiplicity: ExprLike): void {
    if (!Number.isInteger(bus) || bus < 1 || bus >= 1 << 16) throw new StarkError({ code: "INVALID_AIR", detail: `bus id ${bus} must be an integer in [1, 65535]` });
    if (values.length === 0) throw new StarkError({ code: "INVALID_AIR", detail: `interaction on bus ${bus} has no values` });
    const vs = values.map((v) => this.lift(v));
    const m = this.lift(multiplicity);
    for (const e of [...vs, m]) {
      if (e.ext) throw new StarkError({ code: "INVALID_AIR", detail: `interaction on bus ${bus} uses an auxiliary value` });
    }
    this.interactions.push({ kind, bus, values: vs.map((v) => v.id), multiplicity: m.id });
  }
}

export interface Interaction {
  readonly kind: "send" | "receive";
  readonly bus: number;
  /** Node ids of the tuple's values (base field). */
  readonly values: readonly number[];
  /** Node id of the multiplicity (base field). */
  readonly multiplicity: number;
}

/**
 * Number of quotient chunks (each of degree < n) a constraint of degree d needs:
 * transition C·(x − w^(n−1))/Z_H and every-row C/Z_H have degree < (d−1)·n; first/last-row
 * C/(x − 1), C/(x − w^(n−1)) have degree < d·n.
 */
export function quotientChunksFor(c: { readonly selector: Selector; readonly degree: number }): number {
  const q = c.selector === "firstRow" || c.selector === "lastRow" ? c.degree : c.degree - 1;
  return Math.max(1, q);
}
