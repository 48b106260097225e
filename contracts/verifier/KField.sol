// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice BabyBear (p = 2^31 - 2^27 + 1) and its quartic extension K = F[X]/(X^4 - 11), as used by the
///         STARK (docs/proof-system.md). An element of K is packed in one word: coefficient i in bits
///         [64i, 64i + 64), each canonical (< p). One word per element keeps the verifier's stack shallow
///         and lets additions of packed words run lane-wise without carries (lanes have 33 spare bits).
library KField {
    uint256 internal constant P = 2013265921;
    uint256 internal constant W = 11;
    uint256 internal constant M64 = 0xffffffffffffffff;
    /// @dev p in every lane.
    uint256 internal constant PPPP = 0x0000000078000001000000007800000100000000780000010000000078000001;

    function fromBase(uint256 a) internal pure returns (uint256) {
        return a;
    }

    function add(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly {
            let s := add(a, b)
            r := or(
                or(mod(and(s, M64), P), shl(64, mod(and(shr(64, s), M64), P))),
                or(shl(128, mod(and(shr(128, s), M64), P)), shl(192, mod(shr(192, s), P)))
            )
        }
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly {
            let s := add(a, sub(PPPP, b))
            r := or(
                or(mod(and(s, M64), P), shl(64, mod(and(shr(64, s), M64), P))),
                or(shl(128, mod(and(shr(128, s), M64), P)), shl(192, mod(shr(192, s), P)))
            )
        }
    }

    function neg(uint256 a) internal pure returns (uint256 r) {
        return sub(0, a);
    }

    /// @dev a * s for a base element s < p.
    function scale(uint256 a, uint256 s) internal pure returns (uint256 r) {
        assembly {
            r := or(
                or(mulmod(and(a, M64), s, P), shl(64, mulmod(and(shr(64, a), M64), s, P))),
                or(shl(128, mulmod(and(shr(128, a), M64), s, P)), shl(192, mulmod(shr(192, a), s, P)))
            )
        }
    }

    function mul(uint256 a, uint256 b) internal pure returns (uint256 r) {
        assembly {
            let a0 := and(a, M64)
            let a1 := and(shr(64, a), M64)
            let a2 := and(shr(128, a), M64)
            let a3 := shr(192, a)
            let b0 := and(b, M64)
            let b1 := and(shr(64, b), M64)
            let b2 := and(shr(128, b), M64)
            let b3 := shr(192, b)
            r := mod(add(mul(a0, b0), mul(W, add(add(mul(a1, b3), mul(a2, b2)), mul(a3, b1)))), P)
            r := or(r, shl(64, mod(add(add(mul(a0, b1), mul(a1, b0)), mul(W, add(mul(a2, b3), mul(a3, b2)))), P)))
            r := or(r, shl(128, mod(add(add(add(mul(a0, b2), mul(a1, b1)), mul(a2, b0)), mul(W, mul(a3, b3))), P)))
            r := or(r, shl(192, mod(add(add(add(mul(a0, b3), mul(a1, b2)), mul(a2, b1)), mul(a3, b0)), P)))
        }
    }

    function square(uint256 a) internal pure returns (uint256) {
        return mul(a, a);
    }

    function powE(uint256 a, uint256 e) internal pure returns (uint256 r) {
        r = 1;
        while (e > 0) {
            if (e & 1 == 1) r = mul(r, a);
            a = mul(a, a);
            e >>= 1;
        }
    }

    /// @dev a^(2^k).
    function squareTimes(uint256 a, uint256 k) internal pure returns (uint256) {
        for (uint256 i = 0; i < k; ++i) a = mul(a, a);
        return a;
    }

    /// @dev Base-field power.
    function powF(uint256 a, uint256 e) internal pure returns (uint256 r) {
        assembly {
            r := 1
            for {} gt(e, 0) { e := shr(1, e) } {
                if and(e, 1) { r := mulmod(r, a, P) }
                a := mulmod(a, a, P)
            }
        }
    }

    /// @dev Base-field inverse a^(p-2) by a fixed addition chain (p - 2 = 0x77FFFFFF: 51 squarings,
    ///      7 multiplications, straight-line). 0 maps to 0; callers exclude it.
    function invF(uint256 a) internal pure returns (uint256 r) {
        assembly {
            let t2 := mulmod(mulmod(a, a, P), a, P) // a^3
            let t3 := mulmod(mulmod(t2, t2, P), a, P) // a^7
            let x := t3
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            let t6 := mulmod(x, t3, P) // a^(2^6-1)
            x := t6
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            let t12 := mulmod(x, t6, P) // a^(2^12-1)
            x := t12
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            let t24 := mulmod(x, t12, P) // a^(2^24-1)
            x := t3
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, t3, P) // a^0x77
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            x := mulmod(x, x, P)
            r := mulmod(x, t24, P) // a^0x77FFFFFF = a^(p-2)
        }
    }

    /// @dev Inverse through the tower norm, as the TS reference: a(X)·a(-X) lies in F[X^2].
    function inv(uint256 a) internal pure returns (uint256) {
        uint256 conj = a ^ (a & (M64 << 64)) ^ (a & (M64 << 192));
        conj = conj | (((P - ((a >> 64) & M64)) % P) << 64) | (((P - (a >> 192)) % P) << 192);
        uint256 t = mul(a, conj);
        uint256 t0 = t & M64;
        uint256 t2 = (t >> 128) & M64;
        uint256 norm = addmod(mulmod(t0, t0, P), P - mulmod(W, mulmod(t2, t2, P), P), P);
        uint256 tConj = t0 | (((P - t2) % P) << 128);
        return scale(mul(conj, tConj), invF(norm));
    }

    function limb(uint256 a, uint256 i) internal pure returns (uint256) {
        return (a >> (64 * i)) & M64;
    }

    function pack(uint256 c0, uint256 c1, uint256 c2, uint256 c3) internal pure returns (uint256) {
        return c0 | (c1 << 64) | (c2 << 128) | (c3 << 192);
    }

    /// @dev X^e · a (multiplying by the basis element X^e; X^4 = W).
    function mulByXPower(uint256 a, uint256 e) internal pure returns (uint256) {
        for (uint256 i = 0; i < e; ++i) {
            a = (a << 64) | mulmod(W, a >> 192, P);
        }
        return a;
    }
}
