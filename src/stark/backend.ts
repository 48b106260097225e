import type { HashConfig } from "./hash/config.js";

/**
 * Lives in stark/ so the proving core depends only on this interface (never on a concrete backend);
 * backends/interface.ts re-exports it for the implementations.
 */
/**
 * The hot operations of the prover, implemented by every backend (js reference, wasm, cuda).
 *
 * Conventions (all backends must produce bit-identical results):
 * - Field elements are canonical BabyBear values (0 <= x < p, p = 2^31 - 2^27 + 1) in Uint32Array.
 *   Backends may use Montgomery form internally; nothing in this interface is in Montgomery form.
 * - An element of the extension K = F[X]/(X^4 - 11) is 4 base coefficients (c0 + c1 X + c2 X^2 + c3 X^3).
 *   A K-valued column is passed as 4 base columns (`ExtColumns`), one per coefficient.
 * - A matrix is column-major: `Uint32Array[]`, one array per column, all the same length (its height).
 * - Domains are in NATURAL order: index i of a column evaluated over the coset s·<w_N> is the value at
 *   s·w_N^i, where w_N = two-adic generator of order N (see field/babybear.ts `twoAdicGenerator`).
 * - Every method is async (a backend may run it on worker threads) and may be called with any power-of-two height from 2^0 up to the backend's limit.
 */

