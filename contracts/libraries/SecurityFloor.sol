// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice The least verifier policy the system accepts (docs/contracts.md, "Security floor").
/// @dev A STARK verifier refuses a `minSecurityBits` below FLOOR_BITS in its constructor, and Rollup and
///      SegmentMarket refuse a verifier whose policy is below it. The one exception is a local devnet
///      (chain id 31337, anvil's and hardhat's default): there the insecure test options, which prove in a
///      fraction of the time, may be verified on-chain. No value is at stake on such a chain, and no
///      public network uses its id.
library SecurityFloor {
    /// @dev The floor, in conjectured bits (issue: "a floor (80)"); production policies are 96.
    uint256 internal constant FLOOR_BITS = 80;
    /// @dev The local-devnet chain id on which policies below the floor are allowed.
    uint256 internal constant LOCAL_DEVNET_CHAIN_ID = 31337;

    /// @dev Whether a verifier policy of `bits` may be used on this chain.
    function allows(uint256 bits) internal view returns (bool) {
        return bits >= FLOOR_BITS || block.chainid == LOCAL_DEVNET_CHAIN_ID;
    }
}
