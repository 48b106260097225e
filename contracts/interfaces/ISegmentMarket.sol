// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Batches of segments, their reverse Dutch auctions, locks, commitments, challenges and payouts.
interface ISegmentMarket {
    struct MarketParams {
        bytes32 airId; // AIR every segment proof is verified against (transfer-v1)
        uint32 collateralRatioBps; // collateral = maxPrice * ratio / 10_000 (100_000 = 10x)
        uint64 lockTimeout; // seconds a locker has to commit its proof
        uint64 rampPeriod; // seconds for the auction price to ramp from minPrice to maxPrice
        uint64 batchTimeout; // seconds after posting after which an unfinalised batch is refunded
        uint64 responseWindow; // seconds a prover has to publish a proof reported unavailable
        uint16 aggregatorFeeBps; // share of every segment payment that goes to the aggregator
        uint64 verifyGasLimit; // gas handed to the verifier in challengeProof (see there)
    }

    /// @notice What the sequencer posts per segment.
    struct SegmentInput {
        bytes32 rootIn; // expected root before the segment; bytes32(0) = not specified
        bytes32 witnessHash; // keccak256 of the witness served over p2p
        bytes32 txDataHash; // StatementLib.txDataHash(public column)
        uint32 txCount;
    }

    enum BatchStatus {
        None,
        Open,
        Finalized,
        TimedOut
    }

    enum SegmentStatus {
        None,
        Open,
        Locked,
        Committed
    }

    struct Batch {
        address sequencer;
        uint32 segmentCount;
        uint32 committedCount;
        BatchStatus status;
        uint64 postedAt;
        uint64 timeoutAt;
        uint64 fullyCommittedBlock; // block of the commitment that completed the batch; 0 while incomplete
        uint96 minPrice;
        uint96 maxPrice;
        uint256 escrow; // fee still held for this batch
        bytes32 finalRoot; // expected rootOut of the last segment; bytes32(0) = not specified
    }

    struct Segment {
        bytes32 rootIn;
        bytes32 witnessHash;
        bytes32 txDataHash;
        uint32 txCount;
        SegmentStatus status;
        address locker;
        uint64 lockDeadline;
        uint96 price;
        uint96 collateral;
        uint96 bounty; // slashed collateral waiting for whoever proves the segment next
        bytes32 proofHash;
        bytes32 committedRootIn;
        bytes32 committedRootOut;
        address reporter;
        uint64 reportedAt;
        bool verified; // the committed proof passed on-chain verification (challengeProof)
    }

    event Initialized(address indexed rollup);
    event BatchPosted(
        uint64 indexed batchId, address indexed sequencer, uint32 segmentCount, uint96 minPrice, uint96 maxPrice, uint256 escrow, uint64 timeoutAt
    );
    event SegmentPosted(
        uint64 indexed batchId, uint32 indexed index, bytes32 rootIn, bytes32 witnessHash, bytes32 txDataHash, uint32 txCount
    );
    event SegmentLocked(
        uint64 indexed batchId, uint32 indexed index, address indexed prover, uint96 price, uint96 collateral, uint64 deadline
    );
    event ProofCommitted(
        uint64 indexed batchId, uint32 indexed index, address indexed prover, bytes32 proofHash, bytes32 rootIn, bytes32 rootOut
    );
    event BatchFullyCommitted(uint64 indexed batchId, uint64 blockNumber);
    event LockExpired(uint64 indexed batchId, uint32 indexed index, address indexed prover, uint96 slashed, uint96 bounty);
    event ProofChallenged(
        uint64 indexed batchId, uint32 indexed index, address indexed prover, address challenger, uint96 slashed
    );
    event ProofVerified(uint64 indexed batchId, uint32 indexed index, address indexed prover, address verifiedBy);
    event UnavailabilityReported(uint64 indexed batchId, uint32 indexed index, address indexed reporter, uint64 deadline);
    event ProofPublished(uint64 indexed batchId, uint32 indexed index, bytes proof);
    event UnavailabilitySlashed(
        uint64 indexed batchId, uint32 indexed index, address indexed prover, address reporter, uint96 slashed
    );
    event SegmentReopened(uint64 indexed batchId, uint32 indexed index);
    event SegmentPaid(uint64 indexed batchId, uint32 indexed index, address indexed prover, uint256 amount);
    event BatchFinalized(
        uint64 indexed batchId, address indexed aggregator, uint256 paidToProvers, uint256 aggregatorFee, uint256 refund
    );
    event BatchTimedOut(uint64 indexed batchId, uint256 refund, uint256 burned);

