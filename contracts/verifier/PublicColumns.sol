// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {KField} from "./KField.sol";
import {IStarkVerifierErrors} from "./IStarkVerifierErrors.sol";

/// @notice The statement's public columns, read from calldata (ABI uint32[] words or packed u32 LE),
///         their transcript digest and their values at z and z·w (DESIGN §3.5).
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
    function _block(Source memory src, Eval memory e, uint256 start, uint256 a) private pure returns (uint256) {
        uint256 end = start + BLOCK < e.n ? start + BLOCK : e.n;
        uint256 cnt = 0;
        uint256 prod = 1;
        for (uint256 r = start; r < end; ++r) {
            if (_rowActive(src, r, e.k, e.n)) {
                uint256 u0 = addmod(e.z0, P - a, P);
                uint256 t0 = addmod(mulmod(u0, u0, P), e.c1, P);
                uint256 t2 = addmod(mulmod(mulmod(2, u0, P), e.z2, P), P - e.c2, P);
                uint256 nm = addmod(mulmod(t0, t0, P), P - mulmod(W, mulmod(t2, t2, P), P), P);
                e.rows[cnt] = r;
                e.pts[cnt] = a;
                e.norms[cnt] = nm;
                e.prefix[cnt] = prod;
                prod = mulmod(prod, nm, P);
                ++cnt;
            }
            a = mulmod(a, e.omega, P);
        }
        if (cnt != 0) _finishBlock(src, e, cnt, prod);
        return a;
    }

    function _finishBlock(Source memory src, Eval memory e, uint256 cnt, uint256 prod) private pure {
        uint256 invAcc = KField.invF(prod);
        for (uint256 i = cnt; i > 0; --i) {
            uint256 j = i - 1;
            uint256 s = mulmod(e.pts[j], mulmod(e.prefix[j], invAcc, P), P); // a / norm
            invAcc = mulmod(invAcc, e.norms[j], P);
            _accumulate(src.offset, src.packed, e.acc, e.n, e.k, e.rows[j], _weight(e, e.pts[j], s));
        }
    }

    /// @dev Whether any column is non-zero at row r or r+1; checks every element of row r is < p (so
    ///      every element is checked exactly once over all rows).
    function _rowActive(Source memory src, uint256 r, uint256 k, uint256 n) private pure returns (bool active) {
        uint256 off = src.offset;
        bool packed = src.packed;
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
            let rn := add(r, 1)
            if eq(rn, n) { rn := 0 }
            for { let col := 0 } lt(col, k) { col := add(col, 1) } {
                let v := rd(off, add(mul(col, n), r), packed)
                if iszero(lt(v, P)) { bad := 1 }
                if v { active := 1 }
                if iszero(active) { if rd(off, add(mul(col, n), rn), packed) { active := 1 } }
            }
        }
        if (bad) revert IStarkVerifierErrors.StarkVerifier__InvalidInput();
    }

    /// @dev Adds v_r·w and v_(r+1)·w (w packed: 4 lanes) into the lazy sums of every column.
    function _accumulate(uint256 off, bool packed, uint256[] memory acc, uint256 n, uint256 k, uint256 r, uint256 w)
        private
        pure
    {
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
            let rn := add(r, 1)
            if eq(rn, n) { rn := 0 }
            let p := add(acc, 32)
            for { let base := 0 } lt(base, mul(k, n)) { base := add(base, n) } {
                let v := rd(off, add(base, r), packed)
                if v { addw(p, w, v) }
                v := rd(off, add(base, rn), packed)
                if v { addw(add(p, 128), w, v) }
                p := add(p, 256)
            }
        }
    }

    /// @dev a/norm · conj(z - a)·(t0 - t2·X^2): the K element w^r/(z - w^r) (up to the common factor), packed.
    function _weight(Eval memory e, uint256 a, uint256 s) private pure returns (uint256 w) {
        uint256 u0 = addmod(e.z0, P - a, P);
        uint256 t0 = addmod(mulmod(u0, u0, P), e.c1, P);
        uint256 t2 = addmod(mulmod(mulmod(2, u0, P), e.z2, P), P - e.c2, P);
        w = mulmod(addmod(mulmod(u0, t0, P), P - mulmod(W, mulmod(e.z2, t2, P), P), P), s, P);
        w |= mulmod(addmod(P - mulmod(e.z1, t0, P), mulmod(W, mulmod(e.z3, t2, P), P), P), s, P) << 64;
        w |= mulmod(addmod(P - mulmod(u0, t2, P), mulmod(e.z2, t0, P), P), s, P) << 128;
        w |= mulmod(addmod(mulmod(e.z1, t2, P), P - mulmod(e.z3, t0, P), P), s, P) << 192;
    }
}
