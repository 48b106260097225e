/**
 * The chain side of one proof per data batch: the L1 statement (the public inputs of the wrap proof,
 * laid out by src/recursion/aggregate.ts's `L1`), the binding L1 stores at posting (src/rollup/batch-binding.ts:
 * dataHash, txRoot, r, E) in the packed form the contracts keep, and the calldata of the data-batch calls.
 * contracts/libraries/AggregateStatement.sol mirrors the layout and the binding (test/contracts/aggregate.test.ts
 * checks them against each other).
 */
import { bytesToHex, decodeFunctionData, encodeFunctionData, getAddress, hexToBytes, keccak256, type Address, type Hex, type PublicClient } from "viem";
import type { Ext } from "../stark/field/extension.js";
import { P } from "../stark/field/babybear.js";
import { bytesToHalves } from "../stark/vk.js";
import type { Transaction } from "../rollup/transaction.js";
import { batchBinding, batchData, batchFromData, type BatchBinding } from "../rollup/batch-binding.js";
import { digestToBytes32 } from "../rollup/digest.js";
import { L1, L1_PUBLIC_VALUES, MAX_JOINS, MAX_SEGMENTS } from "../recursion/aggregate.js";
import type { AggregationPlan } from "../recursion/plan.js";
import { digestWords } from "../stark/merkle/hasher.js";
import { L1_OPTIONS } from "../stark/options.js";
import { rollupAbi, segmentMarketAbi } from "./abi/index.js";
import { packRoot, unpackRoot } from "./statement.js";

export { L1, L1_PUBLIC_VALUES, MAX_JOINS, MAX_SEGMENTS };

/** Halves of an address in a join-prover slot (bytes 2i, 2i + 1 little-endian). */
export const ADDRESS_HALVES = 10;

/** Options of the wrap proof: the `l1` preset (src/stark/options.ts, where the choice is argued). */
export const L1_WRAP_OPTIONS = L1_OPTIONS;

/**
 * What Rollup is deployed with for a plan (params.aggregate): the wrap program's AIR id (its generated
 * verifier's) and the key-set root packed like a state root. The wrap's verifier itself is generated for the
 * plan's wrap AIR by scripts/program-verifier.ts (`buildProgramVerifier`, `deployProgramVerifier`).
 */
export function aggregateConfig(plan: AggregationPlan): { airId: Hex; keySetRoot: Hex } {
  return { airId: plan.wrapAir().idHex as Hex, keySetRoot: packRoot(Array.from(digestWords(plan.keySetRoot))) };
}

/** An element of K as the contracts store it (uint128): word 0 in the top 32 bits. */
export function packExt(x: Ext): bigint {
  return x.reduce((acc, w) => (acc << 32n) | BigInt(w), 0n);
}

export function unpackExt(v: bigint): Ext {
  return [Number((v >> 96n) & 0xffffffffn), Number((v >> 64n) & 0xffffffffn), Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)] as unknown as Ext;
}

/** The binding of a data batch as SegmentMarket stores it (Batch.dataHash, txRoot, randomness, evaluation). */
export interface PostedBinding {
  readonly dataHash: Hex;
  readonly txRoot: Hex;
  readonly randomness: bigint;
  readonly evaluation: bigint;
}

export function postedBinding(b: BatchBinding): PostedBinding {
  return { dataHash: bytesToHex(b.dataHash), txRoot: digestToBytes32(b.txRoot), randomness: packExt(b.randomness), evaluation: packExt(b.evaluation) };
}

/** One segment of a data batch as postBatch takes it. */
export interface DataSegmentInput {
  /** Expected root before the segment (zero: not specified). */
  readonly rootIn: Hex;
  /** keccak256 of the witness served over p2p. */
  readonly witnessHash: Hex;
  /** The segment's txCommitment packed as a root (digestToBytes32). */
  readonly txCommitment: Hex;
  readonly txCount: number;
}

/**
 * Calldata of SegmentMarket.postBatch for a data batch: the transactions (16 bytes each, segment after
 * segment) and txRoot; L1 derives dataHash, r and E from them.
 */
