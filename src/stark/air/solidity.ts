/**
 * Constraint IR → Solidity (docs/verifier.md): the AIR-specific part of the on-chain verifier of
 * protocol v2 (keccak configuration).
 *
 * The generated verifier derives from contracts/verifier/StarkVerifierBase.sol and supplies the AIR's
 * table shapes, `_evalTable` (each table's per-selector sums Σ weight_j·C_j at the out-of-domain point
 * z) and `_preprocessedCap` (the commitments to the preprocessed columns, baked as constants: the
 * verifier never takes them from a proof or a caller). The evaluation is compiled from each table's
 * LOWERED base-field bytecode (`AirTable.bytecode`, the program the prover backends interpret and whose
 * hash is part of the AIR id), so the on-chain evaluation cannot drift from the prover's.
 *
 * Registers live in memory, one word per K element (coefficient i in bits 64i..64i+63). The compiler
 * tracks, per register, whether it holds a constant, a base-field value or a K value, and picks the
 * cheapest operation (constants are folded into immediates; base×K is 4 multiplications, not 16).
 * Column, public-column and public-input reads are aliases of the evaluation buffer, not copies.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { P } from "../field/babybear.js";
import { fromHex, toHex } from "../hash/keccak.js";
import { keccakHasher } from "../merkle/hasher.js";
import { buildMerkleTree, merkleCap } from "../merkle/tree.js";
import { COSET_SHIFT, cosetLde, intt } from "../poly/ntt.js";
import { OPTION_LIMITS } from "../options.js";
import { Op, readHeader } from "./bytecode.js";
import type { Air, AirTable } from "./air.js";

/** Contract name for an AIR: "mix-v1" → "MixV1Verifier". */
export function verifierContractName(airName: string): string {
  const camel = airName
    .split(/[^A-Za-z0-9]+/)
    .filter((s) => s.length > 0)
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join("");
  return `${camel}Verifier`;
}

/** The generic query-phase contract every generated verifier pins (contracts/verifier/StarkQueryPhase.sol). */
export const QUERY_PHASE_CONTRACT = "StarkQueryPhase";

type Operand = { kind: "const"; value: number } | { kind: "base"; expr: string } | { kind: "ext"; expr: string };

const YUL_HELPERS = `
            function eadd(a, b) -> r {
                let s := add(a, b)
                r := or(or(mod(and(s, 0xffffffffffffffff), 2013265921), shl(64, mod(and(shr(64, s), 0xffffffffffffffff), 2013265921))), or(shl(128, mod(and(shr(128, s), 0xffffffffffffffff), 2013265921)), shl(192, mod(shr(192, s), 2013265921))))
            }
            function esub(a, b) -> r {
                r := eadd(a, sub(0x0000000078000001000000007800000100000000780000010000000078000001, b))
            }
            function eneg(a) -> r {
                r := eadd(0, sub(0x0000000078000001000000007800000100000000780000010000000078000001, a))
            }
            function eaddb(a, b) -> r {
                r := or(and(a, not(0xffffffffffffffff)), addmod(and(a, 0xffffffffffffffff), b, 2013265921))
            }
            function escale(a, s) -> r {
                r := or(or(mulmod(and(a, 0xffffffffffffffff), s, 2013265921), shl(64, mulmod(and(shr(64, a), 0xffffffffffffffff), s, 2013265921))), or(shl(128, mulmod(and(shr(128, a), 0xffffffffffffffff), s, 2013265921)), shl(192, mulmod(shr(192, a), s, 2013265921))))
            }
            function emulx(a) -> r {
                r := or(shl(64, a), mulmod(11, shr(192, a), 2013265921))
            }
            function emul(a, b) -> r {
                let a0 := and(a, 0xffffffffffffffff)
                let a1 := and(shr(64, a), 0xffffffffffffffff)
                let a2 := and(shr(128, a), 0xffffffffffffffff)
                let a3 := shr(192, a)
                let b0 := and(b, 0xffffffffffffffff)
                let b1 := and(shr(64, b), 0xffffffffffffffff)
                let b2 := and(shr(128, b), 0xffffffffffffffff)
                let b3 := shr(192, b)
                r := mod(add(mul(a0, b0), mul(11, add(add(mul(a1, b3), mul(a2, b2)), mul(a3, b1)))), 2013265921)
                r := or(r, shl(64, mod(add(add(mul(a0, b1), mul(a1, b0)), mul(11, add(mul(a2, b3), mul(a3, b2)))), 2013265921)))
                r := or(r, shl(128, mod(add(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), mul(11, mul(a3, b3))), 2013265921)))
                r := or(r, shl(192, mod(add(add(add(mul(a0, b3), mul(a1, b2)), mul(a2, b1)), mul(a3, b0)), 2013265921)))
            }`;

