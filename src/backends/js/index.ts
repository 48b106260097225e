/** The reference backend: the plain-TypeScript code of src/stark behind the ProverBackend interface. */
import type {
  Column, ConstraintCheckInputs, DeepInputs, ExtColumns, LogUpAux, LogUpInputs, MerkleTreeData, ProverBackend, QuotientInputs, ResidentMatrix,
} from "../interface.js";
import { intt, cosetLde, cosetInterpolate } from "../../stark/poly/ntt.js";
import { buildMerkleTree } from "../../stark/merkle/tree.js";
import { evaluateQuotientReference } from "../../stark/quotient.js";
import { deepComposeReference } from "../../stark/deep.js";
import { friFoldReference } from "../../stark/fri.js";
import { grindPoseidon2Reference, grindReference } from "../../stark/grind.js";
import { hasherFor } from "../../stark/merkle/hasher.js";
import type { HashConfig } from "../../stark/hash/config.js";
import { checkCanonicalColumns, checkHashConfig, checkMerkleShape, checkRows, checkSameLength, grindPoseidon2Template } from "../shape.js";
import { evaluateAtPointsReference } from "../../stark/poly/eval.js";
import { poseidon2Permute16InPlace, poseidon2Permute24InPlace } from "../../stark/hash/poseidon2-bulk.js";
import { firstConstraintViolationReference, logUpAuxReference, type RowSource } from "../../stark/air/programs.js";
import { addE, mulE, readExt } from "../../stark/field/extension.js";
import { add, mul } from "../../stark/field/babybear.js";

/** A resident matrix of the js backend: host columns it owns. */
class JsMatrix implements ResidentMatrix {
  released = false;
  constructor(readonly columns: Uint32Array[], readonly height: number) {}
  get width(): number {
    return this.columns.length;
  }
}

function own(m: ResidentMatrix): JsMatrix {
  if (!(m instanceof JsMatrix)) throw new RangeError("js backend: a resident matrix of another backend");
  if (m.released) throw new RangeError("js backend: the resident matrix was released");
  return m;
}

function resolve(c: Column): Uint32Array {
  if (c instanceof Uint32Array) return c;
  const m = own(c.matrix);
  if (!Number.isInteger(c.index) || c.index < 0 || c.index >= m.width) throw new RangeError(`js backend: column ${c.index} of a ${m.width}-column matrix`);
  return m.columns[c.index]!;
}

const resolveAll = (cs: readonly Column[]): Uint32Array[] => cs.map(resolve);

function rowSource(trace: readonly Column[], publicColumns: readonly Column[], publicInputs: Uint32Array): RowSource {
  const t = resolveAll(trace), p = resolveAll(publicColumns);
  const rows = checkSameLength([...t, ...p], "trace");
  return { rows, trace: t, publicColumns: p, publicInputs };
}

export class JsBackend implements ProverBackend {
  readonly name = "js" as const;

  async interpolate(columns: Uint32Array[]): Promise<void> {
    for (const c of columns) intt(c);
  }
  async interpolateCoset(columns: Uint32Array[], shift: number): Promise<void> {
    for (const c of columns) c.set(cosetInterpolate(c, shift));
  }
  async evaluateOnCoset(coefficients: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]> {
    return coefficients.map((c) => cosetLde(c, logBlowup, shift));
  }

  async upload(columns: readonly Uint32Array[]): Promise<ResidentMatrix> {
    const height = checkSameLength(columns, "upload");
    checkCanonicalColumns(columns, "upload");
    return new JsMatrix(columns.map((c) => c.slice()), height);
  }
  async interpolateResident(matrix: ResidentMatrix): Promise<void> {
    for (const c of own(matrix).columns) intt(c);
  }
  async extend(coefficients: ResidentMatrix, logBlowup: number, shift: number): Promise<ResidentMatrix> {
    const m = own(coefficients);
    return new JsMatrix(m.columns.map((c) => cosetLde(c, logBlowup, shift)), m.height << logBlowup);
  }
  async readRows(columns: readonly Column[], rows: readonly number[]): Promise<Uint32Array> {
    const cols = resolveAll(columns);
    checkRows(rows, checkSameLength(cols, "readRows"));
    const w = cols.length;
    const out = new Uint32Array(w * rows.length);
    rows.forEach((r, k) => cols.forEach((c, j) => (out[k * w + j] = c[r]!)));
    return out;
  }
  async download(matrix: ResidentMatrix): Promise<Uint32Array[]> {
    return own(matrix).columns.map((c) => c.slice());
  }
  async release(matrix: ResidentMatrix): Promise<void> {
    if (!(matrix instanceof JsMatrix)) throw new RangeError("js backend: a resident matrix of another backend");
    matrix.released = true;
    matrix.columns.length = 0;
  }

