/**
 * The STARK prover (docs/proof-system.md §7). Pure: every heavy operation goes through the injected
 * ProverBackend, and every challenge is drawn after everything it depends on has been absorbed.
 */
import { inv, mul, pow, twoAdicGenerator, isCanonical } from "./field/babybear.js";
import { type Ext, addE, flattenExt, fromBase, mulE, powE, readExt, equals, ZERO } from "./field/extension.js";
import type { ExtColumns, MerkleTreeData, ProverBackend } from "./backend.js";
import { StarkError } from "./errors.js";
import { validateOptions, MAX_LOG_LDE_SIZE, type ProofOptions } from "./options.js";
import { encodeProof, PROOF_VERSION, type GroupOpenings, type MerkleOpening, type StarkProof } from "./proof.js";
import { Tag, MAX_DUPLEX_BITS, type Challenger } from "./transcript.js";
import { checkStatement, initTranscript, type Statement } from "./statement.js";
import { drawOodPoint } from "./challenges.js";
import { deepClaimsOfGroup, extPowers } from "./deep.js";
import { openMulti, merkleCap, leafWords } from "./merkle/tree.js";
import { COSET_SHIFT, log2Exact } from "./poly/ntt.js";
import { evalConstraintsBase } from "./air/evaluate.js";
import { buildAuxTrace, checkBusBalance, type TableRows } from "./air/lookup-trace.js";
import { proofLayout, type ProofLayout } from "./layout.js";
import { preprocessedMatrices, vkDigest } from "./vk.js";
import type { HashConfig } from "./hash/config.js";
import type { Air, AirInstance, AirTable } from "./air/air.js";
import { AbortError } from "../util/errors.js";

export type ProvePhase = "check" | "trace" | "aux" | "quotient" | "ood" | "deep" | "fri" | "pow" | "open";

export interface ProveParams {
  readonly air: Air;
  readonly instance: AirInstance;
  readonly options: ProofOptions;
  /** Hash configuration (default keccak, what L1 verifies). */
  readonly hash?: HashConfig;
  /** 20-byte address the proof is bound to (docs/proof-system.md §5.1). */
  readonly proverAddress: Uint8Array;
  readonly backend: ProverBackend;
  readonly signal?: AbortSignal;
  /**
   * Check every constraint and every bus before proving (default true): a violation is refused with
   * CONSTRAINT_VIOLATED or BUS_IMBALANCE. Tests turn it off to make the prover produce a proof of a
   * false statement, which the verifier must reject.
   */
  readonly checkConstraints?: boolean;
  /** Called when a phase ends, with its duration in milliseconds. */
  readonly onPhase?: (phase: ProvePhase, ms: number) => void;
}

export interface ProveResult {
  readonly proof: StarkProof;
  readonly bytes: Uint8Array;
  readonly timings: Partial<Record<ProvePhase, number>>;
}

function invalid(detail: string): StarkError {
  return new StarkError({ code: "INVALID_INPUT", detail }, detail);
}

/** Validate every table's trace shape and values; returns the log2 heights. */
function checkTraces(air: Air, traces: readonly Uint32Array[][], options: ProofOptions, hash: HashConfig): number[] {
  const heights = air.tables.map((t, ti) => {
    const trace = traces[ti]!;
    if (trace.length !== t.width) throw invalid(`${t.name} has ${t.width} columns, trace has ${trace.length}`);
    const n = trace[0]!.length;
    let logN: number;
    try {
      logN = log2Exact(n);
    } catch {
      throw invalid(`${t.name}: trace height ${n} is not a power of two`);
    }
    if (logN < t.minLogRows || logN > t.maxLogRows) throw invalid(`${t.name}: trace height 2^${logN} outside 2^${t.minLogRows}..2^${t.maxLogRows}`);
    if (logN + options.logBlowup > MAX_LOG_LDE_SIZE) throw invalid(`${t.name}: LDE of 2^${logN + options.logBlowup} rows exceeds the field's two-adicity`);
    trace.forEach((col, c) => {
      if (col.length !== n) throw invalid(`${t.name}: trace column ${c} has ${col.length} rows, expected ${n}`);
      for (let r = 0; r < n; r++) if (!isCanonical(col[r]!)) throw invalid(`${t.name}: trace column ${c} row ${r} is not a canonical field element`);
    });
    if (t.numQuotientChunks > 1 << options.logBlowup) {
      throw invalid(`${t.name} needs ${t.numQuotientChunks} quotient chunks; blowup 2^${options.logBlowup} is too small`);
    }
    return logN;
  });
  const top = Math.max(...heights);
  if (2 ** (top + options.logBlowup) < options.numQueries) throw invalid(`LDE domain of 2^${top + options.logBlowup} points is smaller than ${options.numQueries} queries`);
  if (hash === "poseidon2" && options.powBits > MAX_DUPLEX_BITS) throw invalid(`poseidon2 proofs grind at most ${MAX_DUPLEX_BITS} bits`);
  return heights;
}

