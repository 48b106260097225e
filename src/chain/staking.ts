/**
 * Staker-side operations on ProverStaking with the checks that turn a would-be revert into a clear
 * refusal (balance, allowance, registration, maturity) before anything is sent. The ERC-20 approval is
 * handled here: an allowance below the amount is raised to exactly the amount first.
 *
 * Rewards: a prover's commission accrues to `rewardsOf` and is paid by `claimRewards`; everything else a
 * pool earns raises the value of its shares, so a delegator's reward is the growth of its position and
 * is realised by undelegating and withdrawing (`rewards()` reports both).
 */
import { encodeFunctionData, getAddress, type Address, type Hex, type PublicClient, type TransactionReceipt } from "viem";
import { proverStakingAbi, stakeTokenAbi } from "./abi/index.js";
import { ChainError } from "./chain-error.js";
import { proverStaking, stakeToken, type ProverStakingContract, type StakeTokenContract } from "./contracts.js";
import type { TxRequest, TxSender } from "./sender.js";

export interface StakingClientOpts {
  token: Address;
  staking: Address;
  /** First block searched for the account's Bonded / UnbondRequested events. */
  fromBlock: bigint;
  /** Receipt wait before chain state is re-read (ms). */
  txTimeoutMs: number;
}

export interface StakingClientModules {
  publicClient: PublicClient;
  sender: TxSender;
}

export interface StakeStatus {
  account: Address;
  registered: boolean;
  active: boolean;
  peerId: Hex | null;
  commissionBps: number;
  selfStake: bigint;
  freeStake: bigint;
  locked: bigint;
  poolActiveStake: bigint;
  pending: { amount: bigint; releaseAt: number };
  commissionRewards: bigint;
  tokenBalance: bigint;
  allowance: bigint;
  nativeBalance: bigint;
  minStake: bigint;
  unbondingDelay: number;
}

export interface DelegationPosition {
  prover: Address;
  /** Current value of the account's active shares. */
  value: bigint;
  /** Deposited minus requested for unbonding. */
  principal: bigint;
  /** value − principal: share growth from rewards (negative after slashes). */
  accrued: bigint;
  pending: { amount: bigint; releaseAt: number };
}

export interface RewardsReport {
  commission: bigint;
  positions: DelegationPosition[];
}

export interface TxResult {
  hash: Hex;
  receipt: TransactionReceipt | null;
}

/** What the node's market rails and status need about its own stake, in one round of reads. */
export interface OwnStake {
  registered: boolean;
  active: boolean;
  selfStake: bigint;
  freeStake: bigint;
  /** Native balance paying for gas. */
  gasBalance: bigint;
}

export class StakingClient {
  readonly account: Address;
  private readonly opts: StakingClientOpts;
  private readonly client: PublicClient;
  private readonly sender: TxSender;
  /** Typed views of the two contracts (viem derives every argument and result type from the ABI). */
  private readonly staking: ProverStakingContract["read"];
  private readonly token: StakeTokenContract["read"];

  constructor(opts: StakingClientOpts, modules: StakingClientModules) {
    this.opts = opts;
    this.client = modules.publicClient;
    this.sender = modules.sender;
    this.account = modules.sender.address;
    this.staking = proverStaking(opts.staking, { public: modules.publicClient }).read;
    this.token = stakeToken(opts.token, { public: modules.publicClient }).read;
  }

  private async write(functionName: string, args: readonly unknown[], isDone: () => Promise<boolean>, to = this.opts.staking, abi: unknown = proverStakingAbi): Promise<TxResult> {
    const data = encodeFunctionData({ abi, functionName, args } as never) as Hex;
    const request: TxRequest = { to, data };
    const r = await this.sender.sendAndConfirm(request, { timeoutMs: this.opts.txTimeoutMs, isDone });
    return { hash: r.hash, receipt: r.receipt };
  }

  async isRegistered(prover: Address): Promise<boolean> {
    return this.staking.isRegistered([prover]);
  }

