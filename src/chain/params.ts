/** Every deployment parameter of the L1 contracts, with devnet defaults (short windows for tests). */
import { keccak256, parseEther, toBytes, type Address, type Hex } from "viem";
import { transferAir } from "../rollup/air/transfer-air.js";

export interface StakingParams {
  minStake: bigint;
  /** seconds */
  unbondingDelay: bigint;
  commissionCapBps: number;
}

export interface MarketParams {
  airId: Hex;
  collateralRatioBps: number;
  /** seconds */
  lockTimeout: bigint;
  /** seconds */
  rampPeriod: bigint;
  /** seconds */
  batchTimeout: bigint;
  /** seconds */
  responseWindow: bigint;
  aggregatorFeeBps: number;
  verifyGasLimit: bigint;
  /** AIR of the keccak segment proofs that answer a validity report on a data batch (transfer-v2-d<D>). */
  disputeAirId: Hex;
  /** Tokens a validity reporter escrows: paid to the prover if it answers, returned if it is slashed. */
  disputeDeposit: bigint;
}

/** The aggregate path of data batches (Rollup.AggregateConfig, fixed at deployment). */
export interface AggregateParams {
  /** The wrap program's AIR id (its generated verifier's `airId()`). */
  airId: Hex;
  /** Root of the allowed keys the wrap's statements carry (segment AIR, agg-leaf, agg-join), packed like a state root; never 0. */
  keySetRoot: Hex;
}

export interface ElectionParams {
  /** blocks */
  epochLength: bigint;
  /** blocks */
  aggregatorWindow: bigint;
  fallbackRanks: number;
  livenessPenalty: bigint;
}

export interface SystemParams {
  tokenName: string;
  tokenSymbol: string;
  staking: StakingParams;
  market: MarketParams;
  election: ElectionParams;
  aggregate: AggregateParams;
  genesisRoot: Hex;
  /** Depth of the account tree (Rollup.treeDepth, a public input of every segment statement), in [1, 30]. */
  treeDepth: number;
  /** Defaults to the deployer. */
  sequencer?: Address;
}

/** The id of the AIR whose proofs the market accepts: transfer-v1 (hash of name, version, shape, constraints). */
export const DEFAULT_AIR_ID: Hex = transferAir.idHex as Hex;

/**
 * Placeholders until transfer-v2 and the aggregation programs are on main: the runtime that deploys them
 * passes transfer-v2-d<D>'s AIR id, the wrap program's AIR id and the root of the key set it builds.
 * With the mock verifier (devnets) the AIR ids are not checked; the key-set root is (by Rollup).
 */
export const PLACEHOLDER_DISPUTE_AIR_ID: Hex = keccak256(toBytes("transfer-v2"));
export const PLACEHOLDER_AGGREGATE_AIR_ID: Hex = keccak256(toBytes("agg-wrap"));
/** A valid packed root (8 words below p) standing for the allowed-key set on mock-verifier devnets. */
export const PLACEHOLDER_KEY_SET_ROOT: Hex = `0x${"01000000".repeat(8)}`;

export const DEVNET_PARAMS: SystemParams = {
  tokenName: "Prover Stake",
  tokenSymbol: "PSTK",
  staking: { minStake: parseEther("100"), unbondingDelay: 60n, commissionCapBps: 5_000 },
  market: {
    airId: DEFAULT_AIR_ID,
    collateralRatioBps: 100_000, // 10x the maximum price
    lockTimeout: 60n,
    rampPeriod: 30n,
    batchTimeout: 600n,
    responseWindow: 30n,
    aggregatorFeeBps: 1_000,
    // Must exceed the real verifier's cost for the largest segment, or honest provers are slashed
    // (out-of-gas reads as invalid). transfer-v1 at tree depth 20, default options, measured:
    // 2^6 rows 18.9 M, 2^8 21.8 M, 2^10 (23 txs) 32.4 M execution gas. 40 M covers segments up to 2^10;
    // the chain's block gas limit must exceed verifyGasLimit * 64/63 + 100k plus the call (anvil --gas-limit).
    verifyGasLimit: 40_000_000n,
    disputeAirId: PLACEHOLDER_DISPUTE_AIR_ID,
    disputeDeposit: parseEther("1"),
  },
  election: { epochLength: 32n, aggregatorWindow: 4n, fallbackRanks: 2, livenessPenalty: parseEther("1") },
  aggregate: { airId: PLACEHOLDER_AGGREGATE_AIR_ID, keySetRoot: PLACEHOLDER_KEY_SET_ROOT },
  genesisRoot: `0x${"00".repeat(32)}`,
  treeDepth: 20,
};

/** Deep-merges overrides into the devnet defaults. */
export function withDefaults(overrides: DeepPartial<SystemParams> = {}): SystemParams {
  return {
    ...DEVNET_PARAMS,
    ...stripUndefined(overrides),
    staking: { ...DEVNET_PARAMS.staking, ...stripUndefined(overrides.staking ?? {}) },
    market: { ...DEVNET_PARAMS.market, ...stripUndefined(overrides.market ?? {}) },
    election: { ...DEVNET_PARAMS.election, ...stripUndefined(overrides.election ?? {}) },
    aggregate: { ...DEVNET_PARAMS.aggregate, ...stripUndefined(overrides.aggregate ?? {}) },
  } as SystemParams;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
