/**
 * The circuit builder (docs/recursion.md §2): a program of operations over wires, each wire holding an
 * element of K, written exactly once and read any number of times over one LogUp "wire bus".
 *
 * Operations, one row each in a table of the recursion AIR:
 * - inputs: a constant, a public value (a public input of the recursion statement), or a private
 *   witness value (the prover's: a child proof's elements);
 * - ALU: d = a·b + c over K (d written, or read: an assertion);
 * - Poseidon2: one width-16 permutation per row; its rate is read from wires, kept from the previous
 *   row's output or zeroed; its capacity chains from the previous row plus constants; a compression
 *   row takes (node ‖ sibling) or (sibling ‖ node) by a bit wire, the node being the previous row's
 *   output and the sibling private; its first 8 outputs can be written to wires or checked against them.
 *
 * Built in "concrete" mode the builder computes every wire's value as it goes (the witness); built in
 * "symbolic" mode it records only the structure (no values, no hints evaluated) — the same program, as
 * long as nothing in its construction depends on values, which is the rule every gadget here follows.
 */
import { P } from "../stark/field/babybear.js";
import { type Ext, addE, mulE, invE, ZERO, fromBase, isBase } from "../stark/field/extension.js";
import { POSEIDON2_16, poseidon2PermuteInPlace } from "../stark/hash/poseidon2.js";
import { RecursionError } from "./errors.js";

/** A wire: its id, and whether its value is known to lie in F (zero upper coordinates). */
export interface Wire {
  readonly id: number;
  readonly base: boolean;
}

export type InputOp = { readonly kind: "const"; readonly value: Ext } | { readonly kind: "public"; readonly index: number } | { readonly kind: "witness" };

export interface InputRow {
  readonly wire: number;
  readonly op: InputOp;
}

/** d = a·b + c; `write`: this row produces d, otherwise it checks the existing wire d. */
export interface AluRow {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly write: boolean;
}

export type RateRule = "read" | "keep" | "zero";

export interface P2Row {
  /** Per rate position: read from a wire, keep the previous row's output, or zero (ignored when compressing). */
  readonly rate: readonly RateRule[];
  /** Wire read into rate position i when rate[i] = "read". */
  readonly rateIn: readonly (number | null)[];
  /** Compression: input = (node ‖ sib) or (sib ‖ node) by the bit wire; node = previous row's output[0..8). */
  readonly compress: boolean;
  readonly bit: number | null;
  /** Capacity = (chain ? previous output[8..16) : 0) + initCap. */
  readonly chain: boolean;
  readonly initCap: readonly number[];
  /** Output position j < 8: written to a wire, checked against a wire (write = false), or unused. */
  readonly outs: readonly ({ readonly wire: number; readonly write: boolean } | null)[];
}

/** Values of a P2 row, concrete mode: its input state, sibling and output. */
export interface P2Values {
  readonly input: Uint32Array;
  readonly sib: Uint32Array;
  readonly output: Uint32Array;
}

const X: Ext = [0, 1, 0, 0];

export class Circuit {
  readonly inputs: InputRow[] = [];
  readonly alu: AluRow[] = [];
  readonly p2: P2Row[] = [];
  readonly p2Values: P2Values[] = [];
  /** Value of every wire (concrete mode). */
  readonly values: Ext[] = [];
  private nextWire = 0;
  private readonly constants = new Map<string, Wire>();
  private lastOutput = new Uint32Array(16);
  /** Public values of the statement (concrete mode), by index. */
  readonly publicValues: number[] = [];

  /**
   * symbolic: record the structure only. lenient (concrete mode): record failing checks instead of
   * throwing, to build the witness of a false statement — what a test forces past the prover to
   * show the verifier rejects it (like the prover's checkConstraints: false).
   */
  constructor(
    readonly symbolic = false,
    readonly lenient = false,
  ) {}

  get numWires(): number {
    return this.nextWire;
  }

  private newWire(base: boolean, value: Ext): Wire {
    const id = this.nextWire++;
    this.values.push(this.symbolic ? ZERO : value);
    return { id, base };
  }

  value(w: Wire): Ext {
    return this.values[w.id]!;
  }

  // ------------------------------------------------------------------ inputs

  constant(v: Ext | number): Wire {
    const value: Ext = typeof v === "number" ? fromBase(((v % P) + P) % P) : v;
    const key = value.join(",");
    const hit = this.constants.get(key);
    if (hit) return hit;
    const w = this.newWire(isBase(value), value);
    this.values[w.id] = value; // constants are known in both modes
    this.inputs.push({ wire: w.id, op: { kind: "const", value } });
    this.constants.set(key, w);
    return w;
  }

