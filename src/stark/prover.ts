/**
 * The STARK prover (docs/proof-system.md §7). Pure: every heavy operation goes through the injected
 * ProverBackend, and every challenge is drawn after everything it depends on has been absorbed.
 */
import { mul, pow, twoAdicGenerator, P } from "./field/babybear.js";
import { type Ext, addE, flattenExt, fromBase, mulE, powE, readExt, equals, subE, ZERO } from "./field/extension.js";
import { residentColumns, type Column, type ExtColumns, type LogUpAux, type MerkleTreeData, type ProverBackend, type ResidentMatrix } from "./backend.js";
import { StarkError } from "./errors.js";
import { validateOptions, MAX_LOG_LDE_SIZE, type ProofOptions } from "./options.js";
import { encodeProof, PROOF_VERSION, type GroupOpenings, type MerkleOpening, type StarkProof } from "./proof.js";
import { Tag, MAX_DUPLEX_BITS, type Challenger } from "./transcript.js";
import { checkStatement, initTranscript, type Statement } from "./statement.js";
import { drawOodPoint } from "./challenges.js";
import { deepClaimsOfGroup, extPowers } from "./deep.js";
import { openMulti, merkleCap, leafWords } from "./merkle/tree.js";
import { logQuotientDomainBlowup } from "./quotient.js";
import { tablePrograms } from "./air/programs.js";
import { COSET_SHIFT, log2Exact } from "./poly/ntt.js";
import { evalConstraintsBase } from "./air/evaluate.js";
import { checkBusBalance, type TableRows } from "./air/lookup-trace.js";
import { proofLayout, type ProofLayout } from "./layout.js";
import { vkDigest } from "./vk.js";
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
  /**
   * The process's memory when each phase ends, in bytes (absent where the runtime cannot say, e.g. a
   * browser): `rss`, the resident set then; `peakRss`, the process's high-water mark so far (the
   * phase where it first rises is the one that set it). A process-wide figure: other work in the same
   * process counts too.
   */
  readonly memory: Partial<Record<ProvePhase, PhaseMemory>>;
  /** The process's peak resident set when the proof was done, in bytes (0 where the runtime cannot say). */
  readonly peakRssBytes: number;
}

export interface PhaseMemory {
  readonly rss: number;
  readonly peakRss: number;
}

/** The resident set now and the process's high-water mark, in bytes; null outside Node. */
export function processMemory(): PhaseMemory | null {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (!proc || typeof proc.resourceUsage !== "function" || typeof proc.memoryUsage?.rss !== "function") return null;
  const rss = proc.memoryUsage.rss();
  // maxRSS is in KiB (Linux, macOS through libuv); the current RSS can be sampled above it.
  return { rss, peakRss: Math.max(rss, proc.resourceUsage().maxRSS * 1024) };
}

function invalid(detail: string): StarkError {
  return new StarkError({ code: "INVALID_INPUT", detail }, detail);
}

/** Validate every table's trace shape (values are checked canonical by `upload`); returns the log2 heights. */
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

/** Row r of a table against every base-field constraint; throws CONSTRAINT_VIOLATED naming the first that fails. */
function assertRow(rows: TableRows, r: number, scratch: Uint32Array): void {
  const { table: t, main, pre } = rows;
  const n = main[0]!.length;
  const rn = (r + 1) % n;
  const at = (cols: readonly Uint32Array[], row: number) => Uint32Array.from(cols, (c) => c[row]!);
  const vals = evalConstraintsBase(t.graph, {
    cur: at(main, r), next: at(main, rn), publicInputs: rows.publicInputs, pubCur: at(rows.publicColumns, r), pubNext: at(rows.publicColumns, rn),
    preCur: at(pre, r), preNext: at(pre, rn),
  }, scratch);
  t.graph.constraints.forEach((c, i) => {
    if (c.ext) return;
    const applies = c.selector === "everyRow" || (c.selector === "transition" && r < n - 1) || (c.selector === "firstRow" && r === 0) || (c.selector === "lastRow" && r === n - 1);
    if (applies && vals[i] !== 0) {
      throw new StarkError({ code: "CONSTRAINT_VIOLATED", constraint: i, row: r, selector: c.selector, table: t.name }, `${t.name}: constraint ${i} (${c.selector}) fails at row ${r}`);
    }
  });
}

