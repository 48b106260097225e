/**
 * Stake and balance rails: no lock without enough free stake for its collateral, none without the gas
 * to commit (a lock we cannot commit is a slash), and warnings before either runs low.
 */
export interface StakeView {
  /** Bonded stake not reserved as collateral (stake-token base units). */
  readonly freeStake: bigint;
  /** Native balance of the staking address (pays gas). */
  readonly gasBalance: bigint;
}

export type StakeRefusal = "INSUFFICIENT_FREE_STAKE" | "INSUFFICIENT_GAS_BALANCE";
export type StakeWarning = "LOW_FREE_STAKE" | "LOW_GAS_BALANCE";

export interface StakeCheck {
  readonly ok: boolean;
  readonly refusal?: StakeRefusal;
  readonly warnings: readonly StakeWarning[];
}

export function checkStake(view: StakeView, collateral: bigint, limits: { warnFreeStake: bigint; minGasBalance: bigint; warnGasBalance: bigint }): StakeCheck {
  const warnings: StakeWarning[] = [];
  if (view.gasBalance < limits.warnGasBalance) warnings.push("LOW_GAS_BALANCE");
  if (view.freeStake - collateral < limits.warnFreeStake) warnings.push("LOW_FREE_STAKE");
  if (view.freeStake < collateral) return { ok: false, refusal: "INSUFFICIENT_FREE_STAKE", warnings };
  if (view.gasBalance < limits.minGasBalance) return { ok: false, refusal: "INSUFFICIENT_GAS_BALANCE", warnings };
  return { ok: true, warnings };
}