  get zero(): Wire {
    return this.constant(0);
  }
  get one(): Wire {
    return this.constant(1);
  }

  /** Public value `index` of the statement (a base element). */
  publicValue(index: number, value: () => number): Wire {
    const v = this.symbolic ? 0 : value();
    if (!this.symbolic) this.publicValues[index] = v;
    const w = this.newWire(true, fromBase(v));
    this.inputs.push({ wire: w.id, op: { kind: "public", index } });
    return w;
  }

  /** Run a witness computation; in lenient mode a failure gives `fallback` instead of throwing. */
  hint<T>(f: () => T, fallback: T): T {
    try {
      return f();
    } catch (err) {
      if (this.lenient) return fallback;
      throw err;
    }
  }

  /** A private witness; `hint` computes its value (concrete mode only). `base`: the value lies in F. */
  witness(hint: () => Ext | number, base: boolean): Wire {
    let v: Ext = ZERO;
    if (!this.symbolic) {
      const h = this.hint<Ext | number>(hint, 0);
      v = typeof h === "number" ? fromBase(h) : h;
      if (base && !isBase(v)) throw new RecursionError("CIRCUIT", `a base witness got a K value ${v.join(",")}`);
    }
    const w = this.newWire(base, v);
    this.inputs.push({ wire: w.id, op: { kind: "witness" } });
    return w;
  }

  // ------------------------------------------------------------------ ALU

  /** a·b + c (one ALU row). */
  mac(a: Wire, b: Wire, c: Wire): Wire {
    const v = this.symbolic ? ZERO : addE(mulE(this.value(a), this.value(b)), this.value(c));
    const d = this.newWire(a.base && b.base && c.base, v);
    this.alu.push({ a: a.id, b: b.id, c: c.id, d: d.id, write: true });
    return d;
  }

  /** Check a·b + c = d (one ALU row that reads d). */
  assertMac(a: Wire, b: Wire, c: Wire, d: Wire, what: string): void {
    if (!this.symbolic) {
      const got = addE(mulE(this.value(a), this.value(b)), this.value(c));
      const want = this.value(d);
      if (got.some((x, i) => x !== want[i]) && !this.lenient) throw new RecursionError("UNSATISFIED", `${what}: ${got.join(",")} ≠ ${want.join(",")}`);
    }
    this.alu.push({ a: a.id, b: b.id, c: c.id, d: d.id, write: false });
  }

  add(a: Wire, b: Wire): Wire {
    return this.mac(a, this.one, b);
  }
  mul(a: Wire, b: Wire): Wire {
    return this.mac(a, b, this.zero);
  }
  sub(a: Wire, b: Wire): Wire {
    return this.mac(b, this.constant(P - 1), a);
  }
  neg(a: Wire): Wire {
    return this.mac(a, this.constant(P - 1), this.zero);
  }
  assertEqual(a: Wire, b: Wire, what: string): void {
    this.assertMac(a, this.one, this.zero, b, what);
  }
  assertZero(a: Wire, what: string): void {
    this.assertEqual(a, this.zero, what);
  }

  /** 1/a, as a witness checked by a·w = 1 (a must not be zero). */
  inverse(a: Wire, what: string): Wire {
    const w = this.witness(() => {
      const v = this.value(a);
      if (v.every((x) => x === 0)) {
        if (this.lenient) return ZERO;
        throw new RecursionError("UNSATISFIED", `${what}: inverse of zero`);
      }
      return invE(v);
    }, a.base);
    this.assertMac(a, w, this.zero, this.one, what);
    return w;
  }

  /** bit ? x : y, for a bit wire (y + bit·(x − y)). */
  select(bit: Wire, x: Wire, y: Wire): Wire {
    return this.mac(bit, this.sub(x, y), y);
  }

  /** Σ_e X^e·c_e from four base wires (Horner, three rows). */
  pack(c: readonly Wire[]): Wire {
    const Xw = this.constant(X);
    let t = this.mac(c[3]!, Xw, c[2]!);
    t = this.mac(t, Xw, c[1]!);
    return this.mac(t, Xw, c[0]!);
  }