/**
 * Word offsets of a table's evaluation buffer (StarkVerifierBase `_evalBuffer` builds it the same way):
 *   [registers | acc (4 selectors) | OOD values | public-column values | public inputs | alpha powers]
 * OOD values: main at z (W), main at z·ω (W), preprocessed at z (P) and z·ω (P), auxiliary coordinates
 * at z (4A) and z·ω (4A) — the table's OOD block without its quotient values. Public-column values:
 * at z (PC), at z·ω (PC). Public inputs: the statement's m, then, for a table with auxiliary columns, the
 * coordinates of lambda, mu and the table's terminal sum (12). Alpha powers: alpha^0..alpha^(M−1) for
 * the table's M constraints.
 */
export interface TableBuffer {
  readonly regs: number;
  readonly acc: number;
  readonly ood: number;
  readonly pub: number;
  readonly pin: number;
  readonly apw: number;
  readonly total: number;
}

export function tableBuffer(air: Air, t: AirTable): TableBuffer {
  const acc = readHeader(t.bytecode).numRegisters;
  const ood = acc + 4;
  const pub = ood + 2 * t.width + 2 * t.numPreprocessed + 8 * t.numAux;
  const pin = pub + 2 * t.numPublicColumns;
  const apw = pin + air.numPublicInputs + (t.numAux > 0 ? 12 : 0);
  return { regs: 0, acc, ood, pub, pin, apw, total: apw + t.numConstraints };
}

/** Index, in the table's OOD block, of lowered column `col` at z (next = false) or z·ω (next = true). */
export function oodIndexOf(t: AirTable, col: number, next: boolean): number {
  const W = t.width, Pn = t.numPreprocessed, A = t.numAux;
  if (col < W) return next ? W + col : col;
  if (col < W + Pn) return next ? W + Pn + col : W + col;
  if (col < W + Pn + 4 * A) return next ? W + Pn + 4 * A + col : W + Pn + col;
  throw new Error(`solidity: ${t.name}: lowered column ${col} out of range`);
}

/**
 * The Yul statements evaluating one table's lowered program, one group per bytecode instruction (so the
 * program can be cut into several contracts at instruction boundaries); sums go into locals acc0..acc3.
 * Operands are read at `rbase` and registers written at `base` (both the buffer's first word): reads
 * through `rbase`, which the optimizer cannot see equals `base`, keep it from forwarding every stored
 * value to later loads and running out of stack.
 */
