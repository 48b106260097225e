/**
 * The prover's side of LogUp (docs/proof-system.md §6.4): the auxiliary columns of a table from its
 * main and preprocessed trace and the challenges, and the multiset check that refuses an unbalanced
 * bus before anything is committed.
 */
import { add, mul, neg, P, sub } from "../field/babybear.js";
import { type Ext, batchInverseE, mulE, scaleE, addE, subE, ZERO, fromBase } from "../field/extension.js";
import { StarkError } from "../errors.js";
import { lookupBatches } from "./logup.js";
import type { AirTable } from "./air.js";

/** A table's trace over its rows: main columns, preprocessed columns, public inputs and columns. */
export interface TableRows {
  readonly table: AirTable;
  readonly main: readonly Uint32Array[];
  readonly pre: readonly Uint32Array[];
  readonly publicInputs: ArrayLike<number>;
  readonly publicColumns: readonly Uint32Array[];
}

/** Nodes an interaction reads (values and multiplicities, with their operands), in topological order. */
function interactionNodes(t: AirTable): number[] {
  const g = t.graph;
  const needed = new Uint8Array(g.nodes.length);
  const stack: number[] = [];
  for (const it of t.interactions) stack.push(...it.values, it.multiplicity);
  while (stack.length) {
    const id = stack.pop()!;
    if (needed[id]) continue;
    needed[id] = 1;
    const n = g.nodes[id]!;
    if (n.kind === "add" || n.kind === "sub" || n.kind === "mul") stack.push(n.a, n.b);
    else if (n.kind === "neg") stack.push(n.a);
  }
  const ids: number[] = [];
  needed.forEach((x, id) => x && ids.push(id)); // ids ascend: children before parents
  return ids;
}

/**
 * Per row, the values and multiplicity of every interaction: values[i][j][r], mult[i][r].
 * Rows wrap (the next row of the last row is row 0), as everywhere in the protocol. Only the nodes the
 * interactions read are evaluated, straight from the columns (a wide table's other nodes cost nothing).
 */
export function interactionValues(rows: TableRows): { values: Uint32Array[][]; mult: Uint32Array[] } {
  const { table: t, main, pre } = rows;
  const n = main[0]!.length;
  const g = t.graph;
  const ids = interactionNodes(t);
  const values = t.interactions.map((it) => it.values.map(() => new Uint32Array(n)));
  const mult = t.interactions.map(() => new Uint32Array(n));
  const vals = new Uint32Array(g.nodes.length);
  for (let r = 0; r < n; r++) {
    const rn = (r + 1) % n;
    for (const id of ids) {
      const node = g.nodes[id]!;
      switch (node.kind) {
        case "const": vals[id] = node.a; break;
        case "cur": vals[id] = main[node.a]![r]!; break;
        case "next": vals[id] = main[node.a]![rn]!; break;
        case "pre": vals[id] = pre[node.a]![r]!; break;
        case "prenext": vals[id] = pre[node.a]![rn]!; break;
        case "pubin": vals[id] = rows.publicInputs[node.a]!; break;
        case "pcur": vals[id] = rows.publicColumns[node.a]![r]!; break;
        case "pnext": vals[id] = rows.publicColumns[node.a]![rn]!; break;
        case "add": vals[id] = add(vals[node.a]!, vals[node.b]!); break;
        case "sub": vals[id] = sub(vals[node.a]!, vals[node.b]!); break;
        case "mul": vals[id] = mul(vals[node.a]!, vals[node.b]!); break;
        case "neg": vals[id] = neg(vals[node.a]!); break;
        default: vals[id] = 0; // interactions are base-field: never reached
      }
    }
    t.interactions.forEach((it, i) => {
      it.values.forEach((v, j) => (values[i]![j]![r] = vals[v]!));
      mult[i]![r] = vals[it.multiplicity]!;
    });
  }
  return { values, mult };
}