  /** The four base coordinates of a K wire, as witnesses checked by packing them back. */
  unpack(x: Wire): Wire[] {
    if (x.base) return [x, this.zero, this.zero, this.zero];
    const c = [0, 1, 2, 3].map((e) => this.witness(() => this.value(x)[e]!, true));
    const Xw = this.constant(X);
    let t = this.mac(c[3]!, Xw, c[2]!);
    t = this.mac(t, Xw, c[1]!);
    this.assertMac(t, Xw, c[0]!, x, "unpack");
    return c;
  }

  /**
   * The canonical 31-bit decomposition of a base wire x, requiring x < p − 1 (what the duplex
   * transcript's sampleBits accepts): bits b_0..b_30, boolean, Σ b_i·2^i = x, and b_27·b_28·b_29·b_30 = 0
   * — which rules out both the second encoding x + p of a small x and x = p − 1.
   */
  bits31(x: Wire): Wire[] {
    if (!x.base) throw new RecursionError("CIRCUIT", "bits31 of a K wire");
    const bits: Wire[] = [];
    let acc = this.zero;
    for (let i = 0; i < 31; i++) {
      const b = this.witness(() => (this.value(x)[0]! >>> i) & 1, true);
      this.assertMac(b, b, this.zero, b, `bit ${i} is boolean`);
      bits.push(b);
      acc = i < 30 ? this.mac(b, this.constant(2 ** i), acc) : acc;
    }
    this.assertMac(bits[30]!, this.constant(2 ** 30), acc, x, "bits recompose");
    const t = this.mul(this.mul(bits[27]!, bits[28]!), bits[29]!);
    this.assertMac(t, bits[30]!, this.zero, this.zero, "canonical: below p − 1");
    return bits;
  }

  // ------------------------------------------------------------------ Poseidon2

  /**
   * One permutation row. `rateIn[i]` reads a wire into rate position i (rate[i] = "read"); other
   * positions keep the previous row's output or are zero. Returns the 16 output values (concrete mode).
   */
  permute(row: Omit<P2Row, "outs">, outs: P2Row["outs"], sib?: ArrayLike<number>): Uint32Array {
    const input = new Uint32Array(16);
    const sibling = new Uint32Array(8);
    if (!this.symbolic) {
      const prev = this.lastOutput;
      if (row.compress) {
        if (!sib || row.bit === null) throw new RecursionError("CIRCUIT", "compression needs a sibling and a bit");
        sibling.set(Array.from(sib));
        const bit = this.values[row.bit]![0]!;
        for (let i = 0; i < 8; i++) {
          const node = prev[i]!;
          input[i] = bit ? sibling[i]! : node;
          input[8 + i] = bit ? node : sibling[i]!;
        }
      } else {
        for (let i = 0; i < 8; i++) {
          const r = row.rate[i]!;
          input[i] = r === "read" ? this.values[row.rateIn[i]!]![0]! : r === "keep" ? prev[i]! : 0;
        }
        for (let i = 0; i < 8; i++) input[8 + i] = ((row.chain ? prev[8 + i]! : 0) + row.initCap[i]!) % P;
      }
    }
    const output = input.slice();
    if (!this.symbolic) poseidon2PermuteInPlace(POSEIDON2_16, output);
    this.p2.push({ ...row, outs: [...outs] });
    this.p2Values.push({ input, sib: sibling, output });
    this.lastOutput = output;
    return output;
  }

  /** Output position j of the last permutation as a new base wire. */
  outputWire(j: number): Wire {
    return this.outputWireOf(this.p2.length - 1, j);
  }

  /** Output position j of permutation row `row` as a new base wire (each position written once). */
  outputWireOf(row: number, j: number): Wire {
    const r = this.p2[row]!;
    const outs = r.outs as ({ wire: number; write: boolean } | null)[];
    if (outs[j]) throw new RecursionError("CIRCUIT", `output ${j} of permutation row ${row} is already used`);
    const w = this.newWire(true, fromBase(this.p2Values[row]!.output[j]!));
    outs[j] = { wire: w.id, write: true };
    return w;
  }

  /** Check output position j of the last permutation against a wire (read). */
  checkOutput(j: number, w: Wire, what: string): void {
    if (!this.symbolic && !this.lenient && this.value(w)[0] !== this.lastOutput[j]) throw new RecursionError("UNSATISFIED", `${what}: output ${j} differs`);
    const row = this.p2[this.p2.length - 1]!;
    const outs = row.outs as ({ wire: number; write: boolean } | null)[];
    if (outs[j]) throw new RecursionError("CIRCUIT", `output ${j} of this permutation is already used`);
    outs[j] = { wire: w.id, write: false };
  }
}
