/**
 * The STARK verifier as a circuit (docs/recursion.md §5): every check of `verifyStark`
 * (src/stark/verifier.ts) for a poseidon2-configuration proof of a known shape (AIR, options, table
 * heights), expressed with the circuit builder. Built in concrete mode from a child proof it yields
 * the witness; built in symbolic mode from the shape alone it yields the same program.
 *
 * What the circuit takes from the prover (private witnesses): the child's statement (public inputs,
 * prover address), its preprocessed caps, every commitment, OOD value, final-polynomial coefficient,
 * the nonce, the opened leaves and the siblings of every path. Everything else is computed: the
 * verification key, every challenge (the transcript), every check. The verification key is returned
 * so the caller can bind it (allowed-key set); the statement wires too.
 */
import { P, inv, pow, twoAdicGenerator } from "../stark/field/babybear.js";
import { type Ext, ZERO } from "../stark/field/extension.js";
import { HASH_CONFIG_CODES } from "../stark/hash/config.js";
import { poseidon2Hash } from "../stark/hash/poseidon2.js";
import { digestWords, poseidon2Hasher } from "../stark/merkle/hasher.js";
import { COSET_SHIFT } from "../stark/poly/ntt.js";
import { proofLayout, type ProofLayout } from "../stark/layout.js";
import { deepClaimsOfGroup } from "../stark/deep.js";
import { bytesToHalves, verificationKey, VK_TAG_ELEMENT } from "../stark/vk.js";
import { INIT_TAG_ELEMENT } from "../stark/statement.js";
import { PROOF_VERSION, type StarkProof } from "../stark/proof.js";
import { SELECTOR_CODES } from "../stark/air/ir.js";
import type { Air, AirTable } from "../stark/air/air.js";
import type { ProofOptions } from "../stark/options.js";
import type { Circuit, Wire } from "./circuit.js";
import { CircuitDuplex } from "./transcript.js";
import { hashWires, merklePath, spongeRows } from "./gadgets.js";
import { OpenedTree } from "./openings.js";
import { RecursionError } from "./errors.js";

/** What a verifier circuit is specialised to. */
export interface ChildShape {
  readonly air: Air;
  readonly options: ProofOptions;
  readonly logHeights: readonly number[];
}

/** The child proof and its statement (concrete mode). */
export interface ChildData {
  readonly proof: StarkProof;
  readonly publicInputs: ArrayLike<number>;
  readonly proverAddress: Uint8Array;
}

export interface VerifiedChild {
  /** The child's verification key (8 wires). */
  readonly vk: Wire[];
  readonly publicInputs: Wire[];
  /** The child's prover address as 10 u16 halves. */
  readonly address: Wire[];
}

/** Check that a shape is one the circuit verifies; throws CHILD_REFUSED naming what is not. */
export function checkChildShape(shape: ChildShape): ProofLayout {
  const { air, options, logHeights } = shape;
  if (air.numPublicColumns > 0) throw new RecursionError("CHILD_REFUSED", `${air.name} has public columns: the recursive verifier takes AIRs without them`);
  if (options.logCap !== 0) throw new RecursionError("CHILD_REFUSED", "the recursive verifier takes proofs without Merkle caps (logCap 0)");
  return proofLayout(air, options, "poseidon2", logHeights);
}

/**
 * Verify a child in the circuit. `afterVk` runs right after the key's sponge rows (before the
 * transcript), so a Merkle path can continue from the key (allowed-set membership, statement.ts).
 */
