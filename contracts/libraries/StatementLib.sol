// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The one place that fixes how a segment statement is laid out for the STARK verifier.
/// @dev Must match AIR transfer-v1 word for word (src/rollup/air/layout.ts PI, src/rollup/air/statement.ts
///      publicInputsOf), transfer-v2 (src/rollup/air-v2/layout.ts PI, statement.ts publicInputsV2: v1's
///      inputs followed by txCommitment) and their TypeScript mirror (src/chain/statement.ts).
library StatementLib {
    /// @dev Number of public inputs of AIR transfer-v1:
    ///      batchIdLo30, batchIdHi30, segmentIndex, treeDepth, rootIn[8], rootOut[8], txCount.
    uint256 internal constant PUBLIC_INPUTS = 21;
    /// @dev transfer-v2: transfer-v1's 21, then txCommitment[8], the batch's r[4] and the segment's E[4].
    uint256 internal constant PUBLIC_INPUTS_V2 = 37;
    /// @dev batchId is split into two 30-bit field elements, so it must be below 2^60.
    uint64 internal constant MAX_BATCH_ID = (uint64(1) << 60) - 1;
    /// @dev segmentIndex is one field element limited to 30 bits by the AIR.
    uint32 internal constant MAX_SEGMENT_INDEX = (uint32(1) << 30) - 1;

    error StatementLib__BatchIdTooLarge(uint64 batchId);
    error StatementLib__SegmentIndexTooLarge(uint32 segmentIndex);

    /// @notice Public inputs of a transfer-v1 segment statement:
    ///         [batchId & (2^30-1), batchId >> 30, segmentIndex, treeDepth, rootIn(8 words), rootOut(8 words), txCount].
    /// @dev A root is 8 BabyBear elements packed as 8 x u32 little-endian in a bytes32 (word k is bytes 4k..4k+3).
    ///      Reverts if batchId >= 2^60 or segmentIndex >= 2^30 (unreachable in practice: batch ids count up
    ///      from 1 and a batch has at most SegmentMarket.MAX_SEGMENTS_PER_BATCH segments).
    function publicInputs(
        uint64 batchId,
        uint32 segmentIndex,
        uint32 treeDepth,
        bytes32 rootIn,
        bytes32 rootOut,
        uint32 txCount
    ) internal pure returns (uint32[] memory out) {
        out = new uint32[](PUBLIC_INPUTS);
        _fill(out, batchId, segmentIndex, treeDepth, rootIn, rootOut, txCount);
    }

    /// @notice Public inputs of a transfer-v2 segment statement: transfer-v1's, then txCommitment (8 words,
    ///         packed like a root), the batch's r and the segment's E (4 words each, word 0 in the top 32 bits).
    function publicInputsV2(
        uint64 batchId,
        uint32 segmentIndex,
        uint32 treeDepth,
        bytes32 rootIn,
        bytes32 rootOut,
        uint32 txCount,
        bytes32 txCommitment,
        uint128 r,
        uint128 e
    ) internal pure returns (uint32[] memory out) {
        out = new uint32[](PUBLIC_INPUTS_V2);
        _fill(out, batchId, segmentIndex, treeDepth, rootIn, rootOut, txCount);
        _unpackRoot(txCommitment, out, PUBLIC_INPUTS);
        for (uint256 k = 0; k < 4; ++k) {
            out[PUBLIC_INPUTS + 8 + k] = uint32(r >> (96 - 32 * k));
            out[PUBLIC_INPUTS + 12 + k] = uint32(e >> (96 - 32 * k));
        }
    }

    function _fill(
        uint32[] memory out,
        uint64 batchId,
        uint32 segmentIndex,
        uint32 treeDepth,
        bytes32 rootIn,
        bytes32 rootOut,
        uint32 txCount
    ) private pure {
        if (batchId > MAX_BATCH_ID) revert StatementLib__BatchIdTooLarge(batchId);
        if (segmentIndex > MAX_SEGMENT_INDEX) revert StatementLib__SegmentIndexTooLarge(segmentIndex);
        out[0] = uint32(batchId & 0x3fffffff);
        out[1] = uint32(batchId >> 30);
        out[2] = segmentIndex;
        out[3] = treeDepth;
        _unpackRoot(rootIn, out, 4);
        _unpackRoot(rootOut, out, 12);
        out[20] = txCount;
    }

    /// @notice Hash binding a segment's public column (its transactions as field elements) to the market.
    /// @dev keccak256 of the elements as consecutive 32-byte big-endian words (abi.encodePacked of uint32[]).
    function txDataHash(uint32[] calldata publicColumn) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(publicColumn));
    }

    function _unpackRoot(bytes32 root, uint32[] memory out, uint256 at) private pure {
        for (uint256 k = 0; k < 8; ++k) {
            uint256 b = 4 * k;
            out[at + k] = uint32(uint8(root[b])) | (uint32(uint8(root[b + 1])) << 8)
                | (uint32(uint8(root[b + 2])) << 16) | (uint32(uint8(root[b + 3])) << 24);
        }
    }
}
