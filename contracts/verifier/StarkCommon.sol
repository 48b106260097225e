// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IStarkVerifierErrors} from "./IStarkVerifierErrors.sol";
import {KField} from "./KField.sol";
import {Transcript} from "./Transcript.sol";
import {Fri} from "./Fri.sol";

/// @notice What StarkVerifierBase and StarkQueryPhase share: the verification state of a protocol-v2
///         proof (its layout by table and height group) and strict reading of the proof from calldata.
abstract contract StarkCommon is IStarkVerifierErrors {
    using KField for uint256;

    uint256 internal constant P = 2013265921;
    uint256 internal constant COSET_SHIFT = 31;
    uint256 internal constant NONE = type(uint256).max;

    /// @dev Tree codes of StarkVerifier__MerkleMismatch.
    uint256 internal constant TREE_MAIN = 0;
    uint256 internal constant TREE_AUX = 1;
    uint256 internal constant TREE_QUOTIENT = 2;
    uint256 internal constant TREE_PRE = 3;

    /// @dev One table: its shape (generated) and its place in this proof's layout (derived).
    struct Table {
        uint256 width;
        uint256 numPre;
        uint256 numPub;
        uint256 numAux;
        uint256 numChunks;
        uint256 numConstraints;
        uint256 maxDegree;
        uint256 minLogRows;
        uint256 maxLogRows;
        uint256 numInteractions;
        /// @dev Registers of the table's evaluation buffer.
        uint256 numRegisters;
        // ---- derived from the header
        uint256 logRows;
        uint256 group;
        /// @dev Column offsets in the group's main / auxiliary (base coordinates) / quotient matrices.
        uint256 mainOff;
        uint256 auxOff;
        uint256 quotOff;
        /// @dev Index of its first OOD value, of its first DEEP claim in the group, of its terminal sum
        ///      (NONE without interactions) and of its first public-column element.
        uint256 oodOff;
        uint256 claimOff;
        uint256 terminal;
        uint256 pubOff;
    }

    /// @dev The tables of one height.
    struct Group {
        uint256 logRows;
        uint256 logLde;
        uint256[] tables;
        uint256 mainWidth;
        uint256 auxWidth;
        uint256 quotWidth;
        uint256 numClaims;
        /// @dev min(logCap, logLde): the caps of its trees hold 2^capHeight digests.
        uint256 capHeight;
        /// @dev Calldata offsets of the caps.
        uint256 mainCap;
        uint256 auxCap;
        uint256 quotCap;
        /// @dev Sorted distinct query positions in its LDE domain, and its DEEP function there.
        uint256[] pos;
        uint256[] deep;
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
        uint256 logCap;
        Table[] tables;
        Group[] groups;
        uint256 numOod;
        uint256 numTerminals;
        uint256 pubTotal;
        uint256 logQD; // log2 of the query domain (group 0's LDE)
        uint256[] steps; // FRI log-arities
        uint256[] joins; // per FRI round: the group joining after it, or NONE
        uint256[] friCaps; // calldata offsets of the FRI layers' caps
        uint256 termOff;
        uint256 oodOff;
        uint256 finalOff;
        uint256 finalLen;
        uint256 nonceOff;
        uint256[] ood; // every OOD value (K), proof order
        bytes32[][] preCaps; // per table: its preprocessed cap (from the generated constants)
        uint256 lambda;
        uint256 mu;
        uint256 alpha;
        uint256 z;
        uint256 gamma;
        uint256[] queries;
        uint256[] betas;
        uint256[] gp; // gamma powers
    }

    // ---------------------------------------------------------------- calldata reading

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

    /// @dev K element at a calldata offset (4 canonical u32 LE words), byte-swapped all at once.
    function _readExtAt(Ctx memory c, uint256 off) internal pure returns (uint256 e) {
        bool bad;
        assembly {
            let x := shr(128, calldataload(off))
            x := or(shr(8, and(x, 0xff00ff00ff00ff00ff00ff00ff00ff00)), shl(8, and(x, 0x00ff00ff00ff00ff00ff00ff00ff00ff)))
            x := or(shr(16, and(x, 0xffff0000ffff0000ffff0000ffff0000)), shl(16, and(x, 0x0000ffff0000ffff0000ffff0000ffff)))
            let w0 := shr(96, x)
            let w1 := and(shr(64, x), 0xffffffff)
            let w2 := and(shr(32, x), 0xffffffff)
            let w3 := and(x, 0xffffffff)
            bad := iszero(and(and(lt(w0, P), lt(w1, P)), and(lt(w2, P), lt(w3, P))))
            e := or(or(w0, shl(64, w1)), or(shl(128, w2), shl(192, w3)))
        }
        if (bad) revert StarkVerifier__Decode(off - c.start);
    }

    function _twoAdicGenerator(uint256 logN) internal pure returns (uint256) {
        return Fri.twoAdicGenerator(logN);
    }

    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32 h) {
        assembly {
            mstore(0x00, a)
            mstore(0x20, b)
            h := keccak256(0x00, 0x40)
        }
    }

    function _hashCalldata(uint256 off, uint256 len) internal pure returns (bytes32 h) {
        assembly {
            let m := mload(0x40)
            calldatacopy(m, off, len)
            h := keccak256(m, len)
        }
    }
}
