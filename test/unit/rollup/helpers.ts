import { type Account, keyDigestFromSeed } from "../../../src/rollup/account.js";
import { type Genesis } from "../../../src/rollup/stf.js";
import type { Transaction } from "../../../src/rollup/transaction.js";

/** Deterministic PRNG for tests (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function genesisOf(treeDepth: number, balances: number[]): Genesis {
  const accounts: Account[] = balances.map((balance, i) => ({ key: keyDigestFromSeed(i, 7), balance, nonce: 0 }));
  return { treeDepth, accounts };
}

export function tx(from: number, to: number, amount: number, nonce: number): Transaction {
  return { from, to, amount, nonce };
}