export function compileTableGroups(air: Air, t: AirTable): { groups: string[][]; numRegisters: number } {
  const code = t.bytecode;
  const h = readHeader(code);
  const b = tableBuffer(air, t);
  const at = (w: number): string => `add(base, ${32 * w})`;
  const read = (w: number): string => `mload(add(rbase, ${32 * w}))`;
  const numPublicInputs = air.numPublicInputs + (t.numAux > 0 ? 12 : 0);
  const regs: (Operand | undefined)[] = new Array(h.numRegisters);
  let lines: string[] = [];
  const groups: string[][] = [];
  const store = (dst: number, kind: "base" | "ext", expr: string): void => {
    lines.push(`mstore(${at(b.regs + dst)}, ${expr})`);
    regs[dst] = { kind, expr: read(b.regs + dst) };
  };
  const val = (o: Operand): string => (o.kind === "const" ? String(o.value) : o.expr);
  const operand = (r: number, k: number): Operand => {
    const o = regs[r];
    if (!o) throw new Error(`solidity: ${t.name}: register ${r} read before written (instruction ${k})`);
    return o;
  };
  for (let k = 0; k < h.numInstructions; k++) {
    lines = [];
    groups.push(lines);
    const w = 4 + 4 * k;
    const op = code[w]!, dst = code[w + 1]!, a = code[w + 2]!, bb = code[w + 3]!;
    switch (op) {
      case Op.CONST:
        regs[dst] = { kind: "const", value: a };
        break;
      case Op.CUR:
        regs[dst] = { kind: "ext", expr: read(b.ood + oodIndexOf(t, a, false)) };
        break;
      case Op.NEXT:
        regs[dst] = { kind: "ext", expr: read(b.ood + oodIndexOf(t, a, true)) };
        break;
      case Op.PUBIN:
        if (a >= numPublicInputs) throw new Error(`solidity: ${t.name}: public input ${a} out of range`);
        regs[dst] = { kind: "base", expr: read(b.pin + a) };
        break;
      case Op.PCUR:
        regs[dst] = { kind: "ext", expr: read(b.pub + a) };
        break;
      case Op.PNEXT:
        regs[dst] = { kind: "ext", expr: read(b.pub + t.numPublicColumns + a) };
        break;
      case Op.ADD:
      case Op.SUB:
      case Op.MUL: {
        const x = operand(a, k), y = operand(bb, k);
        if (x.kind === "const" && y.kind === "const") {
          const v = op === Op.ADD ? (x.value + y.value) % P : op === Op.SUB ? (x.value - y.value + P) % P : Number((BigInt(x.value) * BigInt(y.value)) % BigInt(P));
          regs[dst] = { kind: "const", value: v };
          break;
        }
        if (x.kind !== "ext" && y.kind !== "ext") {
          const f = op === Op.ADD ? `addmod(${val(x)}, ${val(y)}, P)` : op === Op.SUB ? `addmod(${val(x)}, sub(P, ${val(y)}), P)` : `mulmod(${val(x)}, ${val(y)}, P)`;
          store(dst, "base", f);
          break;
        }
        if (op === Op.MUL) {
          if (x.kind !== "ext") store(dst, "ext", `escale(${val(y)}, ${val(x)})`);
          else if (y.kind !== "ext") store(dst, "ext", `escale(${val(x)}, ${val(y)})`);
          else store(dst, "ext", `emul(${val(x)}, ${val(y)})`);
        } else if (op === Op.ADD) {
          if (x.kind !== "ext") store(dst, "ext", `eaddb(${val(y)}, ${val(x)})`);
          else if (y.kind !== "ext") store(dst, "ext", `eaddb(${val(x)}, ${val(y)})`);
          else store(dst, "ext", `eadd(${val(x)}, ${val(y)})`);
        } else if (y.kind !== "ext") store(dst, "ext", `eaddb(${val(x)}, sub(P, ${val(y)}))`);
        // x − y with x in F: a base operand is a K element with zero upper coefficients.
        else store(dst, "ext", `esub(${val(x)}, ${val(y)})`);
        break;
      }
      case Op.NEG: {
        const x = operand(a, k);
        if (x.kind === "const") regs[dst] = { kind: "const", value: x.value === 0 ? 0 : P - x.value };
        else if (x.kind === "base") store(dst, "base", `mod(sub(P, ${x.expr}), P)`);
        else store(dst, "ext", `eneg(${x.expr})`);
        break;
      }
      case Op.ACC: {
        // ACC selector, register, lowered constraint j: weight alpha^i·X^e for (i, e) = weights[j].
        const x = operand(a, k);
        const wt = t.weights[bb];
        if (!wt) throw new Error(`solidity: ${t.name}: ACC of lowered constraint ${bb} has no weight`);
        let weight = read(b.apw + wt.constraint);
        for (let e = 0; e < wt.coordinate; e++) weight = `emulx(${weight})`;
        const term = x.kind === "ext" ? `emul(${weight}, ${x.expr})` : `escale(${weight}, ${val(x)})`;
        lines.push(`acc${dst} := eadd(acc${dst}, ${term})`);
        break;
      }
      default:
        throw new Error(`solidity: ${t.name}: unknown opcode ${op} at instruction ${k}`);
    }
  }
  return { groups, numRegisters: h.numRegisters };
}

