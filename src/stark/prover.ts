/**
 * The STARK prover (DESIGN §3.2). Pure: every heavy operation goes through the injected ProverBackend,
 * every challenge is drawn after everything it depends on has been absorbed.
 */
import { inv, mul, pow, twoAdicGenerator, isCanonical } from "./field/babybear.js";
import { type Ext, flattenExt, mulE, readExt } from "./field/extension.js";
import type { ExtColumns, MerkleTreeData, ProverBackend } from "./backend.js";
import { StarkError } from "./errors.js";
import { validateOptions, MAX_LOG_LDE_SIZE, type ProofOptions } from "./options.js";
import { encodeProof, PROOF_VERSION, type MerkleOpening, type StarkProof } from "./proof.js";
import { Tag, extsToBytes, u64le } from "./transcript.js";
import { checkStatement, initTranscript, type Statement } from "./statement.js";
import { drawOodPoint, drawQueries } from "./challenges.js";
import { buildClaims, extPowers } from "./deep.js";
import { friSchedule } from "./fri.js";
import { openMulti, merkleRoot, leafWords } from "./merkle/tree.js";
import { COSET_SHIFT, log2Exact } from "./poly/ntt.js";
import { evalConstraintsBase } from "./air/evaluate.js";
import type { Air, AirInstance } from "./air/air.js";
import { AbortError } from "../util/errors.js";

export type ProvePhase = "check" | "trace" | "quotient" | "ood" | "deep" | "fri" | "pow" | "open";

