// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStarkVerifier} from "../interfaces/IStarkVerifier.sol";
import {SecurityFloor} from "../libraries/SecurityFloor.sol";
import {KField} from "./KField.sol";
import {Transcript} from "./Transcript.sol";
import {PublicColumns} from "./PublicColumns.sol";
import {StarkHeader} from "./StarkHeader.sol";
import {IStarkQueryPhase} from "./IStarkQueryPhase.sol";

/// @notice The generic part of the on-chain STARK verifier for protocol v2, keccak configuration
///         (docs/verifier.md): strict decoding from calldata, the layout of a multi-table proof and the
///         security policy (StarkHeader), the verification key, the Fiat-Shamir transcript, the auxiliary
///         (LogUp) phase and the per-table OOD checks, byte for byte as `src/stark/verifier.ts`. The query phase
///         (openings, DEEP, FRI) runs in the StarkQueryPhase contract, pinned by its code hash. The
///         AIR-specific parts (table shapes, constraint evaluation at z, preprocessed commitments) are
///         generated from the constraint IR into a contract deriving from this one
///         (contracts/verifier/generated/), which pins its evaluator contracts likewise.
/// @dev A proof is either accepted (`true`) or rejected with a custom error of IStarkVerifierErrors.
abstract contract StarkVerifierBase is IStarkVerifier, StarkHeader {
    using KField for uint256;

    /// @notice Minimum conjectured security (bits) the proof's options must give at its table heights.
    uint256 public immutable minSecurityBits;
    /// @notice The StarkQueryPhase contract this verifier runs its query phase in.
    address public immutable queryPhase;

    /// @param queryPhaseCodeHash keccak256 of StarkQueryPhase's deployed code (a generated constant)
    constructor(uint256 minSecurityBits_, address queryPhase_, bytes32 queryPhaseCodeHash) {
        if (!SecurityFloor.allows(minSecurityBits_)) {
            revert StarkVerifier__PolicyBelowFloor(minSecurityBits_, SecurityFloor.FLOOR_BITS);
        }
        if (queryPhase_.codehash != queryPhaseCodeHash) revert StarkVerifier__QueryPhaseCodeHash(queryPhase_);
        minSecurityBits = minSecurityBits_;
        queryPhase = queryPhase_;
    }

    // ---------------------------------------------------------------- generated hooks

    /// @dev The AIR's shape, generated from the IR (the shape fields of every table).
    function _air() internal pure virtual returns (AirInfo memory);

    /// @dev Evaluates table `table`'s lowered constraint program at z on the buffer
    ///      [registers | acc (4) | OOD values | public-column values | public inputs, challenge and
    ///      terminal coordinates | alpha powers] (docs/verifier.md) and leaves the per-selector sums in acc.
    function _evalTable(uint256 table, uint256[] memory buf) internal view virtual;

    /// @dev The cap of table `table`'s preprocessed tree at this height and blowup, at the largest cap
    ///      height the generator baked (2^h digests); empty when the combination is not supported.
    function _preprocessedCap(uint256 table, uint256 logRows, uint256 logBlowup)
        internal
        pure
        virtual
        returns (bytes32[] memory);

    // ---------------------------------------------------------------- entry points

    /// @inheritdoc IStarkVerifier
    function verify(
        bytes32 airId,
        bytes calldata proof,
        uint32[] calldata publicInputs,
        uint32[] calldata publicColumn,
        address prover
    ) external view returns (bool) {
        PublicColumns.Source memory src;
        assembly {
            mstore(src, publicColumn.offset)
            mstore(add(src, 0x20), publicColumn.length)
        }
        return _verify(airId, proof, publicInputs, src, prover);
    }

    /// @notice As `verify`, with the public columns as packed u32 little-endian words (column after
    ///         column, table after table): 4 calldata bytes per element instead of 32.
    function verifyPacked(
        bytes32 airId,
        bytes calldata proof,
        uint32[] calldata publicInputs,
        bytes calldata publicColumnsLE,
        address prover
    ) external view returns (bool) {
        if (publicColumnsLE.length % 4 != 0) revert StarkVerifier__InvalidInput();
        PublicColumns.Source memory src;
        src.packed = true;
        assembly {
            mstore(src, publicColumnsLE.offset)
            mstore(add(src, 0x20), shr(2, publicColumnsLE.length))
        }
        return _verify(airId, proof, publicInputs, src, prover);
    }

    /// @notice The AIR id this verifier accepts.
    function airId() external pure returns (bytes32) {
        return _air().id;
    }

    function _verify(
        bytes32 airId_,
        bytes calldata proof,
        uint32[] calldata publicInputs,
        PublicColumns.Source memory src,
        address prover
    ) internal view returns (bool) {
        AirInfo memory air = _air();
        if (airId_ != air.id) revert StarkVerifier__UnknownAir(airId_);
        Ctx memory c;
        assembly {
            mstore(c, proof.offset)
            mstore(add(c, 0x20), add(proof.offset, proof.length))
            mstore(add(c, 0x40), proof.offset)
        }
        c.tables = air.tables;
        _decodeHeader(c, air);
        _checkStatement(c, air, publicInputs, src);
        _checkSecurity(c, air, minSecurityBits);
        _readSections(c);
        c.t = Transcript.init(_initBlock(c, air, publicInputs, src, prover));
        _commitPhase(c, air);
        _checkOod(c, air, publicInputs, src);
        _runQueryPhase(c, proof);
        return true;
    }

    // ---------------------------------------------------------------- verification key, init block

    /// @dev keccak256("prover-node/vk/v2" ‖ airId ‖ u8 config ‖ u8 b ‖ u8 logCap ‖ u8 T ‖ u8 ℓ_t… ‖ caps of
    ///      the preprocessed trees, table by table) (src/stark/vk.ts). The caps come from the generated
    ///      constants, never from the proof; the caps are kept for the preprocessed openings.
    function _verificationKey(Ctx memory c, AirInfo memory air) internal pure returns (bytes32 vk) {
        uint256 nt = c.tables.length;
        c.preCaps = new bytes32[][](nt);
        bytes memory buf = abi.encodePacked("prover-node/vk/v2", air.id, uint8(HASH_KECCAK), uint8(c.logBlowup), uint8(c.logCap), uint8(nt));
        for (uint256 t = 0; t < nt; ++t) {
            buf = bytes.concat(buf, bytes1(uint8(c.tables[t].logRows)));
        }
        for (uint256 t = 0; t < nt; ++t) {
            if (c.tables[t].numPre == 0) continue;
            bytes32[] memory cap = _preCap(c, t);
            c.preCaps[t] = cap;
            buf = bytes.concat(buf, abi.encodePacked(cap));
        }
        vk = keccak256(buf);
    }

    /// @dev The preprocessed cap of table t at this proof's cap height, derived from the baked cap by
    ///      hashing pairs (cap(h - 1)[i] = H(cap(h)[2i] ‖ cap(h)[2i + 1])).
    function _preCap(Ctx memory c, uint256 t) internal pure returns (bytes32[] memory cap) {
        Table memory tb = c.tables[t];
        cap = _preprocessedCap(t, tb.logRows, c.logBlowup);
        uint256 depth = tb.logRows + c.logBlowup;
        uint256 want = 1 << (c.logCap < depth ? c.logCap : depth);
        if (cap.length < want) revert StarkVerifier__PreprocessedUnsupported(t, tb.logRows, c.logBlowup, c.logCap);
        for (uint256 len = cap.length; len > want; len >>= 1) {
            for (uint256 i = 0; i < len / 2; ++i) {
                cap[i] = _hashPair(cap[2 * i], cap[2 * i + 1]);
            }
        }
        assembly {
            mstore(cap, want)
        }
    }

    /// @dev `count` digests from digest `at` of a baked constant (the generated `_preprocessedCap`).
    function _bakedCap(bytes memory blob, uint256 at, uint256 count) internal pure returns (bytes32[] memory cap) {
        cap = new bytes32[](count);
        assembly {
            mcopy(add(cap, 32), add(add(blob, 32), shl(5, at)), shl(5, count))
        }
    }

    /// @dev u16 version ‖ u8 config ‖ vk ‖ u8 b, Q, pow, a, φ, logCap ‖ u8 T ‖ u8 ℓ_t… ‖ u32 m_PI ‖ u32 π_i… ‖
    ///      public-columns digest ‖ prover address (src/stark/statement.ts `initTranscript`).
    function _initBlock(
        Ctx memory c,
        AirInfo memory air,
        uint32[] calldata pi,
        PublicColumns.Source memory src,
        address prover
    ) internal pure returns (bytes memory buf) {
        bytes32 vk = _verificationKey(c, air);
        bytes32 digest = PublicColumns.digest(src);
        uint256 nt = c.tables.length;
        buf = new bytes(46 + nt + 4 * pi.length + 52);
        uint256 p;
        assembly {
            p := add(buf, 32)
        }
        p = _put(p, 0x0200, 2); // PROOF_VERSION 2 as u16 LE
        p = _put(p, HASH_KECCAK, 1);
        p = _put(p, uint256(vk), 32);
        p = _put(p, c.logBlowup, 1);
        p = _put(p, c.numQueries, 1);
        p = _put(p, c.powBits, 1);
        p = _put(p, c.friLogArity, 1);
        p = _put(p, c.logFinalPolyLen, 1);
        p = _put(p, c.logCap, 1);
        p = _put(p, nt, 1);
        for (uint256 t = 0; t < nt; ++t) {
            p = _put(p, c.tables[t].logRows, 1);
        }
        p = _put(p, Transcript.bswap32(pi.length), 4);
        for (uint256 i = 0; i < pi.length; ++i) {
            p = _put(p, Transcript.bswap32(pi[i]), 4);
        }
        p = _put(p, uint256(digest), 32);
        _put(p, uint160(prover), 20);
    }

    /// @dev Writes the low `len` bytes of v (big-endian) at memory p; returns p + len. Writes a whole word:
    ///      later writes overwrite the tail (the last one may touch free memory past the buffer).
    function _put(uint256 p, uint256 v, uint256 len) internal pure returns (uint256) {
        assembly {
            mstore(p, shl(sub(256, shl(3, len)), v))
        }
        return p + len;
    }

    // ---------------------------------------------------------------- commitments, auxiliary phase, OOD

    /// @dev Main caps, the auxiliary phase (lambda, mu, aux caps, terminal sums), alpha, quotient caps,
    ///      z and the OOD values, in transcript order.
    function _commitPhase(Ctx memory c, AirInfo memory air) internal pure {
        uint256 ng = c.groups.length;
        for (uint256 g = 0; g < ng; ++g) {
            Transcript.absorbCalldata(c.t, Transcript.TAG_MAIN_COMMIT, c.groups[g].mainCap, 32 << c.groups[g].capHeight);
        }
        if (air.numChallenges > 0) {
            c.lambda = Transcript.sampleExt(c.t);
            c.mu = Transcript.sampleExt(c.t);
            for (uint256 g = 0; g < ng; ++g) {
                if (c.groups[g].auxWidth == 0) continue;
                Transcript.absorbCalldata(c.t, Transcript.TAG_AUX_COMMIT, c.groups[g].auxCap, 32 << c.groups[g].capHeight);
            }
            Transcript.absorbCalldata(c.t, Transcript.TAG_TERMINAL_SUMS, c.termOff, 16 * c.numTerminals);
            uint256 sum = 0;
            for (uint256 i = 0; i < c.numTerminals; ++i) {
                sum = sum.add(_readExtAt(c, c.termOff + 16 * i));
            }
            if (sum != 0) revert StarkVerifier__BusUnbalanced();
        }
        c.alpha = Transcript.sampleExt(c.t);
        for (uint256 g = 0; g < ng; ++g) {
            Transcript.absorbCalldata(c.t, Transcript.TAG_QUOTIENT_COMMIT, c.groups[g].quotCap, 32 << c.groups[g].capHeight);
        }
        c.z = _drawOodPoint(c);
        Transcript.absorbCalldata(c.t, Transcript.TAG_OOD_VALUES, c.oodOff, 16 * c.numOod);
    }

    /// @dev z in K, redrawn while it lies in any group's trace domain or LDE coset.
    function _drawOodPoint(Ctx memory c) internal pure returns (uint256 z) {
        uint256 shiftInv = KField.invF(COSET_SHIFT);
        while (true) {
            z = Transcript.sampleExt(c.t);
            uint256 zs = z.scale(shiftInv);
            bool bad = false;
            for (uint256 g = 0; g < c.groups.length && !bad; ++g) {
                bad = z.squareTimes(c.groups[g].logRows) == 1 || zs.squareTimes(c.groups[g].logLde) == 1;
            }
            if (!bad) return z;
        }
    }

    /// @dev Every table's quotient identity at z: its lowered constraints, combined with weights
    ///      alpha^i·X^e and divided, equal sum_j z^(j·n)·Q_j(z).
    function _checkOod(Ctx memory c, AirInfo memory air, uint32[] calldata pi, PublicColumns.Source memory src)
        internal
        view
    {
        for (uint256 t = 0; t < c.tables.length; ++t) {
            Table memory tb = c.tables[t];
            uint256[] memory buf = _evalBuffer(c, tb, air.numPublicInputs, pi, src);
            _evalTable(t, buf);
            uint256 r = tb.numRegisters;
            uint256 zn = c.z.squareTimes(tb.logRows);
            uint256 lhs = _quotientAtZ(c.z, zn, tb.logRows, [buf[r], buf[r + 1], buf[r + 2], buf[r + 3]]);
            if (lhs != _chunksAtZ(c, tb, zn)) revert StarkVerifier__OodMismatch(t);
        }
    }

    /// @dev sum_j z^(j·n)·Q_j(z), Q_j(z) = sum_e X^e·(quotient column 4j + e at z) from the OOD values.
    function _chunksAtZ(Ctx memory c, Table memory tb, uint256 zn) internal pure returns (uint256 rhs) {
        uint256 znj = 1;
        uint256 q = tb.oodOff + 2 * tb.width + 2 * tb.numPre + 8 * tb.numAux;
        for (uint256 j = 0; j < tb.numChunks; ++j) {
            rhs = rhs.add(znj.mul(_fromCoordinates(c.ood, q + 4 * j)));
            znj = znj.mul(zn);
        }
    }

    /// @dev The evaluation buffer of one table (layout in `_evalTable`; src/stark/air/solidity.ts `tableBuffer`).
    function _evalBuffer(Ctx memory c, Table memory tb, uint256 m, uint32[] calldata pi, PublicColumns.Source memory src)
        internal
        pure
        returns (uint256[] memory buf)
    {
        uint256 oodLen = 2 * tb.width + 2 * tb.numPre + 8 * tb.numAux;
        uint256 at = tb.numRegisters + 4;
        buf = new uint256[](at + oodLen + 2 * tb.numPub + m + (tb.numAux > 0 ? 12 : 0) + tb.numConstraints);
        uint256[] memory ood = c.ood;
        uint256 from = tb.oodOff;
        assembly {
            mcopy(add(buf, shl(5, add(at, 1))), add(ood, shl(5, add(from, 1))), shl(5, oodLen))
        }
        at += oodLen;
        if (tb.numPub > 0) {
            uint256[] memory pub = _publicValues(c, tb, src);
            assembly {
                mcopy(add(buf, shl(5, add(at, 1))), add(pub, 32), shl(5, mload(pub)))
            }
            at += pub.length;
        }
        for (uint256 i = 0; i < m; ++i) {
            buf[at + i] = pi[i];
        }
        _fillChallengesAndAlpha(c, tb, buf, at + m);
    }

    /// @dev The table's public columns at z and z·w (its slice of the flattened columns).
    function _publicValues(Ctx memory c, Table memory tb, PublicColumns.Source memory src)
        internal
        pure
        returns (uint256[] memory)
    {
        PublicColumns.Source memory s;
        s.offset = src.offset + tb.pubOff * (src.packed ? 4 : 32);
        s.count = tb.numPub << tb.logRows;
        s.packed = src.packed;
        s.numColumns = tb.numPub;
        s.n = 1 << tb.logRows;
        return PublicColumns.evaluate(s, c.z, _twoAdicGenerator(tb.logRows), tb.logRows);
    }

    /// @dev lambda, mu and the table's terminal sum by coordinates (tables with auxiliary columns), then
    ///      alpha^0 .. alpha^(M-1), from buf[at].
    function _fillChallengesAndAlpha(Ctx memory c, Table memory tb, uint256[] memory buf, uint256 at) internal pure {
        if (tb.numAux > 0) {
            uint256 term = _readExtAt(c, c.termOff + 16 * tb.terminal);
            for (uint256 e = 0; e < 4; ++e) {
                buf[at + e] = KField.limb(c.lambda, e);
                buf[at + 4 + e] = KField.limb(c.mu, e);
                buf[at + 8 + e] = KField.limb(term, e);
            }
            at += 12;
        }
        uint256 x = 1;
        for (uint256 i = 0; i < tb.numConstraints; ++i) {
            buf[at + i] = x;
            x = x.mul(c.alpha);
        }
    }

    /// @dev Q(z) = acc_T (z - w_last)/Z_H(z) + acc_F/(z - 1) + acc_L/(z - w_last) + acc_E/Z_H(z).
    function _quotientAtZ(uint256 z, uint256 zn, uint256 logRows, uint256[4] memory acc) internal pure returns (uint256 q) {
        uint256 wLast = KField.invF(_twoAdicGenerator(logRows)); // w^(n-1) = w^-1
        uint256 zhInv = KField.sub(zn, 1).inv();
        uint256 zMinusLast = KField.sub(z, wLast);
        q = acc[0].mul(zMinusLast).mul(zhInv);
        q = q.add(acc[1].mul(KField.sub(z, 1).inv()));
        q = q.add(acc[2].mul(zMinusLast.inv()));
        q = q.add(acc[3].mul(zhInv));
    }

    /// @dev sum_e X^e · v[at + e]: a K value from its 4 coordinate values.
    function _fromCoordinates(uint256[] memory v, uint256 at) internal pure returns (uint256 r) {
        for (uint256 e = 0; e < 4; ++e) {
            r = r.add(KField.mulByXPower(v[at + e], e));
        }
    }

    /// @dev One external evaluator part: it gets the whole buffer and returns the buffer's head
    ///      (registers and accumulators, `head` words), which is written back in place.
    function _runEvaluator(address evaluator, uint256[] memory buf, uint256 head) internal view {
        bool ok;
        assembly {
            let p := add(buf, 32)
            let bytesHead := shl(5, head)
            ok := staticcall(gas(), evaluator, p, shl(5, mload(buf)), p, bytesHead)
            if iszero(eq(returndatasize(), bytesHead)) { ok := 0 }
        }
        if (!ok) revert StarkVerifier__EvaluatorFailed(evaluator);
    }

    // ---------------------------------------------------------------- query phase

    /// @dev Runs StarkQueryPhase on the proof and this state; its refusals are forwarded unchanged.
    function _runQueryPhase(Ctx memory c, bytes calldata proof) internal view {
        address qp = queryPhase;
        (bool ok, bytes memory ret) = qp.staticcall(abi.encodeCall(IStarkQueryPhase.run, (proof, _flatten(c))));
        if (!ok) {
            if (ret.length == 0) revert StarkVerifier__EvaluatorFailed(qp);
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        if (ret.length != 32 || uint256(bytes32(ret)) != 1) revert StarkVerifier__EvaluatorFailed(qp);
    }

    /// @dev The state StarkQueryPhase needs, as words (layout in StarkQueryPhase `_unflatten`).
    function _flatten(Ctx memory c) internal pure returns (uint256[] memory w) {
        uint256 r = c.steps.length;
        uint256 nt = c.tables.length;
        uint256 ng = c.groups.length;
        uint256 len = 13 + 3 * r + 1 + 9 * nt + 1 + 11 * ng + nt + nt;
        for (uint256 t = 0; t < nt; ++t) {
            len += c.preCaps[t].length;
        }
        w = new uint256[](len);
        uint256 s = c.start;
        w[0] = uint256(c.t.s);
        w[1] = c.t.counter;
        w[2] = c.pos - s;
        w[3] = c.oodOff - s;
        w[4] = c.finalOff - s;
        w[5] = c.finalLen;
        w[6] = c.nonceOff - s;
        w[7] = c.numQueries;
        w[8] = c.powBits;
        w[9] = c.logCap;
        w[10] = c.logQD;
        w[11] = c.z;
        w[12] = r;
        uint256 i = 13;
        for (uint256 k = 0; k < r; ++k) {
            w[i + k] = c.steps[k];
            w[i + r + k] = c.joins[k];
            w[i + 2 * r + k] = c.friCaps[k] - s;
        }
        i += 3 * r;
        w[i++] = nt;
        for (uint256 t = 0; t < nt; ++t) {
            Table memory tb = c.tables[t];
            w[i] = tb.width;
            w[i + 1] = tb.numPre;
            w[i + 2] = tb.numAux;
            w[i + 3] = tb.numChunks;
            w[i + 4] = tb.mainOff;
            w[i + 5] = tb.auxOff;
            w[i + 6] = tb.quotOff;
            w[i + 7] = tb.oodOff;
            w[i + 8] = tb.claimOff;
            i += 9;
        }
        w[i++] = ng;
        for (uint256 g = 0; g < ng; ++g) {
            Group memory gr = c.groups[g];
            w[i] = gr.logRows;
            w[i + 1] = gr.logLde;
            w[i + 2] = gr.mainWidth;
            w[i + 3] = gr.auxWidth;
            w[i + 4] = gr.quotWidth;
            w[i + 5] = gr.numClaims;
            w[i + 6] = gr.capHeight;
            w[i + 7] = gr.mainCap - s;
            w[i + 8] = gr.auxWidth > 0 ? gr.auxCap - s : 0;
            w[i + 9] = gr.quotCap - s;
            w[i + 10] = gr.tables.length;
            i += 11;
            for (uint256 k = 0; k < gr.tables.length; ++k) {
                w[i + k] = gr.tables[k];
            }
            i += gr.tables.length;
        }
        for (uint256 t = 0; t < nt; ++t) {
            bytes32[] memory cap = c.preCaps[t];
            w[i++] = cap.length;
            for (uint256 k = 0; k < cap.length; ++k) {
                w[i + k] = uint256(cap[k]);
            }
            i += cap.length;
        }
    }
}
