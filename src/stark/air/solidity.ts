/**
 * Constraint IR → Solidity (DESIGN §3.5 target (c)): the AIR-specific part of the on-chain verifier.
 *
 * The generated contract derives from contracts/verifier/StarkVerifierBase.sol and supplies the AIR's
 * shape and `_evalConstraints`: the per-selector sums Σ alpha^i·C_i at the out-of-domain point z.
 * It is compiled from the AIR's constraint bytecode (the same program the backends interpret, whose
 * hash is part of the AIR id), so the on-chain evaluation cannot drift from the prover's.
 *
 * Registers live in memory, one word per K element (coefficient i in bits 64i..64i+63). The compiler
 * tracks, per register, whether it holds a constant, a base-field value or a K value, and picks the
 * cheapest operation (constants are folded into immediates; base×K is 4 multiplications, not 16).
 * Trace, public-column and public-input reads are aliases, not copies.
 */
import { P } from "../field/babybear.js";
import { toHex } from "../hash/keccak.js";
import { Op, readHeader } from "./bytecode.js";
import type { Air } from "./air.js";

/** Contract name for an AIR: "mix-v1" → "MixV1Verifier". */
export function verifierContractName(airName: string): string {
  const camel = airName
    .split(/[^A-Za-z0-9]+/)
    .filter((s) => s.length > 0)
    .map((s) => s[0]!.toUpperCase() + s.slice(1))
    .join("");
  return `${camel}Verifier`;
}

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
 * Where the evaluator finds its operands. `inline`: inside the verifier (registers at `regs`, trace
 * values at `oodp`, public-column values at `pubp`, public inputs in calldata at `pi`, alpha powers at
 * `apw`). `external`: in a separate evaluator contract whose memory, from 0x80, holds one buffer
 * [registers | acc | OOD values | public-column values | public inputs | alpha powers] (absolute addresses).
 */
export interface YulLayout {
  reg(r: number): string;
  /** Address a register is read from (defaults to `reg`). */
  regRead?(r: number): string;
  ood(i: number): string;
  pub(i: number): string;
  pubIn(i: number): string;
  alphaPow(i: number): string;
}

export const INLINE_LAYOUT: YulLayout = {
  reg: (r) => `add(regs, ${32 * r})`,
  ood: (i) => `mload(add(oodp, ${32 * i}))`,
  pub: (i) => `mload(add(pubp, ${32 * i}))`,
  pubIn: (i) => `calldataload(add(pi, ${32 * i}))`,
  alphaPow: (i) => `mload(add(apw, ${32 * i}))`,
};

/** Word offsets of the external evaluator's buffer (see YulLayout). */
export function externalBuffer(air: Air): { regs: number; acc: number; ood: number; pub: number; pi: number; apw: number; total: number } {
  const regs = 0;
  const acc = readHeader(air.bytecode).numRegisters;
  const ood = acc + 4;
  const pub = ood + 2 * air.width;
  const pi = pub + 2 * air.numPublicColumns;
  const apw = pi + air.numPublicInputs;
  return { regs, acc, ood, pub, pi, apw, total: apw + air.numConstraints };
}

export function externalLayout(air: Air): YulLayout {
  const b = externalBuffer(air);
  // Relative to a runtime base (the free-memory pointer, 0x80): absolute constants let the optimizer
  // keep too many loaded values on the stack.
  const at = (w: number): string => `add(base, ${32 * w})`;
  return {
    reg: (r) => at(b.regs + r),
    // Reads go through `rbase` (equal to `base` at run time, opaque to the optimizer): otherwise it
    // forwards stored values to later loads and keeps them all on the stack ("stack too deep").
    regRead: (r) => `add(rbase, ${32 * (b.regs + r)})`,
    ood: (i) => `mload(add(rbase, ${32 * (b.ood + i)}))`,
    pub: (i) => `mload(add(rbase, ${32 * (b.pub + i)}))`,
    pubIn: (i) => `mload(add(rbase, ${32 * (b.pi + i)}))`,
    alphaPow: (i) => `mload(add(rbase, ${32 * (b.apw + i)}))`,
  };
}

/**
 * The Yul statements evaluating the constraints, one group per bytecode instruction (so the program
 * can be cut into several contracts at instruction boundaries); sums go into locals acc0..acc3.
 */
