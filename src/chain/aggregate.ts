/**
 * TypeScript mirror of contracts/libraries/AggregateStatement.sol: the L1 statement of a data batch's
 * aggregate proof (the public inputs of the wrap program's keccak proof), the evaluation E of the batch's
 * transactions that binds the proof to the bytes posted on L1, and the calldata of the data-batch calls.
 * Keep the two in step (test/contracts/aggregate.test.ts checks them against each other).
 */
import { bytesToHex, encodeFunctionData, getAddress, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { addE, mulE, type Ext } from "../stark/field/extension.js";
import { P } from "../stark/field/babybear.js";
import { bytesToHalves } from "../stark/vk.js";
import { encodeTransaction, TX_BYTES, type Transaction } from "../rollup/transaction.js";
import { rollupAbi } from "./abi/index.js";
import { unpackRoot } from "./statement.js";

/** Layout of the statement (word offsets). */
export const AGG = {
  keySetRoot: 0,
  batchLo: 8,
  batchHi: 9,
  segmentCount: 10,
  rootIn: 11,
  rootOut: 19,
  dataHash: 27,
  r: 43,
  e: 47,
  joinProvers: 51,
  length: 201,
} as const;
/** Join-prover slots: a tree of at most 16 segments has at most 15 joins. */
export const JOIN_SLOTS = 15;
export const ADDRESS_HALVES = 10;

/** The batch's transactions as posted: 16 bytes each (from, to, amount, nonce as u32 little-endian). */
export function transactionBytes(txs: readonly Transaction[]): Uint8Array {
  const out = new Uint8Array(TX_BYTES * txs.length);
  const view = new DataView(out.buffer);
  txs.forEach((tx, i) => encodeTransaction(tx, view, TX_BYTES * i));
  return out;
}

/** The data hash L1 keeps for a data batch: keccak256 of the posted transaction bytes. */
export function dataHashOf(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}

/**
 * E = Σ_j k_j·r^(2n−1−j) over the batch's K elements (Horner from the first), where k_j is four consecutive
 * u16 halves of the transaction bytes in coefficient order: each transaction gives two elements.
 */
export function evaluateTransactions(bytes: Uint8Array, r: Ext): Ext {
  if (bytes.length % TX_BYTES !== 0) throw new Error(`transaction bytes come in ${TX_BYTES}s, got ${bytes.length}`);
  const halves = bytesToHalves(bytes);
  let e: Ext = [0, 0, 0, 0];
  for (let j = 0; j < halves.length; j += 4) e = addE(mulE(e, r), [halves[j]!, halves[j + 1]!, halves[j + 2]!, halves[j + 3]!]);
  return e;
}

export interface AggregateStatementFields {
  /** The allowed-key set's root, packed like a state root (Rollup.keySetRoot). */
  readonly keySetRoot: Hex;
  readonly batchId: bigint;
  readonly segmentCount: number;
  readonly rootIn: Hex;
  readonly rootOut: Hex;
  readonly dataHash: Hex;
  readonly r: Ext;
  readonly e: Ext;
  /** The S − 1 join provers in tree order (the other slots are zero). */
  readonly joinProvers: readonly Address[];
}

/** The 201 public inputs of the wrap proof for these fields. */
export function aggregateStatement(f: AggregateStatementFields): Uint32Array {
  if (f.batchId < 0n || f.batchId >= 1n << 60n) throw new RangeError(`batchId must be in [0, 2^60), got ${f.batchId}`);
  if (f.joinProvers.length > JOIN_SLOTS) throw new RangeError(`${f.joinProvers.length} join provers exceed the ${JOIN_SLOTS} slots`);
  const pi = new Uint32Array(AGG.length);
  pi.set(unpackRoot(f.keySetRoot), AGG.keySetRoot);
  pi[AGG.batchLo] = Number(f.batchId & 0x3fffffffn);
  pi[AGG.batchHi] = Number(f.batchId >> 30n);
  pi[AGG.segmentCount] = f.segmentCount;
  pi.set(unpackRoot(f.rootIn), AGG.rootIn);
  pi.set(unpackRoot(f.rootOut), AGG.rootOut);
  pi.set(bytesToHalves(hexToBytes(f.dataHash)), AGG.dataHash);
  pi.set(f.r, AGG.r);
  pi.set(f.e, AGG.e);
  f.joinProvers.forEach((a, slot) => pi.set(bytesToHalves(hexToBytes(a)), AGG.joinProvers + ADDRESS_HALVES * slot));
  for (const w of pi) if (w >= P) throw new RangeError(`statement word ${w} is not a canonical field element`);
  return pi;
}

/** The join prover of a slot, from the statement (null for an empty slot). */
export function joinProverOf(pi: ArrayLike<number>, slot: number): Address | null {
  const bytes = new Uint8Array(20);
  for (let i = 0; i < ADDRESS_HALVES; i++) {
    const h = pi[AGG.joinProvers + ADDRESS_HALVES * slot + i]!;
    bytes[2 * i] = h & 0xff;
    bytes[2 * i + 1] = h >> 8;
  }
  return bytes.every((b) => b === 0) ? null : getAddress(bytesToHex(bytes));
}

/** Calldata of Rollup.submitAggregate for a data batch (the transaction bytes exactly as posted). */
export function encodeSubmitAggregate(batchId: bigint, proof: Uint8Array, publicInputs: ArrayLike<number>, transactions: Uint8Array): Hex {
  return encodeFunctionData({ abi: rollupAbi, functionName: "submitAggregate", args: [batchId, bytesToHex(proof), Array.from(publicInputs), bytesToHex(transactions)] });
}
