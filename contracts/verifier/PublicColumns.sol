// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {KField} from "./KField.sol";
import {IStarkVerifierErrors} from "./IStarkVerifierErrors.sol";

/// @notice The statement's public columns, read from calldata (ABI uint32[] words or packed u32 LE),
///         their transcript digest and their values at z and z·w (docs/proof-system.md §7.2).
library PublicColumns {
    using KField for uint256;

    uint256 internal constant P = 2013265921;
    uint256 internal constant W = 11;
    /// @dev Rows per batch inversion.
    uint256 internal constant BLOCK = 64;

    struct Source {
        uint256 offset; // calldata offset of the first element
        uint256 count; // number of elements (columns x rows)
        bool packed; // 4-byte LE elements instead of 32-byte ABI words
        uint256 numColumns;
        uint256 n;
    }

    /// @dev Element i (column-major), checked canonical.
    function at(Source memory src, uint256 i) internal pure returns (uint256 v) {
        uint256 off = src.offset;
        if (src.packed) {
            assembly {
                let x := shr(224, calldataload(add(off, shl(2, i))))
                v := or(or(shl(24, and(x, 0xff)), shl(8, and(x, 0xff00))), or(and(shr(8, x), 0xff00), shr(24, x)))
            }
        } else {
            assembly {
                v := calldataload(add(off, shl(5, i)))
            }
        }
        if (v >= P) revert IStarkVerifierErrors.StarkVerifier__InvalidInput();
    }

    /// @dev keccak256 of every element as u32 LE, column after column (src/stark/statement.ts).
    function digest(Source memory src) internal pure returns (bytes32 h) {
        uint256 count = src.count;
        uint256 off = src.offset;
        if (src.packed) {
            assembly {
                let m := mload(0x40)
                calldatacopy(m, off, shl(2, count))
                h := keccak256(m, shl(2, count))
            }
            return h;
        }
        bytes memory buf = new bytes(4 * count);
        bool bad;
        assembly {
            let dst := add(buf, 32)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let v := calldataload(add(off, shl(5, i)))
                if iszero(lt(v, P)) { bad := 1 }
                // v as u32 little-endian at dst + 4i (written as the top 4 bytes of a word)
                let le := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), and(shr(24, v), 0xff)))
                mstore(add(dst, shl(2, i)), shl(224, le))
            }
        }
        if (bad) revert IStarkVerifierErrors.StarkVerifier__InvalidInput();
        h = keccak256(buf);
    }

    /// @dev Values at z and at z·w of each column's interpolant over <w> (n = 2^logN rows):
    ///      P(z) = (z^n - 1)/n · sum_r v_r · w^r/(z - w^r) and P(z·w) = (z^n - 1)/n · sum_r v_(r+1) · w^r/(z - w^r).
    ///      1/(z - a) for base a is conj/norm with a base-field norm, so each block of rows needs one
    ///      base-field inversion; rows where every column is zero at r and r+1 are skipped.
    ///      Returns [cur_0 .. cur_(k-1), next_0 .. next_(k-1)].
    struct Eval {
        uint256 z0;
        uint256 z1;
        uint256 z2;
        uint256 z3;
        uint256 c1; // t0 = u0^2 + c1
        uint256 c2; // t2 = 2·u0·z2 - c2   (u0 = z0 - a)
        uint256 k;
        uint256 n;
        uint256 omega;
        uint256[] acc; // 8 lazy sums per column: value at z (4 lanes), at z·w (4 lanes)
        uint256[] rows;
        uint256[] pts;
        uint256[] norms;
        uint256[] prefix;
    }

    function evaluate(Source memory src, uint256 z, uint256 omega, uint256 logN) internal pure returns (uint256[] memory out) {
        uint256 k = src.numColumns;
        out = new uint256[](2 * k);
        if (k == 0) return out;
        Eval memory e;
        e.k = k;
        e.n = src.n;
        e.omega = omega;
        e.acc = new uint256[](8 * k);
        e.z0 = z & KField.M64;
        e.z1 = (z >> 64) & KField.M64;
        e.z2 = (z >> 128) & KField.M64;
        e.z3 = z >> 192;
        e.c1 = mulmod(W, addmod(mulmod(e.z2, e.z2, P), P - mulmod(2, mulmod(e.z1, e.z3, P), P), P), P);
        e.c2 = addmod(mulmod(e.z1, e.z1, P), mulmod(W, mulmod(e.z3, e.z3, P), P), P);
        e.rows = new uint256[](BLOCK);
        e.pts = new uint256[](BLOCK);
        e.norms = new uint256[](BLOCK);
        e.prefix = new uint256[](BLOCK);
        uint256 a = 1;
        for (uint256 start = 0; start < e.n; start += BLOCK) {
            a = _block(src, e, start, a);
        }
        // factor = (z^n - 1)/n
        uint256 factor = KField.sub(z.squareTimes(logN), 1).scale(KField.invF(e.n));
        uint256[] memory acc = e.acc;
        for (uint256 col = 0; col < k; ++col) {
            uint256 cur = KField.pack(acc[8 * col] % P, acc[8 * col + 1] % P, acc[8 * col + 2] % P, acc[8 * col + 3] % P);
            uint256 nxt = KField.pack(acc[8 * col + 4] % P, acc[8 * col + 5] % P, acc[8 * col + 6] % P, acc[8 * col + 7] % P);
            out[col] = cur.mul(factor);
            out[k + col] = nxt.mul(factor);
        }
    }

    /// @dev One block of rows from `start`; `a` = w^start. Returns w^end.
    /// @dev Pass 1 over a block (assembly): rows with a non-zero value at r or r+1, their points a = w^r,
    ///      norms N(z - a) and prefix products of the norms. Every element of the block's rows is checked < p.
    function _block(Source memory src, Eval memory e, uint256 start, uint256 a) private pure returns (uint256) {
        uint256 cnt;
        uint256 prod;
        bool bad;
        assembly {
            function rd(o, i, pk) -> v {
                switch pk
                case 0 { v := calldataload(add(o, shl(5, i))) }
                default {
                    v := shr(224, calldataload(add(o, shl(2, i))))
                    v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                }
            }
            // e: z0 z1 z2 z3 c1 c2 k n omega acc rows pts norms prefix (one word each)
            function scan(ep, sp, r) -> active, badRow {
                let o := mload(sp)
                let pk := mload(add(sp, 0x40))
                let n := mload(add(ep, 0xe0))
                let kn := mul(mload(add(ep, 0xc0)), n)
                let rn := add(r, 1)
                if eq(rn, n) { rn := 0 }
                for { let base := 0 } lt(base, kn) { base := add(base, n) } {
                    let v := rd(o, add(base, r), pk)
                    if iszero(lt(v, 2013265921)) { badRow := 1 }
                    if v { active := 1 }
                    if iszero(active) { if rd(o, add(base, rn), pk) { active := 1 } }
                }
            }
            function norm(ep, pt) -> nm {
                let u0 := addmod(mload(ep), sub(2013265921, pt), 2013265921)
                let t0 := addmod(mulmod(u0, u0, 2013265921), mload(add(ep, 0x80)), 2013265921)
                let t2 := addmod(mulmod(mulmod(2, u0, 2013265921), mload(add(ep, 0x40)), 2013265921), sub(2013265921, mload(add(ep, 0xa0))), 2013265921)
                nm := addmod(mulmod(t0, t0, 2013265921), sub(2013265921, mulmod(11, mulmod(t2, t2, 2013265921), 2013265921)), 2013265921)
            }
            prod := 1
            for { let r := start } lt(r, add(start, BLOCK)) { r := add(r, 1) } {
                if eq(r, mload(add(e, 0xe0))) { break }
                let active, badRow := scan(e, src, r)
                if badRow { bad := 1 }
                if active {
                    let nm := norm(e, a)
                    let slot := shl(5, add(cnt, 1))
                    mstore(add(mload(add(e, 0x140)), slot), r)
                    mstore(add(mload(add(e, 0x160)), slot), a)
                    mstore(add(mload(add(e, 0x180)), slot), nm)
                    mstore(add(mload(add(e, 0x1a0)), slot), prod)
                    prod := mulmod(prod, nm, P)
                    cnt := add(cnt, 1)
                }
                a := mulmod(a, mload(add(e, 0x100)), P)
            }
        }
        if (bad) revert IStarkVerifierErrors.StarkVerifier__InvalidInput();
        if (cnt != 0) _finishBlock(src, e, cnt, prod);
        return a;
    }

    /// @dev Pass 2 (assembly): invert the norms, form each row's weight a/N(z - a)·conj(z - a)·(t0 - t2·X^2)
    ///      and add v_r·weight (at z) and v_(r+1)·weight (at z·w) into every column's lane sums.
    function _finishBlock(Source memory src, Eval memory e, uint256 cnt, uint256 prod) private pure {
        uint256 invAcc = KField.invF(prod);
        uint256 off = src.offset;
        bool packed = src.packed;
        assembly {
            function rd(o, i, pk) -> v {
                switch pk
                case 0 { v := calldataload(add(o, shl(5, i))) }
                default {
                    v := shr(224, calldataload(add(o, shl(2, i))))
                    v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                }
            }
            function addw(q, x, y) {
                mstore(q, add(mload(q), mul(and(x, 0xffffffffffffffff), y)))
                mstore(add(q, 32), add(mload(add(q, 32)), mul(and(shr(64, x), 0xffffffffffffffff), y)))
                mstore(add(q, 64), add(mload(add(q, 64)), mul(and(shr(128, x), 0xffffffffffffffff), y)))
                mstore(add(q, 96), add(mload(add(q, 96)), mul(shr(192, x), y)))
            }
            function weight(ep, a, sc) -> w {
                let z2 := mload(add(ep, 0x40))
                let u0 := addmod(mload(ep), sub(2013265921, a), 2013265921)
                let t0 := addmod(mulmod(u0, u0, 2013265921), mload(add(ep, 0x80)), 2013265921)
                let t2 := addmod(mulmod(mulmod(2, u0, 2013265921), z2, 2013265921), sub(2013265921, mload(add(ep, 0xa0))), 2013265921)
                w := mulmod(addmod(mulmod(u0, t0, 2013265921), sub(2013265921, mulmod(11, mulmod(z2, t2, 2013265921), 2013265921)), 2013265921), sc, 2013265921)
                let z1 := mload(add(ep, 0x20))
                let z3 := mload(add(ep, 0x60))
                w := or(w, shl(64, mulmod(addmod(sub(2013265921, mulmod(z1, t0, 2013265921)), mulmod(11, mulmod(z3, t2, 2013265921), 2013265921), 2013265921), sc, 2013265921)))
                w := or(w, shl(128, mulmod(addmod(sub(2013265921, mulmod(u0, t2, 2013265921)), mulmod(z2, t0, 2013265921), 2013265921), sc, 2013265921)))
                w := or(w, shl(192, mulmod(addmod(mulmod(z1, t2, 2013265921), sub(2013265921, mulmod(z3, t0, 2013265921)), 2013265921), sc, 2013265921)))
            }
            function row(ep, o, pk, r, w) {
                let n := mload(add(ep, 0xe0))
                let kn := mul(mload(add(ep, 0xc0)), n)
                let rn := add(r, 1)
                if eq(rn, n) { rn := 0 }
                let q := add(mload(add(ep, 0x120)), 32)
                for { let base := 0 } lt(base, kn) { base := add(base, n) } {
                    let v := rd(o, add(base, r), pk)
                    if v { addw(q, w, v) }
                    v := rd(o, add(base, rn), pk)
                    if v { addw(add(q, 128), w, v) }
                    q := add(q, 256)
                }
            }
            for { let j := cnt } gt(j, 0) { j := sub(j, 1) } {
                let slot := shl(5, j)
                let a := mload(add(mload(add(e, 0x160)), slot))
                let sc := mulmod(a, mulmod(mload(add(mload(add(e, 0x1a0)), slot)), invAcc, P), P) // a / norm
                invAcc := mulmod(invAcc, mload(add(mload(add(e, 0x180)), slot)), P)
                row(e, off, packed, mload(add(mload(add(e, 0x140)), slot)), weight(e, a, sc))
            }
        }
    }
}