export function verifyChildCircuit(c: Circuit, shape: ChildShape, data: ChildData | null, afterVk?: (vk: Wire[]) => void): VerifiedChild {
  const layout = checkChildShape(shape);
  const { air, options } = shape;
  const proof = data?.proof;
  const need = <T>(f: (p: ChildData) => T) => (): T => {
    if (!data) throw new RecursionError("CIRCUIT", "a witness hint ran in symbolic mode");
    return f(data);
  };
  const base = (f: () => number) => c.witness(f, true);
  const ext = (f: () => Ext) => c.witness(f, false);
  const digest = (f: () => Uint8Array) => Array.from({ length: 8 }, (_, j) => base(() => digestWords(f())[j]!));
  const k = (v: number) => c.constant(v);

  // ---- statement, preprocessed caps, verification key (hashed before the transcript starts)
  const publicInputs = Array.from({ length: air.numPublicInputs }, (_, i) => base(need((d) => d.publicInputs[i]!)));
  const address = Array.from({ length: 10 }, (_, j) => base(need((d) => bytesToHalves(d.proverAddress)[j]!)));
  const preTables = air.tables.filter((t) => t.numPreprocessed > 0);
  const preCaps = new Map<number, Wire[]>(preTables.map((t) => [t.index, digest(need(() => preprocessedRootOf(shape, t)))]));
  const vkPre = [VK_TAG_ELEMENT, ...bytesToHalves(air.id), HASH_CONFIG_CODES.poseidon2, options.logBlowup, options.logCap, layout.logHeights.length, ...layout.logHeights].map(k);
  const vk = hashWires(c, [...vkPre, ...preTables.flatMap((t) => preCaps.get(t.index)!)]);
  afterVk?.(vk);

  // ---- transcript
  const t = new CircuitDuplex(c);
  const o = options;
  const pcd = poseidon2Hash([]); // no public columns
  t.observeMany([INIT_TAG_ELEMENT, PROOF_VERSION, HASH_CONFIG_CODES.poseidon2].map(k));
  t.observeMany(vk);
  t.observeMany([o.logBlowup, o.numQueries, o.powBits, o.friLogArity, o.logFinalPolyLen, o.logCap, layout.logHeights.length, ...layout.logHeights, air.numPublicInputs].map(k));
  t.observeMany(publicInputs);
  t.observeMany(pcd.map(k));
  t.observeMany(address);

  const mainCaps = layout.groups.map((_, g) => digest(need((d) => d.proof.mainCaps[g]![0]!)));
  mainCaps.forEach((cap) => t.observeMany(cap));
  let challenges: Wire[] = [];
  const auxCaps: (Wire[] | null)[] = layout.groups.map(() => null);
  let terminals: Wire[] = [];
  if (air.numChallenges > 0) {
    challenges = [t.sampleExt(), t.sampleExt()];
    layout.groups.forEach((g, gi) => {
      if (g.auxWidth === 0) return;
      auxCaps[gi] = digest(need((d) => d.proof.auxCaps[gi]![0]!));
      t.observeMany(auxCaps[gi]!);
    });
    terminals = Array.from({ length: layout.numTerminals }, (_, i) => ext(need((d) => d.proof.terminalSums[i]!)));
    terminals.forEach((x) => t.observeExt(x));
    c.assertZero(terminals.reduce((a, x) => c.add(a, x)), "logup: the terminal sums cancel");
  }
  const alpha = t.sampleExt();
  const quotientCaps = layout.groups.map((_, g) => digest(need((d) => d.proof.quotientCaps[g]![0]!)));
  quotientCaps.forEach((cap) => t.observeMany(cap));
  const z = t.sampleExt();
  // z outside every trace domain and LDE domain: the inverses exist (the native verifier resamples
  // with probability ≈ 2^−96; the circuit refuses that proof instead).
  for (const g of layout.groups) {
    c.inverse(c.sub(powWire(c, z, 2 ** g.logRows), c.one), "z is outside the trace domain");
    c.inverse(c.sub(powWire(c, c.mul(z, k(inv(COSET_SHIFT))), 2 ** g.logLde), c.one), "z is outside the LDE domain");
  }
  const ood = Array.from({ length: layout.numOod }, (_, i) => ext(need((d) => d.proof.ood[i]!)));
  ood.forEach((x) => t.observeExt(x));

  // ---- every table's quotient identity at z
  const maxConstraints = Math.max(...air.tables.map((tb) => tb.numConstraints));
  const alphaPow = powers(c, alpha, maxConstraints);
  for (const tl of layout.tables) {
    oodCheck(c, tl.table, tl.logRows, z, ood.slice(tl.oodOffset), alphaPow, publicInputs, challenges, tl.terminalIndex >= 0 ? terminals[tl.terminalIndex]! : null);
  }

  const gamma = t.sampleExt();
  const friCaps = layout.fri.steps.map((_, r) => digest(need((d) => d.proof.friCaps[r]![0]!)));
  const betas = friCaps.map((cap) => {
    t.observeMany(cap);
    return t.sampleExt();
  });
  const finalPoly = Array.from({ length: 2 ** layout.fri.logFinalLen }, (_, i) => ext(need((d) => d.proof.finalPoly[i]!)));
  finalPoly.forEach((x) => t.observeExt(x));
  t.checkPow(base(need((d) => Number(d.proof.powNonce))), o.powBits);
  const queries = Array.from({ length: o.numQueries }, () => t.sampleBits());

  // ---- openings, DEEP values and FRI, query by query
  const queryValue = (bits: readonly Wire[]) => bits.slice(0, layout.logQueryDomain).reduce((a, b, i) => a + c.value(b)[0]! * 2 ** i, 0);
  const trees = proof ? c.hint(() => nativeTrees(layout, proof, queries.map(queryValue)), null) : null;
  const gammaPow = powers(c, gamma, Math.max(...layout.groups.map((_, g) => deepClaimsOfGroup(layout, g, ZERO, ZERO, new Array(layout.numOod).fill(ZERO)).claimColumn.length)));
  const groupConst = layout.groups.map((g, gi) => {
    const claims = deepClaimsOfGroup(layout, gi, ZERO, ZERO, new Array(layout.numOod).fill(ZERO));
    const zNext = c.mul(z, k(twoAdicGenerator(g.logRows)));
    // V_p = Σ_{k at point p} γ^k·v_k, once per group.
    const oodIndex = groupOodIndices(layout, gi);
    const vSum = [c.zero, c.zero];
    for (let q = 0; q < claims.claimColumn.length; q++) {
      const p = claims.claimPoint[q]!;
      vSum[p] = c.mac(gammaPow[q]!, ood[oodIndex[q]!]!, vSum[p]!);
    }
    return { claims, points: [z, zNext], vSum };
  });
  for (let qi = 0; qi < o.numQueries; qi++) {
    const bits = queries[qi]!;
    const qValue = () => queryValue(bits);
    const deep = layout.groups.map((g, gi) => {
      const pos = () => qValue() % 2 ** g.logLde;
      const posBits = bits.slice(0, g.logLde);
      const cols: Wire[] = [];
      const open = (width: number, what: string, cap: readonly Wire[], tree: () => OpenedTree) => {
        const words = Array.from({ length: width }, (_, j) => base(() => tree().leaf(pos())[j]!));
        spongeRows(c, words);
        merklePath(c, posBits, (l) => digestWords(tree().sibling(pos(), l)), cap, `group ${gi} ${what}`);
        cols.push(...words);
      };
      g.tables.filter((ti) => air.tables[ti]!.numPreprocessed > 0).forEach((ti) => {
        open(air.tables[ti]!.numPreprocessed, `${air.tables[ti]!.name} preprocessed`, preCaps.get(ti)!, () => trees!.pre.get(ti)!);
      });
      open(g.mainWidth, "main", mainCaps[gi]!, () => trees!.main[gi]!);
      if (g.auxWidth > 0) open(g.auxWidth, "aux", auxCaps[gi]!, () => trees!.aux[gi]!);
      open(g.quotientWidth, "quotient", quotientCaps[gi]!, () => trees!.quotient[gi]!);
      // f_g(x) = Σ_p (Σ_{k at p} γ^k·P_k(x) − V_p) / (x − z_p)
      const x = domainPointWire(c, g.logLde, COSET_SHIFT, posBits);
      const gc = groupConst[gi]!;
      const sums = [c.zero, c.zero];
      for (let q = 0; q < gc.claims.claimColumn.length; q++) {
        const p = gc.claims.claimPoint[q]!;
        sums[p] = c.mac(gammaPow[q]!, cols[gc.claims.claimColumn[q]!]!, sums[p]!);
      }
      let f = c.zero;
      for (let p = 0; p < 2; p++) {
        const den = c.inverse(c.sub(x, gc.points[p]!), "x − z is invertible");
        f = c.mac(c.sub(sums[p]!, gc.vSum[p]!), den, f);
      }
      return f;
    });
    // FRI: the running value, layer by layer.
    let running = deep[0]!;
    let logM = layout.logQueryDomain;
    let shift = COSET_SHIFT;
    layout.fri.steps.forEach((s, r) => {
      const kArity = 2 ** s;
      const logL = logM - s;
      const leafBits = bits.slice(0, logL);
      const leafIdx = () => qValue() % 2 ** logL;
      const tree = () => trees!.fri[r]!;
      const words = Array.from({ length: 4 * kArity }, (_, j) => base(() => tree().leaf(leafIdx())[j]!));
      spongeRows(c, words);
      merklePath(c, leafBits, (l) => digestWords(tree().sibling(leafIdx(), l)), friCaps[r]!, `fri layer ${r}`);
      const coset = Array.from({ length: kArity }, (_, m) => c.pack(words.slice(4 * m, 4 * m + 4)));
      c.assertEqual(mux(c, coset, bits.slice(logL, logM)), running, `fri layer ${r}: the opened value is the running value`);
      const y = domainPointWire(c, logL, shift, leafBits, logM);
      running = foldWire(c, coset, y, betas[r]!, s);
      const join = layout.fri.joins[r]!;
      if (join >= 0) running = c.mac(powWire(c, betas[r]!, kArity), deep[join]!, running);
      logM = logL;
      shift = pow(shift, kArity);
    });
    const x = domainPointWire(c, logM, shift, bits.slice(0, logM));
    let acc = c.zero;
    for (let i = finalPoly.length - 1; i >= 0; i--) acc = c.mac(acc, x, finalPoly[i]!);
    c.assertEqual(acc, running, "fri: the final polynomial");
  }
  return { vk, publicInputs, address };
}

