import { P } from "../stark/field/babybear.js";
import type { Ext } from "../stark/field/extension.js";
import { keccakHex } from "../util/keccak.js";
import { type Account, accountLeaf, EMPTY_LEAF } from "./account.js";
import { type Digest, digestEquals } from "./digest.js";
import { requireRandomness, WitnessDecodeError, WitnessInvalidError } from "./errors.js";
import { AMOUNT_LIMIT, MAX_TREE_DEPTH } from "./options.js";
import { MAX_BATCH_ID, MAX_LOG_ROWS, MIN_LOG_ROWS, type Segment, type SegmentGeometry, segmentCapacity } from "./segment.js";
import type { LeafOpening } from "./stf.js";
import { transition } from "./stf.js";
import { encodeTransaction, type Transaction, TX_BYTES, type TxFailure, transactionProblem } from "./transaction.js";
import { rootFromPath } from "./tree.js";

/** "PNSW": prover-node segment witness. */
export const WITNESS_MAGIC = 0x57534e50;
/** Version 1: a transfer-v1 segment (2·(D + 2) rows per transaction). */
export const WITNESS_VERSION = 1;
/** Version 2: the same layout for a transfer-v2 segment (D + 2 rows per transaction, so up to twice the count). */
export const WITNESS_VERSION_V2 = 2;

/** The segment geometry a witness version stands for. */
export function witnessGeometry(version: number): SegmentGeometry {
  return version === WITNESS_VERSION_V2 ? "v2" : "v1";
}
export const WITNESS_HEADER_BYTES = 88;
/** Version 2 adds the batch's randomness r (4 u32 LE words, each below 2^30) after the version-1 header. */
export const WITNESS_HEADER_BYTES_V2 = WITNESS_HEADER_BYTES + 16;

/** Header bytes of a witness version. */
export function witnessHeaderBytes(version: number): number {
  return version === WITNESS_VERSION_V2 ? WITNESS_HEADER_BYTES_V2 : WITNESS_HEADER_BYTES;
}
/** Segment indices are public inputs: kept below 2^30 so they are canonical field elements. */
export const MAX_SEGMENTS = 2 ** 30;

/** One transaction of a segment witness with the openings of the two slots it touches. */
export interface WitnessStep {
  readonly tx: Transaction;
  readonly sender: LeafOpening;
  readonly receiver: LeafOpening;
}

/**
 * Everything a prover needs to prove one segment: the statement (batch id, segment index, roots,
 * transactions) and, per transaction, the sender's and receiver's leaves with their Merkle paths.
 * keccak256 of its encoding is what L1 commits to.
 */
export interface SegmentWitness {
  readonly version: number;
  readonly treeDepth: number;
  readonly logRows: number;
  readonly batchId: bigint;
  readonly segmentIndex: number;
  readonly rootIn: Digest;
  readonly rootOut: Digest;
  readonly steps: readonly WitnessStep[];
  /**
   * Version 2: the batch's randomness r (src/rollup/batch-binding.ts), which the segment's proof
   * evaluates its transactions at. Required in version 2 (never defaulted), absent in version 1.
   */
  readonly randomness?: Ext;
}

export function witnessFromSegment(seg: Segment): SegmentWitness {
  return {
    version: seg.geometry === "v2" ? WITNESS_VERSION_V2 : WITNESS_VERSION,
    treeDepth: seg.treeDepth,
    logRows: seg.logRows,
    batchId: seg.batchId,
    segmentIndex: seg.index,
    rootIn: seg.rootIn,
    rootOut: seg.rootOut,
    steps: seg.steps.map((s) => ({ tx: s.tx, sender: s.sender, receiver: s.receiver })),
    ...(seg.geometry === "v2" ? { randomness: requireRandomness(seg.randomness, `v2 segment ${seg.index} of batch ${seg.batchId}`) } : {}),
  };
}

function openingBytes(depth: number): number {
  return 1 + 32 + 4 + 4 + 32 * depth;
}

/** Encoded size of one step at tree depth D. */
export function witnessStepBytes(depth: number): number {
  return TX_BYTES + 2 * openingBytes(depth);
}

/** Binary encoding (little-endian, layout in docs/rollup.md). */
export function encodeWitness(w: SegmentWitness): Uint8Array {
  const stepBytes = witnessStepBytes(w.treeDepth);
  const header = witnessHeaderBytes(w.version);
  const out = new Uint8Array(header + w.steps.length * stepBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, WITNESS_MAGIC, true);
  view.setUint16(4, w.version, true);
  view.setUint8(6, w.treeDepth);
  view.setUint8(7, w.logRows);
  view.setBigUint64(8, w.batchId, true);
  view.setUint32(16, w.segmentIndex, true);
  writeDigest(view, 20, w.rootIn);
  writeDigest(view, 52, w.rootOut);
  view.setUint32(84, w.steps.length, true);
  if (w.version === WITNESS_VERSION_V2) requireRandomness(w.randomness, `version-2 witness of batch ${w.batchId} segment ${w.segmentIndex}`).forEach((x, i) => view.setUint32(WITNESS_HEADER_BYTES + 4 * i, x, true));
  let off = header;
  for (const step of w.steps) {
    encodeTransaction(step.tx, view, off);
    off += TX_BYTES;
    off = writeOpening(view, off, step.sender);
    off = writeOpening(view, off, step.receiver);
  }
  return out;
}

