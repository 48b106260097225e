/** The devnet genesis: deterministic accounts from (accounts, treeDepth, seed). Pure. */
import type { Hex } from "viem";
import { packRoot } from "../chain/statement.js";
import { type Account, AMOUNT_LIMIT, type Genesis, keyDigestFromSeed, RollupState } from "../rollup/index.js";
import { SequencerError } from "./errors.js";
import { prng } from "../rollup/random.js";

export interface GenesisParams {
  /** Accounts at slots 0 … accounts−1 (at least 2, at most 2^treeDepth). */
  accounts: number;
  treeDepth: number;
  seed: number;
}

/**
 * Genesis accounts with keys `keyDigestFromSeed(i, seed)` and balances drawn in [base/2, base] with
 * base = floor((2^30 − 1) / accounts), so the total supply stays below 2^30 (no receiver can overflow).
 * `root` is the state root packed as the bytes32 the Rollup is deployed with.
 */
export function genesisFor(p: GenesisParams): { genesis: Genesis; root: Hex } {
  if (!Number.isInteger(p.accounts) || p.accounts < 2) {
    throw new SequencerError({ code: "SEQUENCER_OPTIONS", detail: `accounts must be an integer >= 2, got ${p.accounts}` });
  }
  if (!Number.isInteger(p.treeDepth) || p.treeDepth < 1 || p.treeDepth > 30 || p.accounts > 2 ** p.treeDepth) {
    throw new SequencerError({ code: "SEQUENCER_OPTIONS", detail: `${p.accounts} accounts do not fit a tree of depth ${p.treeDepth}` });
  }
  const next = prng(p.seed ^ 0x6a09e667);
  const base = Math.floor((AMOUNT_LIMIT - 1) / p.accounts);
  const accounts: Account[] = Array.from({ length: p.accounts }, (_, i) => ({
    key: keyDigestFromSeed(i, p.seed),
    balance: Math.floor(base / 2 + next() * (base / 2)),
    nonce: 0,
  }));
  const genesis: Genesis = { treeDepth: p.treeDepth, accounts };
  return { genesis, root: packRoot(RollupState.fromGenesis(genesis).root) };
}
