/** The `stake` subcommands. Every refusal is checked before sending and ends with exit code 1. */
import type { Address } from "viem";
import { peerIdFromChain } from "../../chain/peer-id.js";
import { fmt, openChain, parseAmount, parseProver, print, withChainErrors, type ChainFlags } from "./context.js";

type JsonFlag = { json?: boolean };

const json = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x), 2);

export async function stakeBond(flags: ChainFlags, amount: string): Promise<void> {
  const value = parseAmount(amount);
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.deposit(ctx.account, value);
    print(`bonded ${fmt(value)} to ${ctx.account} (tx ${r.hash})`);
  });
}

export async function stakeDelegate(flags: ChainFlags, prover: string, amount: string): Promise<void> {
  const to = parseProver(prover);
  const value = parseAmount(amount);
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.deposit(to, value);
    print(`delegated ${fmt(value)} to ${to} (tx ${r.hash})`);
  });
}

async function unbond(flags: ChainFlags, prover: Address | null, value: bigint): Promise<void> {
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const pool = prover ?? ctx.account;
    const r = await ctx.staking.requestUnbond(pool, value);
    const pend = await ctx.staking.pending(pool);
    print(`unbonding ${fmt(value)} from ${pool}; ${fmt(pend.amount)} withdrawable from ${new Date(pend.releaseAt * 1000).toISOString()} (tx ${r.hash})`);
  });
}

export async function stakeUnbond(flags: ChainFlags, amount: string): Promise<void> {
  await unbond(flags, null, parseAmount(amount));
}

export async function stakeUndelegate(flags: ChainFlags, prover: string, amount: string): Promise<void> {
  const from = parseProver(prover);
  await unbond(flags, from, parseAmount(amount));
}

export async function stakeWithdraw(flags: ChainFlags, prover: string): Promise<void> {
  const from = prover ? parseProver(prover) : null;
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.withdraw(from ?? ctx.account);
    print(`withdrew ${fmt(r.amount)} from ${from ?? ctx.account} (tx ${r.hash})`);
  });
}

export async function stakeClaim(flags: ChainFlags): Promise<void> {
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.claimRewards();
    print(`claimed ${fmt(r.amount)} of commission (tx ${r.hash})`);
  });
}

export async function stakeStatus(flags: ChainFlags & JsonFlag): Promise<void> {
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const s = await ctx.staking.status();
    if (flags.json) return print(json(s));
    print(`account:          ${s.account}`);
    print(`registered:       ${s.registered ? "yes" : "no"}${s.active ? " (active)" : s.registered ? ` (inactive: self-stake below ${fmt(s.minStake)})` : ""}`);
    if (s.peerId) print(`peer id:          ${peerIdFromChain(s.peerId)}`);
    print(`self-stake:       ${fmt(s.selfStake)}`);
    print(`pool:             ${fmt(s.poolActiveStake)} active, ${fmt(s.locked)} locked, ${fmt(s.freeStake)} free`);
    const now = Math.floor(Date.now() / 1000);
    if (s.pending.releaseAt > 0) print(`unbonding:        ${fmt(s.pending.amount)}, ${s.pending.releaseAt <= now ? "withdrawable now" : `withdrawable from ${new Date(s.pending.releaseAt * 1000).toISOString()}`}`);
    else print("unbonding:        none");
    print(`commission:       ${fmt(s.commissionRewards)} to claim (rate ${s.commissionBps / 100} %)`);
    print(`token balance:    ${fmt(s.tokenBalance)} (allowance to staking ${fmt(s.allowance)})`);
    print(`gas balance:      ${fmt(s.nativeBalance).replace("tokens", "ETH")}`);
  });
}

export async function stakeRewards(flags: ChainFlags & JsonFlag): Promise<void> {
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.rewards();
    if (flags.json) return print(json(r));
    print(`commission to claim: ${fmt(r.commission)}${r.commission > 0n ? " (prover-node stake claim)" : ""}`);
    if (r.positions.length === 0) print("no stake in any pool");
    for (const p of r.positions) {
      const pending = p.pending.amount > 0n ? `, ${fmt(p.pending.amount)} unbonding` : "";
      print(`pool ${p.prover}: ${fmt(p.value)} staked (deposited ${fmt(p.principal)}, accrued ${fmt(p.accrued)})${pending}`);
    }
    print("delegation rewards accrue to the value of your stake; realise them with `stake undelegate` + `stake withdraw`");
  });
}
