// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IProverStaking} from "./interfaces/IProverStaking.sol";
import {IStakeToken} from "./interfaces/IStakeToken.sol";

/// @notice Holds every staked token: provers' self-bonds, delegations, unbonding stake and unclaimed
///         commission. Only the market locks, unlocks, slashes collateral and pays rewards; the rollup
///         may burn a liveness penalty from free stake.
contract ProverStaking is IProverStaking {
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    uint16 internal constant BPS = 10_000;

    IStakeToken public immutable token;
    address public immutable owner;
    uint256 public immutable minStake;
    uint64 public immutable unbondingDelay;
    uint16 public immutable commissionCapBps;

    address public market;
    address public rollup;

    struct ProverInfo {
        bool registered;
        uint16 commissionBps;
        bytes peerId;
    }

    mapping(address => ProverInfo) internal _provers;
    address[] internal _proverList;
    mapping(bytes32 => address) public peerIdOwner;
    mapping(address => Pool) internal _pools;
    /// @notice Active shares of `staker` in the pool of `prover`.
    mapping(address prover => mapping(address staker => uint256)) public sharesOf;
    mapping(address prover => mapping(address staker => Pending)) internal _pending;
    /// @notice Unclaimed commission of each prover.
    mapping(address => uint256) public rewardsOf;

    constructor(IStakeToken token_, StakingParams memory p) {
        if (address(token_) == address(0) || p.minStake == 0 || p.commissionCapBps > BPS) {
            revert ProverStaking__InvalidParams();
        }
        token = token_;
        owner = msg.sender;
        minStake = p.minStake;
        unbondingDelay = p.unbondingDelay;
        commissionCapBps = p.commissionCapBps;
    }

    /// @notice One-time wiring of the two contracts allowed to move collateral (market) and to burn a
    ///         liveness penalty (rollup); they are deployed after this contract.
    function initialize(address market_, address rollup_) external {
        if (msg.sender != owner) revert ProverStaking__NotOwner(msg.sender);
        if (market != address(0)) revert ProverStaking__AlreadyInitialized();
        if (market_ == address(0) || rollup_ == address(0)) revert ProverStaking__InvalidParams();
        market = market_;
        rollup = rollup_;
        emit Initialized(market_, rollup_);
    }

    // ------------------------------------------------------------------ registration

    function register(bytes calldata peerId) external {
        ProverInfo storage info = _provers[msg.sender];
        if (info.registered) revert ProverStaking__AlreadyRegistered(msg.sender);
        _claimPeerId(peerId);
        info.registered = true;
        info.peerId = peerId;
        _proverList.push(msg.sender);
        emit ProverRegistered(msg.sender, peerId);
    }

    function updatePeerId(bytes calldata peerId) external {
        ProverInfo storage info = _requireProver(msg.sender);
        _claimPeerId(peerId);
        delete peerIdOwner[keccak256(info.peerId)];
        info.peerId = peerId;
        emit PeerIdUpdated(msg.sender, peerId);
    }

    function setCommission(uint16 commissionBps) external {
        ProverInfo storage info = _requireProver(msg.sender);
        if (commissionBps > commissionCapBps) revert ProverStaking__CommissionAboveCap(commissionBps, commissionCapBps);
        info.commissionBps = commissionBps;
        emit CommissionSet(msg.sender, commissionBps);
    }

    // ------------------------------------------------------------------ bonding and delegation

    /// @notice Bond `amount` to your own prover pool (pulls tokens; approve first).
    function bond(uint256 amount) external {
        _deposit(msg.sender, msg.sender, amount);
    }

    /// @notice Delegate `amount` to `prover`: you share its rewards after commission and its slashes.
    function delegate(address prover, uint256 amount) external {
        _deposit(prover, msg.sender, amount);
    }

    function requestUnbond(uint256 amount) external {
        _requestUnbond(msg.sender, msg.sender, amount);
    }

    function requestUndelegate(address prover, uint256 amount) external {
        _requestUnbond(prover, msg.sender, amount);
    }

    /// @notice Withdraw the matured unbonding stake held with `prover` (your own address to unbond self-stake).
    function withdraw(address prover) external {
        Pending storage pend = _pending[prover][msg.sender];
        uint256 shares = pend.shares;
        if (shares == 0) revert ProverStaking__NothingToWithdraw();
        if (block.timestamp < pend.releaseAt) revert ProverStaking__UnbondingNotFinished(pend.releaseAt);
        Pool storage pool = _pools[prover];
        uint256 amount = shares * pool.unbondingStake / pool.unbondingShares;
        pool.unbondingShares -= shares;
        pool.unbondingStake -= amount;
        delete _pending[prover][msg.sender];
        if (amount > 0) _send(msg.sender, amount);
        emit Withdrawn(prover, msg.sender, amount);
    }

    function claimRewards() external {
        uint256 amount = rewardsOf[msg.sender];
        if (amount == 0) revert ProverStaking__NoRewards();
        rewardsOf[msg.sender] = 0;
        _send(msg.sender, amount);
        emit RewardsClaimed(msg.sender, amount);
    }

    // ------------------------------------------------------------------ market and rollup

    function lockCollateral(address prover, uint256 amount) external {
        _onlyMarket();
        Pool storage pool = _pools[prover];
        uint256 free = pool.activeStake - pool.locked;
        if (amount > free) revert ProverStaking__InsufficientFreeStake(prover, amount, free);
        pool.locked += amount;
        emit CollateralLocked(prover, amount, pool.locked);
    }

    function unlockCollateral(address prover, uint256 amount) external {
        _onlyMarket();
        Pool storage pool = _pools[prover];
        pool.locked -= amount;
        emit CollateralUnlocked(prover, amount, pool.locked);
    }

    /// @notice Slash `amount` of locked collateral, shared pro rata by active and unbonding stake;
    ///         `toBeneficiary` of it goes to `beneficiary`, the rest is burned.
    function slashLocked(address prover, uint256 amount, address beneficiary, uint256 toBeneficiary) external {
        _onlyMarket();
        if (amount == 0) return;
        Pool storage pool = _pools[prover];
        pool.locked -= amount;
        uint256 total = pool.activeStake + pool.unbondingStake;
        uint256 fromUnbonding = amount * pool.unbondingStake / total;
        uint256 fromActive = amount - fromUnbonding;
        pool.activeStake -= fromActive;
        pool.unbondingStake -= fromUnbonding;
        _payOutSlash(amount, beneficiary, toBeneficiary);
        emit Slashed(prover, amount, fromActive, fromUnbonding, beneficiary, toBeneficiary);
    }

    /// @notice Burn up to `amount` of `prover`'s free active stake (liveness penalty). Returns what was burned.
    function slashFree(address prover, uint256 amount) external returns (uint256 slashed) {
        if (msg.sender != rollup) revert ProverStaking__NotSlasher(msg.sender);
        Pool storage pool = _pools[prover];
        uint256 free = pool.activeStake - pool.locked;
        slashed = amount < free ? amount : free;
        if (slashed == 0) return 0;
        pool.activeStake -= slashed;
        _payOutSlash(slashed, address(0), 0);
        emit Slashed(prover, slashed, slashed, 0, address(0), 0);
    }

    /// @notice Credit `amount` (already transferred here by the market) to `prover`: commission to the
    ///         prover, the rest to its pool, which raises the value of every active share.
    function reward(address prover, uint256 amount) external {
        _onlyMarket();
        Pool storage pool = _pools[prover];
        uint256 commission = amount * _provers[prover].commissionBps / BPS;
        uint256 toPool = amount - commission;
        if (pool.activeShares == 0) {
            commission = amount;
            toPool = 0;
        }
        rewardsOf[prover] += commission;
        pool.activeStake += toPool;
        emit Rewarded(prover, amount, commission, toPool);
    }

    // ------------------------------------------------------------------ views

    function isRegistered(address prover) external view returns (bool) {
        return _provers[prover].registered;
    }

    function peerIdOf(address prover) external view returns (bytes memory) {
        return _provers[prover].peerId;
    }

    function commissionOf(address prover) external view returns (uint16) {
        return _provers[prover].commissionBps;
    }

    function isActive(address prover) public view returns (bool) {
        return _provers[prover].registered && selfStake(prover) >= minStake;
    }

    function stakeOf(address prover, address staker) public view returns (uint256) {
        Pool storage pool = _pools[prover];
        if (pool.activeShares == 0) return 0;
        return sharesOf[prover][staker] * pool.activeStake / pool.activeShares;
    }

    function selfStake(address prover) public view returns (uint256) {
        return stakeOf(prover, prover);
    }

    function freeStake(address prover) external view returns (uint256) {
        Pool storage pool = _pools[prover];
        return pool.activeStake - pool.locked;
    }

    function pendingOf(address prover, address staker) external view returns (uint256 amount, uint64 releaseAt) {
        Pending storage pend = _pending[prover][staker];
        Pool storage pool = _pools[prover];
        if (pend.shares == 0) return (0, 0);
        return (pend.shares * pool.unbondingStake / pool.unbondingShares, pend.releaseAt);
    }

    function poolOf(address prover) external view returns (Pool memory) {
        return _pools[prover];
    }

    function proverCount() external view returns (uint256) {
        return _proverList.length;
    }

    function proverAt(uint256 index) external view returns (address) {
        return _proverList[index];
    }

    /// @notice Election weight: the pool's active stake if the prover is active, else 0.
    function weightOf(address prover) external view returns (uint256) {
        return isActive(prover) ? _pools[prover].activeStake : 0;
    }

    // ------------------------------------------------------------------ internals

    function _deposit(address prover, address staker, uint256 amount) internal {
        if (amount == 0) revert ProverStaking__ZeroAmount();
        _requireProver(prover);
        Pool storage pool = _pools[prover];
        uint256 shares;
        if (pool.activeShares == 0) {
            shares = amount;
        } else {
            if (pool.activeStake == 0) revert ProverStaking__PoolInsolvent(prover);
            shares = amount * pool.activeShares / pool.activeStake;
            if (shares == 0) revert ProverStaking__ZeroAmount();
        }
        pool.activeShares += shares;
        pool.activeStake += amount;
        sharesOf[prover][staker] += shares;
        token.transferFrom(staker, address(this), amount);
        emit Bonded(prover, staker, amount, shares);
    }

    function _requestUnbond(address prover, address staker, uint256 amount) internal {
        if (amount == 0) revert ProverStaking__ZeroAmount();
        Pool storage pool = _pools[prover];
        uint256 held = sharesOf[prover][staker];
        uint256 value = pool.activeShares == 0 ? 0 : held * pool.activeStake / pool.activeShares;
        if (amount > value) revert ProverStaking__InsufficientStake(amount, value);
        uint256 free = pool.activeStake - pool.locked;
        if (amount > free) revert ProverStaking__InsufficientFreeStake(prover, amount, free);
        // Round the burned shares up so the pool never pays out more than it holds.
        uint256 shares = _ceilDiv(amount * pool.activeShares, pool.activeStake);
        sharesOf[prover][staker] = held - shares;
        pool.activeShares -= shares;
        pool.activeStake -= amount;

        uint256 unbShares;
        if (pool.unbondingShares == 0) {
            unbShares = amount;
        } else {
            if (pool.unbondingStake == 0) revert ProverStaking__PoolInsolvent(prover);
            unbShares = amount * pool.unbondingShares / pool.unbondingStake;
        }
        pool.unbondingShares += unbShares;
        pool.unbondingStake += amount;
        Pending storage pend = _pending[prover][staker];
        pend.shares += unbShares;
        // A new request restarts the delay for everything pending with this prover.
        pend.releaseAt = uint64(block.timestamp) + unbondingDelay;
        emit UnbondRequested(prover, staker, amount, unbShares, pend.releaseAt);
    }

    function _payOutSlash(uint256 amount, address beneficiary, uint256 toBeneficiary) internal {
        if (toBeneficiary > 0) _send(beneficiary, toBeneficiary);
        if (amount > toBeneficiary) token.burn(amount - toBeneficiary);
    }

    function _claimPeerId(bytes calldata peerId) internal {
        if (peerId.length == 0) revert ProverStaking__EmptyPeerId();
        if (peerId.length > MAX_PEER_ID_LENGTH) revert ProverStaking__PeerIdTooLong(peerId.length, MAX_PEER_ID_LENGTH);
        bytes32 key = keccak256(peerId);
        address holder = peerIdOwner[key];
        if (holder != address(0)) revert ProverStaking__PeerIdTaken(holder);
        peerIdOwner[key] = msg.sender;
    }

    function _requireProver(address prover) internal view returns (ProverInfo storage info) {
        info = _provers[prover];
        if (!info.registered) revert ProverStaking__NotRegistered(prover);
    }

    function _onlyMarket() internal view {
        if (msg.sender != market) revert ProverStaking__NotMarket(msg.sender);
    }

    function _send(address to, uint256 amount) internal {
        token.transfer(to, amount);
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }
}
