/**
 * The compact constraint bytecode that backends interpret over blocks of LDE rows (docs/proof-system.md §6.2).
 *
 * Layout (u32 words):
 *   [0] BYTECODE_VERSION  [1] numRegisters  [2] numConstraints  [3] numInstructions
 *   then numInstructions × [opcode, dst, a, b]
 * Registers hold one base-field value per row of the block. Instructions run in order; `dst` may
 * equal an operand (every op is elementwise). ACC adds alpha^b · reg[a] into the K-valued
 * accumulator of selector `dst` (0 transition, 1 first row, 2 last row, 3 every row).
 */
import type { ConstraintGraph, IrNode, NodeKind } from "./ir.js";
import { SELECTOR_CODES } from "./ir.js";
import { add, mul, neg, sub } from "../field/babybear.js";

export const BYTECODE_VERSION = 1;

export const Op = {
  CONST: 1, // dst ← a (a canonical constant)
  CUR: 2, // dst ← trace column a at this row
  NEXT: 3, // dst ← trace column a at the next row
  PUBIN: 4, // dst ← public input a
  PCUR: 5, // dst ← public column a at this row
  PNEXT: 6, // dst ← public column a at the next row
  ADD: 7, // dst ← reg a + reg b
  SUB: 8, // dst ← reg a − reg b
  MUL: 9, // dst ← reg a · reg b
  NEG: 10, // dst ← −reg a
  ACC: 11, // acc[dst] += alpha^b · reg a
} as const;

const KIND_TO_OP: Partial<Record<NodeKind, number>> = { const: Op.CONST, cur: Op.CUR, next: Op.NEXT, pubin: Op.PUBIN, pcur: Op.PCUR, pnext: Op.PNEXT, add: Op.ADD, sub: Op.SUB, mul: Op.MUL, neg: Op.NEG };

/**
 * Compile a base-field graph's constraints to bytecode with linear-scan register reuse. Graphs with
 * preprocessed, auxiliary, challenge or terminal leaves are lowered first (lower.ts).
 */
/**
 * The nodes that `roots` need (ids ascending are children first) and each needed node's last use: the
 * highest id among its users, or its own id where only a root uses it (then it dies right after it is
 * sent). The register allocation of the constraint bytecode and of the backends' programs.
 */
export function liveness(nodes: readonly IrNode[], roots: readonly number[]): { needed: Uint8Array; lastUse: Int32Array } {
  const needed = new Uint8Array(nodes.length);
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (needed[id]) continue;
    needed[id] = 1;
    const n = nodes[id]!;
    if (n.kind === "add" || n.kind === "sub" || n.kind === "mul") stack.push(n.a, n.b);
    else if (n.kind === "neg") stack.push(n.a);
  }
  const lastUse = new Int32Array(nodes.length).fill(-1);
  for (const r of roots) lastUse[r] = Math.max(lastUse[r]!, r);
  for (let id = 0; id < nodes.length; id++) {
    if (!needed[id]) continue;
    const n = nodes[id]!;
    if (n.kind === "add" || n.kind === "sub" || n.kind === "mul") {
      lastUse[n.a] = Math.max(lastUse[n.a]!, id);
      lastUse[n.b] = Math.max(lastUse[n.b]!, id);
    } else if (n.kind === "neg") lastUse[n.a] = Math.max(lastUse[n.a]!, id);
  }
  return { needed, lastUse };
}

export function compileBytecode(graph: ConstraintGraph): Uint32Array {
  const { nodes, constraints } = graph;
  const { needed, lastUse } = liveness(nodes, constraints.map((c) => c.node));
  const accsAt = new Map<number, number[]>();
  constraints.forEach((c, i) => {
    let list = accsAt.get(c.node);
    if (!list) accsAt.set(c.node, (list = []));
    list.push(i);
  });

  const reg = new Int32Array(nodes.length).fill(-1);
  const free: number[] = [];
  let numRegisters = 0;
  const code: number[] = [];
  const release = (id: number, at: number): void => {
    if (lastUse[id] === at && reg[id]! >= 0) {
      free.push(reg[id]!);
    }
  };
  for (let id = 0; id < nodes.length; id++) {
    if (!needed[id]) continue;
    const n = nodes[id]!;
    const binary = n.kind === "add" || n.kind === "sub" || n.kind === "mul";
    const ra = binary || n.kind === "neg" ? reg[n.a]! : n.a;
    const rb = binary ? reg[n.b]! : 0;
    // Operands whose last use is here can donate their register to the result (elementwise ops).
    if (binary || n.kind === "neg") {
      release(n.a, id);
      if (binary && n.b !== n.a) release(n.b, id);
    }
    const op = KIND_TO_OP[n.kind];
    if (op === undefined) throw new RangeError(`bytecode: node kind ${n.kind} must be lowered to the base field first`);
    const dst = free.length ? free.pop()! : numRegisters++;
    reg[id] = dst;
    code.push(op, dst, ra, rb);
    for (const ci of accsAt.get(id) ?? []) code.push(Op.ACC, SELECTOR_CODES[constraints[ci]!.selector], dst, ci);
    if (lastUse[id] === id) free.push(dst);
  }
  const header = [BYTECODE_VERSION, numRegisters, constraints.length, code.length / 4];
  return Uint32Array.from([...header, ...code]);
}

