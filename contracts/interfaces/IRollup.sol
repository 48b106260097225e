// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Rollup state root, sequencer role and finalisation of batches by an aggregate.
interface IRollup {
    /// @notice One segment's part of an M1 (bundle) aggregate.
    struct SegmentProof {
        bytes proof;
        uint32[] publicColumn;
    }

    event SequencerChanged(address indexed previous, address indexed sequencer);
    event StateRootUpdated(uint64 indexed batchId, bytes32 previousRoot, bytes32 newRoot, address indexed aggregator);
    event LivenessPenalized(uint64 indexed batchId, address indexed primary, uint256 amount);

    error Rollup__NotOwner(address caller);
    error Rollup__ZeroAddress();
    error Rollup__InvalidTreeDepth(uint32 treeDepth);
    /// @dev The verifier's minSecurityBits is below SecurityFloor.FLOOR_BITS (outside a local devnet).
    error Rollup__VerifierPolicyBelowFloor(uint256 minSecurityBits, uint256 floorBits);
    error Rollup__BatchNotOpen(uint64 batchId);
    error Rollup__BatchTimedOut(uint64 batchId, uint64 timeoutAt);
    error Rollup__BatchNotFullyCommitted(uint64 batchId);
    error Rollup__NotElected(address caller);
    error Rollup__WrongProofCount(uint256 expected, uint256 provided);
    error Rollup__ProofHashMismatch(uint32 index, bytes32 committed, bytes32 provided);
    error Rollup__TxDataMismatch(uint32 index);
    error Rollup__RootDiscontinuity(uint32 index, bytes32 expected, bytes32 actual);
    error Rollup__InvalidSegmentProof(uint32 index);

    function stateRoot() external view returns (bytes32);
    /// @notice Depth of the account tree, a public input of every segment statement (fixed at deployment).
    function treeDepth() external view returns (uint32);
    function sequencer() external view returns (address);
    function setSequencer(address sequencer) external;
    function submitAggregate(uint64 batchId, SegmentProof[] calldata proofs) external;
}
