/**
 * The programs the prover's kernels run besides the quotient, compiled once per table (prover side):
 *
 * - the **check program**: the table's base-field constraints (not LogUp's, which need the auxiliary
 *   columns) over [main | preprocessed] columns, each ending in an ACC that marks it (dst = its selector,
 *   b = its index among the table's constraints); `firstConstraintViolation` runs it on the trace domain;
 * - the **LogUp program**: per interaction i, Σ_j μ^(j+1)·v_ij into slot 2i (weight j + 1) and its
 *   multiplicity into slot 2i + 1 (weight 0 = 1); `logUpAux` runs it on the trace domain.
 *
 * Both are in the air/bytecode.ts format (same opcodes, same linear-scan register reuse as the quotient
 * program) so that every backend's interpreter runs them; only the meaning of ACC differs.
 */
import { Op, BYTECODE_VERSION, liveness } from "./bytecode.js";
import { add, mul, neg, sub } from "../field/babybear.js";
import { type Ext, addE, batchInverseE, mulE, readExt, subE } from "../field/extension.js";
import { SELECTOR_CODES, type IrNode } from "./ir.js";
import { lowerGraph } from "./lower.js";
import type { AirTable } from "./air.js";

/** Where a program sends a node's value: ACC dst, a = the node's register, b = weight. */
interface Sink {
  readonly node: number;
  readonly dst: number;
  readonly weight: number;
}

/**
 * Compile the nodes the sinks need (ids ascending = children first) with linear-scan register reuse.
 * `preOffset`: the column index of preprocessed column 0 (pre/prenext leaves become CUR/NEXT of it).
 */
function compileProgram(nodes: readonly IrNode[], sinks: readonly Sink[], preOffset: number): Uint32Array {
  const { needed, lastUse } = liveness(nodes, sinks.map((s) => s.node));
  const sinksAt = new Map<number, Sink[]>();
  for (const s of sinks) {
    let list = sinksAt.get(s.node);
    if (!list) sinksAt.set(s.node, (list = []));
    list.push(s);
  }
  const reg = new Int32Array(nodes.length).fill(-1);
  const free: number[] = [];
  let numRegisters = 0;
  const code: number[] = [];
  for (let id = 0; id < nodes.length; id++) {
    if (!needed[id]) continue;
    const n = nodes[id]!;
    const binary = n.kind === "add" || n.kind === "sub" || n.kind === "mul";
    let op: number, a = n.a, b = 0;
    switch (n.kind) {
      case "const": op = Op.CONST; break;
      case "cur": op = Op.CUR; break;
      case "next": op = Op.NEXT; break;
      case "pre": op = Op.CUR; a = preOffset + n.a; break;
      case "prenext": op = Op.NEXT; a = preOffset + n.a; break;
      case "pubin": op = Op.PUBIN; break;
      case "pcur": op = Op.PCUR; break;
      case "pnext": op = Op.PNEXT; break;
      case "add": op = Op.ADD; break;
      case "sub": op = Op.SUB; break;
      case "mul": op = Op.MUL; break;
      case "neg": op = Op.NEG; break;
      default: throw new RangeError(`program: node kind ${n.kind} is not a base-field leaf or operation`);
    }
    if (binary || n.kind === "neg") {
      a = reg[n.a]!;
      if (binary) b = reg[n.b]!;
      if (lastUse[n.a] === id) free.push(reg[n.a]!);
      if (binary && n.b !== n.a && lastUse[n.b] === id) free.push(reg[n.b]!);
    }
    const dst = free.length ? free.pop()! : numRegisters++;
    reg[id] = dst;
    code.push(op, dst, a, b);
    for (const s of sinksAt.get(id) ?? []) code.push(Op.ACC, s.dst, dst, s.weight);
    if (lastUse[id] === id) free.push(dst);
  }
  return Uint32Array.from([BYTECODE_VERSION, numRegisters, sinks.length, code.length / 4, ...code]);
}

export interface TablePrograms {
  /** The check program, or null when the table has no base-field constraint. */
  readonly check: Uint32Array | null;
  /** The LogUp program, or null when the table has no interactions. */
  readonly logUp: Uint32Array | null;
  /** Longest interaction tuple (the LogUp weights are 1, μ, …, μ^maxTuple). */
  readonly maxTuple: number;
}

const cache = new WeakMap<AirTable, TablePrograms>();

/** The check and LogUp programs of a table (compiled once per table object). */
export function tablePrograms(t: AirTable): TablePrograms {
  const hit = cache.get(t);
  if (hit) return hit;
  // Base constraints lower to one coordinate each; LogUp's (K-valued) are left to the proof itself.
  const lowered = lowerGraph(t.graph);
  const checkSinks: Sink[] = [];
  lowered.weights.forEach((w, j) => {
    const c = t.graph.constraints[w.constraint]!;
    if (c.ext) return;
    checkSinks.push({ node: lowered.graph.constraints[j]!.node, dst: SELECTOR_CODES[c.selector], weight: w.constraint });
  });
  const check = checkSinks.length > 0 ? compileProgram(lowered.graph.nodes, checkSinks, 0) : null;
  let logUp: Uint32Array | null = null;
  let maxTuple = 0;
  if (t.interactions.length > 0) {
    const sinks: Sink[] = [];
    t.interactions.forEach((it, i) => {
      it.values.forEach((v, j) => sinks.push({ node: v, dst: 2 * i, weight: j + 1 }));
      sinks.push({ node: it.multiplicity, dst: 2 * i + 1, weight: 0 });
      maxTuple = Math.max(maxTuple, it.values.length);
    });
    logUp = compileProgram(t.graph.nodes, sinks, t.width);
  }
  const programs = { check, logUp, maxTuple };
  cache.set(t, programs);
  return programs;
}

