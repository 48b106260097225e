// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Prover registration, self-bond and delegation pools, collateral locking and slashing.
/// @dev Each prover has a pool. Its own bond and its delegators' stake are shares of that pool, so
///      rewards (after commission) and slashes are shared pro rata. Unbonding stake moves to a second
///      pool of the same prover that is still slashed pro rata until its delay ends.
interface IProverStaking {
    struct StakingParams {
        uint256 minStake; // self-stake a prover needs to lock segments and to be elected
        uint64 unbondingDelay; // seconds between requestUnbond/requestUndelegate and withdraw
        uint16 commissionCapBps; // highest commission a prover may set (basis points)
    }

    struct Pool {
        uint256 activeStake; // tokens backing activeShares (bonded, lockable)
        uint256 activeShares;
        uint256 unbondingStake; // tokens backing unbondingShares (slashable, not lockable)
        uint256 unbondingShares;
        uint256 locked; // part of activeStake reserved as segment collateral
    }

    struct Pending {
        uint256 shares; // shares of the unbonding pool
        uint64 releaseAt; // timestamp from which withdraw succeeds
    }

    event Initialized(address indexed market, address indexed rollup);
    event ProverRegistered(address indexed prover, bytes peerId);
    event PeerIdUpdated(address indexed prover, bytes peerId);
    event CommissionSet(address indexed prover, uint16 commissionBps);
    event Bonded(address indexed prover, address indexed staker, uint256 amount, uint256 shares);
    event UnbondRequested(
        address indexed prover, address indexed staker, uint256 amount, uint256 unbondingShares, uint64 releaseAt
    );
    event Withdrawn(address indexed prover, address indexed staker, uint256 amount);
    event CollateralLocked(address indexed prover, uint256 amount, uint256 lockedTotal);
    event CollateralUnlocked(address indexed prover, uint256 amount, uint256 lockedTotal);
    event Slashed(
        address indexed prover, uint256 amount, uint256 fromActive, uint256 fromUnbonding, address beneficiary, uint256 paid
    );
    event Rewarded(address indexed prover, uint256 amount, uint256 commission, uint256 toPool);
    event RewardsClaimed(address indexed prover, uint256 amount);

    error ProverStaking__NotOwner(address caller);
    error ProverStaking__AlreadyInitialized();
    error ProverStaking__NotMarket(address caller);
    error ProverStaking__NotSlasher(address caller);
    error ProverStaking__AlreadyRegistered(address prover);
    error ProverStaking__NotRegistered(address prover);
    error ProverStaking__EmptyPeerId();
    error ProverStaking__PeerIdTooLong(uint256 length, uint256 max);
    error ProverStaking__PeerIdTaken(address owner);
    error ProverStaking__ZeroAmount();
    error ProverStaking__CommissionAboveCap(uint16 commissionBps, uint16 cap);
    error ProverStaking__InsufficientStake(uint256 requested, uint256 available);
    error ProverStaking__InsufficientFreeStake(address prover, uint256 requested, uint256 free);
    error ProverStaking__NothingToWithdraw();
    error ProverStaking__UnbondingNotFinished(uint64 releaseAt);
    error ProverStaking__PoolInsolvent(address prover);
    error ProverStaking__NoRewards();
    error ProverStaking__InvalidParams();

    // --- staker side
    function register(bytes calldata peerId) external;
    function updatePeerId(bytes calldata peerId) external;
    function setCommission(uint16 commissionBps) external;
    function bond(uint256 amount) external;
    function delegate(address prover, uint256 amount) external;
    function requestUnbond(uint256 amount) external;
    function requestUndelegate(address prover, uint256 amount) external;
    function withdraw(address prover) external;
    function claimRewards() external;

    // --- market / rollup side
    function lockCollateral(address prover, uint256 amount) external;
    function unlockCollateral(address prover, uint256 amount) external;
    function slashLocked(address prover, uint256 amount, address beneficiary, uint256 toBeneficiary) external;
    function slashFree(address prover, uint256 amount) external returns (uint256 slashed);
    function reward(address prover, uint256 amount) external;

    // --- views
    function minStake() external view returns (uint256);
    function unbondingDelay() external view returns (uint64);
    function commissionCapBps() external view returns (uint16);
    function isActive(address prover) external view returns (bool);
    function stakeOf(address prover, address staker) external view returns (uint256);
    function selfStake(address prover) external view returns (uint256);
    function freeStake(address prover) external view returns (uint256);
    function pendingOf(address prover, address staker) external view returns (uint256 amount, uint64 releaseAt);
    function proverCount() external view returns (uint256);
    function proverAt(uint256 index) external view returns (address);
    function weightOf(address prover) external view returns (uint256);
}
