/**
 * A compiled circuit (docs/recursion.md §3): the table heights, every table's preprocessed columns
 * (the wiring), and — for a concrete circuit — the main traces and the public values.
 */
import { P } from "../stark/field/babybear.js";
import type { AirInstance } from "../stark/air/air.js";
import { fillPoseidon2Lane } from "../stark/air/poseidon2-lane.js";
import type { Circuit } from "./circuit.js";
import { ALU, INPUTS, P2, PUBLIC, RECURSION_PUBLIC_VALUES } from "./air.js";
import { RecursionError } from "./errors.js";

export type TableName = "inputs" | "public" | "alu" | "poseidon2";
export const TABLES: readonly TableName[] = ["inputs", "public", "alu", "poseidon2"];

export interface Program {
  readonly logHeights: Readonly<Record<TableName, number>>;
  /** Public values of the statement (the public table binds row j to public value j). */
  readonly numPublicValues: number;
  /** Rows used by each table (before padding). */
  readonly rows: Readonly<Record<TableName, number>>;
  readonly numWires: number;
  /** The table's preprocessed columns at its height (throws at another height). */
  preprocessed(table: TableName, logRows: number): Uint32Array[];
}

const log2Ceil = (n: number): number => Math.max(2, Math.ceil(Math.log2(Math.max(1, n))));
const NEG_ONE = P - 1;

/** Minimum table heights (log2): programs are padded up to them (a canonical shape). */
export type MinHeights = Partial<Record<TableName, number>>;

/**
 * Compile a circuit's structure into preprocessed columns at the smallest heights (or the given
 * minimums), for a statement of `numPublic` public values.
 */
export function compileProgram(c: Circuit, min: MinHeights = {}, numPublic = RECURSION_PUBLIC_VALUES): Program {
  const publicRows = c.inputs.filter((r) => r.op.kind === "public");
  const inputRows = c.inputs.filter((r) => r.op.kind !== "public");
  const rows: Record<TableName, number> = { inputs: inputRows.length, public: numPublic, alu: c.alu.length, poseidon2: c.p2.length + 1 };
  const logHeights = Object.fromEntries(TABLES.map((t) => [t, Math.max(log2Ceil(rows[t]), min[t] ?? 0)])) as Record<TableName, number>;
  for (const r of publicRows) {
    const idx = (r.op as { index: number }).index;
    if (idx >= numPublic) throw new RecursionError("CIRCUIT", `public value ${idx} beyond the ${numPublic} of a statement`);
  }
  // Reads of every wire: the writer's multiplicity.
  const reads = new Uint32Array(c.numWires);
  for (const r of c.alu) {
    reads[r.a]!++;
    reads[r.b]!++;
    reads[r.c]!++;
    if (!r.write) reads[r.d]!++;
  }
  c.p2.forEach((r) => {
    r.rate.forEach((rule, i) => rule === "read" && !r.compress && reads[r.rateIn[i]!]!++);
    if (r.compress) reads[r.bit!]!++;
    for (const o of r.outs) if (o && !o.write) reads[o.wire]!++;
  });
  const columns = new Map<TableName, Uint32Array[]>();
  const make = (t: TableName, count: number) => {
    const cols = Array.from({ length: count }, () => new Uint32Array(2 ** logHeights[t]));
    columns.set(t, cols);
    return cols;
  };
  const inp = make("inputs", INPUTS.numPre);
  inputRows.forEach((r, i) => {
    inp[0]![i] = r.wire;
    inp[1]![i] = reads[r.wire]!;
    if (r.op.kind === "const") {
      inp[2]![i] = 1;
      for (let e = 0; e < 4; e++) inp[3 + e]![i] = r.op.value[e]!;
    }
  });
  const pub = make("public", PUBLIC.numPreFixed + numPublic);
  // Row j binds public value j; indices without a wire still bind (the statement has all 16).
  const byIndex = new Map(publicRows.map((r) => [(r.op as { index: number }).index, r.wire]));
  for (let j = 0; j < numPublic; j++) {
    const w = byIndex.get(j);
    if (w !== undefined) {
      pub[0]![j] = w;
      pub[1]![j] = reads[w]!;
    }
    pub[2 + j]![j] = 1;
  }
  const alu = make("alu", ALU.numPre);
  c.alu.forEach((r, i) => {
    alu[0]![i] = r.a;
    alu[1]![i] = r.b;
    alu[2]![i] = r.c;
    alu[3]![i] = r.d;
    alu[4]![i] = 1;
    alu[5]![i] = 1;
    alu[6]![i] = 1;
    alu[7]![i] = r.write ? reads[r.d]! : NEG_ONE;
  });
  const p2 = make("poseidon2", P2.numPre);
  c.p2.forEach((r, k) => {
    const i = k + 1; // row 0 is the zero row
    for (let q = 0; q < 8; q++) {
      if (!r.compress && r.rate[q] === "read") {
        p2[P2.inId + q]![i] = r.rateIn[q]!;
        p2[P2.read + q]![i] = 1;
      }
      if (!r.compress && r.rate[q] === "keep") p2[P2.keep + q]![i] = 1;
      if (!r.compress) p2[P2.initCap + q]![i] = r.initCap[q]!;
      const o = r.outs[q];
      if (o) {
        p2[P2.outId + q]![i] = o.wire;
        p2[P2.outMult + q]![i] = o.write ? reads[o.wire]! : NEG_ONE;
      }
    }
    if (r.compress) {
      p2[P2.compress]![i] = 1;
      p2[P2.bitId]![i] = r.bit!;
      p2[P2.bitMult]![i] = 1;
    } else if (r.chain) p2[P2.chain]![i] = 1;
  });
  return {
    logHeights,
    numPublicValues: numPublic,
    rows,
    numWires: c.numWires,
    preprocessed(table, logRows) {
      if (logRows !== logHeights[table]) throw new RecursionError("CIRCUIT", `table ${table} has 2^${logHeights[table]} rows in this program, not 2^${logRows}`);
      return columns.get(table)!.map((col) => col.slice());
    },
  };
}

