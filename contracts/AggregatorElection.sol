// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAggregatorElection} from "./interfaces/IAggregatorElection.sol";
import {IProverStaking} from "./interfaces/IProverStaking.sol";

/// @notice Stake-weighted aggregator election. An epoch is `epochLength` blocks; its seed is the hash of
///         the block before it starts. Ranks are drawn without replacement, weighted by each active
///         prover's pool stake. Once a batch is fully committed, window k (of `aggregatorWindow` blocks)
///         admits ranks 0..k; from window `fallbackRanks` on anyone may submit.
/// @dev Weights are read at call time (no stake snapshots in M1) and sampling walks every registered
///      prover, so a call costs O(provers x ranks): fine for devnets and small networks, see docs.
contract AggregatorElection is IAggregatorElection {
    IProverStaking public immutable staking;
    uint64 public immutable epochLength;
    uint64 public immutable aggregatorWindow;
    uint32 public immutable fallbackRanks;
    uint256 public immutable livenessPenalty;

    mapping(uint64 => bytes32) public recordedSeeds;

    constructor(IProverStaking staking_, ElectionParams memory p) {
        if (address(staking_) == address(0) || p.epochLength == 0 || p.aggregatorWindow == 0 || p.fallbackRanks == 0) {
            revert AggregatorElection__InvalidParams();
        }
        staking = staking_;
        epochLength = p.epochLength;
        aggregatorWindow = p.aggregatorWindow;
        fallbackRanks = p.fallbackRanks;
        livenessPenalty = p.livenessPenalty;
    }

    function epochOf(uint256 blockNumber) public view returns (uint64) {
        return uint64(blockNumber / epochLength);
    }

    /// @notice The epoch's randomness: a recorded seed, else the hash of the block before the epoch
    ///         while the EVM still serves it (256 blocks), else a fixed hash of the epoch number.
    function epochSeed(uint64 epoch) public view returns (bytes32) {
        bytes32 seed = recordedSeeds[epoch];
        if (seed != bytes32(0)) return seed;
        seed = _blockSeed(epoch);
        if (seed != bytes32(0)) return seed;
        return keccak256(abi.encode("prover-node/epoch", epoch));
    }

    /// @notice Store an epoch's seed while its block hash is still available, so it outlives 256 blocks.
    function recordSeed(uint64 epoch) external {
        if (recordedSeeds[epoch] != bytes32(0)) revert AggregatorElection__SeedAlreadyRecorded(epoch);
        bytes32 seed = _blockSeed(epoch);
        if (seed == bytes32(0)) revert AggregatorElection__SeedUnavailable(epoch);
        recordedSeeds[epoch] = seed;
        emit SeedRecorded(epoch, seed);
    }

    function aggregatorFor(uint64 epoch, uint32 rank) external view returns (address) {
        address[] memory ranked = rankedAggregators(epoch, rank + 1);
        return ranked.length > rank ? ranked[rank] : address(0);
    }

    /// @notice The first `count` ranks of the epoch (fewer when fewer provers are active).
    function rankedAggregators(uint64 epoch, uint32 count) public view returns (address[] memory ranked) {
        uint256 n = staking.proverCount();
        address[] memory candidates = new address[](n);
        uint256[] memory weights = new uint256[](n);
        uint256 total;
        uint256 eligible;
        for (uint256 i = 0; i < n; ++i) {
            address p = staking.proverAt(i);
            uint256 w = staking.weightOf(p);
            candidates[i] = p;
            weights[i] = w;
            total += w;
            if (w > 0) ++eligible;
        }
        uint256 m = count < eligible ? count : eligible;
        ranked = new address[](m);
        bytes32 seed = epochSeed(epoch);
        for (uint256 r = 0; r < m; ++r) {
            uint256 x = uint256(keccak256(abi.encode(seed, r))) % total;
            for (uint256 i = 0; i < n; ++i) {
                if (x < weights[i]) {
                    ranked[r] = candidates[i];
                    total -= weights[i];
                    weights[i] = 0; // without replacement
                    break;
                }
                x -= weights[i];
            }
        }
    }

    /// @notice May `who` submit the aggregate of a batch that became fully committed at `fullyCommittedBlock`?
    /// @return allowed        whether `who` may submit now
    /// @return primary        rank 0 of the epoch of `fullyCommittedBlock` (address(0) when nobody is active)
    /// @return primaryMissed  whether the primary's exclusive window is over
    function submissionRights(address who, uint256 fullyCommittedBlock)
        external
        view
        returns (bool allowed, address primary, bool primaryMissed)
    {
        uint256 elapsed = block.number > fullyCommittedBlock ? block.number - fullyCommittedBlock : 0;
        uint256 window = elapsed / aggregatorWindow;
        primaryMissed = window >= 1;
        uint32 ranks = window >= fallbackRanks ? 1 : uint32(window) + 1;
        address[] memory ranked = rankedAggregators(epochOf(fullyCommittedBlock), ranks);
        if (ranked.length > 0) primary = ranked[0];
        if (window >= fallbackRanks) return (true, primary, primaryMissed);
        for (uint256 r = 0; r < ranked.length; ++r) {
            if (ranked[r] == who) return (true, primary, primaryMissed);
        }
        // Nobody is eligible: the open race starts at once rather than stalling the rollup.
        allowed = ranked.length == 0;
    }

    function _blockSeed(uint64 epoch) internal view returns (bytes32) {
        uint256 start = uint256(epoch) * epochLength;
        uint256 source = start == 0 ? 0 : start - 1;
        if (source >= block.number) return bytes32(0);
        return blockhash(source);
    }
}