export function encodePostDataBatch(p: {
  segments: readonly DataSegmentInput[];
  transactions: readonly Transaction[];
  txRoot: Hex;
  finalRoot: Hex;
  minPrice: bigint;
  maxPrice: bigint;
}): Hex {
  return encodeFunctionData({
    abi: segmentMarketAbi,
    functionName: "postBatch",
    args: [p.segments.map((s) => ({ ...s })), bytesToHex(batchData(p.transactions)), p.txRoot, p.finalRoot, p.minPrice, p.maxPrice],
  });
}

/**
 * The segments' inputs and txRoot of a data batch whose transactions are cut into `counts` (with the
 * binding L1 will store): what the sequencer posts.
 */
export function dataBatchInputs(transactions: readonly Transaction[], counts: readonly number[]): { binding: BatchBinding; posted: PostedBinding } {
  if (counts.length < 1 || counts.length > MAX_SEGMENTS) throw new RangeError(`a data batch has 1..${MAX_SEGMENTS} segments, got ${counts.length}`);
  const binding = batchBinding(transactions, counts);
  return { binding, posted: postedBinding(binding) };
}

export interface L1StatementFields {
  /** The allowed-key set's root, packed like a state root (Rollup.keySetRoot). */
  readonly keySetRoot: Hex;
  readonly batchId: bigint;
  readonly segmentCount: number;
  readonly rootIn: Hex;
  readonly rootOut: Hex;
  /** Packed like a root (Batch.txRoot). */
  readonly txRoot: Hex;
  readonly r: Ext;
  readonly e: Ext;
  /** The S − 1 join provers in tree order (the other slots are zero). */
  readonly joinProvers: readonly Address[];
}

/** The L1_PUBLIC_VALUES public inputs of the wrap proof for these fields (what submitAggregate checks). */
export function l1Statement(f: L1StatementFields): Uint32Array {
  if (f.batchId < 0n || f.batchId >= 1n << 60n) throw new RangeError(`batchId must be in [0, 2^60), got ${f.batchId}`);
  if (f.joinProvers.length > MAX_JOINS) throw new RangeError(`${f.joinProvers.length} join provers exceed the ${MAX_JOINS} slots`);
  const pi = new Uint32Array(L1_PUBLIC_VALUES);
  pi.set(unpackRoot(f.keySetRoot), L1.keySet);
  pi[L1.batchLo] = Number(f.batchId & 0x3fffffffn);
  pi[L1.batchHi] = Number(f.batchId >> 30n);
  pi[L1.segments] = f.segmentCount;
  pi.set(unpackRoot(f.rootIn), L1.rootIn);
  pi.set(unpackRoot(f.rootOut), L1.rootOut);
  pi.set(unpackRoot(f.txRoot), L1.txRoot);
  pi.set(f.r, L1.r);
  pi.set(f.e, L1.e);
  f.joinProvers.forEach((a, slot) => pi.set(bytesToHalves(hexToBytes(a)), L1.provers + ADDRESS_HALVES * slot));
  for (const w of pi) if (w >= P) throw new RangeError(`statement word ${w} is not a canonical field element`);
  return pi;
}

/** The join prover of a slot, from the statement (null for an empty slot). */
export function joinProverOf(pi: ArrayLike<number>, slot: number): Address | null {
  const bytes = new Uint8Array(20);
  for (let i = 0; i < ADDRESS_HALVES; i++) {
    const h = pi[L1.provers + ADDRESS_HALVES * slot + i]!;
    bytes[2 * i] = h & 0xff;
    bytes[2 * i + 1] = h >> 8;
  }
  return bytes.every((b) => b === 0) ? null : getAddress(bytesToHex(bytes));
}

/** Calldata of Rollup.submitAggregate for a data batch: the wrap proof and its L1 statement. */
export function encodeSubmitAggregate(batchId: bigint, proof: Uint8Array, publicInputs: ArrayLike<number>): Hex {
  return encodeFunctionData({ abi: rollupAbi, functionName: "submitAggregate", args: [batchId, bytesToHex(proof), Array.from(publicInputs)] });
}

