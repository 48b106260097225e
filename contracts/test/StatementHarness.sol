// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {StatementLib} from "../libraries/StatementLib.sol";

/// @notice Exposes StatementLib so tests can check the TypeScript mirror (src/chain/statement.ts) against it.
contract StatementHarness {
    function publicInputs(
        uint64 batchId,
        uint32 segmentIndex,
        uint32 treeDepth,
        bytes32 rootIn,
        bytes32 rootOut,
        uint32 txCount
    ) external pure returns (uint32[] memory) {
        return StatementLib.publicInputs(batchId, segmentIndex, treeDepth, rootIn, rootOut, txCount);
    }

    function txDataHash(uint32[] calldata publicColumn) external pure returns (bytes32) {
        return StatementLib.txDataHash(publicColumn);
    }
}