/**
 * Refuse an unbalanced bus: over all tables, every (bus, tuple) must be sent exactly as often as it is
 * received (multiplicities summed mod p). Throws BUS_IMBALANCE naming the first offending tuple.
 */
export function checkBusBalance(tables: readonly TableRows[]): void {
  const net = new Map<string, { bus: number; tuple: number[]; count: number }>();
  for (const rows of tables) {
    const t = rows.table;
    if (t.interactions.length === 0) continue;
    const { values, mult } = interactionValues(rows);
    const n = rows.main[0]!.length;
    t.interactions.forEach((it, i) => {
      for (let r = 0; r < n; r++) {
        const m = mult[i]![r]!;
        if (m === 0) continue;
        const tuple = values[i]!.map((col) => col[r]!);
        const key = `${it.bus}:${tuple.join(",")}`;
        const e = net.get(key) ?? { bus: it.bus, tuple, count: 0 };
        e.count = it.kind === "send" ? add(e.count, m) : sub(e.count, m);
        net.set(key, e);
      }
    });
  }
  for (const e of net.values()) {
    if (e.count === 0) continue;
    const sent = e.count < P / 2 ? `${e.count} more time(s) than received` : `${P - e.count} fewer time(s) than received`;
    const detail = `bus ${e.bus}: tuple [${e.tuple.join(", ")}] is sent ${sent}`;
    throw new StarkError({ code: "BUS_IMBALANCE", bus: e.bus, tuple: e.tuple, net: e.count, detail }, detail);
  }
}

export interface AuxTrace {
  /** 4·numAux base columns: auxiliary column a's coordinate e at index 4a + e. */
  readonly columns: Uint32Array[];
  /** The running sum at the last row. */
  readonly terminal: Ext;
}

/** The LogUp auxiliary columns of a table (helpers then the running sum) for challenges λ, μ. */
export function buildAuxTrace(rows: TableRows, lambda: Ext, mu: Ext): AuxTrace {
  const t = rows.table;
  const n = rows.main[0]!.length;
  const { values, mult } = interactionValues(rows);
  const I = t.interactions.length;
  const maxLen = Math.max(...t.interactions.map((it) => it.values.length));
  const muPow: Ext[] = [mu];
  for (let j = 1; j < maxLen; j++) muPow.push(mulE(muPow[j - 1]!, mu));
  // Denominators d_i(r) = λ − (bus + Σ_j μ^(j+1)·v_ij(r)), interaction-major.
  const dens: Ext[] = new Array(I * n);
  t.interactions.forEach((it, i) => {
    for (let r = 0; r < n; r++) {
      let phi: Ext = fromBase(it.bus);
      for (let j = 0; j < it.values.length; j++) phi = addE(phi, scaleE(muPow[j]!, values[i]![j]![r]!));
      dens[i * n + r] = subE(lambda, phi);
    }
  });
  let inv: Ext[];
  try {
    inv = batchInverseE(dens);
  } catch {
    throw new StarkError({ code: "INVALID_INPUT", detail: "a LogUp denominator vanished (a tuple equals the challenge); this happens with negligible probability" });
  }
  const batches = lookupBatches(I, t.lookupBatch);
  const columns = Array.from({ length: 4 * (batches.length + 1) }, () => new Uint32Array(n));
  const sumIdx = batches.length;
  let running: Ext = ZERO;
  for (let r = 0; r < n; r++) {
    let rowSum: Ext = ZERO;
    batches.forEach((members, k) => {
      let h: Ext = ZERO;
      for (const i of members) {
        const term = scaleE(inv[i * n + r]!, mult[i]![r]!);
        h = t.interactions[i]!.kind === "send" ? addE(h, term) : subE(h, term);
      }
      for (let e = 0; e < 4; e++) columns[4 * k + e]![r] = h[e]!;
      rowSum = addE(rowSum, h);
    });
    running = addE(running, rowSum);
    for (let e = 0; e < 4; e++) columns[4 * sumIdx + e]![r] = running[e]!;
  }
  return { columns, terminal: running };
}
