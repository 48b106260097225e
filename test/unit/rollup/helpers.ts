import { type Account, keyDigestFromSeed } from "../../../src/rollup/account.js";
import { type Genesis } from "../../../src/rollup/stf.js";
import type { Transaction } from "../../../src/rollup/transaction.js";

/** Deterministic PRNG for tests (mulberry32). */
export { prng as rng } from "../../../src/rollup/random.js";

export function genesisOf(treeDepth: number, balances: number[]): Genesis {
  const accounts: Account[] = balances.map((balance, i) => ({ key: keyDigestFromSeed(i, 7), balance, nonce: 0 }));
  return { treeDepth, accounts };
}

export function tx(from: number, to: number, amount: number, nonce: number): Transaction {
  return { from, to, amount, nonce };
}
