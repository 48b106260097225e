// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The one place that fixes how a segment statement is laid out for the STARK verifier.
library StatementLib {
    /// @dev Number of public inputs of AIR transfer-v1: batchId, segmentIndex, rootIn[8], rootOut[8], txCount.
    uint256 internal constant PUBLIC_INPUTS = 19;

    /// @notice Public inputs of a transfer-v1 segment statement:
    ///         [batchId, segmentIndex, rootIn(8 words), rootOut(8 words), txCount].
    /// @dev A root is 8 BabyBear elements packed as 8 x u32 little-endian in a bytes32 (word k is bytes 4k..4k+3).
    function publicInputs(uint64 batchId, uint32 segmentIndex, bytes32 rootIn, bytes32 rootOut, uint32 txCount)
        internal
        pure
        returns (uint32[] memory out)
    {
        out = new uint32[](PUBLIC_INPUTS);
        out[0] = uint32(batchId);
        out[1] = segmentIndex;
        _unpackRoot(rootIn, out, 2);
        _unpackRoot(rootOut, out, 10);
        out[18] = txCount;
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
