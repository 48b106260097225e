/**
 * The derived shape of a proof (docs/proof-system.md §7): everything prover, verifier and codec
 * compute the same way from the AIR, the options, the hash configuration and the table heights —
 * never read from a proof.
 *
 * Tables of equal height form a group; groups are ordered by height, tallest first, and tables within
 * a group by index. Every LDE domain is the coset 31·<w_N> of its size N = 2^(ℓ + b), whatever the
 * other tables' heights, so a table's preprocessed commitment depends on its own height only. A
 * smaller group joins FRI index by index (docs/proof-system.md §8.4).
 */
import type { Air, AirTable } from "./air/air.js";
import type { HashConfig } from "./hash/config.js";
import type { ProofOptions } from "./options.js";
import { COSET_SHIFT } from "./poly/ntt.js";
import { capHeight } from "./merkle/tree.js";

export interface TableLayout {
  readonly table: AirTable;
  readonly logRows: number;
  readonly group: number;
  /**
   * Column offset of this table in its group's main / preprocessed / aux (base coordinates) / quotient
   * matrices (the group's preprocessed matrix is its tables' preprocessed columns side by side; each
   * table's preprocessed columns are committed in a tree of their own).
   */
  readonly mainOffset: number;
  readonly preOffset: number;
  readonly auxOffset: number;
  readonly quotientOffset: number;
  /** Index of this table's first OOD value (K elements, proof order). */
  readonly oodOffset: number;
  /** Index of this table's terminal sum among the proof's terminal sums, or −1 without interactions. */
  readonly terminalIndex: number;
}

export interface GroupLayout {
  readonly logRows: number;
  readonly logLde: number;
  readonly shift: number;
  readonly tables: readonly number[];
  /** Base columns of the group's matrices (0: none). Preprocessed columns live in one tree per table. */
  readonly preWidth: number;
  readonly mainWidth: number;
  readonly auxWidth: number;
  readonly quotientWidth: number;
  /** FRI round after which this group's DEEP function is added (−1: group 0, the first layer). */
  readonly joinRound: number;
}

export interface FriLayout {
  /** log2 arity of each round. */
  readonly steps: readonly number[];
  /** log2 of the final polynomial's coefficient count. */
  readonly logFinalLen: number;
  /** For each round r, the group that joins the layer it produces, or −1. */
  readonly joins: readonly number[];
}

export interface ProofLayout {
  readonly air: Air;
  readonly options: ProofOptions;
  readonly hash: HashConfig;
  readonly logHeights: readonly number[];
  readonly tables: readonly TableLayout[];
  readonly groups: readonly GroupLayout[];
  readonly fri: FriLayout;
  /** OOD values (K) in the proof: per table 2W + 2P + 8A + 4C. */
  readonly numOod: number;
  readonly numTerminals: number;
  /** log2 size of the query domain (group 0's LDE). */
  readonly logQueryDomain: number;
}

/** OOD values one table sends: main at z and z·ω, preprocessed likewise, aux coordinates likewise, quotient at z. */
export function tableOodCount(t: AirTable): number {
  return 2 * t.width + 2 * t.numPreprocessed + 8 * t.numAux + 4 * t.numQuotientChunks;
}

/**
 * FRI schedule over mixed heights: fold by 2^friLogArity, never past the next group's height, down to
 * ℓ_f = min(logFinalPolyLen, smallest height); a group joins the layer whose degree bound is its height.
 */
export function friLayout(groupLogRows: readonly number[], options: ProofOptions): FriLayout {
  const heights = [...groupLogRows];
  const logFinalLen = Math.min(options.logFinalPolyLen, Math.min(...heights));
  const steps: number[] = [];
  const joins: number[] = [];
  let d = heights[0]!;
  while (d > logFinalLen) {
    const stop = Math.max(logFinalLen, ...heights.filter((h) => h < d));
    const s = Math.min(options.friLogArity, d - stop);
    steps.push(s);
    d -= s;
    joins.push(heights.findIndex((h, g) => g > 0 && h === d));
  }
  return { steps, logFinalLen, joins };
}

export function proofLayout(air: Air, options: ProofOptions, hash: HashConfig, logHeights: readonly number[]): ProofLayout {
  if (logHeights.length !== air.tables.length) throw new RangeError(`${air.name} has ${air.tables.length} tables, got ${logHeights.length} heights`);
  const distinct = [...new Set(logHeights)].sort((a, b) => b - a);
  const top = distinct[0]!;
  const b = options.logBlowup;
  const fri = friLayout(distinct, options);
  const joinOf = (g: number): number => (g === 0 ? -1 : fri.joins.indexOf(g));
  const tableLayouts: TableLayout[] = new Array(air.tables.length);
  const groups: GroupLayout[] = distinct.map((logRows, g) => {
    const members = air.tables.filter((_, i) => logHeights[i] === logRows).map((t) => t.index);
    let pre = 0, main = 0, aux = 0, quot = 0;
    for (const i of members) {
      const t = air.tables[i]!;
      tableLayouts[i] = { table: t, logRows, group: g, mainOffset: main, preOffset: pre, auxOffset: aux, quotientOffset: quot, oodOffset: 0, terminalIndex: -1 };
      pre += t.numPreprocessed;
      main += t.width;
      aux += 4 * t.numAux;
      quot += 4 * t.numQuotientChunks;
    }
    return {
      logRows, logLde: logRows + b, shift: COSET_SHIFT, tables: members,
      preWidth: pre, mainWidth: main, auxWidth: aux, quotientWidth: quot, joinRound: joinOf(g),
    };
  });
  let ood = 0, terminals = 0;
  const tables = tableLayouts.map((tl) => {
    const out = { ...tl, oodOffset: ood, terminalIndex: tl.table.numAux > 0 ? terminals++ : -1 };
    ood += tableOodCount(tl.table);
    return out;
  });
  return { air, options, hash, logHeights: [...logHeights], tables, groups, fri, numOod: ood, numTerminals: terminals, logQueryDomain: top + b };
}

/** Cap height of a tree of `depth` levels under these options. */
export function treeCapHeight(options: ProofOptions, depth: number): number {
  return capHeight(depth, options.logCap);
}
