/** Checks of a statement (public inputs, public columns, prover address) and the transcript's first absorb. */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { isCanonical } from "./field/babybear.js";
import { StarkError } from "./errors.js";
import { HASH_CONFIG_CODES, type HashConfig } from "./hash/config.js";
import { poseidon2Hash } from "./hash/poseidon2.js";
import { digestWords, wordsDigest } from "./merkle/hasher.js";
import { PROOF_VERSION } from "./proof.js";
import { DuplexTranscript, Tag, Transcript, type Challenger } from "./transcript.js";
import { bytesToHalves } from "./vk.js";
import type { ProofLayout } from "./layout.js";
import type { Air } from "./air/air.js";

export interface Statement {
  readonly publicInputs: ArrayLike<number>;
  /** Public columns of every table, table after table. */
  readonly publicColumns: readonly ArrayLike<number>[];
  /** The 20-byte address the proof is bound to. */
  readonly proverAddress: Uint8Array;
}

/** First element of the poseidon2 init absorb: ASCII "pnv2" as u32 LE. */
export const INIT_TAG_ELEMENT = 0x32766e70;

function invalid(detail: string): StarkError {
  return new StarkError({ code: "INVALID_INPUT", detail }, detail);
}

/** Throws INVALID_INPUT naming the first problem with the statement for tables of these heights. */
export function checkStatement(air: Air, s: Statement, logHeights: readonly number[]): void {
  if (!(s.proverAddress instanceof Uint8Array) || s.proverAddress.length !== 20) throw invalid("prover address must be 20 bytes");
  if (s.publicInputs.length !== air.numPublicInputs) {
    throw invalid(`${air.name} takes ${air.numPublicInputs} public inputs, got ${s.publicInputs.length}`);
  }
  for (let i = 0; i < s.publicInputs.length; i++) {
    if (!isCanonical(s.publicInputs[i]!)) throw invalid(`public input ${i} is not a canonical field element`);
  }
  if (s.publicColumns.length !== air.numPublicColumns) {
    throw invalid(`${air.name} has ${air.numPublicColumns} public columns, got ${s.publicColumns.length}`);
  }
  let k = 0;
  air.tables.forEach((t, ti) => {
    const n = 2 ** logHeights[ti]!;
    for (let c = 0; c < t.numPublicColumns; c++, k++) {
      const col = s.publicColumns[k]!;
      if (col.length !== n) throw invalid(`public column ${k} has ${col.length} rows, table ${t.name} has ${n}`);
      for (let r = 0; r < n; r++) if (!isCanonical(col[r]!)) throw invalid(`public column ${k} row ${r} is not a canonical field element`);
    }
  });
}

/** Digest of the public columns, column after column: keccak256 of u32 LE words, or poseidon2Hash of the elements. */
export function publicColumnsDigest(cols: readonly ArrayLike<number>[], hash: HashConfig = "keccak"): Uint8Array {
  const total = cols.reduce((a, c) => a + c.length, 0);
  const words = new Uint32Array(total);
  let o = 0;
  for (const c of cols) for (let r = 0; r < c.length; r++) words[o++] = c[r]!;
  if (hash === "poseidon2") return wordsDigest(poseidon2Hash(words));
  return keccak_256(new Uint8Array(words.buffer));
}

/**
 * The transcript after its first absorb.
 * keccak, tag Init: u16 version ‖ u8 config ‖ vk (32) ‖ u8 b, Q, pow, a, φ, logCap ‖ u8 T ‖ u8 ℓ_t… ‖
 *   u32 m_PI ‖ u32 π_i… ‖ public-columns digest (32) ‖ prover address (20).
 * poseidon2, observed elements: INIT_TAG, version, config, vk (8), b, Q, pow, a, φ, logCap, T, ℓ_t…,
 *   m_PI, π_i…, public-columns digest (8), prover address as 10 u16 halves.
 */
export function initTranscript(layout: ProofLayout, vk: Uint8Array, s: Statement): Challenger {
  const { options: o, hash, logHeights } = layout;
  const small = [o.logBlowup, o.numQueries, o.powBits, o.friLogArity, o.logFinalPolyLen, o.logCap, logHeights.length, ...logHeights];
  const pi = s.publicInputs;
  const pcd = publicColumnsDigest(s.publicColumns, hash);
  if (hash === "keccak") {
    const buf = new Uint8Array(2 + 1 + 32 + small.length + 4 + 4 * pi.length + 32 + 20);
    const dv = new DataView(buf.buffer);
    let off = 0;
    dv.setUint16(off, PROOF_VERSION, true); off += 2;
    buf[off++] = HASH_CONFIG_CODES[hash];
    buf.set(vk, off); off += 32;
    buf.set(small, off); off += small.length;
    dv.setUint32(off, pi.length, true); off += 4;
    for (let i = 0; i < pi.length; i++, off += 4) dv.setUint32(off, pi[i]!, true);
    buf.set(pcd, off); off += 32;
    buf.set(s.proverAddress, off);
    const t = new Transcript();
    t.absorb(Tag.Init, buf);
    return t;
  }
  const t = new DuplexTranscript();
  t.observeMany([INIT_TAG_ELEMENT, PROOF_VERSION, HASH_CONFIG_CODES[hash], ...digestWords(vk), ...small, pi.length]);
  t.observeMany(pi);
  t.observeMany(digestWords(pcd));
  t.observeMany(bytesToHalves(s.proverAddress));
  return t;
}
