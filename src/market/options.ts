export interface MarketOpts {
  /** What running this node costs per hour, in payment-token base units (decimal string in config). */
  costPerHour: bigint;
  /** Profit margin over cost, in basis points (2000 = 20 %). */
  marginBps: number;
  /** Never hold more than this many locked-but-unfinished jobs. */
  maxConcurrentJobs: number;
  /** Multiply measured proving time by this before checking deadlines (≥ 1: slower days happen). */
  safetyFactor: number;
  /** Seconds added to every job for witness fetch and commit confirmation. */
  overheadSeconds: number;
  /** Consecutive failed jobs that open the circuit breaker. */
  breakerFailures: number;
  /** Seconds the breaker stays open before allowing one trial lock (half-open). */
  breakerCooldownSeconds: number;
  /** Warn when free stake left after a lock falls below this (stake-token base units). */
  warnFreeStake: bigint;
  /** Refuse to lock below this native balance: commits need gas, a missed commit is slashed. */
  minGasBalance: bigint;
  /** Warn below this native balance. */
  warnGasBalance: bigint;
}

export const defaultMarketOpts: MarketOpts = {
  costPerHour: 0n,
  marginBps: 2000,
  maxConcurrentJobs: 4,
  safetyFactor: 1.5,
  overheadSeconds: 60,
  breakerFailures: 3,
  breakerCooldownSeconds: 600,
  warnFreeStake: 0n,
  minGasBalance: 10n ** 15n,
  warnGasBalance: 10n ** 16n,
};
