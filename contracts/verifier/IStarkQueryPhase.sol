// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The query phase of the protocol-v2 STARK verifier as a contract of its own (StarkQueryPhase).
interface IStarkQueryPhase {
    /// @notice Checks the openings, DEEP and FRI of `proof` from the verifier's state `w`; reverts with a
    ///         custom error of IStarkVerifierErrors on any failure, else returns true.
    function run(bytes calldata proof, uint256[] calldata w) external pure returns (bool);
}