/** Evaluate every base-field constraint of a table on every row (plain JS); throw on the first violation. */
export function assertTableConstraints(rows: TableRows): void {
  const scratch = new Uint32Array(rows.table.graph.nodes.length);
  const n = rows.main[0]!.length;
  for (let r = 0; r < n; r++) assertRow(rows, r, scratch);
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

/** Check one AIR instance's constraints and buses in plain JS (tests; the prover checks on its backend). */
export function assertConstraints(air: Air, inst: AirInstance): void {
  const traces = air.traces(inst);
  const heights = traces.map((t) => log2Exact(t[0]!.length));
  for (const rows of tableRows(air, inst, traces, heights)) assertTableConstraints(rows);
  checkBusBalance(tableRows(air, inst, traces, heights));
}

/**
 * The constraint pre-check on the backend: the check program over the resident trace finds the first
 * failing row, and the JS evaluator names the constraint there (or says the backend disagrees).
 */
async function checkTableOnBackend(backend: ProverBackend, rows: TableRows, trace: readonly Column[], publicColumns: readonly Column[]): Promise<void> {
  const { check } = tablePrograms(rows.table);
  if (!check) return;
  const r = await backend.firstConstraintViolation({ bytecode: check, trace, publicColumns, publicInputs: Uint32Array.from(rows.publicInputs) });
  if (r < 0) return;
  assertRow(rows, r, new Uint32Array(rows.table.graph.nodes.length));
  throw new StarkError({ code: "INVALID_AIR", detail: `${rows.table.name}: the ${backend.name} backend reports a violated constraint at row ${r} that the reference does not see` });
}

/** A table's LogUp auxiliary columns on the backend (the program reads the host trace). */
async function auxOnBackend(backend: ProverBackend, rows: TableRows, lambda: Ext, mu: Ext): Promise<LogUpAux> {
  const t = rows.table;
  const { logUp, maxTuple } = tablePrograms(t);
  const muPowers = extPowers(mu, maxTuple + 1);
  const offsets = flattenExt(t.interactions.map((it) => subE(lambda, fromBase(it.bus % P))));
  const sends = Uint8Array.from(t.interactions, (it) => (it.kind === "send" ? 1 : 0));
  try {
    return await backend.logUpAux({
      program: logUp!, trace: [...rows.main, ...rows.pre], publicColumns: rows.publicColumns, publicInputs: Uint32Array.from(rows.publicInputs),
      weights: flattenExt(muPowers), offsets, sends, batch: t.lookupBatch,
    });
  } catch (e) {
    if (e instanceof RangeError && /denominator vanished/.test(e.message)) {
      throw new StarkError({ code: "INVALID_INPUT", detail: "a LogUp denominator vanished (a tuple equals the challenge); this happens with negligible probability" });
    }
    throw e;
  }
}

/** Columns held by the backend for one matrix of a proof: its coefficients (trace domain) and its LDE. */
interface Committed {
  readonly coeffs: ResidentMatrix;
  readonly lde: ResidentMatrix;
}

export async function proveStark(p: ProveParams): Promise<ProveResult> {
  const { air, instance, options, backend, signal } = p;
  const hash = p.hash ?? "keccak";
  const check = p.checkConstraints ?? true;
  const timings: Partial<Record<ProvePhase, number>> = {};
  const memory: Partial<Record<ProvePhase, PhaseMemory>> = {};
  let t0 = performance.now();
  const phase = (name: ProvePhase): void => {
    if (signal?.aborted) throw new AbortError("proving aborted");
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + now - t0;
    const mem = processMemory();
    if (mem) memory[name] = mem;
    p.onPhase?.(name, now - t0);
    t0 = now;
  };

  validateOptions(options);
  const traces = air.traces(instance);
  const heights = checkTraces(air, traces, options, hash);
  const statement: Statement = { publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress: p.proverAddress };
  checkStatement(air, statement, heights);
  const rows = tableRows(air, instance, traces, heights);
  const layout = proofLayout(air, options, hash, heights);
  const b = options.logBlowup;
  const held: ResidentMatrix[] = [];
  const heldTrees: MerkleTreeData[] = [];
  /** A commitment kept by the backend until the openings are read. */
  const commitTree = async (cols: readonly Column[], arity: number): Promise<MerkleTreeData> => {
    const tree = await backend.commitTree(cols, arity, hash);
    heldTrees.push(tree);
    return tree;
  };
  const keep = (m: ResidentMatrix): ResidentMatrix => (held.push(m), m);
  const release = async (ms: readonly (ResidentMatrix | null | undefined)[]): Promise<void> => {
    for (const m of ms) {
      if (!m) continue;
      const i = held.indexOf(m);
      if (i >= 0) held.splice(i, 1);
      await backend.release(m);
    }
  };
  try {
    // Traces and preprocessed columns go to the backend once (the upload checks every value is canonical).
    const upload = async (cols: readonly Uint32Array[], what: string): Promise<ResidentMatrix> => {
      try {
        return keep(await backend.upload(cols));
      } catch (e) {
        const m = e instanceof RangeError ? /column (\d+), row (\d+)/.exec(e.message) : null;
        if (m) throw invalid(`${what} column ${m[1]} row ${m[2]} is not a canonical field element`);
        throw e;
      }
    };
    const mainEvals: ResidentMatrix[] = [];
    const preEvals: (ResidentMatrix | null)[] = [];
    for (const r of rows) {
      mainEvals.push(await upload(r.main, `${r.table.name}: trace`));
      preEvals.push(r.pre.length > 0 ? await upload(r.pre, `${r.table.name}: preprocessed`) : null);
    }
    const pubCols = rows.map((r) => r.publicColumns);
    if (check) {
      for (const [ti, r] of rows.entries()) {
        await checkTableOnBackend(backend, r, [...residentColumns(mainEvals[ti]!), ...(preEvals[ti] ? residentColumns(preEvals[ti]!) : [])], pubCols[ti]!);
      }
    }
    phase("check");

    const cap = (tree: MerkleTreeData) => merkleCap(tree, options.logCap);
    /** In place to coefficients, then the LDE: both stay resident. */
    const extendResident = async (m: ResidentMatrix, shift: number): Promise<Committed> => {
      await backend.interpolateResident(m);
      return { coeffs: m, lde: keep(await backend.extend(m, b, shift)) };
    };

    // 0. Preprocessed columns, one tree per table: committed like the trace; their caps make the verification key.
    const preTables: (Committed | null)[] = [];
    const preTrees: (MerkleTreeData | null)[] = [];
    for (const m of preEvals) {
      const c = m ? await extendResident(m, COSET_SHIFT) : null;
      preTables.push(c);
      preTrees.push(c ? await commitTree(residentColumns(c.lde), 1) : null);
    }
    const vk = vkDigest(layout, preTrees.map((t) => (t ? cap(t) : null)));
    const transcript: Challenger = initTranscript(layout, vk, statement);

    // 1. Main traces: an LDE per table, one tree per height group (its tables' columns side by side).
    const mainTables: Committed[] = [];
    for (const [ti, m] of mainEvals.entries()) mainTables.push(await extendResident(m, layout.groups[layout.tables[ti]!.group]!.shift));
    const mainTrees: MerkleTreeData[] = [];
    for (const g of layout.groups) {
      const tree = await commitTree(g.tables.flatMap((ti) => residentColumns(mainTables[ti]!.lde)), 1);
      mainTrees.push(tree);
      transcript.absorbDigests(Tag.MainCommit, cap(tree));
    }
    phase("trace");

    // 2. Auxiliary phase: LogUp challenges, running sums, terminal sums.
    let challenges: Ext[] = [];
    const auxTables: (Committed | null)[] = air.tables.map(() => null);
    const auxTrees: (MerkleTreeData | null)[] = layout.groups.map(() => null);
    const terminals: Ext[] = [];
    if (air.numChallenges > 0) {
      challenges = [transcript.sampleExt(), transcript.sampleExt()];
      for (const t of air.tables) {
        if (t.numAux === 0) continue;
        const built = await auxOnBackend(backend, rows[t.index]!, challenges[0]!, challenges[1]!);
        terminals.push(readExt(built.terminal, 0));
        auxTables[t.index] = await extendResident(keep(await backend.upload(built.columns)), layout.groups[layout.tables[t.index]!.group]!.shift);
      }
      for (let g = 0; g < layout.groups.length; g++) {
        const grp = layout.groups[g]!;
        if (grp.auxWidth === 0) continue;
        const tree = await commitTree(grp.tables.filter((ti) => auxTables[ti]).flatMap((ti) => residentColumns(auxTables[ti]!.lde)), 1);
        auxTrees[g] = tree;
        transcript.absorbDigests(Tag.AuxCommit, cap(tree));
      }
      transcript.absorbExts(Tag.TerminalSums, terminals);
      if (check && !equals(terminals.reduce(addE, ZERO), ZERO)) {
        checkBusBalance(rows); // names the unbalanced tuple (BUS_IMBALANCE)
        throw new StarkError({ code: "INVALID_INPUT", detail: "LogUp terminal sums do not cancel" });
      }
    }
    phase("aux");

    // 3. Quotients: alpha, each table's quotient on its own domain (n·2^⌈log2 C⌉ points), cut into
    //    chunks of degree < n, extended once; one tree per group.
    const alpha = transcript.sampleExt();
    const quotientTables: Committed[] = [];
    const quotientTrees: MerkleTreeData[] = [];
    for (let g = 0; g < layout.groups.length; g++) {
      const grp = layout.groups[g]!;
      for (const ti of grp.tables) {
        const tableCols = (c: Committed | null, first = 0, count?: number) => (c ? residentColumns(c.lde, first, count) : []);
        const chunks = await tableQuotient(p, layout, ti, [...tableCols(mainTables[ti]!), ...tableCols(preTables[ti]), ...tableCols(auxTables[ti])], alpha, challenges, terminals, rows[ti]!);
        const coeffs = keep(await backend.upload(chunks));
        quotientTables[ti] = { coeffs, lde: keep(await backend.extend(coeffs, b, grp.shift)) };
      }
      const tree = await commitTree(grp.tables.flatMap((ti) => residentColumns(quotientTables[ti]!.lde)), 1);
      quotientTrees.push(tree);
      transcript.absorbDigests(Tag.QuotientCommit, cap(tree));
    }
    phase("quotient");

    // 4. Out-of-domain point and openings, table after table.
    const z = drawOodPoint(transcript, layout.groups);
    const ood: Ext[] = [];
    const zNextOf = (logRows: number): Ext => mulE(z, fromBase(twoAdicGenerator(logRows)));
    for (const tl of layout.tables) {
      const t = tl.table;
      const ti = t.index;
      const zn = zNextOf(tl.logRows);
      const both = Uint32Array.from([...z, ...zn]);
      const atBoth = async (m: ResidentMatrix | null | undefined) => {
        if (!m) return [];
        const v = await backend.evaluateAtPoints(residentColumns(m), both);
        const w = m.width;
        return [...Array.from({ length: w }, (_, c) => readExt(v, c)), ...Array.from({ length: w }, (_, c) => readExt(v, w + c))];
      };
      ood.push(...(await atBoth(mainTables[ti]!.coeffs)));
      ood.push(...(await atBoth(preTables[ti]?.coeffs)));
      ood.push(...(await atBoth(auxTables[ti]?.coeffs)));
      const qv = await backend.evaluateAtPoints(residentColumns(quotientTables[ti]!.coeffs), Uint32Array.from(z));
      ood.push(...Array.from({ length: 4 * t.numQuotientChunks }, (_, c) => readExt(qv, c)));
    }
    transcript.absorbExts(Tag.OodValues, ood);
    phase("ood");

    // 5. DEEP composition, one function per height group, over [preprocessed | main | aux | quotient].
    const gamma = transcript.sampleExt();
    const ldeCols = (cs: readonly (Committed | null)[], tables: readonly number[]) => tables.flatMap((ti) => (cs[ti] ? residentColumns(cs[ti]!.lde) : []));
    const coefCols = (cs: readonly (Committed | null)[], tables: readonly number[]) => tables.flatMap((ti) => (cs[ti] ? residentColumns(cs[ti]!.coeffs) : []));
    const deep: ExtColumns[] = [];
    for (let g = 0; g < layout.groups.length; g++) {
      const grp = layout.groups[g]!;
      const claims = deepClaimsOfGroup(layout, g, z, zNextOf(grp.logRows), ood);
      const all = [preTables, mainTables, auxTables, quotientTables];
      deep.push(await composeDeep(backend, claims, all.flatMap((cs) => ldeCols(cs, grp.tables)), all.flatMap((cs) => coefCols(cs, grp.tables)), gamma, b, grp));
    }
    // The coefficients have served their purpose (the LDEs stay for the openings).
    await release([...mainTables, ...preTables, ...auxTables, ...quotientTables].map((c) => c?.coeffs));
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
      const tree = await commitTree(layer, 1 << s);
      const c = merkleCap(tree, options.logCap);
      friTrees.push(tree);
      friLayers.push(layer);
      friCaps.push(c);
      transcript.absorbDigests(Tag.FriCommit, c);
      const beta = transcript.sampleExt();
      layer = await backend.friFold(layer, s, Uint32Array.from(beta), layerShift);
      layerShift = pow(layerShift, 1 << s);
      if (joins[r]! >= 0) layer = await backend.addScaledExt(layer, deep[joins[r]!]!, Uint32Array.from(powE(beta, 1 << s)));
    }
    const finalCoeffs = layer.map((c) => Uint32Array.from(c));
    await backend.interpolateCoset(finalCoeffs, layerShift);
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
    const openRows = async (tree: MerkleTreeData, cols: readonly Column[], positions: number[]): Promise<MerkleOpening> => ({
      leafCount: positions.length, values: await backend.readRows(cols, positions), siblings: openMulti(tree, positions, options.logCap),
    });
    const groupOpenings: GroupOpenings[] = [];
    for (const [g, grp] of layout.groups.entries()) {
      const positions = [...new Set(queries.map((q) => q % 2 ** grp.logLde))].sort((a, b) => a - b);
      const preOpenings: MerkleOpening[] = [];
      for (const ti of grp.tables) if (preTables[ti]) preOpenings.push(await openRows(preTrees[ti]!, residentColumns(preTables[ti]!.lde), positions));
      groupOpenings.push({
        pre: preOpenings,
        main: await openRows(mainTrees[g]!, ldeCols(mainTables, grp.tables), positions),
        aux: auxTrees[g] ? await openRows(auxTrees[g]!, ldeCols(auxTables, grp.tables), positions) : null,
        quotient: await openRows(quotientTrees[g]!, ldeCols(quotientTables, grp.tables), positions),
      });
    }
    await release([...held]);
    const friOpenings: MerkleOpening[] = [];
    let positions = queries;
    let M = 2 ** layout.logQueryDomain;
    steps.forEach((s, r) => {
      const L = M >> s;
      const leaves = [...new Set(positions.map((x) => x % L))].sort((a, b) => a - b);
      const parts = leaves.map((i) => leafWords(friLayers[r]!, 1 << s, i));
      const values = new Uint32Array(parts.reduce((a, x) => a + x.length, 0));
      let o = 0;
      for (const part of parts) {
        values.set(part, o);
        o += part.length;
      }
      friOpenings.push({ leafCount: leaves.length, values, siblings: openMulti(friTrees[r]!, leaves, options.logCap) });
      positions = leaves;
      M = L;
    });
    phase("open");

    const proof: StarkProof = {
      version: PROOF_VERSION, hash, airId: air.id, options, logHeights: heights,
      mainCaps: mainTrees.map(cap), auxCaps: auxTrees.map((t) => (t ? cap(t) : [])), terminalSums: terminals,
      quotientCaps: quotientTrees.map(cap), ood, friCaps, finalPoly, powNonce, groupOpenings, friOpenings,
    };
    const bytes = encodeProof(proof);
    return { proof, bytes, timings, memory, peakRssBytes: processMemory()?.peakRss ?? 0 };
  } finally {
    // Done, or an error or an abort: give back whatever is still held (on an error, best effort: the error is the news).
    await release([...held]).catch(() => undefined);
    for (const t of heldTrees.splice(0)) await backend.releaseTree(t).catch(() => undefined);
  }
}

