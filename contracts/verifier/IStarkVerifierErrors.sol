// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Every way the on-chain STARK verifier refuses a proof. `verify` never returns false: a
///         rejected proof reverts with exactly one of these (docs/verifier.md maps each to the TS check).
interface IStarkVerifierErrors {
    /// @dev The airId argument is not the AIR this verifier was generated for.
    error StarkVerifier__UnknownAir(bytes32 airId);
    /// @dev The proof names another AIR than the airId argument.
    error StarkVerifier__AirMismatch(bytes32 proofAirId);
    /// @dev Strict decoding failed (magic, version, option limits, lengths, counts, non-canonical
    ///      elements, truncation, trailing bytes); `offset` is the byte offset in the proof.
    error StarkVerifier__Decode(uint256 offset);
    /// @dev The statement is malformed: public input count, public column length, non-canonical values.
    error StarkVerifier__InvalidInput();
    /// @dev The trace height is below the AIR's minimum.
    error StarkVerifier__TraceTooShort(uint256 logTraceHeight);
    /// @dev The proof's options give less than the verifier's minimum conjectured security.
    error StarkVerifier__InsufficientSecurity(uint256 requiredBits);
    /// @dev The quotient identity does not hold at the out-of-domain point z.
    error StarkVerifier__OodMismatch();
    /// @dev The proof-of-work nonce does not give enough leading zero bits.
    error StarkVerifier__PowInvalid();
    /// @dev A Merkle multi-proof does not reach its root. tree: 0 trace, 1 quotient, 2 + r FRI layer r.
    error StarkVerifier__MerkleMismatch(uint256 tree);
    /// @dev An opened FRI value does not match the value folded from the previous layer.
    error StarkVerifier__FriMismatch(uint256 layer);
    /// @dev A constraint-evaluator contract failed (wrong deployment or out of gas).
    error StarkVerifier__EvaluatorFailed(address evaluator);
    /// @dev The last folded values do not lie on the final polynomial.
    error StarkVerifier__FinalPolyMismatch();
}
