// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {StarkFri} from "./StarkFri.sol";
import {IStarkQueryPhase} from "./IStarkQueryPhase.sol";
import {KField} from "./KField.sol";
import {Transcript} from "./Transcript.sol";

/// @notice The query phase of the protocol-v2 verifier (docs/verifier.md), a stateless contract of its own
///         so that every part of the verifier fits EIP-170: gamma, the FRI commitments and betas, the
///         final polynomial, the proof of work, the query draw, every height group's openings checked
///         against its caps, the DEEP function per group, and the FRI query phase over mixed heights (a
///         smaller group's DEEP value joins after the fold that reaches its height, weighted by
///         beta^arity). StarkVerifierBase runs every phase before and calls `run` with the proof and its
///         derived state; it pins this contract by its code hash and forwards its refusals unchanged.
contract StarkQueryPhase is IStarkQueryPhase, StarkFri {
    using KField for uint256;

    /// @inheritdoc IStarkQueryPhase
    /// @dev `w` is the verifier's state, flattened by StarkVerifierBase `_flatten` (layout in `_unflatten`).
    function run(bytes calldata proof, uint256[] calldata w) external pure returns (bool) {
        Ctx memory c;
        c.start = _proofOffset(proof);
        c.end = c.start + proof.length;
        _unflatten(c, w);
        _queryPhase(c);
        if (c.pos != c.end) revert StarkVerifier__Decode(c.pos - c.start);
        return true;
    }

    function _proofOffset(bytes calldata proof) private pure returns (uint256 off) {
        assembly {
            off := proof.offset
        }
    }

    /// @dev The state StarkVerifierBase `_flatten` writes, proof offsets relative to the proof:
    ///      [state, counter, pos, oodOff, finalOff, finalLen, nonceOff, numQueries, powBits, logCap, logQD, z,
    ///       R, steps (R), joins (R), friCaps (R),
    ///       T, per table: width numPre numAux numChunks mainOff auxOff quotOff oodOff claimOff,
    ///       G, per group: logRows logLde mainWidth auxWidth quotWidth numClaims capHeight mainCap auxCap
    ///                     quotCap, member count, members,
    ///       per table: preprocessed cap size, its digests]
    function _unflatten(Ctx memory c, uint256[] calldata w) private pure {
        uint256 s = c.start;
        c.t.s = bytes32(w[0]);
        c.t.counter = w[1];
        c.pos = s + w[2];
        c.oodOff = s + w[3];
        c.finalOff = s + w[4];
        c.finalLen = w[5];
        c.nonceOff = s + w[6];
        c.numQueries = w[7];
        c.powBits = w[8];
        c.logCap = w[9];
        c.logQD = w[10];
        c.z = w[11];
        uint256 r = w[12];
        uint256 i = 13;
        c.steps = new uint256[](r);
        c.joins = new uint256[](r);
        c.friCaps = new uint256[](r);
        for (uint256 k = 0; k < r; ++k) {
            c.steps[k] = w[i + k];
            c.joins[k] = w[i + r + k];
            c.friCaps[k] = s + w[i + 2 * r + k];
        }
        i += 3 * r;
        uint256 nt = w[i++];
        c.tables = new Table[](nt);
        for (uint256 t = 0; t < nt; ++t) {
            Table memory tb = c.tables[t];
            tb.width = w[i];
            tb.numPre = w[i + 1];
            tb.numAux = w[i + 2];
            tb.numChunks = w[i + 3];
            tb.mainOff = w[i + 4];
            tb.auxOff = w[i + 5];
            tb.quotOff = w[i + 6];
            tb.oodOff = w[i + 7];
            tb.claimOff = w[i + 8];
            i += 9;
        }
        uint256 ng = w[i++];
        c.groups = new Group[](ng);
        for (uint256 g = 0; g < ng; ++g) {
            Group memory gr = c.groups[g];
            gr.logRows = w[i];
            gr.logLde = w[i + 1];
            gr.mainWidth = w[i + 2];
            gr.auxWidth = w[i + 3];
            gr.quotWidth = w[i + 4];
            gr.numClaims = w[i + 5];
            gr.capHeight = w[i + 6];
            gr.mainCap = s + w[i + 7];
            gr.auxCap = s + w[i + 8];
            gr.quotCap = s + w[i + 9];
            uint256 members = w[i + 10];
            i += 11;
            gr.tables = new uint256[](members);
            for (uint256 k = 0; k < members; ++k) {
                gr.tables[k] = w[i + k];
            }
            i += members;
        }
        c.preCaps = new bytes32[][](nt);
        for (uint256 t = 0; t < nt; ++t) {
            uint256 n = w[i++];
            bytes32[] memory cap = new bytes32[](n);
            for (uint256 k = 0; k < n; ++k) {
                cap[k] = bytes32(w[i + k]);
            }
            c.preCaps[t] = cap;
            i += n;
        }
    }

    // ---------------------------------------------------------------- query phase

    /// @dev gamma, the FRI commitments and betas, the final polynomial, the proof of work and the
    ///      queries; then every group's openings and DEEP values, and the FRI query phase.
    function _queryPhase(Ctx memory c) internal pure {
        c.gamma = Transcript.sampleExt(c.t);
        uint256 rounds = c.steps.length;
        c.betas = new uint256[](rounds);
        uint256 lm = c.logQD;
        for (uint256 r = 0; r < rounds; ++r) {
            lm -= c.steps[r];
            Transcript.absorbCalldata(c.t, Transcript.TAG_FRI_COMMIT, c.friCaps[r], 32 << (c.logCap < lm ? c.logCap : lm));
            c.betas[r] = Transcript.sampleExt(c.t);
        }
        Transcript.absorbCalldata(c.t, Transcript.TAG_FINAL_POLY, c.finalOff, 16 * c.finalLen);
        if (!Transcript.checkPow(c.t, c.nonceOff, c.powBits)) revert StarkVerifier__PowInvalid();
        Transcript.absorbCalldata(c.t, Transcript.TAG_POW_NONCE, c.nonceOff, 8);
        c.queries = Transcript.sampleQueries(c.t, c.numQueries, c.logQD);

        uint256 maxClaims = 0;
        for (uint256 g = 0; g < c.groups.length; ++g) {
            if (c.groups[g].numClaims > maxClaims) maxClaims = c.groups[g].numClaims;
        }
        c.gp = new uint256[](maxClaims);
        uint256 x = 1;
        for (uint256 k = 0; k < maxClaims; ++k) {
            c.gp[k] = x;
            x = x.mul(c.gamma);
        }
        for (uint256 g = 0; g < c.groups.length; ++g) {
            _openGroup(c, g);
        }
        _friQueries(c);
    }

    // ---------------------------------------------------------------- openings and DEEP

    /// @dev Reads a group's openings (preprocessed trees of its tables, main, aux, quotient), checks them
    ///      against their caps and computes its DEEP function at its positions.
    function _openGroup(Ctx memory c, uint256 g) internal pure {
        Group memory gr = c.groups[g];
        uint256 n = c.queries.length;
        uint256[] memory pos = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            pos[k] = c.queries[k];
        }
        if (g > 0) {
            n = _restoreLeaves(pos, n, 1 << gr.logLde);
            assembly {
                mstore(pos, n)
            }
        }
        gr.pos = pos;
        uint256[] memory sz = new uint256[](n);
        uint256[] memory szn = new uint256[](n);
        for (uint256 i = 0; i < gr.tables.length; ++i) {
            uint256 t = gr.tables[i];
            if (c.tables[t].numPre > 0) _openTree(c, g, TREE_PRE + t, sz, szn);
        }
        _openTree(c, g, TREE_MAIN, sz, szn);
        if (gr.auxWidth > 0) _openTree(c, g, TREE_AUX, sz, szn);
        _openTree(c, g, TREE_QUOTIENT, sz, szn);
        (uint256 vz, uint256 vzn) = _claimSums(c, gr);
        gr.deep = _deepCombine(c, gr, sz, szn, vz, vzn);
    }

    /// @dev One opening of rows at the group's positions: u16 count, the leaves, the multi-proof. Adds
    ///      sum gamma^k·value over the claims at z (sz) and at z·w (szn) of every opened row.
    function _openTree(Ctx memory c, uint256 g, uint256 tree, uint256[] memory sz, uint256[] memory szn) internal pure {
        Group memory gr = c.groups[g];
        uint256 n = gr.pos.length;
        if (_u16(c) != n) revert StarkVerifier__Decode(c.pos - 2 - c.start);
        uint256 words = tree == TREE_MAIN
            ? gr.mainWidth
            : tree == TREE_AUX ? gr.auxWidth : tree == TREE_QUOTIENT ? gr.quotWidth : c.tables[tree - TREE_PRE].numPre;
        uint256 leafBytes = 4 * words;
        _need(c, n * leafBytes);
        bytes32[] memory digests = new bytes32[](n);
        for (uint256 k = 0; k < n; ++k) {
            uint256 off = c.pos + k * leafBytes;
            digests[k] = _hashCalldata(off, leafBytes);
            (uint256 a, uint256 b) = _rowSums(c, gr, tree, off);
            sz[k] = sz[k].add(a);
            szn[k] = szn[k].add(b);
        }
        c.pos += n * leafBytes;
        uint256[] memory idx = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            idx[k] = gr.pos[k];
        }
        uint256 cnt = _walk(c, idx, digests, gr.logLde - gr.capHeight, n);
        bool ok = tree >= TREE_PRE
            ? _matchesMemoryCap(c.preCaps[tree - TREE_PRE], idx, digests, cnt)
            : _matchesCalldataCap(tree == TREE_MAIN ? gr.mainCap : tree == TREE_AUX ? gr.auxCap : gr.quotCap, idx, digests, cnt);
        if (!ok) revert StarkVerifier__MerkleMismatch(g, tree);
    }

    /// @dev The claims of one opened row: per table, its segment of the leaf against its gamma powers
    ///      (claim order per table: main z, main z·w, preprocessed z, z·w, aux z, z·w, quotient z).
    function _rowSums(Ctx memory c, Group memory gr, uint256 tree, uint256 off) internal pure returns (uint256 a, uint256 b) {
        if (tree >= TREE_PRE) {
            Table memory tb = c.tables[tree - TREE_PRE];
            uint256 k = tb.claimOff + 2 * tb.width;
            a = _dotChecked(c, k, off, tb.numPre);
            b = _dotChecked(c, k + tb.numPre, off, tb.numPre);
            return (a, b);
        }
        for (uint256 i = 0; i < gr.tables.length; ++i) {
            Table memory tb = c.tables[gr.tables[i]];
            if (tree == TREE_MAIN) {
                uint256 o = off + 4 * tb.mainOff;
                a = a.add(_dotChecked(c, tb.claimOff, o, tb.width));
                b = b.add(_dotChecked(c, tb.claimOff + tb.width, o, tb.width));
            } else if (tree == TREE_AUX) {
                if (tb.numAux == 0) continue;
                uint256 k = tb.claimOff + 2 * tb.width + 2 * tb.numPre;
                uint256 o = off + 4 * tb.auxOff;
                a = a.add(_dotChecked(c, k, o, 4 * tb.numAux));
                b = b.add(_dotChecked(c, k + 4 * tb.numAux, o, 4 * tb.numAux));
            } else {
                uint256 k = tb.claimOff + 2 * tb.width + 2 * tb.numPre + 8 * tb.numAux;
                a = a.add(_dotChecked(c, k, off + 4 * tb.quotOff, 4 * tb.numChunks));
            }
        }
    }

    function _dotChecked(Ctx memory c, uint256 gpOffset, uint256 off, uint256 words) internal pure returns (uint256 r) {
        uint256 badAt;
        (r, badAt) = _dot(c.gp, gpOffset, off, words);
        if (badAt != 0) revert StarkVerifier__Decode(badAt - 1 - c.start);
    }

    /// @dev sum_col gp[gpOffset + col] * (u32 LE word col at off). Reads 8 words per calldata load
    ///      (byte-swapping all eight lanes at once) and accumulates coefficient lanes 0,2 and 1,3 in two words
    ///      with 128-bit lanes (each product < 2^62, so sums never carry across lanes).
    ///      badAt = 1 + offset of the row when a word is not canonical, else 0.
    function _dot(uint256[] memory gp, uint256 gpOffset, uint256 off, uint256 words)
        internal
        pure
        returns (uint256 r, uint256 badAt)
    {
        assembly {
            // 8 consecutive u32 LE words from one 32-byte load; the two sums live in scratch words 0x00, 0x20
            function lane8(x, count, gptr) -> bad {
                x := or(shr(8, and(x, 0xff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00)), shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)))
                x := or(shr(16, and(x, 0xffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000)), shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)))
                let sE := mload(0x00)
                let sO := mload(0x20)
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    let v := and(shr(sub(224, shl(5, i)), x), 0xffffffff)
                    bad := or(bad, iszero(lt(v, 2013265921)))
                    let g := mload(add(gptr, shl(5, i)))
                    sE := add(sE, mul(and(g, 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff), v))
                    sO := add(sO, mul(and(shr(64, g), 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff), v))
                }
                mstore(0x00, sE)
                mstore(0x20, sO)
            }
            mstore(0x00, 0)
            mstore(0x20, 0)
            let bad := 0
            let gptr := add(add(gp, 32), shl(5, gpOffset))
            for { let done := 0 } lt(done, words) { done := add(done, 8) } {
                let count := sub(words, done)
                if gt(count, 8) { count := 8 }
                bad := or(bad, lane8(calldataload(add(off, shl(2, done))), count, add(gptr, shl(5, done))))
            }
            let sE := mload(0x00)
            let sO := mload(0x20)
            let m := 0xffffffffffffffffffffffffffffffff
            r := or(or(mod(and(sE, m), P), shl(64, mod(and(sO, m), P))), or(shl(128, mod(shr(128, sE), P)), shl(192, mod(shr(128, sO), P))))
            if bad { badAt := add(off, 1) }
        }
    }

    /// @dev V_z = sum gamma^k v_k over the group's claims at z, V_zn over those at z·w (the OOD values).
    function _claimSums(Ctx memory c, Group memory gr) internal pure returns (uint256 vz, uint256 vzn) {
        for (uint256 i = 0; i < gr.tables.length; ++i) {
            Table memory tb = c.tables[gr.tables[i]];
            uint256 k = tb.claimOff;
            uint256 off = c.oodOff + 16 * tb.oodOff;
            // main z, main z·w, preprocessed z, z·w, aux z, z·w, quotient z
            uint256[7] memory lens = [tb.width, tb.width, tb.numPre, tb.numPre, 4 * tb.numAux, 4 * tb.numAux, 4 * tb.numChunks];
            for (uint256 s = 0; s < 7; ++s) {
                uint256 acc = _oodDot(c, k, off, lens[s]);
                if (s % 2 == 1 && s < 6) vzn = vzn.add(acc);
                else vz = vz.add(acc);
                k += lens[s];
                off += 16 * lens[s];
            }
        }
    }

    /// @dev sum_j gamma^(k + j)·(OOD value at calldata off + 16j), j < n.
    function _oodDot(Ctx memory c, uint256 k, uint256 off, uint256 n) internal pure returns (uint256 acc) {
        uint256[] memory gp = c.gp;
        for (uint256 j = 0; j < n; ++j) {
            acc = acc.add(gp[k + j].mul(_readExtAt(c, off + 16 * j)));
        }
    }

    /// @dev f(x) = (S_z - V_z)/(x - z) + (S_zn - V_zn)/(x - z·w_g) at every position's point x, with all
    ///      denominators inverted together (one inversion in K).
    function _deepCombine(Ctx memory c, Group memory gr, uint256[] memory sz, uint256[] memory szn, uint256 vz, uint256 vzn)
        internal
        pure
        returns (uint256[] memory values)
    {
        uint256 n = gr.pos.length;
        uint256 zNext = c.z.scale(_twoAdicGenerator(gr.logRows));
        uint256[] memory den = new uint256[](2 * n);
        uint256 wLde = _twoAdicGenerator(gr.logLde);
        for (uint256 k = 0; k < n; ++k) {
            uint256 x = mulmod(COSET_SHIFT, KField.powF(wLde, gr.pos[k]), P);
            den[2 * k] = KField.sub(x, c.z);
            den[2 * k + 1] = KField.sub(x, zNext);
        }
        _batchInverse(den);
        values = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            uint256 a = KField.sub(sz[k], vz).mul(den[2 * k]);
            values[k] = a.add(KField.sub(szn[k], vzn).mul(den[2 * k + 1]));
        }
    }

    /// @dev In-place inverses of non-zero K elements (Montgomery's trick).
    function _batchInverse(uint256[] memory xs) internal pure {
        uint256 n = xs.length;
        uint256[] memory prefix = new uint256[](n);
        uint256 acc = 1;
        for (uint256 i = 0; i < n; ++i) {
            prefix[i] = acc;
            acc = acc.mul(xs[i]);
        }
        uint256 inv = acc.inv();
        for (uint256 i = n; i > 0; --i) {
            uint256 x = xs[i - 1];
            xs[i - 1] = prefix[i - 1].mul(inv);
            inv = inv.mul(x);
        }
    }
}