export function compileConstraintGroups(air: Air, layout: YulLayout = INLINE_LAYOUT): { groups: string[][]; numRegisters: number } {
  const code = air.bytecode;
  const h = readHeader(code);
  const regs: (Operand | undefined)[] = new Array(h.numRegisters);
  let lines: string[] = [];
  const groups: string[][] = [];
  const pcols = air.numPublicColumns;
  const store = (dst: number, kind: "base" | "ext", expr: string): void => {
    const slot = layout.reg(dst);
    lines.push(`mstore(${slot}, ${expr})`);
    regs[dst] = { kind, expr: `mload(${layout.regRead ? layout.regRead(dst) : slot})` };
  };
  const val = (o: Operand): string => (o.kind === "const" ? String(o.value) : o.expr);
  const operand = (r: number, k: number): Operand => {
    const o = regs[r];
    if (!o) throw new Error(`solidity: register ${r} read before written (instruction ${k})`);
    return o;
  };
  for (let k = 0; k < h.numInstructions; k++) {
    lines = [];
    groups.push(lines);
    const w = 4 + 4 * k;
    const op = code[w]!, dst = code[w + 1]!, a = code[w + 2]!, b = code[w + 3]!;
    switch (op) {
      case Op.CONST:
        regs[dst] = { kind: "const", value: a };
        break;
      case Op.CUR:
        regs[dst] = { kind: "ext", expr: layout.ood(a) };
        break;
      case Op.NEXT:
        regs[dst] = { kind: "ext", expr: layout.ood(air.width + a) };
        break;
      case Op.PUBIN:
        regs[dst] = { kind: "base", expr: layout.pubIn(a) };
        break;
      case Op.PCUR:
        regs[dst] = { kind: "ext", expr: layout.pub(a) };
        break;
      case Op.PNEXT:
        regs[dst] = { kind: "ext", expr: layout.pub(pcols + a) };
        break;
      case Op.ADD:
      case Op.SUB:
      case Op.MUL: {
        const x = operand(a, k), y = operand(b, k);
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
        } else {
          // x − y; a base operand is a K element with zero upper coefficients.
          if (y.kind !== "ext") store(dst, "ext", `eaddb(${val(x)}, sub(P, ${val(y)}))`);
          else store(dst, "ext", `esub(${val(x)}, ${val(y)})`);
        }
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
        const x = operand(a, k);
        const alphaPow = layout.alphaPow(b);
        const term = x.kind === "ext" ? `emul(${alphaPow}, ${x.expr})` : `escale(${alphaPow}, ${val(x)})`;
        lines.push(`acc${dst} := eadd(acc${dst}, ${term})`);
        break;
      }
      default:
        throw new Error(`solidity: unknown opcode ${op} at instruction ${k}`);
    }
  }
  return { groups, numRegisters: h.numRegisters };
}

/** The whole program as one Yul body (the inline layout). */
export function compileConstraintsYul(air: Air, layout: YulLayout = INLINE_LAYOUT): { body: string; numRegisters: number } {
  const { groups, numRegisters } = compileConstraintGroups(air, layout);
  return { body: indent(groups.flat()), numRegisters };
}

function indent(lines: string[]): string {
  return lines.map((l) => `            ${l}`).join("\n");
}

/** Programs up to this many instructions are evaluated inside the verifier contract. */
export const INLINE_MAX_INSTRUCTIONS = 100;
/** Instructions per external evaluator contract: keeps each under EIP-170's 24 KiB of code. */
export const EVALUATOR_CHUNK_INSTRUCTIONS = 900;

/** Contract names of the AIR's external evaluator chunks ([] when evaluated inline). */
export function evaluatorContractNames(air: Air): string[] {
  const n = readHeader(air.bytecode).numInstructions;
  if (n <= INLINE_MAX_INSTRUCTIONS) return [];
  const base = verifierContractName(air.name).replace(/Verifier$/, "");
  return Array.from({ length: Math.ceil(n / EVALUATOR_CHUNK_INSTRUCTIONS) }, (_, i) => `${base}Constraints${i}`);
}

const HEADER = (air: Air): string => `// SPDX-License-Identifier: Apache-2.0
// Generated by scripts/gen-verifier.ts from the constraint IR of ${air.name} (src/stark/air/solidity.ts).
// Do not edit: change the AIR and rebuild.
pragma solidity ^0.8.24;
`;