function indent(lines: string[], pad = "            "): string {
  return lines.map((l) => `${pad}${l}`).join("\n");
}

/** AIRs of up to this many lowered instructions (all tables) are evaluated inside the verifier contract. */
export const INLINE_MAX_INSTRUCTIONS = 100;
/** Instructions per external evaluator contract: keeps each under EIP-170's 24 KiB of code. */
export const EVALUATOR_CHUNK_INSTRUCTIONS = 900;
/** Most evaluators passed as constructor parameters of their own; a verifier with more takes an `address[]`. */
export const EVALUATOR_PARAMS_MAX = 12;

/** One external evaluator contract: which table, which instructions. */
export interface EvaluatorPart {
  readonly name: string;
  readonly table: number;
  readonly from: number;
  readonly to: number;
}

function totalInstructions(air: Air): number {
  return air.tables.reduce((a, t) => a + readHeader(t.bytecode).numInstructions, 0);
}

/** The AIR's external evaluator contracts in deployment order ([] when evaluated inline). */
export function evaluatorParts(air: Air): EvaluatorPart[] {
  if (totalInstructions(air) <= INLINE_MAX_INSTRUCTIONS) return [];
  const base = verifierContractName(air.name).replace(/Verifier$/, "");
  const parts: EvaluatorPart[] = [];
  for (const t of air.tables) {
    const n = readHeader(t.bytecode).numInstructions;
    for (let from = 0; from < n; from += EVALUATOR_CHUNK_INSTRUCTIONS) {
      parts.push({ name: `${base}Constraints${parts.length}`, table: t.index, from, to: Math.min(n, from + EVALUATOR_CHUNK_INSTRUCTIONS) });
    }
  }
  return parts;
}

/** Contract names of the AIR's external evaluator chunks ([] when evaluated inline). */
export function evaluatorContractNames(air: Air): string[] {
  return evaluatorParts(air).map((p) => p.name);
}

const HEADER = (air: Air): string => `// SPDX-License-Identifier: Apache-2.0
// Generated by scripts/gen-verifier.ts from the constraint IR of ${air.name} (src/stark/air/solidity.ts).
// Do not edit: change the AIR and rebuild.
pragma solidity ^0.8.24;
`;

/** The evaluator contracts of the AIR: file name (under contracts/verifier/generated/) → Solidity. */
export function generateEvaluatorSources(air: Air): Record<string, string> {
  const parts = evaluatorParts(air);
  const out: Record<string, string> = {};
  const compiled = new Map<number, string[][]>();
  parts.forEach((part, i) => {
    const t = air.tables[part.table]!;
    let groups = compiled.get(t.index);
    if (!groups) compiled.set(t.index, (groups = compileTableGroups(air, t).groups));
    const buf = tableBuffer(air, t);
    const at = (w: number): string => `add(base, ${32 * w})`;
    const tablePart = air.tables.length > 1 ? ` table \`${t.name}\`` : "";
    out[`${part.name}.sol`] = `${HEADER(air)}
/// @notice Part ${i + 1} of ${parts.length} of the constraint evaluation of \`${air.name}\`${tablePart} at the OOD point
///         (lowered instructions ${part.from}..${part.to - 1}), for ${verifierContractName(air.name)}, which pins this contract's code
///         hash. Stateless: takes the table's evaluation buffer [registers | acc | OOD values | public-column
///         values | public inputs | alpha powers] as calldata (32-byte words) and returns its registers and
///         accumulators after this part's instructions.
contract ${part.name} {
    uint256 internal constant P = ${P};

    fallback() external {
        assembly {
${YUL_HELPERS}
            let base := mload(0x40)
            let rbase := add(base, calldataload(calldatasize()))
            calldatacopy(base, 0, calldatasize())
            let acc0 := mload(${at(buf.acc)})
            let acc1 := mload(${at(buf.acc + 1)})
            let acc2 := mload(${at(buf.acc + 2)})
            let acc3 := mload(${at(buf.acc + 3)})
${indent(groups.slice(part.from, part.to).flat())}
            mstore(${at(buf.acc)}, acc0)
            mstore(${at(buf.acc + 1)}, acc1)
            mstore(${at(buf.acc + 2)}, acc2)
            mstore(${at(buf.acc + 3)}, acc3)
            return(base, ${32 * (buf.acc + 4)})
        }
    }
}
`;
  });
  return out;
}

