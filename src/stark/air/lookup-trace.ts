/**
 * The prover's side of LogUp (docs/proof-system.md §6.4): the auxiliary columns of a table from its
 * main and preprocessed trace and the challenges, and the multiset check that refuses an unbalanced
 * bus before anything is committed.
 */
import { add, mul, neg, P, sub } from "../field/babybear.js";
import { type Ext, invE, mulE } from "../field/extension.js";
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

/** out[oo..oo+4) ← a[ao..ao+4)·b[bo..bo+4) in K = F[X]/(X⁴ − 11), flat (no allocation; out may alias neither input). */
function mulKFlat(a: Uint32Array, ao: number, b: Uint32Array, bo: number, out: Uint32Array, oo: number): void {
  const a0 = a[ao]!, a1 = a[ao + 1]!, a2 = a[ao + 2]!, a3 = a[ao + 3]!;
  const b0 = b[bo]!, b1 = b[bo + 1]!, b2 = b[bo + 2]!, b3 = b[bo + 3]!;
  out[oo] = add(mul(a0, b0), mul(11, add(add(mul(a1, b3), mul(a2, b2)), mul(a3, b1))));
  out[oo + 1] = add(add(mul(a0, b1), mul(a1, b0)), mul(11, add(mul(a2, b3), mul(a3, b2))));
  out[oo + 2] = add(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), mul(11, mul(a3, b3)));
  out[oo + 3] = add(add(add(mul(a0, b3), mul(a1, b2)), mul(a2, b1)), mul(a3, b0));
}

/** Inverses of the K elements of a flat array, in place, with one K inversion (Montgomery's trick). */
function batchInverseKFlat(xs: Uint32Array): void {
  const count = xs.length / 4;
  const prefix = new Uint32Array(xs.length);
  const acc = Uint32Array.of(1, 0, 0, 0), tmp = new Uint32Array(4);
  for (let i = 0; i < count; i++) {
    const o = 4 * i;
    if ((xs[o]! | xs[o + 1]! | xs[o + 2]! | xs[o + 3]!) === 0) {
      throw new StarkError({ code: "INVALID_INPUT", detail: "a LogUp denominator vanished (a tuple equals the challenge); this happens with negligible probability" });
    }
    prefix.set(acc, o);
    mulKFlat(acc, 0, xs, o, tmp, 0);
    acc.set(tmp);
  }
  const inv = Uint32Array.from(invE([acc[0]!, acc[1]!, acc[2]!, acc[3]!]));
  for (let i = count - 1; i >= 0; i--) {
    const o = 4 * i;
    mulKFlat(inv, 0, xs, o, tmp, 0); // inverse of the prefix before i
    mulKFlat(prefix, o, inv, 0, xs, o);
    inv.set(tmp);
  }
}

/**
 * The LogUp auxiliary columns of a table (helpers then the running sum) for challenges λ, μ. Flat
 * typed arrays throughout: a table of n rows and I interactions costs about 25·I·n base
 * multiplications and no allocation per fraction.
 */
export function buildAuxTrace(rows: TableRows, lambda: Ext, mu: Ext): AuxTrace {
  const t = rows.table;
  const n = rows.main[0]!.length;
  const { values, mult } = interactionValues(rows);
  const I = t.interactions.length;
  const maxLen = Math.max(...t.interactions.map((it) => it.values.length));
  const muPow: Ext[] = [mu];
  for (let j = 1; j < maxLen; j++) muPow.push(mulE(muPow[j - 1]!, mu));
  // Denominators d_i(r) = λ − (bus + Σ_j μ^(j+1)·v_ij(r)), interaction-major: K element i·n + r.
  const dens = new Uint32Array(4 * I * n);
  t.interactions.forEach((it, i) => {
    const l0 = sub(lambda[0], it.bus % P);
    const vals = values[i]!;
    for (let r = 0; r < n; r++) {
      let c0 = l0, c1 = lambda[1], c2 = lambda[2], c3 = lambda[3];
      for (let j = 0; j < vals.length; j++) {
        const v = vals[j]![r]!;
        if (v === 0) continue;
        const m = muPow[j]!;
        c0 = sub(c0, mul(m[0], v));
        c1 = sub(c1, mul(m[1], v));
        c2 = sub(c2, mul(m[2], v));
        c3 = sub(c3, mul(m[3], v));
      }
      const o = 4 * (i * n + r);
      dens[o] = c0;
      dens[o + 1] = c1;
      dens[o + 2] = c2;
      dens[o + 3] = c3;
    }
  });
  batchInverseKFlat(dens);
  const batches = lookupBatches(I, t.lookupBatch);
  const columns = Array.from({ length: 4 * (batches.length + 1) }, () => new Uint32Array(n));
  const sumIdx = batches.length;
  const sign = t.interactions.map((it) => it.kind === "send");
  const running = [0, 0, 0, 0];
  for (let r = 0; r < n; r++) {
    batches.forEach((members, k) => {
      let h0 = 0, h1 = 0, h2 = 0, h3 = 0;
      for (const i of members) {
        const m = mult[i]![r]!;
        if (m === 0) continue;
        const o = 4 * (i * n + r);
        const t0 = mul(dens[o]!, m), t1 = mul(dens[o + 1]!, m), t2 = mul(dens[o + 2]!, m), t3 = mul(dens[o + 3]!, m);
        if (sign[i]) {
          h0 = add(h0, t0); h1 = add(h1, t1); h2 = add(h2, t2); h3 = add(h3, t3);
        } else {
          h0 = sub(h0, t0); h1 = sub(h1, t1); h2 = sub(h2, t2); h3 = sub(h3, t3);
        }
      }
      columns[4 * k]![r] = h0;
      columns[4 * k + 1]![r] = h1;
      columns[4 * k + 2]![r] = h2;
      columns[4 * k + 3]![r] = h3;
      running[0] = add(running[0]!, h0);
      running[1] = add(running[1]!, h1);
      running[2] = add(running[2]!, h2);
      running[3] = add(running[3]!, h3);
    });
    for (let e = 0; e < 4; e++) columns[4 * sumIdx + e]![r] = running[e]!;
  }
  return { columns, terminal: [running[0]!, running[1]!, running[2]!, running[3]!] };
}