  /** Registration, stake and gas of `account` (default: this client's): the node's rails and /status. */
  async ownStake(account: Address = this.account): Promise<OwnStake> {
    const [registered, active, selfStake, freeStake, gasBalance] = await Promise.all([
      this.staking.isRegistered([account]),
      this.staking.isActive([account]),
      this.staking.selfStake([account]),
      this.staking.freeStake([account]),
      this.client.getBalance({ address: account }),
    ]);
    return { registered, active, selfStake, freeStake, gasBalance };
  }

  /** Free stake and gas balance only: what every lock decision reads. */
  async freeStakeAndGas(account: Address = this.account): Promise<{ freeStake: bigint; gasBalance: bigint }> {
    const [freeStake, gasBalance] = await Promise.all([this.staking.freeStake([account]), this.client.getBalance({ address: account })]);
    return { freeStake, gasBalance };
  }

  async requireRegistered(prover: Address): Promise<void> {
    if (!(await this.isRegistered(prover))) {
      throw new ChainError({ code: "NOT_REGISTERED", prover }, prover === this.account ? `${prover} is not registered as a prover: run \`prover-node register\` first` : `${prover} is not a registered prover`);
    }
  }

  async register(peerId: Hex): Promise<TxResult> {
    if (await this.isRegistered(this.account)) throw new ChainError({ code: "ALREADY_REGISTERED", prover: this.account }, `${this.account} is already registered`);
    return this.write("register", [peerId], () => this.isRegistered(this.account));
  }

  /** Self-bond (`prover` = own address) or delegate. */
  async deposit(prover: Address, amount: bigint): Promise<TxResult> {
    await this.requireRegistered(prover);
    const balance = await this.token.balanceOf([this.account]);
    if (balance < amount) throw new ChainError({ code: "INSUFFICIENT_BALANCE", needed: amount, balance }, `insufficient token balance: need ${amount}, have ${balance} (base units)`);
    await this.ensureAllowance(amount);
    const isDone = async (): Promise<boolean> => (await this.token.balanceOf([this.account])) <= balance - amount;
    return prover === this.account ? this.write("bond", [amount], isDone) : this.write("delegate", [prover, amount], isDone);
  }

  /** Raise the staking contract's allowance to `amount` if it is lower. */
  async ensureAllowance(amount: bigint): Promise<TxResult | null> {
    const allowance = await this.token.allowance([this.account, this.opts.staking]);
    if (allowance >= amount) return null;
    const isDone = async (): Promise<boolean> => (await this.token.allowance([this.account, this.opts.staking])) >= amount;
    return this.write("approve", [this.opts.staking, amount], isDone, this.opts.token, stakeTokenAbi);
  }

  /** requestUnbond (own pool) or requestUndelegate. */
  async requestUnbond(prover: Address, amount: bigint): Promise<TxResult> {
    if (prover === this.account) await this.requireRegistered(prover);
    const value = await this.staking.stakeOf([prover, this.account]);
    if (value < amount) throw new ChainError({ code: "INSUFFICIENT_STAKE", requested: amount, available: value }, `insufficient stake with ${prover}: requested ${amount}, you hold ${value} (base units)`);
    const free = await this.staking.freeStake([prover]);
    if (free < amount) throw new ChainError({ code: "INSUFFICIENT_FREE_STAKE", requested: amount, free }, `only ${free} of the pool is free (the rest is locked as segment collateral); requested ${amount}`);
    const before = await this.pending(prover);
    const isDone = async (): Promise<boolean> => (await this.pending(prover)).releaseAt > before.releaseAt;
    return prover === this.account ? this.write("requestUnbond", [amount], isDone) : this.write("requestUndelegate", [prover, amount], isDone);
  }