/** The child's OOD values that feed each DEEP claim of group g (indices into the proof's OOD list). */
function groupOodIndices(layout: ProofLayout, g: number): number[] {
  const out: number[] = [];
  for (const ti of layout.groups[g]!.tables) {
    const tl = layout.tables[ti]!;
    const tb = tl.table;
    const n = 2 * tb.width + 2 * tb.numPreprocessed + 8 * tb.numAux + 4 * tb.numQuotientChunks;
    for (let i = 0; i < n; i++) out.push(tl.oodOffset + i);
  }
  return out;
}

/** x^e by square and multiply (e a positive integer). */
export function powWire(c: Circuit, x: Wire, e: number): Wire {
  let result: Wire | null = null;
  let b = x;
  while (e > 0) {
    if (e & 1) result = result ? c.mul(result, b) : b;
    e = Math.floor(e / 2);
    if (e > 0) b = c.mul(b, b);
  }
  return result ?? c.one;
}

/** 1, x, x², …, x^(n−1). */
function powers(c: Circuit, x: Wire, n: number): Wire[] {
  const out = [c.one];
  for (let i = 1; i < n; i++) out.push(c.mul(out[i - 1]!, x));
  return out;
}

/** shift·w_N^i from the bits of i (N = 2^logN; `bits` the low bits of i). */
function domainPointWire(c: Circuit, logN: number, shift: number, bits: readonly Wire[], logGen = logN): Wire {
  let acc = c.constant(shift);
  const w = twoAdicGenerator(logGen);
  bits.forEach((b, i) => {
    const step = (pow(w, 2 ** i) - 1 + P) % P;
    // acc ← acc·w^(2^i) when the bit is set: acc + b·acc·(w^(2^i) − 1)
    acc = c.mac(b, c.mul(acc, c.constant(step)), acc);
  });
  return acc;
}