/** Every generated source of the AIR: file name (under contracts/verifier/generated/) → Solidity. */
export function generateVerifierSources(air: Air): Record<string, string> {
  const chunks = evaluatorContractNames(air);
  const out: Record<string, string> = {};
  if (chunks.length === 0) {
    out[`${verifierContractName(air.name)}.sol`] = generateVerifierSource(air);
    return out;
  }
  const { groups } = compileConstraintGroups(air, externalLayout(air));
  const buf = externalBuffer(air);
  const at = (w: number): string => `add(base, ${32 * w})`;
  chunks.forEach((name, i) => {
    const body = indent(groups.slice(i * EVALUATOR_CHUNK_INSTRUCTIONS, (i + 1) * EVALUATOR_CHUNK_INSTRUCTIONS).flat());
    out[`${name}.sol`] = `${HEADER(air)}
/// @notice Part ${i + 1} of ${chunks.length} of the constraint evaluation of \`${air.name}\` at the OOD point, for
///         ${verifierContractName(air.name)} (split so every contract fits EIP-170). Stateless: takes the
///         evaluation buffer [registers | acc | OOD values | public-column values | public inputs | alpha powers]
///         as calldata (32-byte words) and returns its registers and accumulators after this part's instructions.
contract ${name} {
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
${body}
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
  out[`${verifierContractName(air.name)}.sol`] = generateExternalVerifierSource(air, chunks);
  return out;
}

function airInfoSource(air: Air): string {
  return `    bytes32 public constant AIR_ID = ${toHex(air.id)};

    function _air() internal pure override returns (AirInfo memory a) {
        a.id = AIR_ID;
        a.width = ${air.width};
        a.numPublicInputs = ${air.numPublicInputs};
        a.numPublicColumns = ${air.numPublicColumns};
        a.numQuotientChunks = ${air.numQuotientChunks};
        a.numConstraints = ${air.numConstraints};
        a.maxDegree = ${air.maxDegree};
        a.minLogRows = ${air.minLogRows};
    }`;
}

function generateExternalVerifierSource(air: Air, chunks: string[]): string {
  const name = verifierContractName(air.name);
  const buf = externalBuffer(air);
  const params = chunks.map((_, i) => `address evaluator${i}`).join(", ");
  const immutables = chunks.map((_, i) => `    address internal immutable EVALUATOR_${i};`).join("\n");
  const assigns = chunks.map((_, i) => `        EVALUATOR_${i} = evaluator${i};`).join("\n");
  const calls = chunks.map((_, i) => `        _runEvaluator(EVALUATOR_${i}, buf);`).join("\n");
  return `${HEADER(air)}
import {StarkVerifierBase} from "../StarkVerifierBase.sol";

/// @notice On-chain STARK verifier for AIR \`${air.name}\` (version ${air.version}): ${air.width} columns,
///         ${air.numPublicInputs} public inputs, ${air.numPublicColumns} public columns, ${air.numConstraints} constraints of degree <= ${air.maxDegree}.
///         The constraint evaluation at z runs in ${chunks.length} evaluator contract(s) (${chunks.join(", ")}),
///         fixed at deployment.
contract ${name} is StarkVerifierBase {
${immutables}

    constructor(uint256 minSecurityBits_, ${params}) StarkVerifierBase(minSecurityBits_) {
${assigns}
    }

${airInfoSource(air)}

    function _evaluatorHeadWords() internal pure override returns (uint256) {
        return ${buf.acc + 4};
    }

    function _evalConstraints(uint256[] memory ood, uint256[] memory pub, uint32[] calldata publicInputs, uint256 alpha)
        internal
        view
        override
        returns (uint256[4] memory acc)
    {
        uint256[] memory buf = new uint256[](${buf.total});
        for (uint256 i = 0; i < ${2 * air.width}; ++i) {
            buf[${buf.ood} + i] = ood[i];
        }
        for (uint256 i = 0; i < ${2 * air.numPublicColumns}; ++i) {
            buf[${buf.pub} + i] = pub[i];
        }
        for (uint256 i = 0; i < ${air.numPublicInputs}; ++i) {
            buf[${buf.pi} + i] = publicInputs[i];
        }
        _alphaPowers(buf, ${buf.apw}, ${air.numConstraints}, alpha);
${calls}
        acc = [buf[${buf.acc}], buf[${buf.acc + 1}], buf[${buf.acc + 2}], buf[${buf.acc + 3}]];
    }
}
`;
}

/** Full Solidity source of the AIR's verifier contract (constraints evaluated inline). */
export function generateVerifierSource(air: Air): string {
  const name = verifierContractName(air.name);
  const { body, numRegisters } = compileConstraintsYul(air);
  const nc = air.numConstraints;
  return `${HEADER(air)}
import {StarkVerifierBase} from "../StarkVerifierBase.sol";

/// @notice On-chain STARK verifier for AIR \`${air.name}\` (version ${air.version}): ${air.width} columns,
///         ${air.numPublicInputs} public inputs, ${air.numPublicColumns} public columns, ${nc} constraints of degree <= ${air.maxDegree}.
contract ${name} is StarkVerifierBase {
    constructor(uint256 minSecurityBits_) StarkVerifierBase(minSecurityBits_) {}

${airInfoSource(air)}

    function _evalConstraints(uint256[] memory ood, uint256[] memory pub, uint32[] calldata publicInputs, uint256 alpha)
        internal
        pure
        override
        returns (uint256[4] memory acc)
    {
        assembly {
${YUL_HELPERS}
            let oodp := add(ood, 32)
            let pubp := add(pub, 32)
            let pi := publicInputs.offset
            let regs := mload(0x40)
            let apw := add(regs, ${32 * numRegisters})
            mstore(0x40, add(apw, ${32 * nc}))
            {
                let x := 1
                for { let i := 0 } lt(i, ${nc}) { i := add(i, 1) } {
                    mstore(add(apw, shl(5, i)), x)
                    x := emul(x, alpha)
                }
            }
            let acc0 := 0
            let acc1 := 0
            let acc2 := 0
            let acc3 := 0
${body}
            mstore(acc, acc0)
            mstore(add(acc, 32), acc1)
            mstore(add(acc, 64), acc2)
            mstore(add(acc, 96), acc3)
        }
    }
}
`;
}