  async withdraw(prover: Address): Promise<TxResult & { amount: bigint }> {
    const pend = await this.pending(prover);
    if (pend.amount === 0n && pend.releaseAt === 0) throw new ChainError({ code: "NOTHING_TO_WITHDRAW", prover }, `nothing is unbonding with ${prover}`);
    const now = Number((await this.client.getBlock()).timestamp);
    if (now < pend.releaseAt) {
      throw new ChainError({ code: "UNBONDING_NOT_MATURED", releaseAt: pend.releaseAt, now }, `unbonding not matured: withdrawable from ${new Date(pend.releaseAt * 1000).toISOString()} (in ${pend.releaseAt - now} s)`);
    }
    const r = await this.write("withdraw", [prover], async () => (await this.pending(prover)).releaseAt === 0);
    return { ...r, amount: pend.amount };
  }

  async claimRewards(): Promise<TxResult & { amount: bigint }> {
    const amount = await this.staking.rewardsOf([this.account]);
    if (amount === 0n) {
      throw new ChainError({ code: "NO_REWARDS", account: this.account }, "no commission to claim. Delegation rewards raise the value of your stake instead: see `stake rewards`, and realise them with `stake undelegate` + `stake withdraw`");
    }
    const r = await this.write("claimRewards", [], async () => (await this.staking.rewardsOf([this.account])) === 0n);
    return { ...r, amount };
  }

  async pending(prover: Address): Promise<{ amount: bigint; releaseAt: number }> {
    const [amount, releaseAt] = await this.staking.pendingOf([prover, this.account]);
    return { amount, releaseAt: Number(releaseAt) };
  }

  async status(account: Address = this.account): Promise<StakeStatus> {
    const [registered, active, peerId, commission, selfStake, freeStake, pool, pend, rewards, tokenBalance, allowance, nativeBalance, minStake, delay] = await Promise.all([
      this.staking.isRegistered([account]),
      this.staking.isActive([account]),
      this.staking.peerIdOf([account]),
      this.staking.commissionOf([account]),
      this.staking.selfStake([account]),
      this.staking.freeStake([account]),
      this.staking.poolOf([account]),
      this.staking.pendingOf([account, account]),
      this.staking.rewardsOf([account]),
      this.token.balanceOf([account]),
      this.token.allowance([account, this.opts.staking]),
      this.client.getBalance({ address: account }),
      this.staking.minStake(),
      this.staking.unbondingDelay(),
    ]);
    return {
      account,
      registered,
      active,
      peerId: peerId === "0x" ? null : peerId,
      commissionBps: Number(commission),
      selfStake,
      freeStake,
      locked: pool.locked,
      poolActiveStake: pool.activeStake,
      pending: { amount: pend[0], releaseAt: Number(pend[1]) },
      commissionRewards: rewards,
      tokenBalance,
      allowance,
      nativeBalance,
      minStake,
      unbondingDelay: Number(delay),
    };
  }

  /** Commission to claim, and every pool the account holds shares of (from its Bonded events). */
  async rewards(account: Address = this.account): Promise<RewardsReport> {
    // `staker` is indexed in both events: the node filters, not us.
    const range = { address: this.opts.staking, abi: proverStakingAbi, args: { staker: account }, fromBlock: this.opts.fromBlock, toBlock: "latest" } as const;
    const [bonded, unbonded] = await Promise.all([
      this.client.getContractEvents({ ...range, eventName: "Bonded" }),
      this.client.getContractEvents({ ...range, eventName: "UnbondRequested" }),
    ]);
    const principal = new Map<Address, bigint>();
    for (const [events, sign] of [[bonded, 1n], [unbonded, -1n]] as const) {
      for (const e of events) {
        const a = e.args as { prover: Address; amount: bigint };
        const p = getAddress(a.prover);
        principal.set(p, (principal.get(p) ?? 0n) + sign * a.amount);
      }
    }
    const positions: DelegationPosition[] = [];
    for (const [prover, p] of principal) {
      const [value, pend] = await Promise.all([
        this.staking.stakeOf([prover, account]),
        this.staking.pendingOf([prover, account]),
      ]);
      positions.push({ prover, value, principal: p, accrued: value - p, pending: { amount: pend[0], releaseAt: Number(pend[1]) } });
    }
    return { commission: await this.staking.rewardsOf([account]), positions };
  }
}