function writeDigest(view: DataView, off: number, d: Digest): void {
  for (let i = 0; i < 8; i++) view.setUint32(off + 4 * i, d[i]!, true);
}

function writeOpening(view: DataView, off: number, o: LeafOpening): number {
  view.setUint8(off, o.account === undefined ? 0 : 1);
  off += 1;
  writeDigest(view, off, o.account?.key ?? EMPTY_LEAF);
  view.setUint32(off + 32, o.account?.balance ?? 0, true);
  view.setUint32(off + 36, o.account?.nonce ?? 0, true);
  off += 40;
  for (const s of o.siblings) {
    writeDigest(view, off, s);
    off += 32;
  }
  return off;
}

/**
 * Strict decoding: any byte string either decodes to a well-formed witness or throws a
 * WitnessDecodeError naming the field (never another error, never a partial result).
 */
export function decodeWitness(bytes: Uint8Array): SegmentWitness {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (field: string, offset: number, detail: string): never => {
    throw new WitnessDecodeError(field, offset, detail);
  };
  if (bytes.length < WITNESS_HEADER_BYTES) fail("header", 0, `${bytes.length} bytes, the header alone is ${WITNESS_HEADER_BYTES}`);
  if (view.getUint32(0, true) !== WITNESS_MAGIC) fail("magic", 0, "not a segment witness (magic PNSW expected)");
  const version = view.getUint16(4, true);
  if (version !== WITNESS_VERSION && version !== WITNESS_VERSION_V2) fail("version", 4, `unsupported version ${version} (this node reads ${WITNESS_VERSION} and ${WITNESS_VERSION_V2})`);
  const treeDepth = view.getUint8(6);
  if (treeDepth < 1 || treeDepth > MAX_TREE_DEPTH) fail("treeDepth", 6, `${treeDepth} outside [1, ${MAX_TREE_DEPTH}]`);
  const logRows = view.getUint8(7);
  if (logRows < MIN_LOG_ROWS || logRows > MAX_LOG_ROWS) fail("logRows", 7, `${logRows} outside [${MIN_LOG_ROWS}, ${MAX_LOG_ROWS}]`);
  const batchId = view.getBigUint64(8, true);
  if (batchId > MAX_BATCH_ID) fail("batchId", 8, `${batchId} is not below 2^60`);
  const segmentIndex = view.getUint32(16, true);
  if (segmentIndex >= MAX_SEGMENTS) fail("segmentIndex", 16, `${segmentIndex} is not below 2^30 (it is a public input)`);
  const readDigest = (off: number, field: string): Digest => {
    const d: number[] = [];
    for (let i = 0; i < 8; i++) {
      const x = view.getUint32(off + 4 * i, true);
      if (x >= P) fail(field, off + 4 * i, `element ${i} = ${x} is not canonical (>= p)`);
      d.push(x);
    }
    return d;
  };
  const rootIn = readDigest(20, "rootIn");
  const rootOut = readDigest(52, "rootOut");
  const count = view.getUint32(84, true);
  const header = witnessHeaderBytes(version);
  if (bytes.length < header) fail("header", 0, `${bytes.length} bytes, a version-${version} header alone is ${header}`);
  let randomness: Ext | undefined;
  if (version === WITNESS_VERSION_V2) {
    const r = [0, 1, 2, 3].map((i) => view.getUint32(WITNESS_HEADER_BYTES + 4 * i, true));
    r.forEach((x, i) => {
      if (x >= 2 ** 30) fail("randomness", WITNESS_HEADER_BYTES + 4 * i, `word ${i} = ${x} is not below 2^30`);
    });
    randomness = r as unknown as Ext;
  }
  const capacity = segmentCapacity(treeDepth, logRows, witnessGeometry(version));
  if (count > capacity) fail("txCount", 84, `${count} transactions, a version-${version} segment of 2^${logRows} rows holds ${capacity}`);
  const stepBytes = witnessStepBytes(treeDepth);
  const expected = header + count * stepBytes;
  if (bytes.length !== expected) {
    fail(bytes.length < expected ? "steps" : "trailing", Math.min(bytes.length, expected), `length ${bytes.length}, expected ${expected}`);
  }
  const steps: WitnessStep[] = [];
  let off = header;
  const readOpening = (field: string): LeafOpening => {
    const flag = view.getUint8(off);
    if (flag > 1) fail(`${field}.flag`, off, `${flag} (0 = empty slot, 1 = account)`);
    const key = readDigest(off + 1, `${field}.key`);
    const balance = view.getUint32(off + 33, true);
    const nonce = view.getUint32(off + 37, true);
    if (flag === 0 && (!digestEquals(key, EMPTY_LEAF) || balance !== 0 || nonce !== 0)) {
      fail(`${field}.account`, off + 1, "an empty slot must have zero key, balance and nonce");
    }
    if (balance >= AMOUNT_LIMIT) fail(`${field}.balance`, off + 33, `${balance} is not below 2^30`);
    if (nonce >= P) fail(`${field}.nonce`, off + 37, `${nonce} is not canonical`);
    off += 41;
    const siblings: Digest[] = [];
    for (let l = 0; l < treeDepth; l++) {
      siblings.push(readDigest(off, `${field}.siblings[${l}]`));
      off += 32;
    }
    return { account: flag === 1 ? { key, balance, nonce } : undefined, siblings };
  };
  for (let i = 0; i < count; i++) {
    const tx: Transaction = {
      from: view.getUint32(off, true),
      to: view.getUint32(off + 4, true),
      amount: view.getUint32(off + 8, true),
      nonce: view.getUint32(off + 12, true),
    };
    const problem = transactionProblem(tx, treeDepth);
    if (problem !== null) fail(`steps[${i}].tx`, off, problem);
    off += TX_BYTES;
    const sender = readOpening(`steps[${i}].sender`);
    const receiver = readOpening(`steps[${i}].receiver`);
    steps.push({ tx, sender, receiver });
  }
  return { version, treeDepth, logRows, batchId, segmentIndex, rootIn, rootOut, steps, ...(randomness ? { randomness } : {}) };
}

