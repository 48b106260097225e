/**
 * Building blocks of the data-batch tests: transactions posted as calldata with their txRoot, segments
 * committed, the L1 statement of a batch (src/chain/aggregate.ts) and its submission.
 */
import { keccak256, toBytes, type Address, type Hex, type LocalAccount, type TransactionReceipt } from "viem";
import type { Transaction } from "../../src/rollup/transaction.js";
import { batchData, txCommitment, type BatchBinding } from "../../src/rollup/batch-binding.js";
import { digestToBytes32 } from "../../src/rollup/digest.js";
import { dataBatchInputs, l1Statement, type PostedBinding } from "../../src/chain/aggregate.js";
import { proofHash } from "../../src/chain/statement.js";
import { Rng } from "./rng.js";
import { MAX_PRICE, MIN_PRICE, testRoot } from "./flows.js";
import { roles, type System } from "./system.js";

export interface DataSegment {
  index: number;
  txCount: number;
  witnessHash: Hex;
  txCommitment: Hex;
  rootIn: Hex;
  rootOut: Hex;
}

export interface DataBatch {
  batchId: bigint;
  transactions: Transaction[];
  bytes: Uint8Array;
  dataHash: Hex;
  /** The binding L1 stores (dataHash, txRoot, r, E), natively and packed. */
  binding: BatchBinding;
  posted: PostedBinding;
  segments: DataSegment[];
  finalRoot: Hex;
  receipt: TransactionReceipt;
}

/** `n` structurally valid transfers (slots below 2^20, canonical nonces), deterministic per seed. */
export function sampleTransactions(n: number, seed: number): Transaction[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => ({ from: rng.int(2 ** 20), to: rng.int(2 ** 20), amount: rng.u32(), nonce: rng.field() }));
}

let salt = 0;

/**
 * Post a data batch whose segments hold `counts[i]` transactions each. Roots chain from `startRoot` (default
 * the rollup's root) to `finalRoot` (default a fresh root; pass `unspecified` to leave the sequencer's roots open).
 */
export async function postDataBatch(
  s: System,
  counts: readonly number[],
  opts: { startRoot?: Hex; finalRoot?: Hex | "unspecified"; seed?: number; maxPrice?: bigint; txRoot?: Hex } = {},
): Promise<DataBatch> {
  const tag = ++salt;
  const transactions = sampleTransactions(counts.reduce((a, b) => a + b, 0), opts.seed ?? tag);
  const bytes = batchData(transactions);
  const { binding, posted } = dataBatchInputs(transactions, counts);
  let at = 0;
  const commitments = counts.map((n) => digestToBytes32(txCommitment(transactions.slice(at, (at += n)))));
  const start = opts.startRoot ?? (await s.c.rollup.read.stateRoot());
  const last = opts.finalRoot === undefined ? testRoot(10_000 + tag) : opts.finalRoot;
  const roots = [start, ...counts.slice(0, -1).map((_, i) => testRoot(20_000 + tag * 32 + i)), last === "unspecified" ? testRoot(30_000 + tag) : last];
  const zero = `0x${"00".repeat(32)}` as Hex;
  const segments: DataSegment[] = counts.map((txCount, index) => ({
    index,
    txCount,
    witnessHash: keccak256(toBytes(`witness-${tag}-${index}`)),
    txCommitment: commitments[index]!,
    rootIn: roots[index]!,
    rootOut: roots[index + 1]!,
  }));
  const batchId = await s.c.market.read.nextBatchId();
  const input = segments.map((g) => ({ rootIn: g.rootIn, witnessHash: g.witnessHash, txCommitment: g.txCommitment, txCount: g.txCount }));
  const receipt = await s.send(
    s.c.market.write.postBatch([input, bytesHex(bytes), opts.txRoot ?? posted.txRoot, last === "unspecified" ? zero : last, MIN_PRICE, opts.maxPrice ?? MAX_PRICE], { account: roles.deployer }),
  );
  return { batchId, transactions, bytes, dataHash: posted.dataHash, binding, posted, segments, finalRoot: roots[counts.length]!, receipt };
}

export function bytesHex(b: Uint8Array): Hex {
  return `0x${Buffer.from(b).toString("hex")}`;
}

/** Lock and commit every segment of the batch (`provers[i % n]` proves segment i); returns the receipts. */
export async function commitDataBatch(s: System, batch: DataBatch, provers: readonly LocalAccount[]): Promise<TransactionReceipt[]> {
  const receipts: TransactionReceipt[] = [];
  for (const seg of batch.segments) {
    const prover = provers[seg.index % provers.length]!;
    receipts.push(await s.send(s.c.market.write.lock([batch.batchId, seg.index], { account: prover })));
    const proof = keccak256(toBytes(`segment-proof-${batch.batchId}-${seg.index}-${prover.address}`));
    receipts.push(await s.send(s.c.market.write.commitProof([batch.batchId, seg.index, proofHash(proof), seg.rootIn, seg.rootOut], { account: prover })));
  }
  return receipts;
}

/** The L1 statement of a batch as L1 expects it (rootOut and the join provers as given; txRoot, r, E the batch's). */
export function statementFor(batch: DataBatch, f: { keySetRoot: Hex; rootIn: Hex; rootOut: Hex; joinProvers: readonly Address[] }): Uint32Array {
  return l1Statement({
    keySetRoot: f.keySetRoot,
    batchId: batch.batchId,
    segmentCount: batch.segments.length,
    rootIn: f.rootIn,
    rootOut: f.rootOut,
    txRoot: batch.posted.txRoot,
    r: batch.binding.randomness,
    e: batch.binding.evaluation,
    joinProvers: f.joinProvers,
  });
}
