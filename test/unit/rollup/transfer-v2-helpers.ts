/** Shared fixtures of the transfer-v2 tests: small segments, forged steps, the attack harness. */
import { strict as assert } from "node:assert";
import { proveStark, verifyStark, StarkError, type AirInstance, type ProofOptions } from "../../../src/stark/index.js";
import type { HashConfig } from "../../../src/stark/hash/config.js";
import type { Air } from "../../../src/stark/air/air.js";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { accountLeaf, EMPTY_LEAF, type Account } from "../../../src/rollup/account.js";
import { buildBatch, RollupState, SparseMerkleTree, witnessFromSegment, type Genesis, type ReplayedStep, type SegmentWitness, type Transaction, type TxFailure } from "../../../src/rollup/index.js";
import { statementOf } from "../../../src/rollup/air/index.js";
import { buildPathsTrace, buildTxsTrace, fillTxsSponge, publicInputsV2, rangeCounts, transferV2Layout } from "../../../src/rollup/air-v2/index.js";
import { LANE_X7F } from "../../../src/rollup/air-v2/poseidon2-lane.js";

export const PROVER = new Uint8Array(20).fill(0xab);
export const POLICY = { minSecurityBits: 0 }; // the options below are insecure by design
/** Test options with blowup 8: the degree-7 lanes need 6 quotient chunks. */
export const V2_TEST_OPTIONS: ProofOptions = Object.freeze({ logBlowup: 3, numQueries: 8, powBits: 4, friLogArity: 2, logFinalPolyLen: 2, logCap: 0 });
export const backend = createJsBackend();

export async function prove(air: Air, instance: AirInstance, checkConstraints = true, hash: HashConfig = "keccak"): Promise<Uint8Array> {
  return (await proveStark({ air, instance, options: V2_TEST_OPTIONS, hash, proverAddress: PROVER, backend, checkConstraints })).bytes;
}

export function verify(air: Air, proof: Uint8Array, publicInputs: Uint32Array): void {
  verifyStark({ air, proof, publicInputs, publicColumns: [], proverAddress: PROVER, policy: POLICY });
}

/** The statement the verifier rebuilds from a witness. */
export function statementInputs(w: SegmentWitness): Uint32Array {
  return publicInputsV2(statementOf(w));
}

/** Segment witness (version 2: transfer-v2's geometry) of `txs` applied to a genesis, one segment of 2^logRows rows. */
export function segmentOf(genesis: Genesis, txs: readonly Transaction[], logRows: number, batchId = 1n): SegmentWitness {
  const batch = buildBatch(RollupState.fromGenesis(genesis), batchId, txs, logRows, "v2");
  assert.equal(batch.segments.length, 1);
  return witnessFromSegment(batch.segments[0]!);
}

/** An operation a lying prover applies: the transaction, the outcome it claims and the accounts it writes. */
export interface ForgedOp {
  readonly tx: Transaction;
  readonly failure: TxFailure | null;
  /** Written to the slots (default: unchanged). */
  readonly senderAfter?: Account | undefined;
  readonly receiverAfter?: Account | undefined;
}

/** Steps with real openings against a tree that the forged writes really change (so the paths are consistent). */
export function forgeSteps(genesis: Genesis, ops: readonly ForgedOp[]): ReplayedStep[] {
  const tree = new SparseMerkleTree(genesis.treeDepth);
  const accounts = new Map<number, Account | undefined>();
  const put = (i: number, a: Account | undefined): void => {
    accounts.set(i, a);
    tree.setLeaf(i, a === undefined ? EMPTY_LEAF : accountLeaf(a));
  };
  genesis.accounts.forEach((a, i) => put(i, a));
  return ops.map((op) => {
    const { tx } = op;
    const rootBefore = tree.root;
    const senderBefore = accounts.get(tx.from);
    const senderSiblings = tree.proof(tx.from).siblings;
    const senderAfter = "senderAfter" in op ? op.senderAfter : senderBefore;
    put(tx.from, senderAfter);
    const rootMiddle = tree.root;
    const receiverBefore = accounts.get(tx.to);
    const receiverSiblings = tree.proof(tx.to).siblings;
    const receiverAfter = "receiverAfter" in op ? op.receiverAfter : receiverBefore;
    put(tx.to, receiverAfter);
    return { tx, failure: op.failure, senderBefore, senderAfter, receiverBefore, receiverAfter, senderSiblings, receiverSiblings, rootBefore, rootMiddle, rootAfter: tree.root };
  });
}

