// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStarkVerifier} from "../interfaces/IStarkVerifier.sol";
import {IStarkVerifierErrors} from "./IStarkVerifierErrors.sol";
import {KField} from "./KField.sol";
import {Transcript} from "./Transcript.sol";
import {PublicColumns} from "./PublicColumns.sol";
import {Fri} from "./Fri.sol";

/// @notice The generic part of the on-chain STARK verifier (docs/verifier.md): strict decoding from
///         calldata, the Fiat-Shamir transcript, the security policy, the OOD check, DEEP, Merkle
///         multi-proofs, FRI and proof of work, byte for byte as `src/stark/verifier.ts`. The AIR-specific
///         part (shape, constraint evaluation at z) is generated from the constraint IR into a contract
///         deriving from this one (contracts/verifier/generated/).
/// @dev A proof is either accepted (`true`) or rejected with a custom error of IStarkVerifierErrors.
abstract contract StarkVerifierBase is IStarkVerifier, IStarkVerifierErrors {
    using KField for uint256;

    uint256 internal constant P = 2013265921;
    uint32 internal constant PROOF_MAGIC = 0x46504e50;
    uint256 internal constant PROOF_VERSION = 1;
    uint256 internal constant COSET_SHIFT = 31;
    uint256 internal constant MAX_LOG_LDE_SIZE = 27;
    uint256 internal constant MIN_LOG_TRACE_HEIGHT = 2;
    /// @dev |K| = p^4: a security term K - log2(x) >= m  <=>  x * 2^m <= p^4.
    uint256 internal constant P4 = 2013265921 ** 4;
    uint256 internal constant HASH_BITS = 128;

    /// @notice Minimum conjectured security (bits) the proof's options must give at its trace height.
    uint256 public immutable minSecurityBits;

    struct AirInfo {
        bytes32 id;
        uint256 width;
        uint256 numPublicInputs;
        uint256 numPublicColumns;
        uint256 numQuotientChunks;
        uint256 numConstraints;
        uint256 maxDegree;
        uint256 minLogRows;
    }

    /// @dev Everything the verification carries between steps (kept in memory: no stack pressure).
    struct Ctx {
        uint256 start; // calldata offset of the proof
        uint256 end;
        uint256 pos; // read cursor
        Transcript.State t;
        uint256 logBlowup;
        uint256 numQueries;
        uint256 powBits;
        uint256 friLogArity;
        uint256 logFinalPolyLen;
        uint256 logN;
        uint256 n;
        uint256 logLde;
        uint256 width;
        uint256 qCols;
        uint256 alpha;
        uint256 z;
        uint256 zNext;
        uint256 gamma;
        uint256 oodOffset; // calldata offset of the OOD values
        uint256[] ood; // T(z) for every column, then T(z·w)
        uint256[] oodQ; // quotient base columns at z
        uint256[] friSteps;
        uint256 friRootsOffset;
        uint256 finalPolyOffset;
        uint256 finalLen;
        uint256[] queries;
        uint256[] gp; // gamma powers
        uint256[] sz; // per query: sum of gamma^k * value over the claims at z
        uint256[] szn; // per query: over the claims at z·w
    }

    constructor(uint256 minSecurityBits_) {
        minSecurityBits = minSecurityBits_;
    }

    /// @dev The AIR's shape, generated from the IR.
    function _air() internal pure virtual returns (AirInfo memory);

    /// @dev Per-selector sums acc_s = sum over constraints i with selector s of alpha^i * C_i at z
    ///      (transition, first row, last row, every row), generated from the IR.
    function _evalConstraints(uint256[] memory ood, uint256[] memory pub, uint32[] calldata publicInputs, uint256 alpha)
        internal
        view
        virtual
        returns (uint256[4] memory acc);

    /// @dev alpha^0 .. alpha^(n-1) into buf[at ..].
    function _alphaPowers(uint256[] memory buf, uint256 at, uint256 n, uint256 alpha) internal pure {
        uint256 x = 1;
        for (uint256 i = 0; i < n; ++i) {
            buf[at + i] = x;
            x = x.mul(alpha);
        }
    }

    /// @dev One external evaluator part: it gets the whole buffer and returns the buffer's head
    ///      (registers and accumulators), which is written back in place.
    function _runEvaluator(address evaluator, uint256[] memory buf) internal view {
        uint256 head = 32 * (_evaluatorHeadWords());
        bool ok;
        assembly {
            let p := add(buf, 32)
            ok := staticcall(gas(), evaluator, p, shl(5, mload(buf)), p, head)
            if iszero(eq(returndatasize(), head)) { ok := 0 }
        }
        if (!ok) revert StarkVerifier__EvaluatorFailed(evaluator);
    }

    /// @dev Registers + 4 accumulators of the external evaluation buffer (generated AIRs override).
    function _evaluatorHeadWords() internal pure virtual returns (uint256) {
        return 0;
    }

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
    ///         column): 4 calldata bytes per element instead of 32.
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
        _decodeHeader(c, air);
        _checkStatement(c, air, publicInputs, src);
        _checkSecurity(c, air);
        _readFixedSections(c);

        c.t = Transcript.init(_initBlock(c, air, publicInputs, src, prover));
        Transcript.absorbCalldata(c.t, Transcript.TAG_TRACE_ROOT, c.oodOffset - 64, 32);
        c.alpha = Transcript.sampleExt(c.t);
        Transcript.absorbCalldata(c.t, Transcript.TAG_QUOTIENT_ROOT, c.oodOffset - 32, 32);
        c.z = _drawOodPoint(c);
        c.zNext = c.z.scale(_twoAdicGenerator(c.logN));
        Transcript.absorbCalldata(c.t, Transcript.TAG_OOD_VALUES, c.oodOffset, 16 * (2 * c.width + c.qCols));

        _checkOod(c, air, publicInputs, src);

        c.gamma = Transcript.sampleExt(c.t);
        uint256 layers = c.friSteps.length;
        uint256[] memory betas = new uint256[](layers);
        for (uint256 r = 0; r < layers; ++r) {
            Transcript.absorbCalldata(c.t, Transcript.TAG_FRI_ROOT, c.friRootsOffset + 32 * r, 32);
            betas[r] = Transcript.sampleExt(c.t);
        }
        Transcript.absorbCalldata(c.t, Transcript.TAG_FINAL_POLY, c.finalPolyOffset, 16 * c.finalLen);
        uint256 nonceOffset = c.finalPolyOffset + 16 * c.finalLen;
        if (!Transcript.checkPow(c.t, nonceOffset, c.powBits)) revert StarkVerifier__PowInvalid();
        Transcript.absorbCalldata(c.t, Transcript.TAG_POW_NONCE, nonceOffset, 8);
        c.queries = Transcript.sampleQueries(c.t, c.numQueries, c.logLde);

        uint256[] memory values = _deepValues(c);
        _friQueries(c, values, betas);
        if (c.pos != c.end) revert StarkVerifier__Decode(c.pos - c.start);
        return true;
    }

    // ---------------------------------------------------------------- decoding

    function _need(Ctx memory c, uint256 bytesNeeded) internal pure {
        if (c.pos + bytesNeeded > c.end) revert StarkVerifier__Decode(c.pos - c.start);
    }

    function _u8(Ctx memory c) internal pure returns (uint256 v) {
        _need(c, 1);
        uint256 p = c.pos;
        assembly {
            v := shr(248, calldataload(p))
        }
        c.pos = p + 1;
    }

    function _u16(Ctx memory c) internal pure returns (uint256 v) {
        _need(c, 2);
        uint256 p = c.pos;
        assembly {
            let x := shr(240, calldataload(p))
            v := or(shr(8, x), and(shl(8, x), 0xff00))
        }
        c.pos = p + 2;
    }

    function _u32(Ctx memory c) internal pure returns (uint256 v) {
        _need(c, 4);
        v = Transcript.le32(c.pos);
        c.pos += 4;
    }

    function _decodeHeader(Ctx memory c, AirInfo memory air) internal pure {
        if (_u32(c) != PROOF_MAGIC) revert StarkVerifier__Decode(0);
        if (_u16(c) != PROOF_VERSION) revert StarkVerifier__Decode(4);
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
        if (
            c.logBlowup < 1 || c.logBlowup > 6 || c.numQueries < 1 || c.numQueries > 128 || c.powBits > 32
                || c.friLogArity < 1 || c.friLogArity > 4 || c.logFinalPolyLen > 10
        ) revert StarkVerifier__Decode(optPos);
        c.logN = _u8(c);
        if (c.logN < MIN_LOG_TRACE_HEIGHT || c.logN + c.logBlowup > MAX_LOG_LDE_SIZE) {
            revert StarkVerifier__Decode(c.pos - 1 - c.start);
        }
        if ((1 << (c.logN + c.logBlowup)) < c.numQueries) revert StarkVerifier__Decode(c.pos - 1 - c.start);
        if (air.numQuotientChunks > (1 << c.logBlowup)) revert StarkVerifier__Decode(optPos);
        c.n = 1 << c.logN;
        c.logLde = c.logN + c.logBlowup;
        c.width = air.width;
        c.qCols = 4 * air.numQuotientChunks;
        // FRI schedule: fold by the arity while the degree bound stays above the final length.
        uint256 logDeg = c.logN;
        uint256 count = 0;
        while (logDeg > c.logFinalPolyLen) {
            uint256 s = logDeg - c.logFinalPolyLen;
            if (s > c.friLogArity) s = c.friLogArity;
            logDeg -= s;
            ++count;
        }
        c.friSteps = new uint256[](count);
        logDeg = c.logN;
        for (uint256 i = 0; i < count; ++i) {
            uint256 s = logDeg - c.logFinalPolyLen;
            if (s > c.friLogArity) s = c.friLogArity;
            c.friSteps[i] = s;
            logDeg -= s;
        }
        c.finalLen = 1 << logDeg;
    }

    /// @dev Roots, OOD values, FRI roots, final polynomial and nonce: fixed sizes given the shape.
    function _readFixedSections(Ctx memory c) internal pure {
        _need(c, 64);
        c.pos += 64;
        c.oodOffset = c.pos;
        uint256 m = 2 * c.width;
        c.ood = _readExts(c, m);
        c.oodQ = _readExts(c, c.qCols);
        _need(c, 32 * c.friSteps.length);
        c.friRootsOffset = c.pos;
        c.pos += 32 * c.friSteps.length;
        c.finalPolyOffset = c.pos;
        _readExts(c, c.finalLen); // canonical check; read again where used
        _need(c, 8);
        c.pos += 8;
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

    /// @dev K element at a calldata offset (4 canonical u32 LE words).
    function _readExtAt(Ctx memory c, uint256 off) internal pure returns (uint256 e) {
        bool bad;
        assembly {
            let x := calldataload(off)
            for { let i := 0 } lt(i, 4) { i := add(i, 1) } {
                let v := and(shr(sub(224, shl(5, i)), x), 0xffffffff)
                v := or(or(shl(24, and(v, 0xff)), shl(8, and(v, 0xff00))), or(and(shr(8, v), 0xff00), shr(24, v)))
                if iszero(lt(v, P)) { bad := 1 }
                e := or(e, shl(shl(6, i), v))
            }
        }
        if (bad) revert StarkVerifier__Decode(off - c.start);
    }

    // ---------------------------------------------------------------- statement, policy, transcript init

    function _checkStatement(Ctx memory c, AirInfo memory air, uint32[] calldata pi, PublicColumns.Source memory src)
        internal
        pure
    {
        if (c.logN < air.minLogRows) revert StarkVerifier__TraceTooShort(c.logN);
        if (pi.length != air.numPublicInputs) revert StarkVerifier__InvalidInput();
        for (uint256 i = 0; i < pi.length; ++i) {
            if (pi[i] >= P) revert StarkVerifier__InvalidInput();
        }
        if (src.count != air.numPublicColumns * c.n) revert StarkVerifier__InvalidInput();
        src.numColumns = air.numPublicColumns;
        src.n = c.n;
    }

    /// @dev The TS estimator's terms (src/stark/security.ts), each compared exactly: a term
    ///      log2|K| - log2(x) reaches m bits iff x * 2^m <= p^4.
    function _checkSecurity(Ctx memory c, AirInfo memory air) internal view {
        uint256 m = minSecurityBits;
        bool ok = c.numQueries * c.logBlowup + c.powBits >= m && HASH_BITS >= m;
        uint256 numClaims = 2 * air.width + 4 * air.numQuotientChunks;
        ok = ok && _fieldTermOk((air.maxDegree + 1) * c.n + numClaims, m);
        uint256 friDomainSum = 0;
        uint256 lm = c.logLde;
        for (uint256 i = 0; i < c.friSteps.length; ++i) {
            friDomainSum += 1 << lm;
            lm -= c.friSteps[i];
        }
        ok = ok && (c.friSteps.length == 0 ? _fieldTermOk(1, m) : _fieldTermOk(friDomainSum, m));
        ok = ok && _fieldTermOk(air.numConstraints, m);
        ok = ok && _fieldTermOk(1 << c.logLde, m);
        if (!ok) revert StarkVerifier__InsufficientSecurity(m);
    }

    function _fieldTermOk(uint256 x, uint256 m) internal pure returns (bool) {
        if (m >= 124) return false;
        return (x << m) <= P4;
    }

    function _initBlock(
        Ctx memory c,
        AirInfo memory air,
        uint32[] calldata pi,
        PublicColumns.Source memory src,
        address prover
    ) internal pure returns (bytes memory buf) {
        bytes32 digest = PublicColumns.digest(src);
        buf = abi.encodePacked(
            uint16(0x0100), // PROOF_VERSION 1 as u16 LE
            air.id,
            uint8(c.logN),
            _le16(c.width),
            uint8(c.logBlowup),
            uint8(c.numQueries),
            uint8(c.powBits),
            uint8(c.friLogArity),
            uint8(c.logFinalPolyLen),
            _le32(pi.length)
        );
        for (uint256 i = 0; i < pi.length; ++i) {
            buf = bytes.concat(buf, _le32(pi[i]));
        }
        buf = bytes.concat(buf, digest, bytes20(prover));
    }

    function _le16(uint256 v) internal pure returns (bytes2) {
        return bytes2(uint16(((v & 0xff) << 8) | ((v >> 8) & 0xff)));
    }

    function _le32(uint256 v) internal pure returns (bytes4) {
        return bytes4(uint32(Transcript.bswap32(v)));
    }

    // ---------------------------------------------------------------- OOD

    function _twoAdicGenerator(uint256 logN) internal pure returns (uint256) {
        return Fri.twoAdicGenerator(logN);
    }

    /// @dev z in K, redrawn while in the trace domain or the LDE coset.
    function _drawOodPoint(Ctx memory c) internal pure returns (uint256 z) {
        uint256 shiftInv = KField.invF(COSET_SHIFT);
        while (true) {
            z = Transcript.sampleExt(c.t);
            if (z.squareTimes(c.logN) == 1) continue;
            if (z.scale(shiftInv).squareTimes(c.logLde) == 1) continue;
            return z;
        }
    }

    function _checkOod(Ctx memory c, AirInfo memory air, uint32[] calldata pi, PublicColumns.Source memory src)
        internal
        view
    {
        uint256[] memory pub = PublicColumns.evaluate(src, c.z, _twoAdicGenerator(c.logN), c.logN);
        uint256[4] memory acc = _evalConstraints(c.ood, pub, pi, c.alpha);
        uint256 zn = c.z.squareTimes(c.logN);
        uint256 lhs = _quotientFromConstraints(c, acc, zn);
        uint256 rhs = _quotientFromChunks(c, air.numQuotientChunks, zn);
        if (lhs != rhs) revert StarkVerifier__OodMismatch();
    }

    /// @dev Q(z) = acc_T (z - w_last)/Z_H(z) + acc_F/(z - 1) + acc_L/(z - w_last) + acc_E/Z_H(z).
    function _quotientFromConstraints(Ctx memory c, uint256[4] memory acc, uint256 zn) internal pure returns (uint256 lhs) {
        uint256 wLast = KField.invF(_twoAdicGenerator(c.logN)); // w^(n-1) = w^-1
        uint256 zhInv = KField.sub(zn, 1).inv();
        uint256 zMinusLast = KField.sub(c.z, wLast);
        lhs = acc[0].mul(zMinusLast).mul(zhInv);
        lhs = lhs.add(acc[1].mul(KField.sub(c.z, 1).inv()));
        lhs = lhs.add(acc[2].mul(zMinusLast.inv()));
        lhs = lhs.add(acc[3].mul(zhInv));
    }

    /// @dev sum_j z^(jn) * Q_j(z), Q_j(z) = sum_e X^e * (base column 4j + e at z).
    function _quotientFromChunks(Ctx memory c, uint256 chunks, uint256 zn) internal pure returns (uint256 rhs) {
        uint256 znj = 1;
        for (uint256 j = 0; j < chunks; ++j) {
            uint256 qj = 0;
            for (uint256 e = 0; e < 4; ++e) {
                qj = qj.add(KField.mulByXPower(c.oodQ[4 * j + e], e));
            }
            rhs = rhs.add(znj.mul(qj));
            znj = znj.mul(zn);
        }
    }

    // ---------------------------------------------------------------- openings, DEEP, FRI

    /// @dev Checks the trace and quotient openings and returns the DEEP polynomial at every query.
    function _deepValues(Ctx memory c) internal pure returns (uint256[] memory values) {
        c.gp = _gammaPowers(c);
        (uint256 vz, uint256 vzn) = _claimSums(c, c.gp);
        uint256 nq = c.queries.length;
        c.sz = new uint256[](nq);
        c.szn = new uint256[](nq);
        _openRows(c, 0, c.width, 0);
        _openRows(c, 1, c.qCols, 2 * c.width);
        values = _deepCombine(c, c.sz, c.szn, vz, vzn);
    }

    function _gammaPowers(Ctx memory c) internal pure returns (uint256[] memory gp) {
        uint256 m = 2 * c.width + c.qCols;
        gp = new uint256[](m);
        uint256 g = 1;
        for (uint256 k = 0; k < m; ++k) {
            gp[k] = g;
            g = g.mul(c.gamma);
        }
    }

    /// @dev V_z = sum gamma^k v_k over the claims at z; V_zn over those at z·w.
    function _claimSums(Ctx memory c, uint256[] memory gp) internal pure returns (uint256 vz, uint256 vzn) {
        uint256 w = c.width;
        for (uint256 col = 0; col < w; ++col) {
            vz = vz.add(gp[col].mul(c.ood[col]));
            vzn = vzn.add(gp[w + col].mul(c.ood[w + col]));
        }
        for (uint256 j = 0; j < c.qCols; ++j) {
            vz = vz.add(gp[2 * w + j].mul(c.oodQ[j]));
        }
    }

    /// @dev f(x) = (S_z - V_z)/(x - z) + (S_zn - V_zn)/(x - z·w) at every query point x, with the 2·Q
    ///      denominators inverted together (one inversion in K).
    function _deepCombine(Ctx memory c, uint256[] memory sz, uint256[] memory szn, uint256 vz, uint256 vzn)
        internal
        pure
        returns (uint256[] memory values)
    {
        uint256 nq = c.queries.length;
        uint256[] memory den = new uint256[](2 * nq);
        uint256 wLde = _twoAdicGenerator(c.logLde);
        for (uint256 k = 0; k < nq; ++k) {
            uint256 x = mulmod(COSET_SHIFT, KField.powF(wLde, c.queries[k]), P);
            den[2 * k] = KField.sub(x, c.z);
            den[2 * k + 1] = KField.sub(x, c.zNext);
        }
        _batchInverse(den);
        values = new uint256[](nq);
        for (uint256 k = 0; k < nq; ++k) {
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

    /// @dev Reads one opening of rows at the query positions (tree 0: trace, 1: quotient), checks its
    ///      multi-proof, and adds sum gamma^k * value into the per-query sums.
    function _openRows(Ctx memory c, uint256 tree, uint256 leafWords, uint256 gpOffset) internal pure {
        uint256 nq = c.queries.length;
        if (_u16(c) != nq) revert StarkVerifier__Decode(c.pos - 2 - c.start);
        uint256 leafBytes = 4 * leafWords;
        _need(c, nq * leafBytes);
        bytes32[] memory digests = new bytes32[](nq);
        for (uint256 k = 0; k < nq; ++k) {
            uint256 off = c.pos + k * leafBytes;
            digests[k] = _hashCalldata(off, leafBytes);
            (uint256 a, uint256 b) = _rowSums(c, off, leafWords, gpOffset, tree == 0);
            c.sz[k] = c.sz[k].add(a);
            if (tree == 0) c.szn[k] = b;
        }
        c.pos += nq * leafBytes;
        _checkRoot(c, tree, digests);
    }

    function _checkRoot(Ctx memory c, uint256 tree, bytes32[] memory digests) internal pure {
        uint256 nq = c.queries.length;
        uint256[] memory idx = new uint256[](nq);
        for (uint256 k = 0; k < nq; ++k) {
            idx[k] = c.queries[k];
        }
        if (_multiRoot(c, idx, digests, c.logLde) != _rootAt(c, tree)) revert StarkVerifier__MerkleMismatch(tree);
    }

    /// @dev sum_col gamma^(gpOffset+col) * row[col] (and, for trace rows, sum gamma^(width+col) * row[col]).
    function _rowSums(Ctx memory c, uint256 off, uint256 leafWords, uint256 gpOffset, bool both)
        internal
        pure
        returns (uint256 ra, uint256 rb)
    {
        uint256 badAt;
        (ra, badAt) = _dot(c.gp, gpOffset, off, leafWords);
        if (badAt != 0) revert StarkVerifier__Decode(badAt - 1 - c.start);
        if (both) (rb,) = _dot(c.gp, c.width, off, leafWords);
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

    function _rootAt(Ctx memory c, uint256 tree) internal pure returns (bytes32 r) {
        uint256 off = tree == 0 ? c.oodOffset - 64 : tree == 1 ? c.oodOffset - 32 : c.friRootsOffset + 32 * (tree - 2);
        assembly {
            r := calldataload(off)
        }
    }

    function _hashCalldata(uint256 off, uint256 len) internal pure returns (bytes32 h) {
        assembly {
            let m := mload(0x40)
            calldatacopy(m, off, len)
            h := keccak256(m, len)
        }
    }

    /// @dev Root from sorted distinct leaf indices and their digests plus the multi-proof siblings
    ///      (u16 count, then the digests level by level, left to right). Overwrites idx and hashes.
    ///      Every sibling must be consumed. In assembly: this walk is most of the verifier's gas.
    function _multiRoot(Ctx memory c, uint256[] memory idx, bytes32[] memory hs, uint256 depth)
        internal
        pure
        returns (bytes32 root)
    {
        uint256 countPos = c.pos;
        uint256 nSib = _u16(c);
        _need(c, 32 * nSib);
        uint256 sibPtr = c.pos;
        uint256 sibEnd = sibPtr + 32 * nSib;
        c.pos = sibEnd;
        bool short;
        assembly {
            let cnt := mload(idx)
            let ip := add(idx, 32)
            let hp := add(hs, 32)
            for { let l := 0 } lt(l, depth) { l := add(l, 1) } {
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
            root := mload(hp)
        }
        if (short || sibPtr != sibEnd) revert StarkVerifier__Decode(countPos - c.start);
    }

    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }

    /// @dev FRI query phase: every layer's opened coset holds the running value; fold it onward; the
    ///      last values lie on the final polynomial.
    function _friQueries(Ctx memory c, uint256[] memory values, uint256[] memory betas) internal pure {
        uint256[] memory pos = new uint256[](c.queries.length);
        for (uint256 k = 0; k < pos.length; ++k) {
            pos[k] = c.queries[k];
        }
        uint256 cnt = pos.length;
        uint256 logM = c.logLde;
        uint256 layerShift = COSET_SHIFT;
        for (uint256 r = 0; r < c.friSteps.length; ++r) {
            uint256 s = c.friSteps[r];
            (cnt, layerShift) = _friLayer(c, r, s, logM, layerShift, pos, values, cnt, betas[r]);
            logM -= s;
        }
        uint256 wM = _twoAdicGenerator(logM);
        for (uint256 k = 0; k < cnt; ++k) {
            uint256 x = mulmod(layerShift, KField.powF(wM, pos[k]), P);
            if (_finalPolyAt(c.finalPolyOffset, c.finalLen, x) != values[k]) revert StarkVerifier__FinalPolyMismatch();
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
    ///      calldata; their canonicity was checked when the fixed sections were read).
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

    /// @dev One FRI layer: positions `pos[0..cnt)` (distinct) with running values. Returns the new count
    ///      and shift; pos/values are replaced by the sorted distinct leaves and their folded values.
    function _friLayer(
        Ctx memory c,
        uint256 r,
        uint256 s,
        uint256 logM,
        uint256 layerShift,
        uint256[] memory pos,
        uint256[] memory values,
        uint256 cnt,
        uint256 beta
    ) internal pure returns (uint256, uint256) {
        Layer memory ly = Layer(r, s, logM, layerShift, 1 << s, 1 << (logM - s), beta, 0, 0, 16 << s);
        return _friLayerInner(c, ly, pos, values, cnt);
    }

    function _friLayerInner(Ctx memory c, Layer memory ly, uint256[] memory pos, uint256[] memory values, uint256 cnt)
        internal
        pure
        returns (uint256, uint256)
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
        if (_multiRoot(c, leaves, digests, ly.logM - ly.s) != _rootAt(c, 2 + ly.r)) {
            revert StarkVerifier__MerkleMismatch(2 + ly.r);
        }
        // _multiRoot overwrote `leaves`: recompute them into pos.
        return (_restoreLeaves(pos, cnt, ly.L), KField.powF(ly.shift, ly.k));
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

    function _restoreLeaves(uint256[] memory pos, uint256 cnt, uint256 L) internal pure returns (uint256 nl) {
        // Sorted distinct (pos % L), written into pos.
        for (uint256 i = 0; i < cnt; ++i) {
            pos[i] = pos[i] % L;
        }
        for (uint256 i = 1; i < cnt; ++i) {
            uint256 v = pos[i];
            uint256 j = i;
            while (j > 0 && pos[j - 1] > v) {
                pos[j] = pos[j - 1];
                --j;
            }
            pos[j] = v;
        }
        nl = 0;
        for (uint256 i = 0; i < cnt; ++i) {
            if (nl == 0 || pos[nl - 1] != pos[i]) pos[nl++] = pos[i];
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