/** Calldata of SegmentMarket.respondInvalid: a keccak transfer-v2 proof of the segment and its E (the proof's output). */
export function encodeRespondInvalid(batchId: bigint, index: number, proof: Uint8Array, evaluation: Ext): Hex {
  return encodeFunctionData({ abi: segmentMarketAbi, functionName: "respondInvalid", args: [batchId, index, bytesToHex(proof), packExt(evaluation)] });
}

/** A data batch's postBatch call, decoded: what a node proves from (the transactions come from L1 only). */
export interface PostedDataBatch {
  readonly segments: readonly DataSegmentInput[];
  readonly transactions: readonly Transaction[];
  /** The posted bytes (16 per transaction), exactly as hashed into dataHash. */
  readonly data: Uint8Array;
  readonly txRoot: Hex;
  readonly finalRoot: Hex;
}

/** Decode the input of a data-batch postBatch transaction; ChainAggregateError when it is not one. */
export function decodePostDataBatch(input: Hex): PostedDataBatch {
  let call;
  try {
    call = decodeFunctionData({ abi: segmentMarketAbi, data: input });
  } catch (e) {
    throw new ChainAggregateError("NOT_A_DATA_BATCH", `not a SegmentMarket call (${(e as Error).message.split("\n")[0]!.slice(0, 120)})`);
  }
  if (call.functionName !== "postBatch" || call.args.length !== 6) throw new ChainAggregateError("NOT_A_DATA_BATCH", `${call.functionName} is not a data-batch postBatch`);
  const [segments, data, txRoot, finalRoot] = call.args as unknown as [readonly DataSegmentInput[], Hex, Hex, Hex];
  const bytes = hexToBytes(data);
  return { segments: segments.map((g) => ({ rootIn: g.rootIn, witnessHash: g.witnessHash, txCommitment: g.txCommitment, txCount: Number(g.txCount) })), transactions: batchFromData(bytes), data: bytes, txRoot, finalRoot };
}

/** The binding the market stored for a data batch (what its final proof must carry). */
export async function readBatchBinding(client: PublicClient, market: Address, batchId: bigint): Promise<PostedBinding & { r: Ext; e: Ext; txCount: number }> {
  const b = await client.readContract({ address: market, abi: segmentMarketAbi, functionName: "getBatch", args: [batchId] });
  if (b.kind !== 1) throw new ChainAggregateError("NOT_A_DATA_BATCH", `batch ${batchId} is not a data batch`);
  return { dataHash: b.dataHash, txRoot: b.txRoot, randomness: b.randomness, evaluation: b.evaluation, r: unpackExt(b.randomness), e: unpackExt(b.evaluation), txCount: b.txCount };
}

/**
 * A data batch's transactions as posted: the postBatch transaction found by its BatchDataPosted event
 * (searched from `fromBlock`, default 0), decoded, and checked against the stored dataHash.
 */
export async function readPostedDataBatch(client: PublicClient, market: Address, batchId: bigint, fromBlock = 0n): Promise<PostedDataBatch> {
  const logs = await client.getContractEvents({ address: market, abi: segmentMarketAbi, eventName: "BatchDataPosted", args: { batchId }, fromBlock, toBlock: "latest" });
  const log = logs[0];
  if (!log?.transactionHash) throw new ChainAggregateError("NOT_POSTED", `no BatchDataPosted event for batch ${batchId}`);
  const tx = await client.getTransaction({ hash: log.transactionHash });
  const posted = decodePostDataBatch(tx.input);
  const stored = await readBatchBinding(client, market, batchId);
  if (keccak256(posted.data) !== stored.dataHash) {
    throw new ChainAggregateError("DATA_MISMATCH", `batch ${batchId}: the posted bytes do not hash to the stored dataHash (a call through another contract?)`);
  }
  return posted;
}

export type ChainAggregateErrorCode = "NOT_A_DATA_BATCH" | "NOT_POSTED" | "DATA_MISMATCH";

/** A typed error of the data-batch readers (messages never carry the calldata). */
export class ChainAggregateError extends Error {
  constructor(
    readonly code: ChainAggregateErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ChainAggregateError";
  }
}
