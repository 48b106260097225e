/** Byte offsets of every section of a v2 proof (docs/proof-system.md §12), for the tamper tests. */
import { decodeProof, type MerkleOpening } from "../../src/stark/proof.js";
import type { Air } from "../../src/stark/air/air.js";

export interface OpeningAt {
  /** Offset of the u16 leaf count; values follow at +2. */
  readonly count: number;
  readonly values: number;
  readonly words: number;
  /** Offset of the u16 sibling count; siblings follow at +2. */
  readonly siblingCount: number;
  readonly siblings: number;
}

export interface ProofSections {
  readonly magic: number;
  readonly version: number;
  readonly config: number;
  readonly airId: number;
  readonly options: number;
  readonly tableCount: number;
  /** Offset of table t's height byte. */
  readonly heights: number[];
  readonly mainCaps: number[];
  readonly auxCaps: number[];
  readonly terminalSums: number;
  readonly numTerminals: number;
  readonly quotientCaps: number[];
  readonly ood: number;
  readonly numOod: number;
  readonly friCaps: number[];
  readonly finalPoly: number;
  readonly nonce: number;
  /** Per group: its openings in proof order (preprocessed trees, main, aux, quotient), by name. */
  readonly groups: Record<string, OpeningAt>[];
  readonly fri: OpeningAt[];
  readonly length: number;
}

export function proofSections(air: Air, bytes: Uint8Array): ProofSections {
  const p = decodeProof(bytes, air);
  let o = 0;
  const take = (n: number): number => {
    const at = o;
    o += n;
    return at;
  };
  const magic = take(4), version = take(2), config = take(1), airId = take(32), options = take(6), tableCount = take(1);
  const heights = p.logHeights.map(() => take(1));
  const mainCaps = p.mainCaps.map((c) => take(32 * c.length));
  const auxCaps = p.auxCaps.map((c) => take(32 * c.length));
  const terminalSums = take(16 * p.terminalSums.length);
  const quotientCaps = p.quotientCaps.map((c) => take(32 * c.length));
  const ood = take(16 * p.ood.length);
  const friCaps = p.friCaps.map((c) => take(32 * c.length));
  const finalPoly = take(16 * p.finalPoly.length);
  const nonce = take(8);
  const opening = (op: MerkleOpening): OpeningAt => {
    const count = take(2);
    const values = take(4 * op.values.length);
    const siblingCount = take(2);
    const siblings = take(32 * op.siblings.length);
    return { count, values, words: op.values.length, siblingCount, siblings };
  };
  const groups = p.groupOpenings.map((g) => {
    const out: Record<string, OpeningAt> = {};
    g.pre.forEach((op, k) => (out[`pre${k}`] = opening(op)));
    out.main = opening(g.main);
    if (g.aux) out.aux = opening(g.aux);
    out.quotient = opening(g.quotient);
    return out;
  });
  const fri = p.friOpenings.map(opening);
  return {
    magic, version, config, airId, options, tableCount, heights, mainCaps, auxCaps, terminalSums, numTerminals: p.terminalSums.length,
    quotientCaps, ood, numOod: p.ood.length, friCaps, finalPoly, nonce, groups, fri, length: o,
  };
}

export function withWord(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(offset, value >>> 0, true);
  return out;
}

export function readWord(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}