/** The recursion AIR's instance (main traces and statement) of a concrete circuit compiled to `program`. */
export function buildInstance(c: Circuit, program: Program): AirInstance {
  if (c.symbolic) throw new RecursionError("CIRCUIT", "a symbolic circuit has no witness");
  const h = program.logHeights;
  const col = (t: TableName, count: number) => Array.from({ length: count }, () => new Uint32Array(2 ** h[t]));
  const inputs = col("inputs", INPUTS.numMain);
  c.inputs.filter((r) => r.op.kind !== "public").forEach((r, i) => {
    const v = c.values[r.wire]!;
    for (let e = 0; e < 4; e++) inputs[e]![i] = v[e]!;
  });
  const pub = col("public", PUBLIC.numMain);
  const publicValues = new Uint32Array(program.numPublicValues);
  c.publicValues.forEach((v, j) => {
    publicValues[j] = v;
    pub[0]![j] = v;
  });
  // Public values the circuit never reads still bind their row: the row holds the statement's value.
  for (let j = 0; j < program.numPublicValues; j++) pub[0]![j] = publicValues[j]!;
  const alu = col("alu", ALU.numMain);
  c.alu.forEach((r, i) => {
    [r.a, r.b, r.c, r.d].forEach((w, k) => {
      const v = c.values[w]!;
      for (let e = 0; e < 4; e++) alu[4 * k + e]![i] = v[e]!;
    });
  });
  const p2 = col("poseidon2", P2.width);
  fillPoseidon2Lane(p2, P2.lane, 0, new Uint32Array(16));
  const zero = new Uint32Array(16);
  c.p2Values.forEach((v, k) => {
    const i = k + 1;
    fillPoseidon2Lane(p2, P2.lane, i, v.input);
    for (let q = 0; q < 8; q++) p2[P2.sib + q]![i] = v.sib[q]!;
    const r = c.p2[k]!;
    if (r.compress) p2[P2.bit]![i] = c.values[r.bit!]![0]!;
  });
  for (let i = c.p2Values.length + 1; i < 2 ** h.poseidon2; i++) fillPoseidon2Lane(p2, P2.lane, i, zero);
  return { trace: inputs, extraTraces: [pub, alu, p2], publicInputs: publicValues, publicColumns: [] };
}
