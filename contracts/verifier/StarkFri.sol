// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {StarkCommon} from "./StarkCommon.sol";
import {KField} from "./KField.sol";
import {Fri} from "./Fri.sol";

/// @notice Merkle multi-proofs against caps, and the FRI query phase over mixed heights (a smaller
///         group's DEEP value joins after the fold that reaches its height, weighted by beta^arity):
///         the second half of StarkQueryPhase.
abstract contract StarkFri is StarkCommon {
    using KField for uint256;

    // ---------------------------------------------------------------- Merkle multi-proofs with caps

    /// @dev Walks a multi-proof `levels` levels up from `count` sorted distinct leaf indices and their
    ///      digests (both overwritten: on return their first `cnt` entries are the nodes reached), reading the u16
    ///      sibling count and the siblings (level by level, left to right). Every sibling must be consumed.
    ///      In assembly: this walk is most of the verifier's gas.
    function _walk(Ctx memory c, uint256[] memory idx, bytes32[] memory hs, uint256 levels, uint256 count)
        internal
        pure
        returns (uint256 cnt)
    {
        uint256 countPos = c.pos;
        uint256 nSib = _u16(c);
        _need(c, 32 * nSib);
        uint256 sibPtr = c.pos;
        uint256 sibEnd = sibPtr + 32 * nSib;
        c.pos = sibEnd;
        bool short;
        assembly {
            cnt := count
            let ip := add(idx, 32)
            let hp := add(hs, 32)
            for { let l := 0 } lt(l, levels) { l := add(l, 1) } {
                let wr := 0
                for { let k := 0 } lt(k, cnt) { k := add(k, 1) } {
                    let i := mload(add(ip, shl(5, k)))
                    let h := mload(add(hp, shl(5, k)))
                    let k1 := add(k, 1)
                    let paired := 0
                    if lt(k1, cnt) { paired := eq(mload(add(ip, shl(5, k1))), xor(i, 1)) }
                    switch paired
                    case 1 {
                        mstore(0x00, h)
                        mstore(0x20, mload(add(hp, shl(5, k1))))
                        k := k1
                    }
                    default {
                        if iszero(lt(sibPtr, sibEnd)) { short := 1 }
                        let sib := calldataload(sibPtr)
                        sibPtr := add(sibPtr, 32)
                        switch and(i, 1)
                        case 1 {
                            mstore(0x00, sib)
                            mstore(0x20, h)
                        }
                        default {
                            mstore(0x00, h)
                            mstore(0x20, sib)
                        }
                    }
                    mstore(add(ip, shl(5, wr)), shr(1, i))
                    mstore(add(hp, shl(5, wr)), keccak256(0x00, 0x40))
                    wr := add(wr, 1)
                }
                cnt := wr
            }
        }
        if (short || sibPtr != sibEnd) revert StarkVerifier__Decode(countPos - c.start);
    }

    /// @dev Every node reached equals the cap digest at its index (cap in calldata).
    function _matchesCalldataCap(uint256 capOff, uint256[] memory idx, bytes32[] memory hs, uint256 cnt)
        internal
        pure
        returns (bool ok)
    {
        ok = true;
        for (uint256 k = 0; k < cnt; ++k) {
            uint256 at = capOff + 32 * idx[k];
            bytes32 d;
            assembly {
                d := calldataload(at)
            }
            if (d != hs[k]) return false;
        }
    }

    /// @dev As `_matchesCalldataCap`, the cap in memory (the preprocessed caps of the verification key).
    function _matchesMemoryCap(bytes32[] memory cap, uint256[] memory idx, bytes32[] memory hs, uint256 cnt)
        internal
        pure
        returns (bool)
    {
        for (uint256 k = 0; k < cnt; ++k) {
            if (cap[idx[k]] != hs[k]) return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- FRI query phase

    /// @dev Every layer's opened coset holds the running value; fold it onward and add a joining group's
    ///      DEEP value (weighted by beta^arity); the last values lie on the final polynomial.
    function _friQueries(Ctx memory c) internal pure {
        Group memory g0 = c.groups[0];
        uint256 cnt = g0.pos.length;
        uint256[] memory pos = new uint256[](cnt);
        for (uint256 k = 0; k < cnt; ++k) {
            pos[k] = g0.pos[k];
        }
        uint256[] memory values = g0.deep;
        uint256 logM = c.logQD;
        uint256 layerShift = COSET_SHIFT;
        for (uint256 r = 0; r < c.steps.length; ++r) {
            uint256 s = c.steps[r];
            Layer memory ly = Layer(r, s, logM, layerShift, 1 << s, 1 << (logM - s), c.betas[r], 0, 0, 16 << s);
            cnt = _friLayer(c, ly, pos, values, cnt);
            layerShift = KField.powF(layerShift, ly.k);
            logM -= s;
            if (c.joins[r] != NONE) {
                // The joining group's positions are these leaves (both: distinct queries mod 2^logM, sorted).
                uint256[] memory deep = c.groups[c.joins[r]].deep;
                uint256 weight = c.betas[r].powE(ly.k);
                for (uint256 k = 0; k < cnt; ++k) {
                    values[k] = values[k].add(weight.mul(deep[k]));
                }
            }
        }
        uint256 wM = _twoAdicGenerator(logM);
        for (uint256 k = 0; k < cnt; ++k) {
            uint256 x = mulmod(layerShift, KField.powF(wM, pos[k]), P);
            if (_finalPolyAt(c.finalOff, c.finalLen, x) != values[k]) revert StarkVerifier__FinalPolyMismatch();
        }
    }

    struct Layer {
        uint256 r;
        uint256 s;
        uint256 logM;
        uint256 shift;
        uint256 k;
        uint256 L;
        uint256 beta;
        uint256 nl;
        uint256 valuesOff;
        uint256 leafBytes;
    }

    /// @dev Horner evaluation at a base point x of the final polynomial (K coefficients read from
    ///      calldata; their canonicity was checked when the sections were read).
    function _finalPolyAt(uint256 off, uint256 len, uint256 x) internal pure returns (uint256 r) {
        assembly {
            function le(w, j) -> v {
                v := and(shr(sub(224, shl(5, j)), w), 0xffffffff)
                v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
            }
            let a0 := 0
            let a1 := 0
            let a2 := 0
            let a3 := 0
            for { let i := len } gt(i, 0) { i := sub(i, 1) } {
                let w := calldataload(add(off, shl(4, sub(i, 1))))
                a0 := addmod(mulmod(a0, x, P), le(w, 0), P)
                a1 := addmod(mulmod(a1, x, P), le(w, 1), P)
                a2 := addmod(mulmod(a2, x, P), le(w, 2), P)
                a3 := addmod(mulmod(a3, x, P), le(w, 3), P)
            }
            r := or(or(a0, shl(64, a1)), or(shl(128, a2), shl(192, a3)))
        }
    }

    /// @dev One FRI layer: positions pos[0..cnt) (sorted, distinct) with running values. Returns the new
    ///      count; pos/values are replaced by the sorted distinct leaves and their folded values.
    function _friLayer(Ctx memory c, Layer memory ly, uint256[] memory pos, uint256[] memory values, uint256 cnt)
        internal
        pure
        returns (uint256)
    {
        uint256[] memory leaves = _sortedLeaves(pos, cnt, ly.L);
        ly.nl = leaves.length;
        uint256 countPos = c.pos;
        if (_u16(c) != ly.nl) revert StarkVerifier__Decode(countPos - c.start);
        _need(c, ly.nl * ly.leafBytes);
        ly.valuesOff = c.pos;
        c.pos += ly.nl * ly.leafBytes;
        _checkCosetValues(c, ly, leaves, pos, values, cnt);
        bytes32[] memory digests = _foldLayer(c, ly, leaves, values);
        // The leaves are the next positions; the walk overwrites its index array, so it gets `pos`.
        for (uint256 i = 0; i < ly.nl; ++i) {
            pos[i] = leaves[i];
        }
        uint256 depth = ly.logM - ly.s;
        uint256 capHeight = c.logCap < depth ? c.logCap : depth;
        uint256 reached = _walk(c, pos, digests, depth - capHeight, ly.nl);
        if (!_matchesCalldataCap(c.friCaps[ly.r], pos, digests, reached)) revert StarkVerifier__FriMerkleMismatch(ly.r);
        for (uint256 i = 0; i < ly.nl; ++i) {
            pos[i] = leaves[i];
        }
        return ly.nl;
    }

    /// @dev Every position's running value must be its coset's entry.
    function _checkCosetValues(
        Ctx memory c,
        Layer memory ly,
        uint256[] memory leaves,
        uint256[] memory pos,
        uint256[] memory values,
        uint256 cnt
    ) internal pure {
        for (uint256 i = 0; i < cnt; ++i) {
            uint256 li = _indexOf(leaves, ly.nl, pos[i] % ly.L);
            uint256 off = ly.valuesOff + li * ly.leafBytes + 16 * (pos[i] / ly.L);
            if (_readExtAt(c, off) != values[i]) revert StarkVerifier__FriMismatch(ly.r);
        }
    }

    function _foldLayer(Ctx memory c, Layer memory ly, uint256[] memory leaves, uint256[] memory values)
        internal
        pure
        returns (bytes32[] memory digests)
    {
        digests = new bytes32[](ly.nl);
        uint256 wMInv = KField.invF(_twoAdicGenerator(ly.logM));
        uint256 shiftInv = KField.invF(ly.shift);
        for (uint256 j = 0; j < ly.nl; ++j) {
            uint256 off = ly.valuesOff + j * ly.leafBytes;
            digests[j] = _hashCalldata(off, ly.leafBytes);
            uint256 yInv = mulmod(shiftInv, KField.powF(wMInv, leaves[j]), P);
            values[j] = Fri.foldCoset(_readCoset(c, off, ly.k), yInv, ly.beta, ly.s);
        }
    }

    function _sortedLeaves(uint256[] memory pos, uint256 cnt, uint256 L) internal pure returns (uint256[] memory leaves) {
        leaves = new uint256[](cnt);
        for (uint256 i = 0; i < cnt; ++i) {
            leaves[i] = pos[i];
        }
        uint256 nl = _restoreLeaves(leaves, cnt, L);
        assembly {
            mstore(leaves, nl)
        }
    }

    /// @dev Sorted distinct (pos[i] % L) for i < cnt, written into pos; returns their count. (Insertion
    ///      sort: cnt ≤ 128, and the input is a few sorted runs.)
    function _restoreLeaves(uint256[] memory pos, uint256 cnt, uint256 L) internal pure returns (uint256 nl) {
        assembly {
            let p := add(pos, 32)
            let end := add(p, shl(5, cnt))
            for { let q := p } lt(q, end) { q := add(q, 32) } {
                let v := mod(mload(q), L)
                let r := q
                for {} gt(r, p) { r := sub(r, 32) } {
                    let u := mload(sub(r, 32))
                    if iszero(gt(u, v)) { break }
                    mstore(r, u)
                }
                mstore(r, v)
            }
            let w := p
            for { let q := p } lt(q, end) { q := add(q, 32) } {
                let v := mload(q)
                if or(eq(w, p), iszero(eq(mload(sub(w, 32)), v))) {
                    mstore(w, v)
                    w := add(w, 32)
                }
            }
            nl := shr(5, sub(w, p))
        }
    }

    function _indexOf(uint256[] memory a, uint256 len, uint256 v) internal pure returns (uint256) {
        uint256 lo = 0;
        uint256 hi = len;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (a[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    function _readCoset(Ctx memory c, uint256 off, uint256 k) internal pure returns (uint256[] memory v) {
        v = new uint256[](k);
        for (uint256 m = 0; m < k; ++m) {
            v[m] = _readExtAt(c, off + 16 * m);
        }
    }
}
