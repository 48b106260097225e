// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The keccak Fiat-Shamir transcript of src/stark/transcript.ts (`Transcript`), byte for byte:
///         absorb(tag, bytes): s <- keccak256(s || tag || u32le(len) || bytes), counter <- 0;
///         squeeze:            s <- keccak256(s || 0xFF || u32le(counter++)).
library Transcript {
    uint256 internal constant P = 2013265921;
    uint8 internal constant TAG_INIT = 0x01;
    uint8 internal constant TAG_MAIN_COMMIT = 0x02;
    uint8 internal constant TAG_QUOTIENT_COMMIT = 0x03;
    uint8 internal constant TAG_OOD_VALUES = 0x04;
    uint8 internal constant TAG_FRI_COMMIT = 0x05;
    uint8 internal constant TAG_FINAL_POLY = 0x06;
    uint8 internal constant TAG_POW_NONCE = 0x07;
    uint8 internal constant TAG_AUX_COMMIT = 0x08;
    uint8 internal constant TAG_TERMINAL_SUMS = 0x09;
    /// @dev keccak256("prover-node/stark/v2").
    bytes32 internal constant INITIAL_STATE = keccak256("prover-node/stark/v2");

    struct State {
        bytes32 s;
        uint256 counter;
    }

    function bswap32(uint256 x) internal pure returns (uint256) {
        return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | ((x >> 24) & 0xff);
    }

    /// @dev u32 little-endian at a calldata offset.
    function le32(uint256 off) internal pure returns (uint256 v) {
        assembly {
            let x := shr(224, calldataload(off))
            v := or(or(shl(24, and(x, 0xff)), shl(8, and(x, 0xff00))), or(and(shr(8, x), 0xff00), shr(24, x)))
        }
    }

    function init(bytes memory initBlock) internal pure returns (State memory t) {
        t.s = INITIAL_STATE;
        absorbMemory(t, TAG_INIT, initBlock);
    }

    function absorbMemory(State memory t, uint8 tag, bytes memory data) internal pure {
        bytes32 s = t.s;
        bytes32 out;
        assembly {
            let len := mload(data)
            let m := mload(0x40)
            mstore(m, s)
            mstore8(add(m, 32), tag)
            mstore8(add(m, 33), and(len, 0xff))
            mstore8(add(m, 34), and(shr(8, len), 0xff))
            mstore8(add(m, 35), and(shr(16, len), 0xff))
            mstore8(add(m, 36), and(shr(24, len), 0xff))
            mcopy(add(m, 37), add(data, 32), len)
            out := keccak256(m, add(37, len))
        }
        t.s = out;
        t.counter = 0;
    }

    function absorbCalldata(State memory t, uint8 tag, uint256 off, uint256 len) internal pure {
        bytes32 s = t.s;
        bytes32 out;
        assembly {
            let m := mload(0x40)
            mstore(m, s)
            mstore8(add(m, 32), tag)
            mstore8(add(m, 33), and(len, 0xff))
            mstore8(add(m, 34), and(shr(8, len), 0xff))
            mstore8(add(m, 35), and(shr(16, len), 0xff))
            mstore8(add(m, 36), and(shr(24, len), 0xff))
            calldatacopy(add(m, 37), off, len)
            out := keccak256(m, add(37, len))
        }
        t.s = out;
        t.counter = 0;
    }

    function squeeze(State memory t) internal pure returns (bytes32 out) {
        bytes32 s = t.s;
        uint256 ctr = t.counter;
        assembly {
            let m := mload(0x40)
            mstore(m, s)
            mstore8(add(m, 32), 0xff)
            mstore8(add(m, 33), and(ctr, 0xff))
            mstore8(add(m, 34), and(shr(8, ctr), 0xff))
            mstore8(add(m, 35), and(shr(16, ctr), 0xff))
            mstore8(add(m, 36), and(shr(24, ctr), 0xff))
            out := keccak256(m, 37)
        }
        t.s = out;
        t.counter = (ctr + 1) & 0xffffffff;
    }

    /// @dev u32 LE word i (0..7) of a squeeze output.
    function word(bytes32 h, uint256 i) internal pure returns (uint256 v) {
        assembly {
            let x := and(shr(sub(224, shl(5, i)), h), 0xffffffff)
            v := or(or(shl(24, and(x, 0xff)), shl(8, and(x, 0xff00))), or(and(shr(8, x), 0xff00), shr(24, x)))
        }
    }

    /// @dev An element of K: four base elements by rejection sampling (31-bit mask, reject >= p),
    ///      packed one coefficient per 64-bit lane.
    function sampleExt(State memory t) internal pure returns (uint256 e) {
        uint256 got = 0;
        while (got < 4) {
            bytes32 h = squeeze(t);
            for (uint256 i = 0; i < 8 && got < 4; ++i) {
                uint256 x = word(h, i) & 0x7fffffff;
                if (x < P) {
                    e |= x << (64 * got);
                    ++got;
                }
            }
        }
    }

    /// @dev keccak256(state || u64le nonce) has at least `bits` leading zero bits.
    function checkPow(State memory t, uint256 nonceOffset, uint256 bits) internal pure returns (bool) {
        if (bits == 0) return true;
        bytes32 s = t.s;
        bytes32 h;
        assembly {
            let m := mload(0x40)
            mstore(m, s)
            calldatacopy(add(m, 32), nonceOffset, 8)
            h := keccak256(m, 40)
        }
        return uint256(h) >> (256 - bits) == 0;
    }

    /// @dev Exactly `count` distinct indices in [0, 2^bits), sorted: one squeeze (8 u32 LE words masked
    ///      to `bits` bits) at a time, repeats skipped (src/stark/transcript.ts `drawQueries`). The caller
    ///      guarantees 2^bits >= count.
    function sampleQueries(State memory t, uint256 count, uint256 bits) internal pure returns (uint256[] memory out) {
        uint256 mask = (1 << bits) - 1;
        out = new uint256[](count);
        uint256 got = 0;
        while (got < count) {
            bytes32 h = squeeze(t);
            assembly {
                let base := add(out, 32)
                for { let i := 0 } and(lt(i, 8), lt(got, count)) { i := add(i, 1) } {
                    let x := and(shr(sub(224, shl(5, i)), h), 0xffffffff)
                    let q := and(or(or(shl(24, and(x, 0xff)), shl(8, and(x, 0xff00))), or(and(shr(8, x), 0xff00), shr(24, x))), mask)
                    // insert into the sorted prefix unless present
                    let j := got
                    let dup := 0
                    for {} gt(j, 0) { j := sub(j, 1) } {
                        let u := mload(add(base, shl(5, sub(j, 1))))
                        if lt(u, q) { break }
                        if eq(u, q) {
                            dup := 1
                            break
                        }
                    }
                    if iszero(dup) {
                        for { let m := got } gt(m, j) { m := sub(m, 1) } {
                            mstore(add(base, shl(5, m)), mload(add(base, shl(5, sub(m, 1)))))
                        }
                        mstore(add(base, shl(5, j)), q)
                        got := add(got, 1)
                    }
                }
            }
        }
    }
}