/** Evaluate every base-field constraint of a table on every row; throw on the first violation. */
export function assertTableConstraints(rows: TableRows): void {
  const { table: t, main, pre } = rows;
  const n = main[0]!.length;
  const cur = new Uint32Array(t.width), next = new Uint32Array(t.width);
  const pc = new Uint32Array(t.numPreprocessed), pn = new Uint32Array(t.numPreprocessed);
  const uc = new Uint32Array(t.numPublicColumns), un = new Uint32Array(t.numPublicColumns);
  const scratch = new Uint32Array(t.graph.nodes.length);
  for (let r = 0; r < n; r++) {
    const rn = (r + 1) % n;
    for (let c = 0; c < t.width; c++) {
      cur[c] = main[c]![r]!;
      next[c] = main[c]![rn]!;
    }
    for (let c = 0; c < t.numPreprocessed; c++) {
      pc[c] = pre[c]![r]!;
      pn[c] = pre[c]![rn]!;
    }
    for (let k = 0; k < t.numPublicColumns; k++) {
      uc[k] = rows.publicColumns[k]![r]!;
      un[k] = rows.publicColumns[k]![rn]!;
    }
    const vals = evalConstraintsBase(t.graph, { cur, next, publicInputs: rows.publicInputs, pubCur: uc, pubNext: un, preCur: pc, preNext: pn }, scratch);
    t.graph.constraints.forEach((c, i) => {
      if (c.ext) return;
      const applies = c.selector === "everyRow" || (c.selector === "transition" && r < n - 1) || (c.selector === "firstRow" && r === 0) || (c.selector === "lastRow" && r === n - 1);
      if (applies && vals[i] !== 0) {
        throw new StarkError({ code: "CONSTRAINT_VIOLATED", constraint: i, row: r, selector: c.selector, table: t.name }, `${t.name}: constraint ${i} (${c.selector}) fails at row ${r}`);
      }
    });
  }
}

/** Every table's rows (main, preprocessed, public) for a single-table or multi-table instance. */
function tableRows(air: Air, inst: AirInstance, traces: readonly Uint32Array[][], heights: readonly number[]): TableRows[] {
  let k = 0;
  return air.tables.map((t, ti) => {
    const publicColumns = inst.publicColumns.slice(k, k + t.numPublicColumns);
    k += t.numPublicColumns;
    return { table: t, main: traces[ti]!, pre: t.preprocessedColumns(heights[ti]!), publicInputs: inst.publicInputs, publicColumns };
  });
}

/** Check one single-table AIR instance's constraints (the historical entry point). */
export function assertConstraints(air: Air, inst: AirInstance): void {
  const traces = air.traces(inst);
  const heights = traces.map((t) => log2Exact(t[0]!.length));
  for (const rows of tableRows(air, inst, traces, heights)) assertTableConstraints(rows);
  checkBusBalance(tableRows(air, inst, traces, heights));
}

/** Multiply coefficient i by s^(−i) in place: turns subgroup-iNTT output into coset coefficients. */
function unshift(coeffs: Uint32Array, shift: number): void {
  const sInv = inv(shift);
  let s = 1;
  for (let i = 0; i < coeffs.length; i++) {
    coeffs[i] = mul(coeffs[i]!, s);
    s = mul(s, sInv);
  }
}