// ---------------------------------------------------------------- preprocessed commitments

/** Cap height of the baked preprocessed caps: proofs with logCap 0..BAKED_LOG_CAP are supported. */
export const BAKED_LOG_CAP = 2;
/** Blowups the baked caps cover (every blowup the codec admits). */
export const BAKED_BLOWUPS: readonly number[] = Array.from({ length: OPTION_LIMITS.logBlowup[1] - OPTION_LIMITS.logBlowup[0] + 1 }, (_, i) => OPTION_LIMITS.logBlowup[0] + i);
/** Largest table height whose preprocessed commitment is baked (the LDE is computed at generation). */
export const BAKED_MAX_LOG_ROWS = 14;
/** At most this many (height, blowup) entries per AIR (each 2^BAKED_LOG_CAP digests of contract code). */
export const BAKED_MAX_ENTRIES = 48;

/** The baked preprocessed commitments of one table: heights lo..hi, every blowup of `logBlowups`. */
export interface PreprocessedBake {
  readonly table: number;
  readonly minLogRows: number;
  readonly maxLogRows: number;
  /** The blowups baked, consecutive (BAKED_BLOWUPS from the smallest the AIR's quotient chunks admit, by default). */
  readonly logBlowups: readonly number[];
  /** Per (height, blowup) in that order: the cap at height min(BAKED_LOG_CAP, depth) (always BAKED_LOG_CAP: depth ≥ 3). */
  readonly caps: Uint8Array[][];
}

/**
 * Which preprocessed commitments a verifier bakes, for an AIR whose full range is too costly to bake
 * (each entry is an LDE and a Merkle tree at generation, and 32·2^BAKED_LOG_CAP bytes of code).
 */
export interface BakeOptions {
  /** Largest table height baked (at most BAKED_MAX_LOG_ROWS). */
  readonly maxLogRows?: number;
  /** Blowups baked, consecutive; those below the AIR's quotient chunks are dropped (no proof can use them). */
  readonly logBlowups?: readonly number[];
}

/** The blowups baked for an AIR: `opts.logBlowups` (default BAKED_BLOWUPS) from the smallest its quotient admits. */
export function bakedBlowups(air: Air, opts: BakeOptions = {}): number[] {
  const min = Math.max(OPTION_LIMITS.logBlowup[0], Math.ceil(Math.log2(air.numQuotientChunks)));
  const list = (opts.logBlowups ?? BAKED_BLOWUPS).filter((b) => b >= min);
  if (list.length === 0 || list.some((b, i) => i > 0 && b !== list[i - 1]! + 1)) throw new Error(`solidity: ${air.name}: baked blowups must be consecutive and admit its ${air.numQuotientChunks} quotient chunks`);
  return list;
}

/**
 * The preprocessed caps the verifier of this AIR bakes: for every table with preprocessed columns, every
 * height it admits (up to BAKED_MAX_LOG_ROWS) at every blowup, at cap height BAKED_LOG_CAP (a smaller
 * cap height is derived on-chain by hashing pairs). Throws when an AIR would need more than
 * BAKED_MAX_ENTRIES entries: such an AIR needs a narrower height range to get an on-chain verifier.
 */