    error SegmentMarket__NotOwner(address caller);
    error SegmentMarket__AlreadyInitialized();
    error SegmentMarket__NotRollup(address caller);
    error SegmentMarket__NotSequencer(address caller);
    error SegmentMarket__InvalidParams();
    /// @dev The verifier's minSecurityBits is below SecurityFloor.FLOOR_BITS (outside a local devnet).
    error SegmentMarket__VerifierPolicyBelowFloor(uint256 minSecurityBits, uint256 floorBits);
    error SegmentMarket__NoSegments();
    error SegmentMarket__TooManySegments(uint256 count, uint256 max);
    error SegmentMarket__InvalidPrices(uint96 minPrice, uint96 maxPrice);
    error SegmentMarket__UnknownBatch(uint64 batchId);
    error SegmentMarket__UnknownSegment(uint64 batchId, uint32 index);
    error SegmentMarket__BatchNotOpen(uint64 batchId, BatchStatus status);
    error SegmentMarket__BatchTimedOut(uint64 batchId, uint64 timeoutAt);
    error SegmentMarket__BatchNotTimedOut(uint64 batchId, uint64 timeoutAt);
    error SegmentMarket__BatchNotFullyCommitted(uint64 batchId, uint32 committed, uint32 total);
    error SegmentMarket__NotActiveProver(address prover);
    error SegmentMarket__AlreadyLocked(uint64 batchId, uint32 index, address locker, uint64 deadline);
    error SegmentMarket__NotLocked(uint64 batchId, uint32 index);
    error SegmentMarket__NotLocker(address caller, address locker);
    error SegmentMarket__LockExpired(uint64 batchId, uint32 index, uint64 deadline);
    error SegmentMarket__LockNotExpired(uint64 batchId, uint32 index, uint64 deadline);
    error SegmentMarket__ZeroProofHash();
    error SegmentMarket__RootMismatch(bytes32 expected, bytes32 actual);
    error SegmentMarket__NotCommitted(uint64 batchId, uint32 index);
    error SegmentMarket__ProofHashMismatch(bytes32 committed, bytes32 provided);
    error SegmentMarket__TxDataMismatch(bytes32 expected, bytes32 provided);
    error SegmentMarket__InsufficientGas(uint256 gasLeft, uint256 required);
    error SegmentMarket__AlreadyVerified(uint64 batchId, uint32 index);
    error SegmentMarket__AlreadyReported(uint64 batchId, uint32 index);
    error SegmentMarket__NotReported(uint64 batchId, uint32 index);
    error SegmentMarket__ResponseWindowOpen(uint64 batchId, uint32 index, uint64 deadline);
    error SegmentMarket__ResponseWindowClosed(uint64 batchId, uint32 index, uint64 deadline);

    function postBatch(SegmentInput[] calldata segments, bytes32 finalRoot, uint96 minPrice, uint96 maxPrice)
        external
        returns (uint64 batchId);
    function lock(uint64 batchId, uint32 index) external;
    function commitProof(uint64 batchId, uint32 index, bytes32 proofHash, bytes32 rootIn, bytes32 rootOut) external;
    function expireLock(uint64 batchId, uint32 index) external;
    function challengeProof(uint64 batchId, uint32 index, bytes calldata proof, uint32[] calldata publicColumn) external;
    function reportUnavailable(uint64 batchId, uint32 index) external;
    function respondUnavailable(uint64 batchId, uint32 index, bytes calldata proof) external;
    function slashUnavailable(uint64 batchId, uint32 index) external;
    function timeoutBatch(uint64 batchId) external;
    function finalizeBatch(uint64 batchId, address aggregator) external;

    function airId() external view returns (bytes32);
    function collateralRatioBps() external view returns (uint32);
    function lockTimeout() external view returns (uint64);
    function rampPeriod() external view returns (uint64);
    function batchTimeout() external view returns (uint64);
    function responseWindow() external view returns (uint64);
    function aggregatorFeeBps() external view returns (uint16);
    function verifyGasLimit() external view returns (uint64);
    function getBatch(uint64 batchId) external view returns (Batch memory);
    function getSegment(uint64 batchId, uint32 index) external view returns (Segment memory);
    function currentPrice(uint64 batchId) external view returns (uint96);
    function collateralFor(uint64 batchId) external view returns (uint96);
    function totalBounties() external view returns (uint256);
    function totalEscrow() external view returns (uint256);
}