// ---------------------------------------------------------------- reference interpreters (js backend)

/** Column c's value at row r (the next row is r + 1 mod n): the source of a program run on the trace domain. */
export interface RowSource {
  readonly rows: number;
  readonly trace: readonly Uint32Array[];
  readonly publicColumns: readonly Uint32Array[];
  readonly publicInputs: ArrayLike<number>;
}

/**
 * Run a program on every row of the trace domain, calling `acc(dst, constraint/weight, value, row)` for
 * each ACC in program order. Plain, row by row: the reference the kernels are tested against.
 */
export function runProgram(program: Uint32Array, src: RowSource, acc: (dst: number, b: number, value: number, row: number) => void): void {
  const numRegisters = program[1]!;
  const numInstructions = program[3]!;
  if (program[0] !== BYTECODE_VERSION || program.length !== 4 + 4 * numInstructions) throw new RangeError("program: bad header");
  const regs = new Uint32Array(Math.max(1, numRegisters));
  const n = src.rows;
  for (let r = 0; r < n; r++) {
    const rn = r + 1 === n ? 0 : r + 1;
    for (let k = 0; k < numInstructions; k++) {
      const o = 4 + 4 * k;
      const op = program[o]!, dst = program[o + 1]!, a = program[o + 2]!, b = program[o + 3]!;
      switch (op) {
        case Op.CONST: regs[dst] = a; break;
        case Op.CUR: regs[dst] = src.trace[a]![r]!; break;
        case Op.NEXT: regs[dst] = src.trace[a]![rn]!; break;
        case Op.PUBIN: regs[dst] = src.publicInputs[a]!; break;
        case Op.PCUR: regs[dst] = src.publicColumns[a]![r]!; break;
        case Op.PNEXT: regs[dst] = src.publicColumns[a]![rn]!; break;
        case Op.ADD: regs[dst] = add(regs[a]!, regs[b]!); break;
        case Op.SUB: regs[dst] = sub(regs[a]!, regs[b]!); break;
        case Op.MUL: regs[dst] = mul(regs[a]!, regs[b]!); break;
        case Op.NEG: regs[dst] = neg(regs[a]!); break;
        case Op.ACC: acc(dst, b, regs[a]!, r); break;
        default: throw new RangeError(`program: bad opcode ${op} at instruction ${k}`);
      }
    }
  }
}

/** Whether a constraint of selector code `sel` applies at row r of n. */
export function selectorApplies(sel: number, r: number, n: number): boolean {
  return sel === 3 || (sel === 0 && r < n - 1) || (sel === 1 && r === 0) || (sel === 2 && r === n - 1);
}

/** Reference of ProverBackend.firstConstraintViolation. */
export function firstConstraintViolationReference(program: Uint32Array, src: RowSource): number {
  let first = -1;
  runProgram(program, src, (sel, _b, v, r) => {
    if (v !== 0 && (first < 0 || r < first) && selectorApplies(sel, r, src.rows)) first = r;
  });
  return first;
}

/** Reference of ProverBackend.logUpAux: the helpers h_k = Σ_{i∈k} ±m_i/d_i and the running sum. */
export function logUpAuxReference(
  program: Uint32Array, src: RowSource, weights: Uint32Array, offsets: Uint32Array, sends: Uint8Array, batch: number,
): { columns: Uint32Array[]; terminal: Uint32Array } {
  const n = src.rows;
  const I = sends.length;
  // slot 2i: Σ_j μ^(j+1)·v_ij (K), slot 2i + 1: the multiplicity (K, weight 1)
  const slots = Array.from({ length: 2 * I }, () => new Uint32Array(4 * n));
  runProgram(program, src, (slot, w, v, r) => {
    const s = slots[slot]!;
    for (let e = 0; e < 4; e++) s[4 * r + e] = add(s[4 * r + e]!, mul(weights[4 * w + e]!, v));
  });
  const dens: Ext[] = [];
  for (let i = 0; i < I; i++) for (let r = 0; r < n; r++) dens.push(subE(readExt(offsets, i), readExt(slots[2 * i]!, r)));
  dens.forEach((d, j) => {
    if (d.every((x) => x === 0)) throw new RangeError(`logUpAux: a denominator vanished at row ${j % n}`);
  });
  const inv = batchInverseE(dens);
  const helpers = Math.ceil(I / batch);
  const columns = Array.from({ length: 4 * (helpers + 1) }, () => new Uint32Array(n));
  let running: Ext = [0, 0, 0, 0];
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < helpers; k++) {
      let h: Ext = [0, 0, 0, 0];
      for (let i = k * batch; i < Math.min(I, (k + 1) * batch); i++) {
        const term = mulE(inv[i * n + r]!, readExt(slots[2 * i + 1]!, r));
        h = sends[i] ? addE(h, term) : subE(h, term);
      }
      for (let e = 0; e < 4; e++) columns[4 * k + e]![r] = h[e]!;
      running = addE(running, h);
    }
    for (let e = 0; e < 4; e++) columns[4 * helpers + e]![r] = running[e]!;
  }
  return { columns, terminal: Uint32Array.from(running) };
}
