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

/** Inputs of the quotient evaluation over the LDE domain. */
export interface QuotientInputs {
  /** Compiled constraint program (air/bytecode.ts format). */
  readonly bytecode: Uint32Array;
  /** Trace LDE columns over s·<w_N>, natural order, N = n << logBlowup. */
  readonly trace: Uint32Array[];
  /** Public-column LDE columns over the same domain. */
  readonly publicColumns: Uint32Array[];
  /** Public inputs (canonical base elements). */
  readonly publicInputs: Uint32Array;
  /** alpha^i for every constraint i, as 4·m words (K elements back to back). */
  readonly alphaPowers: Uint32Array;
  readonly logTraceHeight: number;
  readonly logBlowup: number;
  /** Coset shift s of the LDE domain (the field generator 31). */
  readonly shift: number;
}

export interface ProverBackend {
  readonly name: "js" | "wasm" | "cuda";

  /** In place, per column: natural-order evaluations over <w_n> -> coefficients (inverse NTT, scaled by 1/n). */
  interpolate(columns: Uint32Array[]): Promise<void>;

  /**
   * Low-degree extension: each input column holds the coefficients of a polynomial of degree < n
   * (length n); returns its evaluations over the coset shift·<w_N>, N = n << logBlowup, natural order.
   * Inputs are not modified.
   */
  evaluateOnCoset(coefficients: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]>;

  /**
   * Merkle tree over a column-major matrix whose rows are grouped `leafArity` at a time: with
   * L = height / leafArity leaves, leaf i hashes rows i, i+L, i+2L, … (leafArity rows), each row being
   * its elements in column order. leafArity is a power of two dividing the height.
   * keccak (default): leaf = keccak256(words as u32 LE), node = keccak256(left ‖ right).
   * poseidon2: leaf = poseidon2Hash(words) (sponge, rate 8, capacity[0] = number of words),
   * node = first 8 elements of the width-16 permutation of left ‖ right; digests as 8 u32 LE words.
   */
  merkleCommit(columns: Uint32Array[], leafArity: number, hash?: HashConfig): Promise<MerkleTreeData>;

  /**
   * The quotient over the LDE domain: for every point x of shift·<w_N> evaluate the constraint program
   * (next row = index i + 2^logBlowup mod N), accumulate the constraints per selector weighted by
   * alpha^i, and divide by the vanishing polynomials (exact formula in quotient.ts).
   * Returns the K-valued quotient as 4 base columns of length N.
   */
  evaluateQuotient(inputs: QuotientInputs): Promise<ExtColumns>;

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
  evaluateAtPoints(coefficients: Uint32Array[], points: Uint32Array): Promise<Uint32Array>;

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
  readonly columns: Uint32Array[];
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
  readonly logHeight: number;
  readonly shift: number;
}
