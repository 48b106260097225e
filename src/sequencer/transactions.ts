/** Random transfer streams over the genesis accounts: mostly valid, a few recorded no-ops. */
import { type Account, type RollupState, type Transaction, transition } from "../rollup/index.js";

export interface TxStreamOpts {
  /** Accounts at slots 0 … accounts−1 send and receive. */
  accounts: number;
  /** Share of deliberately failing transactions (bad nonce, overdraft, self-transfer); default 0.1. */
  failingShare: number;
}

/**
 * `count` transfers against `state` (not modified): each valid one uses the sender's next nonce and at
 * most a quarter of its balance, as seen after the transactions before it in the same list. The STF is
 * total, so a failing one is a recorded no-op that provers prove like any other.
 */
export function randomTransfers(state: RollupState, count: number, opts: TxStreamOpts, next: () => number): Transaction[] {
  const shadow = new Map<number, Account | undefined>();
  const get = (i: number): Account | undefined => (shadow.has(i) ? shadow.get(i) : state.account(i));
  const pick = (): number => Math.floor(next() * opts.accounts);
  const txs: Transaction[] = [];
  for (let i = 0; i < count; i++) {
    const from = pick();
    let to = pick();
    if (to === from) to = (to + 1) % opts.accounts;
    const sender = get(from);
    const balance = sender?.balance ?? 0;
    const nonce = sender?.nonce ?? 0;
    let tx: Transaction = { from, to, amount: Math.floor(next() * Math.max(1, balance / 4)), nonce };
    if (next() < opts.failingShare) {
      const kind = Math.floor(next() * 3);
      if (kind === 0) tx = { ...tx, nonce: nonce + 1 };
      else if (kind === 1) tx = { ...tx, amount: balance + 1 };
      else tx = { ...tx, to: from };
    }
    const out = transition(tx, sender, tx.from === tx.to ? sender : get(tx.to));
    if (out.failure === null) {
      shadow.set(tx.from, out.sender);
      shadow.set(tx.to, out.receiver);
    }
    txs.push(tx);
  }
  return txs;
}
