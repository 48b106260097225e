// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Every way the on-chain STARK verifier refuses a proof (or a deployment). `verify` never returns
///         false: a rejected proof reverts with exactly one of these (docs/verifier.md maps each to the TS check).
interface IStarkVerifierErrors {
    /// @dev The airId argument is not the AIR this verifier was generated for.
    error StarkVerifier__UnknownAir(bytes32 airId);
    /// @dev The proof names another AIR than the airId argument.
    error StarkVerifier__AirMismatch(bytes32 proofAirId);
    /// @dev Strict decoding failed (magic, version, hash configuration code, option limits, table count,
    ///      lengths, counts, non-canonical elements, truncation, trailing bytes); `offset` is the byte
    ///      offset in the proof.
    error StarkVerifier__Decode(uint256 offset);
    /// @dev The proof uses the poseidon2 hash configuration (code 1): verified off-chain and inside
    ///      proofs only; this verifier implements the keccak configuration.
    error StarkVerifier__UnsupportedHash(uint256 config);
    /// @dev A table height in the header is outside the table's range, or its LDE exceeds 2^27, or the
    ///      blowup is below the table's quotient chunks.
    error StarkVerifier__TableHeight(uint256 table, uint256 logRows);
    /// @dev The verifier has no baked preprocessed commitment for this table height, blowup and cap height
    ///      (docs/verifier.md lists the supported combinations).
    error StarkVerifier__PreprocessedUnsupported(uint256 table, uint256 logRows, uint256 logBlowup, uint256 logCap);
    /// @dev The statement is malformed: public input count, public column length, non-canonical values.
    error StarkVerifier__InvalidInput();
    /// @dev The proof's options give less than the verifier's minimum conjectured security.
    error StarkVerifier__InsufficientSecurity(uint256 requiredBits);
    /// @dev The LogUp terminal sums of the tables do not add up to zero: a bus is unbalanced.
    error StarkVerifier__BusUnbalanced();
    /// @dev The quotient identity of a table does not hold at the out-of-domain point z.
    error StarkVerifier__OodMismatch(uint256 table);
    /// @dev The proof-of-work nonce does not give enough leading zero bits.
    error StarkVerifier__PowInvalid();
    /// @dev A Merkle multi-proof of a height group's tree does not reach its cap.
    ///      tree: 0 main, 1 auxiliary, 2 quotient, 3 + t the preprocessed columns of table t.
    error StarkVerifier__MerkleMismatch(uint256 group, uint256 tree);
    /// @dev A Merkle multi-proof of an FRI layer does not reach its cap.
    error StarkVerifier__FriMerkleMismatch(uint256 layer);
    /// @dev An opened FRI value does not match the value folded from the previous layer.
    error StarkVerifier__FriMismatch(uint256 layer);
    /// @dev The last folded values do not lie on the final polynomial.
    error StarkVerifier__FinalPolyMismatch();
    /// @dev A part contract of the verifier (a constraint evaluator or the query phase) failed without a
    ///      refusal of its own: it ran out of gas.
    error StarkVerifier__EvaluatorFailed(address evaluator);
    /// @dev Deployment: an evaluator's code is not the generated evaluator this verifier pins.
    error StarkVerifier__EvaluatorCodeHash(uint256 index, address evaluator);
    /// @dev Deployment: the query-phase contract's code is not the StarkQueryPhase this verifier pins.
    error StarkVerifier__QueryPhaseCodeHash(address queryPhase);
    /// @dev Deployment: the policy is below SecurityFloor.FLOOR_BITS (outside a local devnet).
    error StarkVerifier__PolicyBelowFloor(uint256 minSecurityBits, uint256 floorBits);
}
