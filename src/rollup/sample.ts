/** Random genesis and batch with every kind of failing transaction mixed in (CLI, benchmarks, tests). */
import { type Account, keyDigestFromSeed } from "./account.js";
import { AMOUNT_LIMIT } from "./options.js";
import { type Batch, buildBatch, type SegmentGeometry } from "./segment.js";
import { type Genesis, RollupState } from "./stf.js";
import type { Transaction } from "./transaction.js";
import { prng } from "./random.js";

export interface SampleParams {
  readonly accounts: number;
  readonly txs: number;
  readonly treeDepth: number;
  readonly logRows: number;
  readonly batchId: bigint;
  readonly seed: number;
  /** Segment geometry (default v1: transfer-v1's). */
  readonly geometry?: SegmentGeometry;
}

/**
 * About 80% of the transactions are valid; the rest are, in equal shares, a wrong nonce, an
 * overdraft, a self-transfer, an amount >= 2^30 and an empty sender or receiver slot.
 */
export function sampleBatch(p: SampleParams): { genesis: Genesis; batch: Batch } {
  const next = prng(p.seed);
  const slots = 2 ** p.treeDepth;
  const perAccount = Math.max(1, Math.floor((AMOUNT_LIMIT - 1) / p.accounts / 4));
  const accounts: Account[] = Array.from({ length: p.accounts }, (_, i) => ({
    key: keyDigestFromSeed(i, p.seed),
    balance: Math.floor(perAccount / 2 + next() * (perAccount / 2)),
    nonce: 0,
  }));
  const genesis: Genesis = { treeDepth: p.treeDepth, accounts };
  const shadow = RollupState.fromGenesis(genesis);
  const pick = (): number => Math.floor(next() * p.accounts);
  const txs: Transaction[] = [];
  for (let i = 0; i < p.txs; i++) {
    const from = pick();
    let to = pick();
    if (to === from) to = (to + 1) % p.accounts;
    const sender = shadow.account(from)!;
    let t: Transaction = { from, to, amount: Math.floor(next() * Math.max(1, sender.balance / 8)), nonce: sender.nonce };
    if (next() < 0.2) {
      const kind = Math.floor(next() * 6);
      const empty = p.accounts < slots ? p.accounts + Math.floor(next() * (slots - p.accounts)) : null;
      if (kind === 0) t = { ...t, nonce: sender.nonce + 1 + Math.floor(next() * 3) };
      else if (kind === 1) t = { ...t, amount: sender.balance + 1 + Math.floor(next() * 1000) };
      else if (kind === 2) t = { ...t, to: from };
      else if (kind === 3) t = { ...t, amount: AMOUNT_LIMIT + Math.floor(next() * 1000) };
      else if (kind === 4 && empty !== null) t = { ...t, from: empty, nonce: 0 };
      else if (kind === 5 && empty !== null) t = { ...t, to: empty };
    }
    shadow.apply(t);
    txs.push(t);
  }
  const state = RollupState.fromGenesis(genesis);
  return { genesis, batch: buildBatch(state, p.batchId, txs, p.logRows, p.geometry ?? "v1") };
}
