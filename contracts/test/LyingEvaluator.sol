// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Test stand-in for a constraint evaluator that lies: it answers every evaluation buffer with
///         zero accumulators, so every constraint would read as satisfied. A verifier must refuse it at
///         deployment (it pins its evaluators by code hash).
contract LyingEvaluator {
    fallback() external {
        assembly {
            calldatacopy(0, 0, calldatasize())
            return(0, calldatasize())
        }
    }
}