/** Claims at one point from which DEEP combines the columns' coefficients first (docs/performance.md). */
const DEEP_COMBINE_MIN = 24;

/**
 * A group's DEEP function f = Σ_p (Σ_{k at p} γ^k·P_k − V_p)/(x − z_p). At a point with many claims the
 * columns' coefficients are combined first (n rows) and the combination G_p is extended once: f then
 * takes G_p's 4 coordinate columns with weights X^e. The same polynomial, so the same layer, at a
 * fraction of the work for wide tables; points with few claims read the LDE columns directly.
 */
async function composeDeep(
  backend: ProverBackend, claims: ReturnType<typeof deepClaimsOfGroup>, lde: readonly Column[], coefs: readonly Column[], gamma: Ext, b: number,
  grp: ProofLayout["groups"][number],
): Promise<ExtColumns> {
  const m = claims.claimColumn.length;
  const gp = extPowers(gamma, m);
  const numPoints = claims.points.length / 4;
  const columns: Column[] = [];
  const colIndex = new Map<Column, number>();
  const cc: number[] = [], cp: number[] = [], vals: Ext[] = [], ws: Ext[] = [];
  const temps: ResidentMatrix[] = [];
  const use = (c: Column): number => {
    let i = colIndex.get(c);
    if (i === undefined) {
      colIndex.set(c, (i = columns.length));
      columns.push(c);
    }
    return i;
  };
  try {
    for (let p = 0; p < numPoints; p++) {
      const ks: number[] = [];
      for (let k = 0; k < m; k++) if (claims.claimPoint[k] === p) ks.push(k);
      if (ks.length >= DEEP_COMBINE_MIN) {
        const combo = await backend.linearCombination(ks.map((k) => coefs[claims.claimColumn[k]!]!), flattenExt(ks.map((k) => gp[k]!)));
        let comboLde: ResidentMatrix;
        try {
          comboLde = await backend.extend(combo, b, grp.shift);
        } finally {
          await backend.release(combo);
        }
        temps.push(comboLde);
        let v: Ext = ZERO;
        for (const k of ks) v = addE(v, mulE(gp[k]!, readExt(claims.values, k)));
        for (let e = 0; e < 4; e++) {
          cc.push(use({ matrix: comboLde, index: e }));
          cp.push(p);
          ws.push(mulByXPower([1, 0, 0, 0], e));
          vals.push(e === 0 ? v : ZERO);
        }
      } else {
        for (const k of ks) {
          cc.push(use(lde[claims.claimColumn[k]!]!));
          cp.push(p);
          ws.push(gp[k]!);
          vals.push(readExt(claims.values, k));
        }
      }
    }
    return await backend.deepCompose({
      columns, claimColumn: Uint32Array.from(cc), claimPoint: Uint32Array.from(cp), values: flattenExt(vals), points: claims.points,
      gamma: Uint32Array.from(gamma), weights: flattenExt(ws), logHeight: grp.logLde, shift: grp.shift,
    });
  } finally {
    for (const t of temps) await backend.release(t);
  }
}