export interface ProveParams {
  readonly air: Air;
  readonly instance: AirInstance;
  readonly options: ProofOptions;
  /** 20-byte address the proof is bound to (DESIGN §3.2 step 1). */
  readonly proverAddress: Uint8Array;
  readonly backend: ProverBackend;
  readonly signal?: AbortSignal;
  /**
   * Check every constraint on the trace before proving (default true): a violation is refused with
   * CONSTRAINT_VIOLATED naming the constraint and row. Tests turn it off to make the prover produce
   * a proof of a false statement, which the verifier must reject.
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

/** Validate the trace shape and values; returns log2 of its height. */
function checkTrace(air: Air, inst: AirInstance, options: ProofOptions): number {
  if (inst.trace.length !== air.width) throw invalid(`${air.name} has ${air.width} columns, trace has ${inst.trace.length}`);
  const n = inst.trace[0]!.length;
  let logN: number;
  try {
    logN = log2Exact(n);
  } catch {
    throw invalid(`trace height ${n} is not a power of two`);
  }
  if (logN < air.minLogRows) throw invalid(`trace height 2^${logN} below the minimum 2^${air.minLogRows} of ${air.name}`);
  if (logN + options.logBlowup > MAX_LOG_LDE_SIZE) throw invalid(`LDE of 2^${logN + options.logBlowup} rows exceeds the field's two-adicity`);
  inst.trace.forEach((col, c) => {
    if (col.length !== n) throw invalid(`trace column ${c} has ${col.length} rows, expected ${n}`);
    for (let r = 0; r < n; r++) if (!isCanonical(col[r]!)) throw invalid(`trace column ${c} row ${r} is not a canonical field element`);
  });
  if (2 ** (logN + options.logBlowup) < options.numQueries) {
    throw invalid(`LDE domain of 2^${logN + options.logBlowup} points is smaller than ${options.numQueries} queries`);
  }
  if (air.numQuotientChunks > 1 << options.logBlowup) {
    throw invalid(`${air.name} needs ${air.numQuotientChunks} quotient chunks; blowup 2^${options.logBlowup} is too small`);
  }
  return logN;
}

/** Evaluate every constraint on every row of the trace domain; throw on the first violation. */
export function assertConstraints(air: Air, inst: AirInstance): void {
  const n = inst.trace[0]!.length;
  const w = air.width;
  const cur = new Uint32Array(w), next = new Uint32Array(w);
  const pc = new Uint32Array(air.numPublicColumns), pn = new Uint32Array(air.numPublicColumns);
  const scratch = new Uint32Array(air.graph.nodes.length);
  for (let r = 0; r < n; r++) {
    const rn = (r + 1) % n;
    for (let c = 0; c < w; c++) {
      cur[c] = inst.trace[c]![r]!;
      next[c] = inst.trace[c]![rn]!;
    }
    for (let k = 0; k < pc.length; k++) {
      pc[k] = inst.publicColumns[k]![r]!;
      pn[k] = inst.publicColumns[k]![rn]!;
    }
    const vals = evalConstraintsBase(air.graph, { cur, next, publicInputs: inst.publicInputs, pubCur: pc, pubNext: pn }, scratch);
    air.graph.constraints.forEach((c, i) => {
      const applies = c.selector === "everyRow" || (c.selector === "transition" && r < n - 1) || (c.selector === "firstRow" && r === 0) || (c.selector === "lastRow" && r === n - 1);
      if (applies && vals[i] !== 0) {
        throw new StarkError({ code: "CONSTRAINT_VIOLATED", constraint: i, row: r, selector: c.selector }, `${air.name}: constraint ${i} (${c.selector}) fails at row ${r}`);
      }
    });
  }
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

export async function proveStark(p: ProveParams): Promise<ProveResult> {
  const { air, instance, options, backend, signal } = p;
  const timings: Partial<Record<ProvePhase, number>> = {};
  let t0 = performance.now();
  const phase = (name: ProvePhase): void => {
    if (signal?.aborted) throw new AbortError("proving aborted");
    const now = performance.now();
    timings[name] = now - t0;
    p.onPhase?.(name, now - t0);
    t0 = now;
  };

  validateOptions(options);
  const logN = checkTrace(air, instance, options);
  const n = 1 << logN;
  const statement: Statement = { publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress: p.proverAddress };
  checkStatement(air, statement, n);
  if (p.checkConstraints ?? true) assertConstraints(air, instance);
  phase("check");

  const shift = COSET_SHIFT;
  const logLde = logN + options.logBlowup;
  const transcript = initTranscript(air, options, logN, statement);

  // 1. Trace: interpolate, extend, commit.
  const traceCoeffs = instance.trace.map((c) => Uint32Array.from(c));
  await backend.interpolate(traceCoeffs);
  const traceLde = await backend.evaluateOnCoset(traceCoeffs, options.logBlowup, shift);
  const traceTree = await backend.merkleCommit(traceLde, 1);
  const traceRoot = merkleRoot(traceTree);
  transcript.absorb(Tag.MainCommit, traceRoot);
  phase("trace");

  // 2. Quotient: alpha, evaluate over the LDE domain, split into chunks of degree < n, commit.
  const alpha = transcript.sampleExt();
  const alphaPowers = flattenExt(extPowers(alpha, air.numConstraints));
  const pubCoeffs = instance.publicColumns.map((c) => Uint32Array.from(c));
  if (pubCoeffs.length) await backend.interpolate(pubCoeffs);
  const pubLde = pubCoeffs.length ? await backend.evaluateOnCoset(pubCoeffs, options.logBlowup, shift) : [];
  const q = await backend.evaluateQuotient({
    bytecode: air.bytecode, trace: traceLde, publicColumns: pubLde, publicInputs: Uint32Array.from(instance.publicInputs),
    alphaPowers, logTraceHeight: logN, logBlowup: options.logBlowup, shift,
  });
  const qCoeffs = q.map((c) => Uint32Array.from(c));
  await backend.interpolate(qCoeffs);
  qCoeffs.forEach((c) => unshift(c, shift));
  const chunks = air.numQuotientChunks;
  const chunkCoeffs: Uint32Array[] = [];
  for (let j = 0; j < chunks; j++) for (let e = 0; e < 4; e++) chunkCoeffs.push(qCoeffs[e]!.slice(j * n, (j + 1) * n));
  if (p.checkConstraints ?? true) {
    for (let e = 0; e < 4; e++) {
      for (let i = chunks * n; i < qCoeffs[e]!.length; i++) {
        if (qCoeffs[e]![i] !== 0) throw new StarkError({ code: "INVALID_AIR", detail: `quotient degree exceeds ${chunks}·n: AIR degree bookkeeping is wrong` });
      }
    }
  }
  const quotientLde = await backend.evaluateOnCoset(chunkCoeffs, options.logBlowup, shift);
  const quotientTree = await backend.merkleCommit(quotientLde, 1);
  const quotientRoot = merkleRoot(quotientTree);
  transcript.absorb(Tag.QuotientCommit, quotientRoot);
  phase("quotient");

  // 3. Out-of-domain point and openings.
  const z = drawOodPoint(transcript, logN, logLde, shift);
  const zNext = mulE(z, [twoAdicGenerator(logN), 0, 0, 0]);
  const w = air.width;
  const traceOod = await backend.evaluateAtPoints(traceCoeffs, Uint32Array.from([...z, ...zNext]));
  const quotientOod = await backend.evaluateAtPoints(chunkCoeffs, Uint32Array.from(z));
  const oodTraceZ = Array.from({ length: w }, (_, c) => readExt(traceOod, c));
  const oodTraceZNext = Array.from({ length: w }, (_, c) => readExt(traceOod, w + c));
  const oodQuotient = Array.from({ length: chunkCoeffs.length }, (_, c) => readExt(quotientOod, c));
  transcript.absorb(Tag.OodValues, extsToBytes([...oodTraceZ, ...oodTraceZNext, ...oodQuotient]));
  phase("ood");

  // 4. DEEP composition.
  const gamma = transcript.sampleExt();
  const claims = buildClaims(air.width, 4 * chunks, z, zNext, oodTraceZ, oodTraceZNext, oodQuotient);
  let layer = await backend.deepCompose({ columns: [...traceLde, ...quotientLde], ...claims, gamma: Uint32Array.from(gamma), logHeight: logLde, shift });
  phase("deep");

  // 5. FRI commit phase.
  const { steps, logFinalLen } = friSchedule(logN, options);
  const friTrees: MerkleTreeData[] = [];
  const friLayers: ExtColumns[] = [];
  const friRoots: Uint8Array[] = [];
  let layerShift = shift;
  for (const s of steps) {
    const tree = await backend.merkleCommit(layer, 1 << s);
    const root = merkleRoot(tree);
    friTrees.push(tree);
    friLayers.push(layer);
    friRoots.push(root);
    transcript.absorb(Tag.FriCommit, root);
    const beta = transcript.sampleExt();
    layer = await backend.friFold(layer, s, Uint32Array.from(beta), layerShift);
    layerShift = pow(layerShift, 1 << s);
  }
  const finalCoeffs = layer.map((c) => Uint32Array.from(c));
  await backend.interpolate(finalCoeffs);
  finalCoeffs.forEach((c) => unshift(c, layerShift));
  const finalLen = 1 << logFinalLen;
  if (p.checkConstraints ?? true) {
    for (const c of finalCoeffs) {
      if (c.subarray(finalLen).some((x) => x !== 0)) throw new StarkError({ code: "INVALID_AIR", detail: "final FRI polynomial exceeds its degree bound" });
    }
  }
  const finalPoly: Ext[] = [];
  for (let i = 0; i < finalLen; i++) finalPoly.push([finalCoeffs[0]![i]!, finalCoeffs[1]![i]!, finalCoeffs[2]![i]!, finalCoeffs[3]![i]!]);
  transcript.absorb(Tag.FinalPoly, extsToBytes(finalPoly));
  phase("fri");

  // 6. Proof of work, then the queries.
  const powNonce = await backend.grind(transcript.state, options.powBits, signal);
  transcript.absorb(Tag.PowNonce, u64le(powNonce));
  phase("pow");

  const queries = drawQueries(transcript, options.numQueries, logLde);
  const open = (tree: MerkleTreeData, cols: readonly Uint32Array[], arity: number, leaves: number[]): MerkleOpening => {
    const parts = leaves.map((i) => leafWords(cols, arity, i));
    const values = new Uint32Array(parts.reduce((a, x) => a + x.length, 0));
    let o = 0;
    for (const part of parts) {
      values.set(part, o);
      o += part.length;
    }
    return { values, siblings: openMulti(tree, leaves) };
  };
  const traceOpening = open(traceTree, traceLde, 1, queries);
  const quotientOpening = open(quotientTree, quotientLde, 1, queries);
  const friOpenings: MerkleOpening[] = [];
  let positions = queries;
  let M = 1 << logLde;
  steps.forEach((s, r) => {
    const L = M >> s;
    const leaves = [...new Set(positions.map((x) => x % L))].sort((a, b) => a - b);
    friOpenings.push(open(friTrees[r]!, friLayers[r]!, 1 << s, leaves));
    positions = leaves;
    M = L;
  });
  phase("open");

  const proof: StarkProof = {
    version: PROOF_VERSION, airId: air.id, options, logTraceHeight: logN, traceRoot, quotientRoot,
    oodTraceZ, oodTraceZNext, oodQuotient, friRoots, finalPoly, powNonce, traceOpening, quotientOpening, friOpenings,
  };
  return { proof, bytes: encodeProof(proof), timings };
}