/** A committed matrix: coefficients (for OOD evaluation), its LDE and its Merkle tree. */
interface Committed {
  readonly coeffs: Uint32Array[];
  readonly lde: Uint32Array[];
  readonly tree: MerkleTreeData;
}

/** A group's preprocessed columns side by side, and the trees of its tables that have some. */
interface PreGroup {
  readonly coeffs: Uint32Array[];
  readonly lde: Uint32Array[];
  readonly trees: MerkleTreeData[];
}

export async function proveStark(p: ProveParams): Promise<ProveResult> {
  const { air, instance, options, backend, signal } = p;
  const hash = p.hash ?? "keccak";
  const check = p.checkConstraints ?? true;
  const timings: Partial<Record<ProvePhase, number>> = {};
  let t0 = performance.now();
  const phase = (name: ProvePhase): void => {
    if (signal?.aborted) throw new AbortError("proving aborted");
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + now - t0;
    p.onPhase?.(name, now - t0);
    t0 = now;
  };

  validateOptions(options);
  const traces = air.traces(instance);
  const heights = checkTraces(air, traces, options, hash);
  const statement: Statement = { publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress: p.proverAddress };
  checkStatement(air, statement, heights);
  const rows = tableRows(air, instance, traces, heights);
  if (check) {
    for (const r of rows) assertTableConstraints(r);
    checkBusBalance(rows);
  }
  const layout = proofLayout(air, options, hash, heights);
  phase("check");

  const b = options.logBlowup;
  const commit = async (cols: Uint32Array[], shift: number): Promise<Committed> => {
    const coeffs = cols.map((c) => Uint32Array.from(c));
    await backend.interpolate(coeffs);
    const lde = await backend.evaluateOnCoset(coeffs, b, shift);
    const tree = await backend.merkleCommit(lde, 1, hash);
    return { coeffs, lde, tree };
  };
  const cap = (c: Committed) => merkleCap(c.tree, options.logCap);

  // 0. Preprocessed columns, one tree per table: committed like the trace; their caps make the verification key.
  const preTables: (Committed | null)[] = [];
  for (const cols of preprocessedMatrices(layout)) preTables.push(cols ? await commit(cols, COSET_SHIFT) : null);
  const vk = vkDigest(layout, preTables.map((c) => (c ? cap(c) : null)));
  // Per group, its tables' preprocessed columns side by side (for the quotient, OOD and DEEP).
  const pre: (PreGroup | null)[] = layout.groups.map((g) => {
    const members = g.tables.filter((ti) => preTables[ti]);
    if (members.length === 0) return null;
    return { coeffs: members.flatMap((ti) => preTables[ti]!.coeffs), lde: members.flatMap((ti) => preTables[ti]!.lde), trees: members.map((ti) => preTables[ti]!.tree) };
  });
  const transcript: Challenger = initTranscript(layout, vk, statement);

  // 1. Main traces, one tree per height group.
  const main: Committed[] = [];
  for (const g of layout.groups) {
    const c = await commit(g.tables.flatMap((ti) => traces[ti]!), g.shift);
    main.push(c);
    transcript.absorbDigests(Tag.MainCommit, cap(c));
  }
  phase("trace");

  // 2. Auxiliary phase: LogUp challenges, running sums, terminal sums.
  let challenges: Ext[] = [];
  const aux: (Committed | null)[] = layout.groups.map(() => null);
  const terminals: Ext[] = [];
  const auxCols: Uint32Array[][] = air.tables.map(() => []);
  if (air.numChallenges > 0) {
    challenges = [transcript.sampleExt(), transcript.sampleExt()];
    for (const t of air.tables) {
      if (t.numAux === 0) continue;
      const built = buildAuxTrace(rows[t.index]!, challenges[0]!, challenges[1]!);
      auxCols[t.index] = built.columns;
      terminals.push(built.terminal);
    }
    for (let g = 0; g < layout.groups.length; g++) {
      const grp = layout.groups[g]!;
      if (grp.auxWidth === 0) continue;
      const c = await commit(grp.tables.flatMap((ti) => auxCols[ti]!), grp.shift);
      aux[g] = c;
      transcript.absorbDigests(Tag.AuxCommit, cap(c));
    }
    transcript.absorbExts(Tag.TerminalSums, terminals);
    if (check && !equals(terminals.reduce(addE, ZERO), ZERO)) throw new StarkError({ code: "INVALID_INPUT", detail: "LogUp terminal sums do not cancel" });
  }
  phase("aux");

  // 3. Quotients: alpha, each table's quotient over its LDE domain, split into chunks of degree < n.
  const alpha = transcript.sampleExt();
  const quotient: Committed[] = [];
  const quotientCoeffs: Uint32Array[][] = air.tables.map(() => []);
  for (let g = 0; g < layout.groups.length; g++) {
    const grp = layout.groups[g]!;
    const chunkCols: Uint32Array[] = [];
    for (const ti of grp.tables) {
      const chunks = await tableQuotient(p, layout, ti, g, { main: main[g]!, pre: pre[g], aux: aux[g] }, alpha, challenges, terminals, rows[ti]!);
      quotientCoeffs[ti] = chunks;
      chunkCols.push(...chunks);
    }
    const lde = await backend.evaluateOnCoset(chunkCols, b, grp.shift);
    const tree = await backend.merkleCommit(lde, 1, hash);
    const c = { coeffs: chunkCols, lde, tree };
    quotient.push(c);
    transcript.absorbDigests(Tag.QuotientCommit, cap(c));
  }
  phase("quotient");

  // 4. Out-of-domain point and openings, table after table.
  const z = drawOodPoint(transcript, layout.groups);
  const ood: Ext[] = [];
  const zNextOf = (logRows: number): Ext => mulE(z, fromBase(twoAdicGenerator(logRows)));
  for (const tl of layout.tables) {
    const t = tl.table;
    const g = tl.group;
    const zn = zNextOf(tl.logRows);
    const both = Uint32Array.from([...z, ...zn]);
    const atBoth = async (cols: Uint32Array[]) => {
      if (cols.length === 0) return [];
      const v = await backend.evaluateAtPoints(cols, both);
      const m = cols.length;
      return [...Array.from({ length: m }, (_, c) => readExt(v, c)), ...Array.from({ length: m }, (_, c) => readExt(v, m + c))];
    };
    ood.push(...(await atBoth(main[g]!.coeffs.slice(tl.mainOffset, tl.mainOffset + t.width))));
    ood.push(...(await atBoth(pre[g] ? pre[g]!.coeffs.slice(tl.preOffset, tl.preOffset + t.numPreprocessed) : [])));
    ood.push(...(await atBoth(aux[g] ? aux[g]!.coeffs.slice(tl.auxOffset, tl.auxOffset + 4 * t.numAux) : [])));
    const qv = await backend.evaluateAtPoints(quotientCoeffs[t.index]!, Uint32Array.from(z));
    ood.push(...Array.from({ length: 4 * t.numQuotientChunks }, (_, c) => readExt(qv, c)));
  }
  transcript.absorbExts(Tag.OodValues, ood);
  phase("ood");

  // 5. DEEP composition, one function per height group.
  const gamma = transcript.sampleExt();
  const deep: ExtColumns[] = [];
  for (let g = 0; g < layout.groups.length; g++) {
    const grp = layout.groups[g]!;
    const claims = deepClaimsOfGroup(layout, g, z, zNextOf(grp.logRows), ood);
    const columns = [...(pre[g]?.lde ?? []), ...main[g]!.lde, ...(aux[g]?.lde ?? []), ...quotient[g]!.lde];
    deep.push(await backend.deepCompose({ columns, ...claims, gamma: Uint32Array.from(gamma), logHeight: grp.logLde, shift: grp.shift }));
  }
  phase("deep");

  // 6. FRI commit phase over mixed heights: a group joins the layer whose degree bound is its height.
  const { steps, logFinalLen, joins } = layout.fri;
  const friTrees: MerkleTreeData[] = [];
  const friLayers: ExtColumns[] = [];
  const friCaps: Uint8Array[][] = [];
  let layer = deep[0]!;
  let layerShift = layout.groups[0]!.shift;
  for (let r = 0; r < steps.length; r++) {
    const s = steps[r]!;
    const tree = await backend.merkleCommit(layer, 1 << s, hash);
    const c = merkleCap(tree, options.logCap);
    friTrees.push(tree);
    friLayers.push(layer);
    friCaps.push(c);
    transcript.absorbDigests(Tag.FriCommit, c);
    const beta = transcript.sampleExt();
    layer = await backend.friFold(layer, s, Uint32Array.from(beta), layerShift);
    layerShift = pow(layerShift, 1 << s);
    if (joins[r]! >= 0) layer = addScaled(layer, deep[joins[r]!]!, powE(beta, 1 << s));
  }
  const finalCoeffs = layer.map((c) => Uint32Array.from(c));
  await backend.interpolate(finalCoeffs);
  finalCoeffs.forEach((c) => unshift(c, layerShift));
  const finalLen = 1 << logFinalLen;
  if (check) {
    for (const c of finalCoeffs) {
      if (c.subarray(finalLen).some((x) => x !== 0)) throw new StarkError({ code: "INVALID_AIR", detail: "final FRI polynomial exceeds its degree bound" });
    }
  }
  const finalPoly: Ext[] = [];
  for (let i = 0; i < finalLen; i++) finalPoly.push([finalCoeffs[0]![i]!, finalCoeffs[1]![i]!, finalCoeffs[2]![i]!, finalCoeffs[3]![i]!]);
  transcript.absorbExts(Tag.FinalPoly, finalPoly);
  phase("fri");

  // 7. Proof of work, then the queries.
  const gi = transcript.grindInput();
  const powNonce = gi.config === "keccak" ? await backend.grind(gi.state, options.powBits, signal) : await backend.grindPoseidon2(gi.state, gi.pending, options.powBits, signal);
  if (!transcript.absorbPow(powNonce, options.powBits)) throw new StarkError({ code: "INVALID_INPUT", detail: "the backend's proof-of-work nonce does not pass" });
  phase("pow");

  const queries = transcript.drawQueries(options.numQueries, layout.logQueryDomain);
  const open = (tree: MerkleTreeData, cols: readonly Uint32Array[], arity: number, leaves: number[]): MerkleOpening => {
    const parts = leaves.map((i) => leafWords(cols, arity, i));
    const values = new Uint32Array(parts.reduce((a, x) => a + x.length, 0));
    let o = 0;
    for (const part of parts) {
      values.set(part, o);
      o += part.length;
    }
    return { leafCount: leaves.length, values, siblings: openMulti(tree, leaves, options.logCap) };
  };
  const groupOpenings = layout.groups.map((grp, g): GroupOpenings => {
    const positions = [...new Set(queries.map((q) => q % 2 ** grp.logLde))].sort((a, b) => a - b);
    const c = (x: Committed | null) => (x ? open(x.tree, x.lde, 1, positions) : null);
    const preOpenings = grp.tables.filter((ti) => preTables[ti]).map((ti) => open(preTables[ti]!.tree, preTables[ti]!.lde, 1, positions));
    return { pre: preOpenings, main: c(main[g]!)!, aux: c(aux[g]!), quotient: c(quotient[g]!)! };
  });
  const friOpenings: MerkleOpening[] = [];
  let positions = queries;
  let M = 2 ** layout.logQueryDomain;
  steps.forEach((s, r) => {
    const L = M >> s;
    const leaves = [...new Set(positions.map((x) => x % L))].sort((a, b) => a - b);
    friOpenings.push(open(friTrees[r]!, friLayers[r]!, 1 << s, leaves));
    positions = leaves;
    M = L;
  });
  phase("open");

  const proof: StarkProof = {
    version: PROOF_VERSION, hash, airId: air.id, options, logHeights: heights,
    mainCaps: main.map(cap), auxCaps: aux.map((c) => (c ? cap(c) : [])), terminalSums: terminals,
    quotientCaps: quotient.map(cap), ood, friCaps, finalPoly, powNonce, groupOpenings, friOpenings,
  };
  return { proof, bytes: encodeProof(proof), timings };
}