/** Four base columns holding one K-valued column, coefficient by coefficient. */
export type ExtColumns = [Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** All levels of a Merkle tree, leaves first. levels[l] holds 32-byte digests back to back. */
export interface MerkleTreeData {
  /** levels[0] = leaf digests (leafCount × 32 bytes), last level = root (32 bytes). */
  readonly levels: Uint8Array[];
}

/**
 * A matrix held in the backend's own memory (wasm memory, GPU memory; plain arrays in the js backend):
 * a proof's LDEs stay there from their commitment to the openings, never copied to the host. Made by
 * `upload` and `extend`, read by the operations that take `Column`s, freed by `release`; a matrix is
 * used only with the backend that made it.
 */
export interface ResidentMatrix {
  readonly width: number;
  readonly height: number;
}

/** Column `index` of a resident matrix. */
export interface ResidentColumn {
  readonly matrix: ResidentMatrix;
  readonly index: number;
}

/** A column given by value (a host array) or by reference to a resident matrix. */
export type Column = Uint32Array | ResidentColumn;

/** The columns of a resident matrix, in order (as `Column`s for the operations that take them). */
export function residentColumns(m: ResidentMatrix, first = 0, count = m.width - first): ResidentColumn[] {
  return Array.from({ length: count }, (_, i) => ({ matrix: m, index: first + i }));
}

/** Length of a column (its matrix's height for a resident one). */
export function columnLength(c: Column): number {
  return c instanceof Uint32Array ? c.length : c.matrix.height;
}

/** Inputs of the quotient evaluation (docs/proof-system.md §6.3). */
export interface QuotientInputs {
  /** Compiled constraint program (air/bytecode.ts format). */
  readonly bytecode: Uint32Array;
  /** Trace LDE columns over s·<w_N>, natural order, N = n << logBlowup. */
  readonly trace: readonly Column[];
  /** Public-column LDE columns over the same domain. */
  readonly publicColumns: readonly Column[];
  /** Public inputs (canonical base elements). */
  readonly publicInputs: Uint32Array;
  /** alpha^i for every constraint i, as 4·m words (K elements back to back). */
  readonly alphaPowers: Uint32Array;
  readonly logTraceHeight: number;
  readonly logBlowup: number;
  /**
   * The quotient domain: the coset s·<w_{n·2^q}> with q = logQuotientBlowup (0 ≤ q ≤ logBlowup, default
   * logBlowup), i.e. the LDE rows i·2^(logBlowup − q), read by stride. A quotient of C chunks needs
   * 2^q ≥ C points per row (stark/quotient.ts `logQuotientDomainBlowup`).
   */
  readonly logQuotientBlowup?: number;
  /** Coset shift s of the LDE domain (the field generator 31). */
  readonly shift: number;
}

/**
 * Inputs of the prover's constraint pre-check: a check program over the trace domain itself (n rows,
 * the next row of row r is row r + 1 mod n).
 */
export interface ConstraintCheckInputs {
  /**
   * A program in the air/bytecode.ts format whose ACC instructions mark a constraint: ACC dst = its
   * selector code, a = its register, b = its index (what the prover names). Weights are not used.
   */
  readonly bytecode: Uint32Array;
  /** Columns of the trace (main, then preprocessed) over the trace domain, n rows each. */
  readonly trace: readonly Column[];
  readonly publicColumns: readonly Column[];
  readonly publicInputs: Uint32Array;
}

/**
 * Inputs of a table's LogUp auxiliary columns (docs/proof-system.md §6.4). The program runs on every
 * row of the trace domain and accumulates, for interaction i, Σ_j μ^(j+1)·v_ij into slot 2i and its
 * multiplicity into slot 2i + 1 (ACC dst = slot, b = index into `weights`).
 */
export interface LogUpInputs {
  readonly program: Uint32Array;
  /** Columns of the trace (main, then preprocessed) over the trace domain, n rows each. */
  readonly trace: readonly Column[];
  readonly publicColumns: readonly Column[];
  readonly publicInputs: Uint32Array;
  /** The ACC weights, K elements (4 words each). */
  readonly weights: Uint32Array;
  /** Per interaction i, λ − bus_i (K, 4 words): the denominator is d_i = offsets_i − slot_2i. */
  readonly offsets: Uint32Array;
  /** Per interaction, 1 for a send (+m/d), 0 for a receive (−m/d). */
  readonly sends: Uint8Array;
  /** Interactions per helper column: helper k sums interactions [k·batch, (k+1)·batch). */
  readonly batch: number;
}

/** A table's LogUp auxiliary columns: helpers, then the running sum, as 4 base columns each. */
export interface LogUpAux {
  /** 4·(helpers + 1) base columns of n rows: column 4a + e is coordinate e of auxiliary column a. */
  readonly columns: Uint32Array[];
  /** The running sum at the last row (4 words). */
  readonly terminal: Uint32Array;
}

export interface ProverBackend {
  readonly name: "js" | "wasm" | "cuda";

  /** In place, per column: natural-order evaluations over <w_n> -> coefficients (inverse NTT, scaled by 1/n). */
  interpolate(columns: Uint32Array[]): Promise<void>;

  /**
   * In place, per column: evaluations over the coset shift·<w_n> -> coefficients (the inverse of
   * `evaluateOnCoset` with logBlowup 0: interpolate, then coefficient i times shift^(−i)).
   */
  interpolateCoset(columns: Uint32Array[], shift: number): Promise<void>;

  /**
   * Low-degree extension: each input column holds the coefficients of a polynomial of degree < n
   * (length n); returns its evaluations over the coset shift·<w_N>, N = n << logBlowup, natural order.
   * Inputs are not modified.
   */
  evaluateOnCoset(coefficients: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]>;

  // ---- resident matrices ----------------------------------------------------------------------

  /**
   * A resident copy of columns of one length. Every word must be a canonical field element: a word
   * ≥ p is refused with RangeError `upload: column c, row r holds x, not a canonical BabyBear element`.
   */
  upload(columns: readonly Uint32Array[]): Promise<ResidentMatrix>;

  /** In place on a resident matrix: evaluations over <w_n> -> coefficients, column by column. */
  interpolateResident(matrix: ResidentMatrix): Promise<void>;

  /** A new resident matrix: the LDE over shift·<w_N> (N = height << logBlowup) of a matrix of coefficients. */
  extend(coefficients: ResidentMatrix, logBlowup: number, shift: number): Promise<ResidentMatrix>;

  /** The rows of these columns (all of one length) at `rows`, row after row: rows.length × columns.length words. */
  readRows(columns: readonly Column[], rows: readonly number[]): Promise<Uint32Array>;

  /** A host copy of a resident matrix's columns. */
  download(matrix: ResidentMatrix): Promise<Uint32Array[]>;

  /** Free a resident matrix (after the operations that read it have resolved). Releasing twice is a no-op. */
  release(matrix: ResidentMatrix): Promise<void>;

  // ---- commitments and the protocol's passes --------------------------------------------------

  /**
   * Merkle tree over a column-major matrix whose rows are grouped `leafArity` at a time: with
   * L = height / leafArity leaves, leaf i hashes rows i, i+L, i+2L, … (leafArity rows), each row being
   * its elements in column order. leafArity is a power of two dividing the height.
   * keccak (default): leaf = keccak256(words as u32 LE), node = keccak256(left ‖ right).
   * poseidon2: leaf = poseidon2Hash(words) (sponge, rate 8, capacity[0] = number of words),
   * node = first 8 elements of the width-16 permutation of left ‖ right; digests as 8 u32 LE words.
   */
  merkleCommit(columns: readonly Column[], leafArity: number, hash?: HashConfig): Promise<MerkleTreeData>;

  /**
   * The same tree, kept by the backend where it can (wasm: its levels are views into the backend's
   * memory, not copies) until `releaseTree`; read it only until then. The prover's commitments.
   */
  commitTree(columns: readonly Column[], leafArity: number, hash?: HashConfig): Promise<MerkleTreeData>;

  /** Give back a tree from commitTree (a no-op where the levels are host copies). */
  releaseTree(tree: MerkleTreeData): Promise<void>;

  /**
   * The quotient on its domain (QuotientInputs.logQuotientBlowup): for every point x of shift·<w_{n·2^q}>
   * evaluate the constraint program (next row = quotient-domain index i + 2^q), accumulate the
   * constraints per selector weighted by alpha^i, and divide by the vanishing polynomials (exact
   * formula in quotient.ts). Returns the K-valued quotient as 4 base columns of length n·2^q.
   */
  evaluateQuotient(inputs: QuotientInputs): Promise<ExtColumns>;

  /**
   * The prover's constraint pre-check: the smallest row r of the trace domain at which a constraint
   * of the program that applies at r (transition: r < n − 1; firstRow: r = 0; lastRow: r = n − 1;
   * everyRow) is non-zero, or −1 when every constraint holds on every row.
   */
  firstConstraintViolation(inputs: ConstraintCheckInputs): Promise<number>;

  /**
   * A table's LogUp helper and running-sum columns (LogUpInputs). Refuses with RangeError
   * `logUpAux: a denominator vanished at row r` when some d_i(r) = 0.
   */
  logUpAux(inputs: LogUpInputs): Promise<LogUpAux>;

  /**
   * DEEP composition over the LDE domain (exact formula in deep.ts): for every x in shift·<w_N>,
   * f(x) = Σ_k gamma^k · (P_k(x) − v_k) / (x − z_k) over the claims in `claims` order.
   */
  deepCompose(inputs: DeepInputs): Promise<ExtColumns>;

  /**
   * One FRI fold of arity 2^logArity over a K-valued column of length M on the coset shift·<w_M>:
   * output index i (0 <= i < M/2^logArity) is the interpolant of the points
   * (x_{i + m·M/2^logArity}, values there), m = 0..2^logArity−1, evaluated at beta.
   */
  friFold(values: ExtColumns, logArity: number, beta: Uint32Array, shift: number): Promise<ExtColumns>;

  /**
   * A resident matrix of 4 columns: coordinate e of Σ_k w_k·col_k, row by row, for base columns col_k
   * (all of one length) and K weights w_k (4 words each in `weights`). The DEEP function of a wide
   * table combines its columns' coefficients first (n rows) and extends the combination once.
   */
  linearCombination(columns: readonly Column[], weights: Uint32Array): Promise<ResidentMatrix>;

  /** a + c·b elementwise in K (a smaller group's DEEP function joining a FRI layer); c is 4 words. */
  addScaledExt(a: ExtColumns, b: ExtColumns, c: Uint32Array): Promise<ExtColumns>;

  /**
   * Smallest nonce n >= 0 such that keccak256(state ‖ u64le(n)) starts with `bits` zero bits
   * (most significant bit of byte 0 first). Deterministic, so every backend finds the same nonce.
   */
  grind(state: Uint8Array, bits: number, signal?: AbortSignal): Promise<bigint>;

  /**
   * Smallest nonce n in [0, p) such that one width-16 Poseidon2 permutation of `state` with its rate
   * overwritten by pending ‖ n ‖ 0… and state[15] increased by pending.length + 1 gives an element
   * x = out[0] with x < p − 1 and its low `bits` bits zero (the duplex transcript's proof of work,
   * transcript.ts). `pending` holds fewer than 8 elements; bits ≤ 27.
   */
  grindPoseidon2(state: Uint32Array, pending: Uint32Array, bits: number, signal?: AbortSignal): Promise<bigint>;

  /**
   * Values at points of K (4 words each in `points`) of base-field polynomials given by their
   * coefficients (all of one length): word 4·(j·m + c) + e of the result is coefficient e of P_c(z_j),
   * m = coefficients.length. The out-of-domain openings.
   */
  evaluateAtPoints(coefficients: readonly Column[], points: Uint32Array): Promise<Uint32Array>;

  /** In place: Poseidon2-BabyBear width-16 permutation of each consecutive 16-word state. */
  poseidon2Permute16(states: Uint32Array): Promise<void>;
  /** In place: Poseidon2-BabyBear width-24 permutation of each consecutive 24-word state. */
  poseidon2Permute24(states: Uint32Array): Promise<void>;

  /** Release workers and memory. */
  close(): Promise<void>;
}

/** DEEP composition inputs: polynomials opened at out-of-domain points. */
export interface DeepInputs {
  /** Base columns over shift·<w_N> (trace columns, then quotient base columns). */
  readonly columns: readonly Column[];
  /**
   * The claims, in order: claim k says column `column[k]` takes value v_k (4 words in `values`) at
   * point `points[pointIndex[k]]`. Its weight is gamma^k.
   */
  readonly claimColumn: Uint32Array;
  readonly claimPoint: Uint32Array;
  readonly values: Uint32Array;
  /** Opening points (K elements, 4 words each). */
  readonly points: Uint32Array;
  readonly gamma: Uint32Array;
  /** Claim weights (K, 4 words per claim) instead of gamma^k, when given. */
  readonly weights?: Uint32Array;
  readonly logHeight: number;
  readonly shift: number;
}