export function preprocessedBakes(air: Air, opts: BakeOptions = {}): PreprocessedBake[] {
  const out: PreprocessedBake[] = [];
  const blowups = bakedBlowups(air, opts);
  let entries = 0;
  for (const t of air.tables) {
    if (t.numPreprocessed === 0) continue;
    const lo = t.minLogRows, hi = Math.min(t.maxLogRows, BAKED_MAX_LOG_ROWS, opts.maxLogRows ?? BAKED_MAX_LOG_ROWS);
    if (hi < lo) throw new Error(`solidity: ${air.name}/${t.name}: no table height ≤ 2^${BAKED_MAX_LOG_ROWS} to bake preprocessed columns for`);
    const caps: Uint8Array[][] = [];
    for (let h = lo; h <= hi; h++) {
      const cols = t.preprocessedColumns(h);
      for (const b of blowups) {
        const lde = cols.map((c) => {
          const coeffs = Uint32Array.from(c);
          intt(coeffs);
          return cosetLde(coeffs, b, COSET_SHIFT);
        });
        caps.push(merkleCap(buildMerkleTree(lde, 1, keccakHasher), BAKED_LOG_CAP));
      }
    }
    entries += caps.length;
    out.push({ table: t.index, minLogRows: lo, maxLogRows: hi, logBlowups: blowups, caps });
  }
  if (entries > BAKED_MAX_ENTRIES) throw new Error(`solidity: ${air.name}: ${entries} preprocessed (height, blowup) entries exceed ${BAKED_MAX_ENTRIES}; narrow the tables' height range`);
  return out;
}

function preprocessedSource(bakes: PreprocessedBake[]): string {
  const per = 2 ** BAKED_LOG_CAP;
  const consts = bakes.map((b) => {
    const hex = b.caps.flat().map((d) => toHex(d).slice(2)).join("");
    return `    /// @dev Table ${b.table}'s preprocessed caps (height ${BAKED_LOG_CAP}): heights 2^${b.minLogRows}..2^${b.maxLogRows} × blowups 2^${b.logBlowups[0]}..2^${b.logBlowups[b.logBlowups.length - 1]}.
    bytes internal constant PREPROCESSED_CAPS_${b.table} = hex"${hex}";`;
  });
  const branches = bakes.map((b) => {
    const first = b.logBlowups[0]!, last = b.logBlowups[b.logBlowups.length - 1]!;
    // Every blowup the codec admits is baked unless the AIR bakes fewer: only then is the blowup checked here.
    const all = first === BAKED_BLOWUPS[0] && last === BAKED_BLOWUPS[BAKED_BLOWUPS.length - 1];
    const blowupCond = all ? "" : ` && logBlowup >= ${first} && logBlowup <= ${last}`;
    return `        if (table == ${b.table} && logRows >= ${b.minLogRows} && logRows <= ${b.maxLogRows}${blowupCond}) {
            return _bakedCap(PREPROCESSED_CAPS_${b.table}, ((logRows - ${b.minLogRows}) * ${b.logBlowups.length} + logBlowup - ${first}) * ${per}, ${per});
        }`;
  });
  const params = bakes.length === 0 ? "uint256, uint256, uint256" : "uint256 table, uint256 logRows, uint256 logBlowup";
  return `${consts.join("\n")}${consts.length ? "\n\n" : ""}    function _preprocessedCap(${params})
        internal
        pure
        override
        returns (bytes32[] memory)
    {
${branches.join("\n")}${branches.length ? "\n" : ""}        return new bytes32[](0);
    }`;
}

// ---------------------------------------------------------------- the verifier contract