export interface BytecodeHeader {
  numRegisters: number;
  numConstraints: number;
  numInstructions: number;
}

export function readHeader(bytecode: Uint32Array): BytecodeHeader {
  if (bytecode[0] !== BYTECODE_VERSION) throw new RangeError(`unsupported bytecode version ${bytecode[0]}`);
  const h = { numRegisters: bytecode[1]!, numConstraints: bytecode[2]!, numInstructions: bytecode[3]! };
  if (bytecode.length !== 4 + 4 * h.numInstructions) throw new RangeError("bytecode length mismatch");
  return h;
}

/** Inputs of one block of rows for the interpreter. */
export interface BlockSource {
  /** Number of rows in the block. */
  readonly rows: number;
  /** Value of trace column c at row r of the block (r < rows), and at its next row. */
  cur(col: number, out: Uint32Array): void;
  next(col: number, out: Uint32Array): void;
  pcur(col: number, out: Uint32Array): void;
  pnext(col: number, out: Uint32Array): void;
  readonly publicInputs: ArrayLike<number>;
}

/**
 * Reference interpreter: runs the bytecode over one block of rows and adds alpha^i·C_i(row) into
 * `acc` (4 selectors × rows × 4 words, laid out [selector][row][coefficient]).
 */
export function interpretBlock(bytecode: Uint32Array, src: BlockSource, alphaPowers: Uint32Array, acc: Uint32Array, registers?: Uint32Array[]): void {
  const h = readHeader(bytecode);
  const R = src.rows;
  const regs = registers ?? Array.from({ length: h.numRegisters }, () => new Uint32Array(R));
  for (let k = 0; k < h.numInstructions; k++) {
    const o = 4 + 4 * k;
    const op = bytecode[o]!, dst = bytecode[o + 1]!, a = bytecode[o + 2]!, b = bytecode[o + 3]!;
    switch (op) {
      case Op.CONST:
        regs[dst]!.fill(a, 0, R);
        break;
      case Op.CUR:
        src.cur(a, regs[dst]!);
        break;
      case Op.NEXT:
        src.next(a, regs[dst]!);
        break;
      case Op.PUBIN:
        regs[dst]!.fill(src.publicInputs[a]!, 0, R);
        break;
      case Op.PCUR:
        src.pcur(a, regs[dst]!);
        break;
      case Op.PNEXT:
        src.pnext(a, regs[dst]!);
        break;
      case Op.ADD: {
        const d = regs[dst]!, x = regs[a]!, y = regs[b]!;
        for (let r = 0; r < R; r++) d[r] = add(x[r]!, y[r]!);
        break;
      }
      case Op.SUB: {
        const d = regs[dst]!, x = regs[a]!, y = regs[b]!;
        for (let r = 0; r < R; r++) d[r] = sub(x[r]!, y[r]!);
        break;
      }
      case Op.MUL: {
        const d = regs[dst]!, x = regs[a]!, y = regs[b]!;
        for (let r = 0; r < R; r++) d[r] = mul(x[r]!, y[r]!);
        break;
      }
      case Op.NEG: {
        const d = regs[dst]!, x = regs[a]!;
        for (let r = 0; r < R; r++) d[r] = neg(x[r]!);
        break;
      }
      case Op.ACC: {
        const x = regs[a]!;
        const a0 = alphaPowers[4 * b]!, a1 = alphaPowers[4 * b + 1]!, a2 = alphaPowers[4 * b + 2]!, a3 = alphaPowers[4 * b + 3]!;
        const base = dst * R * 4;
        for (let r = 0; r < R; r++) {
          const v = x[r]!;
          if (v === 0) continue;
          const i = base + 4 * r;
          acc[i] = add(acc[i]!, mul(a0, v));
          acc[i + 1] = add(acc[i + 1]!, mul(a1, v));
          acc[i + 2] = add(acc[i + 2]!, mul(a2, v));
          acc[i + 3] = add(acc[i + 3]!, mul(a3, v));
        }
        break;
      }
      default:
        throw new RangeError(`bad opcode ${op} at instruction ${k}`);
    }
  }
}