/** values[index], the index given by its low bits first. */
function mux(c: Circuit, values: readonly Wire[], bits: readonly Wire[]): Wire {
  let layer = [...values];
  for (const b of bits) {
    const next: Wire[] = [];
    for (let i = 0; i < layer.length; i += 2) next.push(c.select(b, layer[i + 1]!, layer[i]!));
    layer = next;
  }
  if (layer.length !== 1) throw new RecursionError("CIRCUIT", "mux: bits do not index the values");
  return layer[0]!;
}

/**
 * The fold of a coset (docs/proof-system.md §8.3) as s radix-2 folds: values at y·ζ^m; each round pairs
 * (v_m, v_{m+k/2}) at ±x_m and gives (v_m + v_{m+k/2})/2 + β·(v_m − v_{m+k/2})/(2·x_m), then β ← β²,
 * y ← y². Equal, as a polynomial identity, to the interpolant at β.
 */
function foldWire(c: Circuit, coset: readonly Wire[], y: Wire, beta: Wire, s: number): Wire {
  let vals = [...coset];
  let yInv = c.inverse(y, "fri: y is invertible");
  let b = beta;
  const half = c.constant(inv(2));
  for (let round = 0; round < s; round++) {
    const h = vals.length / 2;
    const zeta = twoAdicGenerator(Math.log2(vals.length));
    const next: Wire[] = [];
    for (let m = 0; m < h; m++) {
      const sum = c.add(vals[m]!, vals[m + h]!);
      const diff = c.sub(vals[m]!, vals[m + h]!);
      // 1/(2·x_m) = yInv·ζ^(−m)/2
      const invTwoX = c.mul(yInv, c.constant(mulMod(inv(pow(zeta, m)), inv(2))));
      next.push(c.mac(b, c.mul(diff, invTwoX), c.mul(sum, half)));
    }
    vals = next;
    if (round + 1 < s) {
      yInv = c.mul(yInv, yInv);
      b = c.mul(b, b);
    }
  }
  return vals[0]!;
}

