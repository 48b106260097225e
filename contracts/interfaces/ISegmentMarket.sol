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
        bytes32 disputeAirId; // AIR of the keccak segment proofs that answer a validity report (transfer-v2)
        uint96 disputeDeposit; // tokens a validity reporter escrows; paid to the prover if it answers
    }

    /// @notice What the sequencer posts per segment of a bundle batch (M1: transfer-v1, every proof verified on L1).
    struct SegmentInput {
        bytes32 rootIn; // expected root before the segment; bytes32(0) = not specified
        bytes32 witnessHash; // keccak256 of the witness served over p2p
        bytes32 txDataHash; // StatementLib.txDataHash(public column)
        uint32 txCount;
    }

    /// @notice What the sequencer posts per segment of a data batch (the batch's transactions are in the
    ///         postBatch calldata; segment i holds the next txCount of them).
    struct DataSegmentInput {
        bytes32 rootIn; // expected root before the segment; bytes32(0) = not specified
        bytes32 witnessHash; // keccak256 of the witness served over p2p
        bytes32 txCommitment; // transfer-v2's Poseidon2 commitment to the segment's transactions, packed as a root
        uint32 txCount;
    }

    /// @notice How a batch is finalised: Bundle (M1: one keccak proof per segment, Rollup.submitAggregate
    ///         with the proofs) or Data (the transactions posted as calldata, one recursive proof per batch).
    enum BatchKind {
        Bundle,
        Data
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
        BatchKind kind;
        uint32 txCount; // data batch: transactions posted (sum of the segments' txCount)
        uint32 openDisputes; // data batch: validity reports not yet answered or slashed
        bytes32 dataHash; // data batch: keccak256 of the posted transaction bytes (16 per transaction)
        bytes32 txRoot; // data batch: the segments' txCommitments over the canonical tree (packed as a root)
        uint128 randomness; // data batch: r = keccak256(dataHash ‖ txRoot), 4 words of 30 bits (word 0 highest)
        uint128 evaluation; // data batch: E, the posted transactions' evaluation at r (4 words, word 0 highest)
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
        bool verified; // the committed proof passed on-chain verification (challengeProof, respondInvalid)
        bytes32 txCommitment; // data batch: the segment's Poseidon2 txCommitment (packed as a root)
        address disputer; // data batch: who reported the committed proof invalid (0: no open report)
        uint64 disputedAt; // data batch: when; the prover answers within responseWindow
    }

    event Initialized(address indexed rollup);
    event BatchPosted(
        uint64 indexed batchId, address indexed sequencer, uint32 segmentCount, uint96 minPrice, uint96 maxPrice, uint256 escrow, uint64 timeoutAt
    );
    event SegmentPosted(
        uint64 indexed batchId, uint32 indexed index, bytes32 rootIn, bytes32 witnessHash, bytes32 txDataHash, uint32 txCount
    );
    event DataSegmentPosted(
        uint64 indexed batchId, uint32 indexed index, bytes32 rootIn, bytes32 witnessHash, bytes32 txCommitment, uint32 txCount
    );
    /// @notice A data batch's transactions: `txCount` of 16 bytes in the postBatch calldata, keccak256 `dataHash`;
    ///         the sequencer's txRoot, and the r and E L1 derived from them (AggregateStatement).
    event BatchDataPosted(uint64 indexed batchId, bytes32 dataHash, bytes32 txRoot, uint128 randomness, uint128 evaluation, uint32 txCount);
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
    event InvalidityReported(
        uint64 indexed batchId, uint32 indexed index, address indexed disputer, uint96 deposit, uint64 deadline
    );
    /// @notice The reported prover answered with a valid keccak proof of the segment's statement; it gets the deposit.
    event ValidityProven(uint64 indexed batchId, uint32 indexed index, address indexed prover, address disputer, uint96 deposit);
    event InvaliditySlashed(
        uint64 indexed batchId, uint32 indexed index, address indexed prover, address disputer, uint96 slashed
    );
    /// @notice An open validity report's deposit returned to its disputer (the prover was slashed, or the batch ended).
    event DisputeDepositRefunded(uint64 indexed batchId, uint32 indexed index, address indexed disputer, uint96 deposit);
    event SegmentReopened(uint64 indexed batchId, uint32 indexed index);
    event SegmentPaid(uint64 indexed batchId, uint32 indexed index, address indexed prover, uint256 amount);
    event BatchFinalized(
        uint64 indexed batchId, address indexed aggregator, uint256 paidToProvers, uint256 aggregatorFee, uint256 refund
    );
    /// @notice A join prover's share of a data batch's aggregation fee (slot = its place in the wrap statement).
    event JoinProverPaid(uint64 indexed batchId, uint32 slot, address indexed prover, uint256 amount);
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
    error SegmentMarket__WrongBatchKind(uint64 batchId, BatchKind kind);
    error SegmentMarket__TxDataLength(uint256 expected, uint256 provided);
    error SegmentMarket__TooManyTransactions(uint256 count, uint256 max);
    error SegmentMarket__DisputeOpen(uint64 batchId, uint32 index);
    error SegmentMarket__NotDisputed(uint64 batchId, uint32 index);
    /// @dev The dispute verifier refused the answer; `reason` is its revert data (a StarkVerifier__ error).
    error SegmentMarket__DisputeProofRejected(uint64 batchId, uint32 index, bytes reason);
    error SegmentMarket__TooManyJoinProvers(uint256 count, uint256 max);

    function postBatch(SegmentInput[] calldata segments, bytes32 finalRoot, uint96 minPrice, uint96 maxPrice)
        external
        returns (uint64 batchId);
    function postBatch(
        DataSegmentInput[] calldata segments,
        bytes calldata transactions,
        bytes32 txRoot,
        bytes32 finalRoot,
        uint96 minPrice,
        uint96 maxPrice
    ) external returns (uint64 batchId);
    function lock(uint64 batchId, uint32 index) external;
    function commitProof(uint64 batchId, uint32 index, bytes32 proofHash, bytes32 rootIn, bytes32 rootOut) external;
    function expireLock(uint64 batchId, uint32 index) external;
    function challengeProof(uint64 batchId, uint32 index, bytes calldata proof, uint32[] calldata publicColumn) external;
    function reportUnavailable(uint64 batchId, uint32 index) external;
    function respondUnavailable(uint64 batchId, uint32 index, bytes calldata proof) external;
    function slashUnavailable(uint64 batchId, uint32 index) external;
    function reportInvalid(uint64 batchId, uint32 index) external;
    function respondInvalid(uint64 batchId, uint32 index, bytes calldata proof, uint128 evaluation) external;
    function slashInvalid(uint64 batchId, uint32 index) external;
    function timeoutBatch(uint64 batchId) external;
    function finalizeBatch(uint64 batchId, address aggregator, address[] calldata joinProvers) external;

    function airId() external view returns (bytes32);
    function collateralRatioBps() external view returns (uint32);
    function lockTimeout() external view returns (uint64);
    function rampPeriod() external view returns (uint64);
    function batchTimeout() external view returns (uint64);
    function responseWindow() external view returns (uint64);
    function aggregatorFeeBps() external view returns (uint16);
    function verifyGasLimit() external view returns (uint64);
    function disputeAirId() external view returns (bytes32);
    function disputeDeposit() external view returns (uint96);
    function getBatch(uint64 batchId) external view returns (Batch memory);
    function getSegment(uint64 batchId, uint32 index) external view returns (Segment memory);
    function currentPrice(uint64 batchId) external view returns (uint96);
    function collateralFor(uint64 batchId) external view returns (uint96);
    function totalBounties() external view returns (uint256);
    function totalEscrow() external view returns (uint256);
    function totalDeposits() external view returns (uint256);
}