/** layer + c·f, elementwise in K (a smaller group's DEEP function joining a FRI layer). */
function addScaled(layer: ExtColumns, f: ExtColumns, c: Ext): ExtColumns {
  const n = layer[0].length;
  const out: ExtColumns = [new Uint32Array(n), new Uint32Array(n), new Uint32Array(n), new Uint32Array(n)];
  for (let i = 0; i < n; i++) {
    const v = addE([layer[0][i]!, layer[1][i]!, layer[2][i]!, layer[3][i]!], mulE(c, [f[0][i]!, f[1][i]!, f[2][i]!, f[3][i]!]));
    out[0][i] = v[0];
    out[1][i] = v[1];
    out[2][i] = v[2];
    out[3][i] = v[3];
  }
  return out;
}

/**
 * One table's quotient: evaluate its lowered program over the group's LDE domain on its columns
 * [main | preprocessed | auxiliary coordinates], interpolate over the coset and cut the 4 K
 * coordinates into numQuotientChunks chunks of n coefficients each (column 4j + e = chunk j, coordinate e).
 */
async function tableQuotient(
  p: ProveParams,
  layout: ProofLayout,
  ti: number,
  g: number,
  trees: { main: Committed; pre: PreGroup | null; aux: Committed | null },
  alpha: Ext,
  challenges: readonly Ext[],
  terminals: readonly Ext[],
  rows: TableRows,
): Promise<Uint32Array[]> {
  const tl = layout.tables[ti]!;
  const t: AirTable = tl.table;
  const grp = layout.groups[g]!;
  const b = p.options.logBlowup;
  const n = 2 ** tl.logRows;
  const trace = [
    ...trees.main.lde.slice(tl.mainOffset, tl.mainOffset + t.width),
    ...(trees.pre ? trees.pre.lde.slice(tl.preOffset, tl.preOffset + t.numPreprocessed) : []),
    ...(trees.aux ? trees.aux.lde.slice(tl.auxOffset, tl.auxOffset + 4 * t.numAux) : []),
  ];
  const pubCoeffs = rows.publicColumns.map((c) => Uint32Array.from(c));
  if (pubCoeffs.length) await p.backend.interpolate(pubCoeffs);
  const pubLde = pubCoeffs.length ? await p.backend.evaluateOnCoset(pubCoeffs, b, grp.shift) : [];
  const alphaPowers = extPowers(alpha, t.numConstraints);
  const weights = flattenExt(t.weights.map((w) => mulByXPower(alphaPowers[w.constraint]!, w.coordinate)));
  const extra: number[] = [];
  if (t.graph.shape.numChallenges > 0) for (const c of challenges) extra.push(...c);
  if (tl.terminalIndex >= 0) extra.push(...terminals[tl.terminalIndex]!);
  const q = await p.backend.evaluateQuotient({
    bytecode: t.bytecode, trace, publicColumns: pubLde, publicInputs: Uint32Array.from([...Array.from(rows.publicInputs), ...extra]),
    alphaPowers: weights, logTraceHeight: tl.logRows, logBlowup: b, shift: grp.shift,
  });
  const qCoeffs = q.map((c) => Uint32Array.from(c));
  await p.backend.interpolate(qCoeffs);
  qCoeffs.forEach((c) => unshift(c, grp.shift));
  const chunks: Uint32Array[] = [];
  for (let j = 0; j < t.numQuotientChunks; j++) for (let e = 0; e < 4; e++) chunks.push(qCoeffs[e]!.slice(j * n, (j + 1) * n));
  if (p.checkConstraints ?? true) {
    for (let e = 0; e < 4; e++) {
      for (let i = t.numQuotientChunks * n; i < qCoeffs[e]!.length; i++) {
        if (qCoeffs[e]![i] !== 0) throw new StarkError({ code: "INVALID_AIR", detail: `${t.name}: quotient degree exceeds ${t.numQuotientChunks}·n: AIR degree bookkeeping is wrong` });
      }
    }
  }
  return chunks;
}

/** X^e·a in K (multiplying by the basis element X^e; X^4 = 11). */
export function mulByXPower(a: Ext, e: number): Ext {
  let r = a;
  for (let i = 0; i < e; i++) r = [mul(11, r[3]), r[0], r[1], r[2]];
  return r;
}