function mulMod(a: number, b: number): number {
  return Number((BigInt(a) * BigInt(b)) % BigInt(P));
}

/**
 * A table's quotient identity at z (docs/proof-system.md §7.3), its constraints compiled from the IR:
 * one ALU row per DAG node, an addition of a product used once fused into one multiply-add.
 */
function oodCheck(c: Circuit, tb: AirTable, logRows: number, z: Wire, ood: readonly Wire[], alphaPow: readonly Wire[], publicInputs: readonly Wire[], challenges: readonly Wire[], terminal: Wire | null): void {
  let o = 0;
  const take = (n: number) => {
    const out = ood.slice(o, o + n);
    o += n;
    return out;
  };
  const cur = take(tb.width), next = take(tb.width), preCur = take(tb.numPreprocessed), preNext = take(tb.numPreprocessed);
  const auxCurC = take(4 * tb.numAux), auxNextC = take(4 * tb.numAux), quot = take(4 * tb.numQuotientChunks);
  const Xp = [1, 2, 3].map((e) => c.constant([0, 0, 0, 0].map((_, i) => (i === e ? 1 : 0)) as unknown as Ext));
  const fromCoords = (cs: readonly Wire[]) => cs.slice(1).reduce((acc, x, e) => c.mac(x, Xp[e]!, acc), cs[0]!);
  const auxCur = Array.from({ length: tb.numAux }, (_, a) => fromCoords(auxCurC.slice(4 * a, 4 * a + 4)));
  const auxNext = Array.from({ length: tb.numAux }, (_, a) => fromCoords(auxNextC.slice(4 * a, 4 * a + 4)));
  const g = tb.graph;
  const uses = new Uint32Array(g.nodes.length);
  for (const n of g.nodes) {
    if (n.kind === "add" || n.kind === "sub" || n.kind === "mul") {
      uses[n.a]!++;
      uses[n.b]!++;
    } else if (n.kind === "neg") uses[n.a]!++;
  }
  for (const con of g.constraints) uses[con.node]! += 2; // a constraint root is never fused away
  const memo = new Map<number, Wire>();
  const val = (id: number): Wire => {
    const hit = memo.get(id);
    if (hit) return hit;
    const n = g.nodes[id]!;
    let w: Wire;
    switch (n.kind) {
      case "const": w = c.constant(n.a); break;
      case "cur": w = cur[n.a]!; break;
      case "next": w = next[n.a]!; break;
      case "pre": w = preCur[n.a]!; break;
      case "prenext": w = preNext[n.a]!; break;
      case "pubin": w = publicInputs[n.a]!; break;
      case "aux": w = auxCur[n.a]!; break;
      case "auxnext": w = auxNext[n.a]!; break;
      case "challenge": w = challenges[n.a]!; break;
      case "terminal": w = terminal!; break;
      case "pcur":
      case "pnext":
        throw new RecursionError("CHILD_REFUSED", "public columns are not supported in the recursive verifier");
      case "add": {
        const [x, y] = [g.nodes[n.a]!, g.nodes[n.b]!];
        if (x.kind === "mul" && uses[n.a] === 1) w = c.mac(val(x.a), val(x.b), val(n.b));
        else if (y.kind === "mul" && uses[n.b] === 1) w = c.mac(val(y.a), val(y.b), val(n.a));
        else w = c.add(val(n.a), val(n.b));
        break;
      }
      case "sub": w = c.sub(val(n.a), val(n.b)); break;
      case "mul": w = c.mul(val(n.a), val(n.b)); break;
      case "neg": w = c.neg(val(n.a)); break;
    }
    memo.set(id, w);
    return w;
  };
  const acc = [c.zero, c.zero, c.zero, c.zero];
  g.constraints.forEach((con, i) => {
    const s = SELECTOR_CODES[con.selector];
    acc[s] = c.mac(alphaPow[i]!, val(con.node), acc[s]!);
  });
  const n = 2 ** logRows;
  const omegaLast = pow(twoAdicGenerator(logRows), n - 1);
  const zn = powWire(c, z, n);
  const zhInv = c.inverse(c.sub(zn, c.one), "z^n − 1 is invertible");
  const zMinusLast = c.sub(z, c.constant(omegaLast));
  let lhs = c.mul(c.mul(acc[0]!, zMinusLast), zhInv);
  lhs = c.mac(acc[1]!, c.inverse(c.sub(z, c.one), "z − 1 is invertible"), lhs);
  lhs = c.mac(acc[2]!, c.inverse(zMinusLast, "z − ω_last is invertible"), lhs);
  lhs = c.mac(acc[3]!, zhInv, lhs);
  let rhs = c.zero;
  let znj = c.one;
  for (let j = 0; j < tb.numQuotientChunks; j++) {
    rhs = c.mac(znj, fromCoords(quot.slice(4 * j, 4 * j + 4)), rhs);
    if (j + 1 < tb.numQuotientChunks) znj = c.mul(znj, zn);
  }
  c.assertEqual(lhs, rhs, `ood: table ${tb.name}: the quotient identity at z`);
}

