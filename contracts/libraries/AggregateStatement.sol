// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The L1 statement of a data batch's aggregate proof (the public inputs of the wrap program's
///         keccak proof), and the batch binding L1 computes when the batch is posted: r = keccak256(dataHash ‖
///         txRoot) as four 30-bit words, and E, the evaluation at r of the posted transactions (docs/aggregator.md).
/// @dev Layout mirrored from src/recursion/aggregate.ts (L1); the binding from src/rollup/batch-binding.ts.
///      Every word is a BabyBear element (< p).
library AggregateStatement {
    uint256 internal constant P = 2013265921;

    /// @dev Public inputs of the wrap program.
    uint256 internal constant LENGTH = 193;
    /// @dev [0, 8): root of the allowed-key set (segment AIR, agg-leaf and agg-join keys).
    uint256 internal constant KEY_SET_ROOT = 0;
    /// @dev batch id as two 30-bit halves.
    uint256 internal constant BATCH_LO = 8;
    uint256 internal constant BATCH_HI = 9;
    /// @dev number of segments S.
    uint256 internal constant SEGMENT_COUNT = 10;
    /// @dev [11, 19) and [19, 27): state roots before and after the batch (8 words, packed little-endian in a bytes32).
    uint256 internal constant ROOT_IN = 11;
    uint256 internal constant ROOT_OUT = 19;
    /// @dev [27, 35): txRoot, the segments' txCommitments folded over the canonical tree (packed like a root).
    uint256 internal constant TX_ROOT = 27;
    /// @dev [35, 39): the batch's randomness r (K); [39, 43): E = sum_j k_j r^(2n-1-j) over the batch's K elements.
    uint256 internal constant R = 35;
    uint256 internal constant E = 39;
    /// @dev [43, 193): the join provers' addresses, 15 slots of 10 little-endian u16 halves, in tree order.
    uint256 internal constant JOIN_PROVERS = 43;
    uint256 internal constant JOIN_SLOTS = 15;
    uint256 internal constant ADDRESS_HALVES = 10;

    /// @dev Word i of the statement, read raw (no ABI validation: a dirty or oversized word reads as itself).
    function word(uint32[] calldata pi, uint256 i) internal pure returns (uint256 w) {
        assembly {
            w := calldataload(add(pi.offset, shl(5, i)))
        }
    }

    /// @dev The index of the first word that is not a canonical field element, or LENGTH when all are.
    function firstNonCanonical(uint32[] calldata pi) internal pure returns (uint256 i) {
        assembly {
            for {} lt(i, LENGTH) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(pi.offset, shl(5, i))), P)) { break }
            }
        }
    }

    /// @dev 8 words from `at` as a root: word k little-endian in bytes 4k..4k+3 (StatementLib's packing).
    function root(uint32[] calldata pi, uint256 at) internal pure returns (bytes32 r) {
        uint256 acc;
        for (uint256 k = 0; k < 8; ++k) {
            uint256 w = word(pi, at + k);
            uint256 le = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >> 8) & 0xff00) | ((w >> 24) & 0xff);
            acc |= le << (224 - 32 * k);
        }
        r = bytes32(acc);
    }

    /// @dev 4 words from `at` packed as L1 stores an element of K: word k in bits 96-32k..127-32k.
    function ext(uint32[] calldata pi, uint256 at) internal pure returns (uint128 v) {
        uint256 acc;
        for (uint256 k = 0; k < 4; ++k) {
            acc |= word(pi, at + k) << (96 - 32 * k);
        }
        v = uint128(acc);
    }

    /// @dev Join prover slot `slot`: its address from 10 little-endian u16 halves (address bytes 2i, 2i+1);
    ///      ok = false when a half is not below 2^16.
    function joinProver(uint32[] calldata pi, uint256 slot) internal pure returns (address a, bool ok) {
        uint256 at = JOIN_PROVERS + ADDRESS_HALVES * slot;
        uint256 acc;
        for (uint256 i = 0; i < ADDRESS_HALVES; ++i) {
            uint256 half = word(pi, at + i);
            if (half >= 0x10000) return (address(0), false);
            // bytes 2i (low) and 2i + 1 (high) of a big-endian 20-byte address
            acc |= ((half & 0xff) << (8 * (19 - 2 * i))) | ((half >> 8) << (8 * (18 - 2 * i)));
        }
        return (address(uint160(acc)), true);
    }

    /// @notice r = keccak256(dataHash ‖ txRoot): its four big-endian u32 words, each masked to 30 bits (uniform
    ///         over 2^120 elements of K), packed like `ext` (word 0 in the top 32 bits).
    function randomness(bytes32 dataHash, bytes32 txRoot) internal pure returns (uint128 r) {
        uint256 h = uint256(keccak256(abi.encodePacked(dataHash, txRoot)));
        r = uint128((h >> 128) & 0x3fffffff3fffffff3fffffff3fffffff);
    }

    /// @notice E over the posted transactions at r (packed like `ext`).
    function evaluation(bytes calldata txs, uint128 r) internal pure returns (uint128) {
        (uint256 e01, uint256 e23) = evaluate(txs, r >> 96, (r >> 64) & 0xffffffff, (r >> 32) & 0xffffffff, r & 0xffffffff);
        return uint128(((e01 & 0xffffffff) << 96) | ((e01 >> 128) << 64) | ((e23 & 0xffffffff) << 32) | (e23 >> 128));
    }

    /// @notice E = sum_{j < 2n} k_j r^(2n-1-j) in K = F[X]/(X^4 - 11) (Horner from the first element), where
    ///         k_j is four consecutive u16 little-endian halves of the transaction bytes (coefficients 0..3):
    ///         each 16-byte transaction gives two elements. r's coordinates must be < p.
    ///         Returns E as e0 | e1 << 128 and e2 | e3 << 128.
    /// @dev Horner step E <- E·r + k with two coordinates per word: a product of a coordinate (< 2^31) with a
    ///      packed constant (two values < 2^35 in 128-bit lanes) stays in its lanes, so a step costs 8
    ///      multiplications and 4 reductions. Two of the constants live in memory (stack depth).
    function evaluate(bytes calldata txs, uint256 r0, uint256 r1, uint256 r2, uint256 r3)
        internal
        pure
        returns (uint256 e01, uint256 e23)
    {
        assembly {
            // c0|c1 = e0·cA + e1·cB + e2·cC + e3·cD + k0|k1 ; c2|c3 = e0·cA2 + e1·cB2 + e2·cA + e3·cB + k2|k3
            let mem := mload(0x40)
            mstore(mem, or(mul(11, r2), shl(128, mul(11, r3)))) // cC
            mstore(add(mem, 0x20), or(mul(11, r1), shl(128, mul(11, r2)))) // cD
            mstore(add(mem, 0x40), or(r2, shl(128, r3))) // cA2
            mstore(add(mem, 0x60), or(r1, shl(128, r2))) // cB2
            let cB := or(mul(11, r3), shl(128, r0))
            r0 := or(r0, shl(128, r1)) // cA
            for { let p := txs.offset } lt(p, add(txs.offset, txs.length)) { p := add(p, 16) } {
                // one transaction: swap the bytes of every 16-bit lane; halves h0..h7 then sit at bits 112, 96, ..., 0
                let w := shr(128, calldataload(p))
                w := or(shr(8, and(w, 0xff00ff00ff00ff00ff00ff00ff00ff00)), shl(8, and(w, 0x00ff00ff00ff00ff00ff00ff00ff00ff)))
                // first element: h0..h3
                let lo := add(
                    add(add(mul(and(e01, 0xffffffffffffffffffffffffffffffff), r0), mul(shr(128, e01), cB)), add(mul(and(e23, 0xffffffffffffffffffffffffffffffff), mload(mem)), mul(shr(128, e23), mload(add(mem, 0x20))))),
                    or(shr(112, w), shl(128, and(shr(96, w), 0xffff)))
                )
                e23 := add(
                    add(add(mul(and(e01, 0xffffffffffffffffffffffffffffffff), mload(add(mem, 0x40))), mul(shr(128, e01), mload(add(mem, 0x60)))), add(mul(and(e23, 0xffffffffffffffffffffffffffffffff), r0), mul(shr(128, e23), cB))),
                    or(and(shr(80, w), 0xffff), shl(128, and(shr(64, w), 0xffff)))
                )
                e01 := or(mod(and(lo, 0xffffffffffffffffffffffffffffffff), P), shl(128, mod(shr(128, lo), P)))
                e23 := or(mod(and(e23, 0xffffffffffffffffffffffffffffffff), P), shl(128, mod(shr(128, e23), P)))
                // second element: h4..h7
                lo := add(
                    add(add(mul(and(e01, 0xffffffffffffffffffffffffffffffff), r0), mul(shr(128, e01), cB)), add(mul(and(e23, 0xffffffffffffffffffffffffffffffff), mload(mem)), mul(shr(128, e23), mload(add(mem, 0x20))))),
                    or(and(shr(48, w), 0xffff), shl(128, and(shr(32, w), 0xffff)))
                )
                e23 := add(
                    add(add(mul(and(e01, 0xffffffffffffffffffffffffffffffff), mload(add(mem, 0x40))), mul(shr(128, e01), mload(add(mem, 0x60)))), add(mul(and(e23, 0xffffffffffffffffffffffffffffffff), r0), mul(shr(128, e23), cB))),
                    or(and(shr(16, w), 0xffff), shl(128, and(w, 0xffff)))
                )
                e01 := or(mod(and(lo, 0xffffffffffffffffffffffffffffffff), P), shl(128, mod(shr(128, lo), P)))
                e23 := or(mod(and(e23, 0xffffffffffffffffffffffffffffffff), P), shl(128, mod(shr(128, e23), P)))
            }
        }
    }
}