/** The root a paths trace ends with (what a lying prover claims as rootOut). */
export function finalRoot(paths: readonly Uint32Array[]): number[] {
  const C = transferV2Layout.pathsColumns(LANE_X7F.width);
  const last = paths[0]!.length - 1;
  return Array.from({ length: 8 }, (_, j) => paths[C.root + j]![last]!);
}

/**
 * A lying prover's instance: paths from `pathsSteps`, txs from `txsSteps` (then `patchTxs`, the sponge
 * and E refilled from the bytes), range counts matching; public inputs `publicInputs` with rootOut
 * replaced by the paths' final root and (after a patch) E by the trace's (the prover claims what its
 * trace computes).
 */
export function forgedInstance(
  air: Air,
  w: SegmentWitness,
  pathsSteps: readonly ReplayedStep[],
  txsSteps: readonly ReplayedStep[],
  publicInputs: Uint32Array,
  patchTxs?: (txs: Uint32Array[]) => void,
): AirInstance {
  const paths = buildPathsTrace(w, pathsSteps);
  const txs = buildTxsTrace(w, txsSteps);
  if (patchTxs) {
    patchTxs(txs);
    fillTxsSponge(txs, txsSteps.length, w.randomness!);
  }
  const pi = Uint32Array.from(publicInputs);
  pi.set(finalRoot(paths), transferV2Layout.PI.rootOut);
  if (patchTxs) {
    const last = txs[0]!.length - 1;
    pi.set([0, 1, 2, 3].map((j) => txs[transferV2Layout.TXS.eval + j]![last]!), transferV2Layout.PI.e);
  }
  return { trace: paths, extraTraces: [txs, rangeCounts(air, txs)], publicInputs: pi, publicColumns: [] };
}

/**
 * Recompute one side's new-state lane (N) of the block at `start` from its leafB input up, with its own
 * siblings and the trace's bits, and carry the resulting root through every row after the block's top.
 * Returns that root. (A lying prover's new path: the old path and the bus are left as they are.)
 */
export function rebuildNewPath(paths: Uint32Array[], treeDepth: number, start: number, side: number, leafInput: readonly number[], siblings: readonly (readonly number[])[]): number[] {
  const C = transferV2Layout.pathsColumns(LANE_X7F.width);
  const S = C.sides[side]!;
  let node = Array.from(LANE_X7F.fill(paths, S.new, start + 1, leafInput)).slice(0, 8);
  for (let l = 0; l < treeDepth; l++) {
    const r = start + 2 + l;
    const sib = Array.from(siblings[l]!);
    node = Array.from(LANE_X7F.fill(paths, S.new, r, paths[S.bit]![r] ? [...sib, ...node] : [...node, ...sib])).slice(0, 8);
  }
  const n = paths[0]!.length;
  for (let r = start + treeDepth + 2; r < n; r++) for (let j = 0; j < 8; j++) paths[C.root + j]![r] = node[j]!;
  return node;
}

/** The input of one side's lane at a row. */
export function laneInput(paths: readonly Uint32Array[], side: number, lane: "old" | "new", row: number): number[] {
  const C = transferV2Layout.pathsColumns(LANE_X7F.width);
  const off = C.sides[side]![lane];
  return Array.from({ length: 16 }, (_, j) => paths[off + j]![row]!);
}

/** Write `value` as 4 base-256 digits of its canonical integer (a lying prover's "bytes"). */
export function setDigits(txs: Uint32Array[], col: number, row: number, value: number): void {
  for (let k = 0; k < 4; k++) txs[col + k]![row] = Math.floor(value / 256 ** k) % 256;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StarkError, `expected a StarkError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/**
 * The attack fails twice: the prover refuses the instance with `code`, and a proof forced out of it
 * (constraint and bus checks off) is rejected by the verifier for the statement `publicInputs`.
 */
export async function assertAttackFails(air: Air, inst: AirInstance, code: "CONSTRAINT_VIOLATED" | "BUS_IMBALANCE", publicInputs = inst.publicInputs): Promise<void> {
  await rejectsWith(prove(air, inst), code);
  const forced = await prove(air, { ...inst, publicInputs }, false);
  assert.throws(() => verify(air, forced, publicInputs), (err: unknown) => err instanceof StarkError && err.code === "VERIFY_FAILED");
}
