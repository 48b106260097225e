// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Verifies one STARK proof of a segment statement.
/// @dev An invalid proof either makes `verify` return false or revert with a descriptive custom error;
///      callers must treat both as "invalid" (see SegmentMarket.challengeProof).
interface IStarkVerifier {
    /// @param airId         hash of the AIR's name, version and shape (e.g. transfer-v1)
    /// @param proof         the proof bytes exactly as the off-chain codec writes them
    /// @param publicInputs  the statement's public inputs (see StatementLib.publicInputs)
    /// @param publicColumn  the public columns the verifier evaluates itself (the segment's transactions),
    ///                      every table's columns flattened column-major, table after table
    /// @param prover        the address the proof is bound to (absorbed into the transcript)
    function verify(
        bytes32 airId,
        bytes calldata proof,
        uint32[] calldata publicInputs,
        uint32[] calldata publicColumn,
        address prover
    ) external view returns (bool);

    /// @notice The least conjectured security (bits) a proof's options must give for `verify` to accept it.
    ///         Rollup and SegmentMarket read it when they are constructed (SecurityFloor).
    function minSecurityBits() external view returns (uint256);
}
