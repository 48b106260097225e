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

/** The Yul statements evaluating the constraints: reads `oodp`, `pubp`, `pi`, `apw`, `regs`; sums into acc0..acc3. */
export function compileConstraintsYul(air: Air): { body: string; numRegisters: number } {
  const code = air.bytecode;
  const h = readHeader(code);
  const regs: (Operand | undefined)[] = new Array(h.numRegisters);
  const lines: string[] = [];
  const pcols = air.numPublicColumns;
  const store = (dst: number, kind: "base" | "ext", expr: string): void => {
    const slot = `add(regs, ${32 * dst})`;
    lines.push(`mstore(${slot}, ${expr})`);
    regs[dst] = { kind, expr: `mload(${slot})` };
  };
  const val = (o: Operand): string => (o.kind === "const" ? String(o.value) : o.expr);
  const operand = (r: number, k: number): Operand => {
    const o = regs[r];
    if (!o) throw new Error(`solidity: register ${r} read before written (instruction ${k})`);
    return o;
  };
  for (let k = 0; k < h.numInstructions; k++) {
    const w = 4 + 4 * k;
    const op = code[w]!, dst = code[w + 1]!, a = code[w + 2]!, b = code[w + 3]!;
    switch (op) {
      case Op.CONST:
        regs[dst] = { kind: "const", value: a };
        break;
      case Op.CUR:
        regs[dst] = { kind: "ext", expr: `mload(add(oodp, ${32 * a}))` };
        break;
      case Op.NEXT:
        regs[dst] = { kind: "ext", expr: `mload(add(oodp, ${32 * (air.width + a)}))` };
        break;
      case Op.PUBIN:
        regs[dst] = { kind: "base", expr: `calldataload(add(pi, ${32 * a}))` };
        break;
      case Op.PCUR:
        regs[dst] = { kind: "ext", expr: `mload(add(pubp, ${32 * a}))` };
        break;
      case Op.PNEXT:
        regs[dst] = { kind: "ext", expr: `mload(add(pubp, ${32 * (pcols + a)}))` };
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
        const alphaPow = `mload(add(apw, ${32 * b}))`;
        const term = x.kind === "ext" ? `emul(${alphaPow}, ${x.expr})` : `escale(${alphaPow}, ${val(x)})`;
        lines.push(`acc${dst} := eadd(acc${dst}, ${term})`);
        break;
      }
      default:
        throw new Error(`solidity: unknown opcode ${op} at instruction ${k}`);
    }
  }
  return { body: lines.map((l) => `            ${l}`).join("\n"), numRegisters: h.numRegisters };
}

/** Full Solidity source of the AIR's verifier contract. */
export function generateVerifierSource(air: Air): string {
  const name = verifierContractName(air.name);
  const { body, numRegisters } = compileConstraintsYul(air);
  const nc = air.numConstraints;
  return `// SPDX-License-Identifier: Apache-2.0
// Generated by scripts/gen-verifier.ts from the constraint IR of ${air.name} (src/stark/air/solidity.ts).
// Do not edit: change the AIR and rebuild.
pragma solidity ^0.8.24;

import {StarkVerifierBase} from "../StarkVerifierBase.sol";

/// @notice On-chain STARK verifier for AIR \`${air.name}\` (version ${air.version}): ${air.width} columns,
///         ${air.numPublicInputs} public inputs, ${air.numPublicColumns} public columns, ${nc} constraints of degree <= ${air.maxDegree}.
contract ${name} is StarkVerifierBase {
    bytes32 public constant AIR_ID = ${toHex(air.id)};

    constructor(uint256 minSecurityBits_) StarkVerifierBase(minSecurityBits_) {}

    function _air() internal pure override returns (AirInfo memory a) {
        a.id = AIR_ID;
        a.width = ${air.width};
        a.numPublicInputs = ${air.numPublicInputs};
        a.numPublicColumns = ${air.numPublicColumns};
        a.numQuotientChunks = ${air.numQuotientChunks};
        a.numConstraints = ${nc};
        a.maxDegree = ${air.maxDegree};
        a.minLogRows = ${air.minLogRows};
    }

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
