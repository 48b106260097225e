// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {KField} from "./KField.sol";

/// @notice Domain generators and the FRI coset fold of src/stark/fri.ts.
library Fri {
    using KField for uint256;

    uint256 internal constant P = 2013265921;
    /// @dev 31^((p-1)/2^27): generator of the subgroup of order 2^27.
    uint256 internal constant TWO_ADIC_ROOT = 440564289;
    uint256 internal constant TWO_ADICITY = 27;
    uint256 internal constant INV2 = 1006632961;
    uint256 internal constant PPPP = 0x0000000078000001000000007800000100000000780000010000000078000001;

    /// @dev Generator of the subgroup of order 2^logN (logN <= 27).
    function twoAdicGenerator(uint256 logN) internal pure returns (uint256 g) {
        g = TWO_ADIC_ROOT;
        for (uint256 i = logN; i < TWO_ADICITY; ++i) {
            g = mulmod(g, g, P);
        }
    }

    /// @dev zeta_k^-1 for k = 2^s, s = 1..4 (zeta_k = twoAdicGenerator(s)).
    function zetaInverse(uint256 s) internal pure returns (uint256) {
        if (s == 1) return 2013265920;
        if (s == 2) return 284861408;
        if (s == 3) return 1801542727;
        return 567209306;
    }

    /// @dev The interpolant through (y·zeta^m, v_m), m < 2^s, evaluated at beta (the TS `foldCoset`),
    ///      computed as s radix-2 folds with beta, beta^2, ...: equal as polynomials, k·log k work instead
    ///      of k^2. For a pair f(x), f(-x): (f(x) + f(-x))/2 + beta·(f(x) - f(-x))/(2x). `v` is overwritten.
    function foldCoset(uint256[] memory v, uint256 yInv, uint256 beta, uint256 s) internal pure returns (uint256 r) {
        uint256 zInv = zetaInverse(s);
        assembly {
            function eadd(a, b) -> x {
                let t := add(a, b)
                x := or(or(mod(and(t, 0xffffffffffffffff), 2013265921), shl(64, mod(and(shr(64, t), 0xffffffffffffffff), 2013265921))), or(shl(128, mod(and(shr(128, t), 0xffffffffffffffff), 2013265921)), shl(192, mod(shr(192, t), 2013265921))))
            }
            function escale(a, c) -> x {
                x := or(or(mulmod(and(a, 0xffffffffffffffff), c, 2013265921), shl(64, mulmod(and(shr(64, a), 0xffffffffffffffff), c, 2013265921))), or(shl(128, mulmod(and(shr(128, a), 0xffffffffffffffff), c, 2013265921)), shl(192, mulmod(shr(192, a), c, 2013265921))))
            }
            function emul(a, b) -> x {
                let a0 := and(a, 0xffffffffffffffff)
                let a1 := and(shr(64, a), 0xffffffffffffffff)
                let a2 := and(shr(128, a), 0xffffffffffffffff)
                let a3 := shr(192, a)
                let b0 := and(b, 0xffffffffffffffff)
                let b1 := and(shr(64, b), 0xffffffffffffffff)
                let b2 := and(shr(128, b), 0xffffffffffffffff)
                let b3 := shr(192, b)
                x := mod(add(mul(a0, b0), mul(11, add(add(mul(a1, b3), mul(a2, b2)), mul(a3, b1)))), 2013265921)
                x := or(x, shl(64, mod(add(add(mul(a0, b1), mul(a1, b0)), mul(11, add(mul(a2, b3), mul(a3, b2)))), 2013265921)))
                x := or(x, shl(128, mod(add(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), mul(11, mul(a3, b3))), 2013265921)))
                x := or(x, shl(192, mod(add(add(add(mul(a0, b3), mul(a1, b2)), mul(a2, b1)), mul(a3, b0)), 2013265921)))
            }
            let base := add(v, 32)
            for { let k := shl(s, 1) } gt(k, 1) { k := shr(1, k) } {
                let half := shr(1, k)
                let xInv := yInv
                for { let m := 0 } lt(m, half) { m := add(m, 1) } {
                    let pa := add(base, shl(5, m))
                    let pb := add(pa, shl(5, half))
                    let a := mload(pa)
                    let b := mload(pb)
                    // lanes of a + b and a - b (+ p) stay below 2^33: no carries between lanes
                    let sum := escale(add(a, b), INV2)
                    let diff := escale(sub(add(a, PPPP), b), mulmod(INV2, xInv, P))
                    mstore(pa, eadd(sum, emul(beta, diff)))
                    xInv := mulmod(xInv, zInv, P)
                }
                yInv := mulmod(yInv, yInv, P)
                zInv := mulmod(zInv, zInv, P)
                beta := emul(beta, beta)
            }
            r := mload(base)
        }
    }
}
