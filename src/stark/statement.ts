/** Checks of a statement (public inputs, public columns, prover address) and the transcript's init block. */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { isCanonical } from "./field/babybear.js";
import { StarkError } from "./errors.js";
import type { ProofOptions } from "./options.js";
import { PROOF_VERSION } from "./proof.js";
import { Transcript, Tag } from "./transcript.js";
import type { Air } from "./air/air.js";

export interface Statement {
  readonly publicInputs: ArrayLike<number>;
  readonly publicColumns: readonly ArrayLike<number>[];
  /** The 20-byte address the proof is bound to. */
  readonly proverAddress: Uint8Array;
}

function invalid(detail: string): StarkError {
  return new StarkError({ code: "INVALID_INPUT", detail }, detail);
}

/** Throws INVALID_INPUT naming the first problem with the statement for a trace of height n. */
export function checkStatement(air: Air, s: Statement, n: number): void {
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
  s.publicColumns.forEach((col, k) => {
    if (col.length !== n) throw invalid(`public column ${k} has ${col.length} rows, trace has ${n}`);
    for (let r = 0; r < n; r++) if (!isCanonical(col[r]!)) throw invalid(`public column ${k} row ${r} is not a canonical field element`);
  });
}

/** keccak256 of the public columns, column after column, u32 LE. */
export function publicColumnsDigest(cols: readonly ArrayLike<number>[]): Uint8Array {
  const total = cols.reduce((a, c) => a + c.length, 0);
  const bytes = new Uint8Array(4 * total);
  const dv = new DataView(bytes.buffer);
  let o = 0;
  for (const c of cols) for (let r = 0; r < c.length; r++, o += 4) dv.setUint32(o, c[r]!, true);
  return keccak_256(bytes);
}

/**
 * The transcript after the init block: version (u16), AIR id (32), log trace height (u8), width (u16),
 * the five options (u8 each), number of public inputs (u32) and each (u32), public-columns digest (32),
 * prover address (20).
 */
export function initTranscript(air: Air, options: ProofOptions, logTraceHeight: number, s: Statement): Transcript {
  const pi = s.publicInputs;
  const buf = new Uint8Array(2 + 32 + 1 + 2 + 5 + 4 + 4 * pi.length + 32 + 20);
  const dv = new DataView(buf.buffer);
  let o = 0;
  dv.setUint16(o, PROOF_VERSION, true); o += 2;
  buf.set(air.id, o); o += 32;
  dv.setUint8(o, logTraceHeight); o += 1;
  dv.setUint16(o, air.width, true); o += 2;
  for (const v of [options.logBlowup, options.numQueries, options.powBits, options.friLogArity, options.logFinalPolyLen]) dv.setUint8(o++, v);
  dv.setUint32(o, pi.length, true); o += 4;
  for (let i = 0; i < pi.length; i++, o += 4) dv.setUint32(o, pi[i]!, true);
  buf.set(publicColumnsDigest(s.publicColumns), o); o += 32;
  buf.set(s.proverAddress, o);
  const t = new Transcript();
  t.absorb(Tag.Init, buf);
  return t;
}
