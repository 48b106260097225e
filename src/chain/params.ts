/** Every deployment parameter of the L1 contracts, with devnet defaults (short windows for tests). */
import { parseEther, type Address, type Hex } from "viem";
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
  genesisRoot: Hex;
  /** Depth of the account tree (Rollup.treeDepth, a public input of every segment statement), in [1, 30]. */
  treeDepth: number;
  /** Defaults to the deployer. */
  sequencer?: Address;
}

/** The id of the AIR whose proofs the market accepts: transfer-v1 (hash of name, version, shape, constraints). */
export const DEFAULT_AIR_ID: Hex = transferAir.idHex as Hex;

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
  },
  election: { epochLength: 32n, aggregatorWindow: 4n, fallbackRanks: 2, livenessPenalty: parseEther("1") },
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
  } as SystemParams;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
