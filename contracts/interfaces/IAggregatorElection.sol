// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Stake-weighted aggregator per epoch with ranked windows and a final open race.
interface IAggregatorElection {
    struct ElectionParams {
        uint64 epochLength; // blocks per epoch
        uint64 aggregatorWindow; // blocks per ranked window
        uint32 fallbackRanks; // number of ranked windows before anyone may submit
        uint256 livenessPenalty; // burned from the primary when a later rank or the open race submits
    }

    event SeedRecorded(uint64 indexed epoch, bytes32 seed);

    error AggregatorElection__InvalidParams();
    error AggregatorElection__SeedUnavailable(uint64 epoch);
    error AggregatorElection__SeedAlreadyRecorded(uint64 epoch);

    function epochLength() external view returns (uint64);
    function aggregatorWindow() external view returns (uint64);
    function fallbackRanks() external view returns (uint32);
    function livenessPenalty() external view returns (uint256);
    function epochOf(uint256 blockNumber) external view returns (uint64);
    function epochSeed(uint64 epoch) external view returns (bytes32);
    function recordSeed(uint64 epoch) external;
    function aggregatorFor(uint64 epoch, uint32 rank) external view returns (address);
    function rankedAggregators(uint64 epoch, uint32 count) external view returns (address[] memory);
    function submissionRights(address who, uint256 fullyCommittedBlock)
        external
        view
        returns (bool allowed, address primary, bool primaryMissed);
}