/**
 * One table's quotient: evaluate its lowered program on its quotient domain (n·2^⌈log2 C⌉ points of
 * the group's LDE domain, read by stride) on its columns [main | preprocessed | auxiliary
 * coordinates], interpolate there and cut the 4 K coordinates into numQuotientChunks chunks of n
 * coefficients each (column 4j + e = chunk j, coordinate e). The chunks are the same polynomials
 * whatever domain they are computed on (docs/proof-system.md §6.3).
 */
async function tableQuotient(
  p: ProveParams,
  layout: ProofLayout,
  ti: number,
  trace: readonly Column[],
  alpha: Ext,
  challenges: readonly Ext[],
  terminals: readonly Ext[],
  rows: TableRows,
): Promise<Uint32Array[]> {
  const tl = layout.tables[ti]!;
  const t: AirTable = tl.table;
  const grp = layout.groups[tl.group]!;
  const b = p.options.logBlowup;
  const q = logQuotientDomainBlowup(t.numQuotientChunks);
  const n = 2 ** tl.logRows;
  let pubLde: ResidentMatrix | null = null;
  try {
    if (rows.publicColumns.length > 0) {
      const pub = await p.backend.upload(rows.publicColumns);
      try {
        await p.backend.interpolateResident(pub);
        pubLde = await p.backend.extend(pub, b, grp.shift);
      } finally {
        await p.backend.release(pub);
      }
    }
    const alphaPowers = extPowers(alpha, t.numConstraints);
    const weights = flattenExt(t.weights.map((w) => mulByXPower(alphaPowers[w.constraint]!, w.coordinate)));
    const extra: number[] = [];
    if (t.graph.shape.numChallenges > 0) for (const c of challenges) extra.push(...c);
    if (tl.terminalIndex >= 0) extra.push(...terminals[tl.terminalIndex]!);
    const qv = await p.backend.evaluateQuotient({
      bytecode: t.bytecode, trace, publicColumns: pubLde ? residentColumns(pubLde) : [], publicInputs: Uint32Array.from([...Array.from(rows.publicInputs), ...extra]),
      alphaPowers: weights, logTraceHeight: tl.logRows, logBlowup: b, logQuotientBlowup: q, shift: grp.shift,
    });
    await p.backend.interpolateCoset(qv, grp.shift);
    const chunks: Uint32Array[] = [];
    for (let j = 0; j < t.numQuotientChunks; j++) for (let e = 0; e < 4; e++) chunks.push(qv[e]!.subarray(j * n, (j + 1) * n));
    if (p.checkConstraints ?? true) {
      // With C not a power of two the domain holds more points than the quotient's degree needs: the rest must vanish.
      for (let e = 0; e < 4; e++) {
        const high = qv[e]!.subarray(t.numQuotientChunks * n);
        if (high.some((x) => x !== 0)) throw new StarkError({ code: "INVALID_AIR", detail: `${t.name}: quotient degree exceeds ${t.numQuotientChunks}·n: AIR degree bookkeeping is wrong` });
      }
    }
    return chunks;
  } finally {
    if (pubLde) await p.backend.release(pubLde);
  }
}

/** X^e·a in K (multiplying by the basis element X^e; X^4 = 11). */
export function mulByXPower(a: Ext, e: number): Ext {
  let r = a;
  for (let i = 0; i < e; i++) r = [mul(11, r[3]), r[0], r[1], r[2]];
  return r;
}
