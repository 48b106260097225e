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
        (c.gp, c.gps) = _gammaPowers(c.gamma, maxClaims);
        c.gammaMul = _mulConstants(c.gamma);
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

    /// @dev gamma^0 .. gamma^(n-1), packed (KField) and split for `_dot2`: word 2k holds coefficients 0 and 2 of
    ///      gamma^k in 128-bit lanes, word 2k + 1 coefficients 1 and 3. One multiplication by gamma per power
    ///      (`_mulConstants`: 8 products in 128-bit lanes).
    function _gammaPowers(uint256 gamma, uint256 n) internal pure returns (uint256[] memory gp, uint256[] memory gps) {
        gp = new uint256[](n);
        gps = new uint256[](2 * n);
        uint256 mem = _mulConstants(gamma);
        assembly {
            let m := 0xffffffffffffffffffffffffffffffff
            let e01 := 1
            let e23 := 0
            let p := add(gp, 32)
            let q := add(gps, 32)
            for { let end := add(p, shl(5, n)) } lt(p, end) { p := add(p, 32) q := add(q, 64) } {
                let e0 := and(e01, m)
                let e1 := shr(128, e01)
                let e2 := and(e23, m)
                let e3 := shr(128, e23)
                mstore(p, or(or(e0, shl(64, e1)), or(shl(128, e2), shl(192, e3))))
                mstore(q, or(e0, shl(128, e2)))
                mstore(add(q, 32), or(e1, shl(128, e3)))
                let lo := add(add(mul(e0, mload(mem)), mul(e1, mload(add(mem, 0x20)))), add(mul(e2, mload(add(mem, 0x40))), mul(e3, mload(add(mem, 0x60)))))
                let hi := add(add(mul(e0, mload(add(mem, 0x80))), mul(e1, mload(add(mem, 0xa0)))), add(mul(e2, mload(mem)), mul(e3, mload(add(mem, 0x20)))))
                e01 := or(mod(and(lo, m), P), shl(128, mod(shr(128, lo), P)))
                e23 := or(mod(and(hi, m), P), shl(128, mod(shr(128, hi), P)))
            }
        }
    }

    /// @dev Six words at the returned memory address for multiplying by b = (b0, b1, b2, b3) in 128-bit lanes:
    ///      c0|c1 = e0·A + e1·B + e2·C + e3·D and c2|c3 = e0·A2 + e1·B2 + e2·A + e3·B, where A = b0|b1, B = 11b3|b0,
    ///      C = 11b2|11b3, D = 11b1|11b2, A2 = b2|b3, B2 = b1|b2 (each product < 2^66: lanes never carry).
    function _mulConstants(uint256 b) internal pure returns (uint256 mem) {
        assembly {
            let b0 := and(b, 0xffffffffffffffff)
            let b1 := and(shr(64, b), 0xffffffffffffffff)
            let b2 := and(shr(128, b), 0xffffffffffffffff)
            let b3 := shr(192, b)
            mem := mload(0x40)
            mstore(0x40, add(mem, 0xc0))
            mstore(mem, or(b0, shl(128, b1)))
            mstore(add(mem, 0x20), or(mul(11, b3), shl(128, b0)))
            mstore(add(mem, 0x40), or(mul(11, b2), shl(128, mul(11, b3))))
            mstore(add(mem, 0x60), or(mul(11, b1), shl(128, mul(11, b2))))
            mstore(add(mem, 0x80), or(b2, shl(128, b3)))
            mstore(add(mem, 0xa0), or(b1, shl(128, b2)))
        }
    }

    /// @dev The claims of one opened row: per table, its segment of the leaf against its gamma powers
    ///      (claim order per table: main z, main z·w, preprocessed z, z·w, aux z, z·w, quotient z).
    function _rowSums(Ctx memory c, Group memory gr, uint256 tree, uint256 off) internal pure returns (uint256 a, uint256 b) {
        if (tree >= TREE_PRE) {
            Table memory tb = c.tables[tree - TREE_PRE];
            uint256 k = tb.claimOff + 2 * tb.width;
            return _dotChecked(c, k, k + tb.numPre, off, tb.numPre);
        }
        for (uint256 i = 0; i < gr.tables.length; ++i) {
            Table memory tb = c.tables[gr.tables[i]];
            uint256 da;
            uint256 db;
            if (tree == TREE_MAIN) {
                (da, db) = _dotChecked(c, tb.claimOff, tb.claimOff + tb.width, off + 4 * tb.mainOff, tb.width);
            } else if (tree == TREE_AUX) {
                if (tb.numAux == 0) continue;
                uint256 k = tb.claimOff + 2 * tb.width + 2 * tb.numPre;
                (da, db) = _dotChecked(c, k, k + 4 * tb.numAux, off + 4 * tb.auxOff, 4 * tb.numAux);
            } else {
                uint256 k = tb.claimOff + 2 * tb.width + 2 * tb.numPre + 8 * tb.numAux;
                (da,) = _dotChecked(c, k, NONE, off + 4 * tb.quotOff, 4 * tb.numChunks);
            }
            a = a.add(da);
            b = b.add(db);
        }
    }

    function _dotChecked(Ctx memory c, uint256 kz, uint256 kzn, uint256 off, uint256 words)
        internal
        pure
        returns (uint256 a, uint256 b)
    {
        bool bad;
        (a, b, bad) = _dot2(c.gps, kz, kzn, off, words);
        if (bad) revert StarkVerifier__Decode(off - c.start);
    }

    /// @dev a = sum_col gamma^(kz + col) * v_col and b = sum_col gamma^(kzn + col) * v_col over `words` u32 LE
    ///      words v at calldata `off` (b = 0 when kzn is NONE); bad when a word is not canonical. Eight words
    ///      per calldata load, byte-swapped at once; the split powers (`gps`) give two products per coefficient
    ///      pair in 128-bit lanes (each < 2^63: the sums never carry across lanes). A word v >= p sets bit 32 of
    ///      v + (2^32 - p), which is or-ed into a flag.
    function _dot2(uint256[] memory gps, uint256 kz, uint256 kzn, uint256 off, uint256 words)
        internal
        pure
        returns (uint256 a, uint256 b, bool bad)
    {
        assembly {
            let two := iszero(eq(kzn, not(0)))
            let ga := add(add(gps, 32), shl(6, kz))
            let gb := add(add(gps, 32), shl(6, mul(two, kzn)))
            let aE := 0
            let aO := 0
            let bE := 0
            let bO := 0
            let flag := 0
            let end := add(off, shl(2, words))
            for {} lt(add(off, 31), end) { off := add(off, 32) } {
                let x := calldataload(off)
                x := or(shr(8, and(x, 0xff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00)), shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)))
                x := or(shr(16, and(x, 0xffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000)), shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)))
                for { let sh := 224 } 1 { sh := sub(sh, 32) } {
                    let v := and(shr(sh, x), 0xffffffff)
                    flag := or(flag, add(v, 0x87ffffff))
                    aE := add(aE, mul(mload(ga), v))
                    aO := add(aO, mul(mload(add(ga, 32)), v))
                    ga := add(ga, 64)
                    if two {
                        bE := add(bE, mul(mload(gb), v))
                        bO := add(bO, mul(mload(add(gb, 32)), v))
                        gb := add(gb, 64)
                    }
                    if iszero(sh) { break }
                }
            }
            for {} lt(off, end) { off := add(off, 4) } {
                let v := shr(224, calldataload(off))
                v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                flag := or(flag, add(v, 0x87ffffff))
                aE := add(aE, mul(mload(ga), v))
                aO := add(aO, mul(mload(add(ga, 32)), v))
                ga := add(ga, 64)
                if two {
                    bE := add(bE, mul(mload(gb), v))
                    bO := add(bO, mul(mload(add(gb, 32)), v))
                    gb := add(gb, 64)
                }
            }
            let m := 0xffffffffffffffffffffffffffffffff
            a := or(or(mod(and(aE, m), P), shl(64, mod(and(aO, m), P))), or(shl(128, mod(shr(128, aE), P)), shl(192, mod(shr(128, aO), P))))
            b := or(or(mod(and(bE, m), P), shl(64, mod(and(bO, m), P))), or(shl(128, mod(shr(128, bE), P)), shl(192, mod(shr(128, bO), P))))
            bad := and(shr(32, flag), 1)
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

    /// @dev sum_j gamma^(k + j)·(OOD value at calldata off + 16j), j < n (canonical: checked when the verifier
    ///      read them) = gamma^k · H, H by Horner in gamma from the last value (one lane-packed multiplication
    ///      by gamma per value, `_mulConstants` at c.gammaMul).
    function _oodDot(Ctx memory c, uint256 k, uint256 off, uint256 n) internal pure returns (uint256) {
        if (n == 0) return 0;
        uint256 mem = c.gammaMul;
        uint256 h;
        assembly {
            let m := 0xffffffffffffffffffffffffffffffff
            let e01 := 0
            let e23 := 0
            for { let q := add(off, shl(4, n)) } gt(q, off) {} {
                q := sub(q, 16)
                let x := shr(128, calldataload(q))
                x := or(shr(8, and(x, 0xff00ff00ff00ff00ff00ff00ff00ff00)), shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff)))
                x := or(shr(16, and(x, 0xffff0000ffff0000ffff0000ffff0000)), shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff)))
                // x = v0 v1 v2 v3 as 32-bit lanes from the top
                let e0 := and(e01, m)
                let e1 := shr(128, e01)
                let e2 := and(e23, m)
                let e3 := shr(128, e23)
                let lo := add(
                    add(add(mul(e0, mload(mem)), mul(e1, mload(add(mem, 0x20)))), add(mul(e2, mload(add(mem, 0x40))), mul(e3, mload(add(mem, 0x60))))),
                    or(shr(96, x), shl(128, and(shr(64, x), 0xffffffff)))
                )
                let hi := add(
                    add(add(mul(e0, mload(add(mem, 0x80))), mul(e1, mload(add(mem, 0xa0)))), add(mul(e2, mload(mem)), mul(e3, mload(add(mem, 0x20))))),
                    or(and(shr(32, x), 0xffffffff), shl(128, and(x, 0xffffffff)))
                )
                e01 := or(mod(and(lo, m), P), shl(128, mod(shr(128, lo), P)))
                e23 := or(mod(and(hi, m), P), shl(128, mod(shr(128, hi), P)))
            }
            h := or(or(and(e01, m), shl(64, shr(128, e01))), or(shl(128, and(e23, m)), shl(192, shr(128, e23))))
        }
        return c.gp[k].mul(h);
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