/** Opened trees of a child proof, ready to give per-path siblings. */
interface NativeTrees {
  readonly pre: Map<number, OpenedTree>;
  readonly main: OpenedTree[];
  readonly aux: (OpenedTree | null)[];
  readonly quotient: OpenedTree[];
  readonly fri: OpenedTree[];
}

/** The child's multi-proofs expanded at the queries the circuit drew (concrete mode). */
function nativeTrees(layout: ProofLayout, proof: StarkProof, queries: readonly number[]): NativeTrees {
  const hasher = poseidon2Hasher;
  const air = layout.air;
  const pre = new Map<number, OpenedTree>();
  const main: OpenedTree[] = [], aux: (OpenedTree | null)[] = [], quotient: OpenedTree[] = [];
  layout.groups.forEach((g, gi) => {
    const positions = [...new Set(queries.map((q) => q % 2 ** g.logLde))].sort((a, b) => a - b);
    const op = proof.groupOpenings[gi]!;
    g.tables.filter((ti) => air.tables[ti]!.numPreprocessed > 0).forEach((ti, j) => {
      pre.set(ti, new OpenedTree(op.pre[j]!, positions, air.tables[ti]!.numPreprocessed, g.logLde, hasher));
    });
    main.push(new OpenedTree(op.main, positions, g.mainWidth, g.logLde, hasher));
    aux.push(op.aux ? new OpenedTree(op.aux, positions, g.auxWidth, g.logLde, hasher) : null);
    quotient.push(new OpenedTree(op.quotient, positions, g.quotientWidth, g.logLde, hasher));
  });
  const fri: OpenedTree[] = [];
  let positions = queries;
  let logM = layout.logQueryDomain;
  layout.fri.steps.forEach((s, r) => {
    const L = 2 ** (logM - s);
    const leaves = [...new Set(positions.map((x) => x % L))].sort((a, b) => a - b);
    fri.push(new OpenedTree(proof.friOpenings[r]!, leaves, 4 << s, logM - s, hasher));
    positions = leaves;
    logM -= s;
  });
  return { pre, main, aux, quotient, fri };
}

/** The child's preprocessed tree root of table t, as the verifier derives it (a hint: bound by the key). */
function preprocessedRootOf(shape: ChildShape, t: AirTable): Uint8Array {
  return verificationKey(shape.air, "poseidon2", shape.options, shape.logHeights).preprocessedCaps[t.index]![0]!;
}
