// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {StarkCommon} from "./StarkCommon.sol";
import {PublicColumns} from "./PublicColumns.sol";

/// @notice The first steps of the protocol-v2 verifier: the header and the layout it implies (height
///         groups, per-table offsets, the FRI schedule), the statement's shape, the security policy
///         recomputed from the estimator, and the fixed-size sections of the proof.
abstract contract StarkHeader is StarkCommon {
    uint32 internal constant PROOF_MAGIC = 0x46504e50;
    uint256 internal constant PROOF_VERSION = 2;
    uint256 internal constant HASH_KECCAK = 0;
    uint256 internal constant HASH_POSEIDON2 = 1;
    uint256 internal constant MAX_LOG_LDE_SIZE = 27;
    /// @dev |K| = p^4: a security term K - log2(x) >= m  <=>  x * 2^m <= p^4.
    uint256 internal constant P4 = 2013265921 ** 4;
    uint256 internal constant HASH_BITS = 128;

    /// @dev The AIR: its id, public inputs, LogUp challenges and tables (generated from the IR).
    struct AirInfo {
        bytes32 id;
        uint256 numPublicInputs;
        /// @dev 2 when any table has interactions (LogUp's lambda and mu), else 0.
        uint256 numChallenges;
        /// @dev Longest interaction tuple over all tables (the LogUp security term).
        uint256 maxTuple;
        Table[] tables;
    }

    // ---------------------------------------------------------------- header and layout

    function _decodeHeader(Ctx memory c, AirInfo memory air) internal pure {
        if (_u32(c) != PROOF_MAGIC) revert StarkVerifier__Decode(0);
        if (_u16(c) != PROOF_VERSION) revert StarkVerifier__Decode(4);
        uint256 config = _u8(c);
        if (config == HASH_POSEIDON2) revert StarkVerifier__UnsupportedHash(config);
        if (config != HASH_KECCAK) revert StarkVerifier__Decode(6);
        _need(c, 32);
        bytes32 proofAir;
        uint256 p = c.pos;
        assembly {
            proofAir := calldataload(p)
        }
        c.pos = p + 32;
        if (proofAir != air.id) revert StarkVerifier__AirMismatch(proofAir);
        uint256 optPos = c.pos - c.start;
        c.logBlowup = _u8(c);
        c.numQueries = _u8(c);
        c.powBits = _u8(c);
        c.friLogArity = _u8(c);
        c.logFinalPolyLen = _u8(c);
        c.logCap = _u8(c);
        if (
            c.logBlowup < 1 || c.logBlowup > 6 || c.numQueries < 1 || c.numQueries > 128 || c.powBits > 32
                || c.friLogArity < 1 || c.friLogArity > 4 || c.logFinalPolyLen > 10 || c.logCap > 8
        ) revert StarkVerifier__Decode(optPos);
        Table[] memory ts = c.tables;
        if (_u8(c) != ts.length) revert StarkVerifier__Decode(c.pos - 1 - c.start);
        for (uint256 t = 0; t < ts.length; ++t) {
            uint256 h = _u8(c);
            Table memory tb = ts[t];
            if (
                h < tb.minLogRows || h > tb.maxLogRows || h + c.logBlowup > MAX_LOG_LDE_SIZE
                    || tb.numChunks > (1 << c.logBlowup)
            ) revert StarkVerifier__TableHeight(t, h);
            tb.logRows = h;
        }
        _layout(c);
        if ((1 << c.logQD) < c.numQueries) revert StarkVerifier__Decode(optPos);
    }

    /// @dev Groups by height (tallest first, tables in index order), per-table offsets, OOD and terminal
    ///      indices, and the FRI schedule over the mixed heights (src/stark/layout.ts).
    function _layout(Ctx memory c) internal pure {
        Table[] memory ts = c.tables;
        uint256 nt = ts.length;
        uint256[] memory hs = new uint256[](nt);
        uint256 ng = 0;
        for (uint256 t = 0; t < nt; ++t) {
            uint256 h = ts[t].logRows;
            uint256 j = 0;
            while (j < ng && hs[j] > h) ++j;
            if (j < ng && hs[j] == h) continue;
            for (uint256 k = ng; k > j; --k) {
                hs[k] = hs[k - 1];
            }
            hs[j] = h;
            ++ng;
        }
        uint256 ood = 0;
        uint256 term = 0;
        uint256 pub = 0;
        for (uint256 t = 0; t < nt; ++t) {
            Table memory tb = ts[t];
            tb.oodOff = ood;
            ood += _tableOodCount(tb);
            tb.terminal = tb.numAux > 0 ? term++ : NONE;
            tb.pubOff = pub;
            pub += tb.numPub << tb.logRows;
        }
        c.numOod = ood;
        c.numTerminals = term;
        c.pubTotal = pub;
        c.groups = new Group[](ng);
        for (uint256 g = 0; g < ng; ++g) {
            Group memory gr = c.groups[g];
            gr.logRows = hs[g];
            gr.logLde = hs[g] + c.logBlowup;
            gr.capHeight = c.logCap < gr.logLde ? c.logCap : gr.logLde;
            uint256 members = 0;
            for (uint256 t = 0; t < nt; ++t) {
                if (ts[t].logRows == hs[g]) ++members;
            }
            gr.tables = new uint256[](members);
            members = 0;
            for (uint256 t = 0; t < nt; ++t) {
                Table memory tb = ts[t];
                if (tb.logRows != hs[g]) continue;
                gr.tables[members++] = t;
                tb.group = g;
                tb.mainOff = gr.mainWidth;
                tb.auxOff = gr.auxWidth;
                tb.quotOff = gr.quotWidth;
                tb.claimOff = gr.numClaims;
                gr.mainWidth += tb.width;
                gr.auxWidth += 4 * tb.numAux;
                gr.quotWidth += 4 * tb.numChunks;
                gr.numClaims += _tableOodCount(tb);
            }
        }
        c.logQD = hs[0] + c.logBlowup;
        _friLayout(c, hs, ng);
    }

    /// @dev OOD values (K) one table sends: main at z and z·w, preprocessed likewise, auxiliary
    ///      coordinates likewise, quotient columns at z.
    function _tableOodCount(Table memory tb) internal pure returns (uint256) {
        return 2 * tb.width + 2 * tb.numPre + 8 * tb.numAux + 4 * tb.numChunks;
    }

    /// @dev Fold by the arity, never past the next group's height, down to min(logFinalPolyLen, smallest
    ///      height); a group joins after the round that brings the degree bound to its height.
    function _friLayout(Ctx memory c, uint256[] memory hs, uint256 ng) internal pure {
        uint256 logFinal = c.logFinalPolyLen < hs[ng - 1] ? c.logFinalPolyLen : hs[ng - 1];
        uint256[] memory steps = new uint256[](MAX_LOG_LDE_SIZE);
        uint256[] memory joins = new uint256[](MAX_LOG_LDE_SIZE);
        uint256 d = hs[0];
        uint256 r = 0;
        uint256 next = 1;
        while (d > logFinal) {
            uint256 stop = logFinal;
            if (next < ng && hs[next] > stop) stop = hs[next];
            uint256 s = d - stop;
            if (s > c.friLogArity) s = c.friLogArity;
            d -= s;
            steps[r] = s;
            if (next < ng && hs[next] == d) joins[r] = next++;
            else joins[r] = NONE;
            ++r;
        }
        assembly {
            mstore(steps, r)
            mstore(joins, r)
        }
        c.steps = steps;
        c.joins = joins;
        c.finalLen = 1 << d;
    }

    // ---------------------------------------------------------------- statement, policy, sections

    function _checkStatement(Ctx memory c, AirInfo memory air, uint32[] calldata pi, PublicColumns.Source memory src)
        internal
        pure
    {
        if (pi.length != air.numPublicInputs) revert StarkVerifier__InvalidInput();
        // Raw words: a uint32 with dirty high bits is refused here, with our error, not by the ABI decoder.
        bool bad;
        assembly {
            for { let i := 0 } lt(i, pi.length) { i := add(i, 1) } {
                if iszero(lt(calldataload(add(pi.offset, shl(5, i))), P)) { bad := 1 }
            }
        }
        if (bad) revert StarkVerifier__InvalidInput();
        if (src.count != c.pubTotal) revert StarkVerifier__InvalidInput();
    }

    /// @dev The TS estimator's terms (src/stark/security.ts), each compared exactly: a term
    ///      log2|K| - log2(x) reaches m bits iff x * 2^m <= p^4.
    function _checkSecurity(Ctx memory c, AirInfo memory air, uint256 m) internal pure {
        bool ok = c.numQueries * c.logBlowup + c.powBits >= m && HASH_BITS >= m;
        uint256 oodDegree = 0;
        uint256 constraints = 0;
        uint256 fractions = 0;
        for (uint256 t = 0; t < c.tables.length; ++t) {
            Table memory tb = c.tables[t];
            oodDegree += (tb.maxDegree + 1) << tb.logRows;
            constraints += tb.numConstraints;
            fractions += tb.numInteractions << tb.logRows;
        }
        // DEEP / OOD (the claims are the OOD values), constraint combination, extension field vs LDE.
        ok = ok && _fieldTermOk(oodDegree + c.numOod, m) && _fieldTermOk(constraints, m)
            && _fieldTermOk(1 << c.logQD, m);
        uint256 friSum = 0;
        uint256 joinSum = 0;
        uint256 lm = c.logQD;
        for (uint256 r = 0; r < c.steps.length; ++r) {
            friSum += ((1 << c.steps[r]) - 1) << lm;
            if (c.joins[r] != NONE) joinSum += 1 << lm;
            lm -= c.steps[r];
        }
        ok = ok && _fieldTermOk(friSum == 0 ? 1 : friSum, m);
        if (c.groups.length > 1) ok = ok && _fieldTermOk(joinSum, m);
        if (fractions > 0) ok = ok && _fieldTermOk(fractions * (air.maxTuple + 1), m);
        if (!ok) revert StarkVerifier__InsufficientSecurity(m);
    }

    function _fieldTermOk(uint256 x, uint256 m) internal pure returns (bool) {
        if (m >= 124) return false;
        return (x << m) <= P4;
    }

    /// @dev The fixed-size sections after the header: caps, terminal sums, OOD values, FRI caps, final
    ///      polynomial and nonce. Elements are checked canonical here; caps are any 32 bytes (keccak).
    function _readSections(Ctx memory c) internal pure {
        uint256 ng = c.groups.length;
        for (uint256 g = 0; g < ng; ++g) {
            c.groups[g].mainCap = _skipCap(c, c.groups[g].capHeight);
        }
        for (uint256 g = 0; g < ng; ++g) {
            if (c.groups[g].auxWidth > 0) c.groups[g].auxCap = _skipCap(c, c.groups[g].capHeight);
        }
        c.termOff = c.pos;
        _readExts(c, c.numTerminals);
        for (uint256 g = 0; g < ng; ++g) {
            c.groups[g].quotCap = _skipCap(c, c.groups[g].capHeight);
        }
        c.oodOff = c.pos;
        c.ood = _readExts(c, c.numOod);
        uint256 rounds = c.steps.length;
        c.friCaps = new uint256[](rounds);
        uint256 lm = c.logQD;
        for (uint256 r = 0; r < rounds; ++r) {
            lm -= c.steps[r];
            c.friCaps[r] = _skipCap(c, c.logCap < lm ? c.logCap : lm);
        }
        c.finalOff = c.pos;
        _readExts(c, c.finalLen);
        _need(c, 8);
        c.nonceOff = c.pos;
        c.pos += 8;
    }

    function _skipCap(Ctx memory c, uint256 capHeight) internal pure returns (uint256 off) {
        uint256 len = 32 << capHeight;
        _need(c, len);
        off = c.pos;
        c.pos += len;
    }

    function _readExts(Ctx memory c, uint256 count) internal pure returns (uint256[] memory out) {
        _need(c, 16 * count);
        out = new uint256[](count);
        uint256 p = c.pos;
        for (uint256 i = 0; i < count; ++i) {
            out[i] = _readExtAt(c, p + 16 * i);
        }
        c.pos = p + 16 * count;
    }
}