/** keccak256 of the witness bytes: the hash the segment market commits to. */
export function witnessHash(bytes: Uint8Array): `0x${string}` {
  return keccakHex(bytes);
}

/** A step replayed: the outcome, the accounts before and after, and the three roots it passes. */
export interface ReplayedStep {
  readonly tx: Transaction;
  readonly failure: TxFailure | null;
  readonly senderBefore: Account | undefined;
  readonly senderAfter: Account | undefined;
  readonly receiverBefore: Account | undefined;
  readonly receiverAfter: Account | undefined;
  readonly senderSiblings: readonly Digest[];
  readonly receiverSiblings: readonly Digest[];
  readonly rootBefore: Digest;
  /** After the sender's update, before the receiver's. */
  readonly rootMiddle: Digest;
  readonly rootAfter: Digest;
}

/**
 * Replay a witness: check every opening against the running root, apply the transfer rule, and check
 * the last root equals rootOut. Throws WitnessInvalidError naming the first inconsistency.
 */
export function replayWitness(w: SegmentWitness): ReplayedStep[] {
  let root = w.rootIn;
  const out: ReplayedStep[] = [];
  w.steps.forEach((step, i) => {
    const { tx } = step;
    const leafOf = (a: Account | undefined): Digest => (a === undefined ? EMPTY_LEAF : accountLeaf(a));
    const rootBefore = root;
    if (!digestEquals(rootFromPath(leafOf(step.sender.account), tx.from, step.sender.siblings), root)) {
      throw new WitnessInvalidError(i, "the sender's opening does not lead to the current root");
    }
    // Receiver as seen after the sender's update; from = to is always a no-op, so the slot is unchanged.
    const outcome = transition(tx, step.sender.account, tx.from === tx.to ? step.sender.account : step.receiver.account);
    const senderAfter = outcome.failure === null ? outcome.sender : step.sender.account;
    const rootMiddle = rootFromPath(leafOf(senderAfter), tx.from, step.sender.siblings);
    if (!digestEquals(rootFromPath(leafOf(step.receiver.account), tx.to, step.receiver.siblings), rootMiddle)) {
      throw new WitnessInvalidError(i, "the receiver's opening does not lead to the root after the sender's update");
    }
    const receiverAfter = outcome.failure === null ? outcome.receiver : step.receiver.account;
    root = rootFromPath(leafOf(receiverAfter), tx.to, step.receiver.siblings);
    out.push({
      tx,
      failure: outcome.failure,
      senderBefore: step.sender.account,
      senderAfter,
      receiverBefore: step.receiver.account,
      receiverAfter,
      senderSiblings: step.sender.siblings,
      receiverSiblings: step.receiver.siblings,
      rootBefore,
      rootMiddle,
      rootAfter: root,
    });
  });
  if (!digestEquals(root, w.rootOut)) throw new WitnessInvalidError(w.steps.length, "the transactions do not lead to rootOut");
  return out;
}