  async merkleCommit(columns: readonly Column[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    // the same refusals, in the same words, as the other backends
    const config = checkHashConfig(hash);
    const cols = resolveAll(columns);
    checkMerkleShape(cols, leafArity);
    if (config === "poseidon2") checkCanonicalColumns(cols, "merkleCommit");
    return buildMerkleTree(cols, leafArity, hasherFor(config));
  }
  async commitTree(columns: readonly Column[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    return this.merkleCommit(columns, leafArity, hash);
  }
  async releaseTree(_tree: MerkleTreeData): Promise<void> {}
  async evaluateQuotient(inputs: QuotientInputs): Promise<ExtColumns> {
    return evaluateQuotientReference({ ...inputs, trace: resolveAll(inputs.trace), publicColumns: resolveAll(inputs.publicColumns) });
  }
  async firstConstraintViolation(inputs: ConstraintCheckInputs): Promise<number> {
    return firstConstraintViolationReference(inputs.bytecode, rowSource(inputs.trace, inputs.publicColumns, inputs.publicInputs));
  }
  async logUpAux(inputs: LogUpInputs): Promise<LogUpAux> {
    const src = rowSource(inputs.trace, inputs.publicColumns, inputs.publicInputs);
    return logUpAuxReference(inputs.program, src, inputs.weights, inputs.offsets, inputs.sends, inputs.batch);
  }
  async deepCompose(inputs: DeepInputs): Promise<ExtColumns> {
    return deepComposeReference({ ...inputs, columns: resolveAll(inputs.columns) });
  }
  async friFold(values: ExtColumns, logArity: number, beta: Uint32Array, shift: number): Promise<ExtColumns> {
    return friFoldReference(values, logArity, beta, shift);
  }
  async linearCombination(columns: readonly Column[], weights: Uint32Array): Promise<ResidentMatrix> {
    const cols = resolveAll(columns);
    const n = checkSameLength(cols, "linearCombination");
    if (weights.length !== 4 * cols.length) throw new RangeError("linearCombination: one weight (4 words) per column");
    const out = [0, 1, 2, 3].map(() => new Uint32Array(n));
    cols.forEach((c, k) => {
      const w = readExt(weights, k);
      for (let i = 0; i < n; i++) for (let e = 0; e < 4; e++) out[e]![i] = add(out[e]![i]!, mul(w[e]!, c[i]!));
    });
    return new JsMatrix(out, n);
  }
  async addScaledExt(a: ExtColumns, b: ExtColumns, c: Uint32Array): Promise<ExtColumns> {
    const n = checkSameLength([...a, ...b], "addScaledExt");
    const k = readExt(c, 0);
    const out: ExtColumns = [new Uint32Array(n), new Uint32Array(n), new Uint32Array(n), new Uint32Array(n)];
    for (let i = 0; i < n; i++) {
      const v = addE([a[0][i]!, a[1][i]!, a[2][i]!, a[3][i]!], mulE(k, [b[0][i]!, b[1][i]!, b[2][i]!, b[3][i]!]));
      for (let e = 0; e < 4; e++) out[e]![i] = v[e]!;
    }
    return out;
  }
  async grind(state: Uint8Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    return grindReference(state, bits, signal);
  }
  async grindPoseidon2(state: Uint32Array, pending: Uint32Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    grindPoseidon2Template(state, pending, bits); // argument checks shared with the kernels
    return grindPoseidon2Reference(state, pending, bits, signal);
  }
  async evaluateAtPoints(coefficients: readonly Column[], points: Uint32Array): Promise<Uint32Array> {
    return evaluateAtPointsReference(resolveAll(coefficients), points);
  }
  async poseidon2Permute16(states: Uint32Array): Promise<void> {
    poseidon2Permute16InPlace(states);
  }
  async poseidon2Permute24(states: Uint32Array): Promise<void> {
    poseidon2Permute24InPlace(states);
  }
  async close(): Promise<void> {}
}

export function createJsBackend(): JsBackend {
  return new JsBackend();
}