function airInfoSource(air: Air): string {
  const maxTuple = Math.max(0, ...air.tables.flatMap((t) => t.interactions.map((it) => it.values.length)));
  const tables = air.tables.map((t) => {
    const f: [string, number][] = [
      ["width", t.width], ["numPre", t.numPreprocessed], ["numPub", t.numPublicColumns], ["numAux", t.numAux],
      ["numChunks", t.numQuotientChunks], ["numConstraints", t.numConstraints], ["maxDegree", t.maxDegree],
      ["minLogRows", t.minLogRows], ["maxLogRows", t.maxLogRows], ["numInteractions", t.interactions.length],
      ["numRegisters", readHeader(t.bytecode).numRegisters],
    ];
    return `        // table ${t.index}: ${t.name}\n${f.map(([k, v]) => `        a.tables[${t.index}].${k} = ${v};`).join("\n")}`;
  });
  return `    bytes32 public constant AIR_ID = ${toHex(air.id)};

    function _air() internal pure override returns (AirInfo memory a) {
        a.id = AIR_ID;
        a.numPublicInputs = ${air.numPublicInputs};
        a.numChallenges = ${air.numChallenges};
        a.maxTuple = ${maxTuple};
        a.tables = new Table[](${air.tables.length});
${tables.join("\n")}
    }`;
}

function inlineEvalSource(air: Air): string {
  const fns = air.tables.map((t) => {
    const buf = tableBuffer(air, t);
    const at = (w: number): string => `add(base, ${32 * w})`;
    const { groups } = compileTableGroups(air, t);
    return `    function _evalTable${t.index}(uint256[] memory buf) internal pure {
        assembly {
${YUL_HELPERS}
            let base := add(buf, 32)
            let rbase := add(base, calldataload(calldatasize()))
            let acc0 := 0
            let acc1 := 0
            let acc2 := 0
            let acc3 := 0
${indent(groups.flat())}
            mstore(${at(buf.acc)}, acc0)
            mstore(${at(buf.acc + 1)}, acc1)
            mstore(${at(buf.acc + 2)}, acc2)
            mstore(${at(buf.acc + 3)}, acc3)
        }
    }`;
  });
  const dispatch = air.tables.map((t) => `        if (table == ${t.index}) return _evalTable${t.index}(buf);`);
  return `    function _evalTable(uint256 table, uint256[] memory buf) internal pure override {
${dispatch.join("\n")}
    }

${fns.join("\n\n")}`;
}

function externalEvalSource(air: Air, parts: EvaluatorPart[]): string {
  const branches = air.tables.map((t) => {
    const head = tableBuffer(air, t).acc + 4;
    const calls = parts.map((p, i) => ({ p, i })).filter(({ p }) => p.table === t.index).map(({ i }) => `            _runEvaluator(EVALUATOR_${i}, buf, ${head});`);
    return `        if (table == ${t.index}) {\n${calls.join("\n")}\n        }`;
  });
  return `    function _evalTable(uint256 table, uint256[] memory buf) internal view override {
${branches.join(" else ")}
    }`;
}

/**
 * Full Solidity source of the AIR's verifier contract. `codeHashes` maps StarkQueryPhase and each
 * evaluator contract name to the keccak256 of its deployed code (scripts/build-contracts.ts compiles them
 * first); the constructor refuses a part whose code hash differs.
 */
export function generateVerifierSource(air: Air, codeHashes: Readonly<Record<string, string>>, bake: BakeOptions = {}): string {
  const name = verifierContractName(air.name);
  const parts = evaluatorParts(air);
  const shape = air.tables.map((t) => `\`${t.name}\` (${t.width} columns, ${t.numPreprocessed} preprocessed, ${t.numAux} auxiliary, ${t.numPublicColumns} public, ${t.numConstraints} constraints of degree <= ${t.maxDegree}, 2^${t.minLogRows}..2^${t.maxLogRows} rows)`);
  const doc = `/// @notice On-chain STARK verifier (protocol v2, keccak configuration) for AIR \`${air.name}\` (version ${air.version}),
///         ${air.numPublicInputs} public inputs; table${air.tables.length > 1 ? "s" : ""} ${shape.join(", ")}.`;
  const bakes = preprocessedBakes(air, bake);
  const blowups = bakes[0]?.logBlowups ?? [];
  const bakedDoc = bakes.length
    ? `\n///         Preprocessed commitments baked for ${bakes.map((b) => `table ${b.table} at 2^${b.minLogRows}..2^${b.maxLogRows} rows`).join(", ")}, blowups 2^${blowups[0]}..2^${blowups[blowups.length - 1]}, cap heights 0..${BAKED_LOG_CAP}.`
    : "";
  const pre = preprocessedSource(bakes);
  const queryPhaseHash = codeHashes[QUERY_PHASE_CONTRACT];
  if (!queryPhaseHash || !/^0x[0-9a-f]{64}$/.test(queryPhaseHash)) throw new Error(`solidity: no code hash for ${QUERY_PHASE_CONTRACT}`);
  const pin = `    /// @dev keccak256 of ${QUERY_PHASE_CONTRACT}'s deployed code.
    bytes32 internal constant QUERY_PHASE_CODEHASH = ${queryPhaseHash};`;
  if (parts.length === 0) {
    return `${HEADER(air)}
import {StarkVerifierBase} from "../StarkVerifierBase.sol";

${doc}${bakedDoc}
///         The query phase runs in ${QUERY_PHASE_CONTRACT}, fixed at deployment and pinned by its code hash.
contract ${name} is StarkVerifierBase {
${pin}

    constructor(uint256 minSecurityBits_, address queryPhase_)
        StarkVerifierBase(minSecurityBits_, queryPhase_, QUERY_PHASE_CODEHASH)
    {}

${airInfoSource(air)}

${pre}

${inlineEvalSource(air)}
}
`;
  }
  const hashOf = (p: EvaluatorPart): string => {
    const h = codeHashes[p.name];
    if (!h || !/^0x[0-9a-f]{64}$/.test(h)) throw new Error(`solidity: no code hash for evaluator ${p.name}`);
    return h;
  };
  // Up to EVALUATOR_PARAMS_MAX evaluators are constructor parameters of their own; more would not fit the
  // legacy pipeline's stack, so they come as one array (whose length is checked like the code hashes).
  const asArray = parts.length > EVALUATOR_PARAMS_MAX;
  const arg = (i: number): string => (asArray ? `evaluators[${i}]` : `evaluator${i}`);
  const params = asArray ? "address[] memory evaluators" : parts.map((_, i) => `address evaluator${i}`).join(", ");
  const immutables = parts.map((_, i) => `    address internal immutable EVALUATOR_${i};`).join("\n");
  const hashes = parts.map((p, i) => `    /// @dev keccak256 of ${p.name}'s deployed code.\n    bytes32 internal constant EVALUATOR_${i}_CODEHASH = ${hashOf(p)};`).join("\n");
  const count = asArray
    ? `        if (evaluators.length < ${parts.length}) revert StarkVerifier__EvaluatorCodeHash(evaluators.length, address(0));\n        if (evaluators.length > ${parts.length}) revert StarkVerifier__EvaluatorCodeHash(${parts.length}, evaluators[${parts.length}]);\n`
    : "";
  const assigns = count + parts
    .map((_, i) => `        if (${arg(i)}.codehash != EVALUATOR_${i}_CODEHASH) revert StarkVerifier__EvaluatorCodeHash(${i}, ${arg(i)});\n        EVALUATOR_${i} = ${arg(i)};`)
    .join("\n");
  return `${HEADER(air)}
import {StarkVerifierBase} from "../StarkVerifierBase.sol";

${doc}${bakedDoc}
///         The query phase runs in ${QUERY_PHASE_CONTRACT} and the constraint evaluation at z in ${parts.length} evaluator
///         contract(s) (${parts.map((p) => p.name).join(", ")}), fixed at deployment and pinned by their code hashes.
contract ${name} is StarkVerifierBase {
${immutables}
${pin}
${hashes}

    constructor(uint256 minSecurityBits_, address queryPhase_, ${params})
        StarkVerifierBase(minSecurityBits_, queryPhase_, QUERY_PHASE_CODEHASH)
    {
${assigns}
    }

${airInfoSource(air)}

${pre}

${externalEvalSource(air, parts)}
}
`;
}

/** keccak256 of deployed bytecode given as hex (the value `extcodehash` returns for it). */
export function codeHashOf(deployedBytecode: string): string {
  return toHex(keccak_256(fromHex(deployedBytecode)));
}
