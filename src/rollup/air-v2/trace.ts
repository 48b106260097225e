/** Traces of `transfer-v2` for a segment witness (the witness is replayed and checked first). */
import { add, inv, mul, sub } from "../../stark/field/babybear.js";
import { type Ext, ZERO as ZERO_E, addE, mulE } from "../../stark/field/extension.js";
import type { Air, AirInstance } from "../../stark/air/air.js";
import { interactionValues } from "../../stark/air/lookup-trace.js";
import type { Account } from "../account.js";
import { ZERO_DIGEST, type Digest } from "../digest.js";
import { requireRandomness } from "../errors.js";
import { AMOUNT_LIMIT } from "../options.js";
import type { Transaction } from "../transaction.js";
import { replayWitness, type ReplayedStep, type SegmentWitness } from "../witness.js";
import { statementOf } from "../air/statement.js";
import { BUS, LEAF_INPUT_LENGTH, RANGE, RANGE_LOG_ROWS, TX_HALVES, TXS, TXS_WIDTH, pathsColumns } from "./layout.js";
import { fillPoseidon2Rounds7, LANE_X7F, type LaneGadget } from "./poseidon2-lane.js";
import { publicInputsV2, transactionBytes } from "./statement.js";
import { blockStart, pathsCapacity, txsLogRows } from "./structure.js";

const ZERO16: readonly number[] = new Array<number>(16).fill(0);
const NO_TX: Transaction = { from: 0, to: 0, amount: 0, nonce: 0 };

/** The instance proving `w` with the AIR of its depth. Throws WitnessInvalidError. */
export function buildTransferV2Instance(w: SegmentWitness, air: Air, lane: LaneGadget = LANE_X7F): AirInstance {
  return buildTransferV2Trace(w, replayWitness(w), air, lane);
}

/**
 * The traces for replayed steps, taken as given: `valid` is `failure === null` and the accounts after
 * are used as they are. With steps from replayWitness this is the honest trace; tests pass forged
 * steps (or edit the result) to play a lying prover — the constraints, not this function, must catch it.
 */
export function buildTransferV2Trace(w: SegmentWitness, steps: readonly ReplayedStep[], air: Air, lane: LaneGadget = LANE_X7F): AirInstance {
  const paths = buildPathsTrace(w, steps, lane);
  const txs = buildTxsTrace(w, steps);
  const range = rangeCounts(air, txs);
  return { trace: paths, extraTraces: [txs, range], publicInputs: publicInputsV2(statementOf(w)), publicColumns: [] };
}

/** Fill a lane, reusing the columns of the all-zero input (padding and idle lanes). */
function laneFiller(lane: LaneGadget): (trace: Uint32Array[], off: number, row: number, input: readonly number[]) => Uint32Array {
  const zeroCols = Array.from({ length: lane.width }, () => new Uint32Array(1));
  const zeroOut = lane.fill(zeroCols, 0, 0, ZERO16);
  return (trace, off, row, input) => {
    if (input.every((x) => x === 0)) {
      for (let k = 0; k < lane.width; k++) trace[off + k]![row] = zeroCols[k]![0]!;
      return zeroOut;
    }
    return lane.fill(trace, off, row, input);
  };
}

/**
 * The paths table: per block, the sender's and the receiver's slot updates side by side (an inactive
 * block updates slot 0 of an all-zero tree on both sides: its roots are not checked).
 */
export function buildPathsTrace(w: SegmentWitness, steps: readonly ReplayedStep[], lane: LaneGadget = LANE_X7F): Uint32Array[] {
  const D = w.treeDepth;
  const n = 2 ** w.logRows;
  const C = pathsColumns(lane.width);
  const trace = Array.from({ length: C.width }, () => new Uint32Array(n));
  const fill = laneFiller(lane);
  const zeroSiblings: Digest[] = Array.from({ length: D }, () => ZERO_DIGEST);

  /** One side's slot update over the D + 2 rows of a block from `start`; returns [old root, new root]. */
  const update = (side: number, start: number, index: number, siblings: readonly Digest[], before: Account | undefined, after: Account | undefined): [Digest, Digest] => {
    const S = C.sides[side]!;
    const exists = before === undefined ? 0 : 1;
    const outA = fill(trace, S.old, start, [...(before?.key ?? ZERO_DIGEST), LEAF_INPUT_LENGTH, 0, 0, 0, 0, 0, 0, 0]);
    fill(trace, S.new, start, ZERO16); // idle: the key's block is shared
    const inO = Array.from(outA), inN = Array.from(outA);
    inO[0] = before?.balance ?? 0;
    inO[1] = before?.nonce ?? 0;
    inN[0] = after?.balance ?? 0;
    inN[1] = after?.nonce ?? 0;
    trace[S.exists]![start + 1] = exists;
    let nodeO: ArrayLike<number> = fill(trace, S.old, start + 1, inO);
    let nodeN: ArrayLike<number> = fill(trace, S.new, start + 1, inN);
    if (!exists) nodeO = nodeN = ZERO_DIGEST;
    for (let l = 0; l < D; l++) {
      const r = start + 2 + l;
      const right = Math.floor(index / 2 ** l) % 2;
      trace[S.bit]![r] = right;
      trace[S.acc]![r] = Math.floor(index / 2 ** l) * 2 ** l;
      trace[S.exists]![r] = 1;
      const sib = Array.from(siblings[l]!);
      const pair = (node: ArrayLike<number>): number[] => (right ? [...sib, ...Array.from(node).slice(0, 8)] : [...Array.from(node).slice(0, 8), ...sib]);
      nodeO = fill(trace, S.old, r, pair(nodeO));
      nodeN = fill(trace, S.new, r, pair(nodeN));
    }
    return [Array.from(nodeO).slice(0, 8), Array.from(nodeN).slice(0, 8)];
  };

  let root: Digest = w.rootIn;
  const R = D + 2;
  const capacity = pathsCapacity(D, w.logRows);
  for (let t = 0; t < capacity; t++) {
    const st = steps[t];
    const start = blockStart(D, t);
    const active = st === undefined ? 0 : 1;
    for (let r = start; r < start + R; r++) {
      trace[C.active]![r] = active;
      for (let j = 0; j < 8; j++) trace[C.root + j]![r] = root[j]!;
    }
    if (st === undefined) {
      update(0, start, 0, zeroSiblings, undefined, undefined);
      update(1, start, 0, zeroSiblings, undefined, undefined);
      continue;
    }
    update(0, start, st.tx.from, st.senderSiblings, st.senderBefore, st.senderAfter);
    root = update(1, start, st.tx.to, st.receiverSiblings, st.receiverBefore, st.receiverAfter)[1];
  }
  // Padding rows: zero permutations, the final root; active carries the last block's value (its constraint does).
  for (let r = capacity * R; r < n; r++) {
    for (const S of C.sides) {
      fill(trace, S.old, r, ZERO16);
      fill(trace, S.new, r, ZERO16);
    }
    trace[C.active]![r] = r > 0 ? trace[C.active]![r - 1]! : 0;
    for (let j = 0; j < 8; j++) trace[C.root + j]![r] = root[j]!;
  }
  return trace;
}

function setBytes(trace: Uint32Array[], col: number, row: number, value: number, len = 4): void {
  for (let k = 0; k < len; k++) trace[col + k]![row] = Math.floor(value / 256 ** k) % 256;
}

/** The txs table: one row per transaction (then rows holding none), flags computed from the steps as given. */
export function buildTxsTrace(w: SegmentWitness, steps: readonly ReplayedStep[]): Uint32Array[] {
  const m = 2 ** txsLogRows(w.treeDepth, w.logRows);
  const count = steps.length;
  const trace = Array.from({ length: TXS_WIDTH }, () => new Uint32Array(m));
  const set = (col: number, row: number, v: number): void => {
    trace[col]![row] = v;
  };
  for (let t = 0; t < m; t++) {
    const st = t < count ? steps[t]! : undefined;
    const tx = st?.tx ?? NO_TX;
    transactionBytes(tx).forEach((b, k) => set(TXS.bytes + k, t, b));
    set(TXS.active, t, st ? 1 : 0);
    set(TXS.count, t, Math.min(t + 1, count));
    const s = st?.senderBefore, r = st?.receiverBefore;
    const balS = s?.balance ?? 0, balR = r?.balance ?? 0;
    set(TXS.existsS, t, s ? 1 : 0);
    set(TXS.existsR, t, r ? 1 : 0);
    setBytes(trace, TXS.balS, t, balS);
    setBytes(trace, TXS.balR, t, balR);
    set(TXS.nonceS, t, s?.nonce ?? 0);
    set(TXS.nonceR, t, r?.nonce ?? 0);
    const amountOk = tx.amount < AMOUNT_LIMIT ? 1 : 0;
    const amt = amountOk ? tx.amount : 0;
    set(TXS.amountOk, t, amountOk);
    set(TXS.amt, t, amt);
    const top = Math.floor(tx.nonce / 2 ** 24);
    set(TXS.nonceW, t, top === 0x78 ? 0 : inv(sub(0x78, top)));
    const dSelf = sub(tx.from, tx.to);
    set(TXS.selfInv, t, dSelf === 0 ? 0 : inv(dSelf));
    set(TXS.notSelf, t, dSelf === 0 ? 0 : 1);
    const dNonce = sub(tx.nonce, s?.nonce ?? 0);
    set(TXS.nonceInv, t, dNonce === 0 ? 0 : inv(dNonce));
    set(TXS.nonceOk, t, dNonce === 0 ? 1 : 0);
    const enough = balS >= amt ? 1 : 0;
    set(TXS.enough, t, enough);
    setBytes(trace, TXS.diffS, t, enough ? balS - amt : amt - balS - 1);
    const noOverflow = balR + amt < AMOUNT_LIMIT ? 1 : 0;
    set(TXS.noOverflow, t, noOverflow);
    setBytes(trace, TXS.diffR, t, noOverflow ? AMOUNT_LIMIT - 1 - balR - amt : balR + amt - AMOUNT_LIMIT);
    set(TXS.valid, t, st && st.failure === null ? 1 : 0);
  }
  fillTxsSponge(trace, count, requireRandomness(w.randomness, `transfer-v2 trace of batch ${w.batchId} segment ${w.segmentIndex}`));
  return trace;
}

/**
 * (Re)fill what a txs trace derives from its byte columns (read as field elements): the txCommitment
 * sponge's capacity, permutation and carried digest of every row, for `count` transactions, and the
 * Horner evaluation at r.
 */
export function fillTxsSponge(trace: Uint32Array[], count: number, r: Ext): void {
  const m = trace[0]!.length;
  let prevOut: Uint32Array | null = null;
  for (let t = 0; t < m; t++) {
    const cap = prevOut === null ? [TX_HALVES * count, 0, 0, 0, 0, 0, 0, 0] : Array.from(prevOut.subarray(8, 16));
    cap.forEach((x, k) => (trace[TXS.cap + k]![t] = x));
    const halves = Array.from({ length: TX_HALVES }, (_, i) => add(trace[TXS.bytes + 2 * i]![t]!, mul(256, trace[TXS.bytes + 2 * i + 1]![t]!)));
    const out = fillPoseidon2Rounds7(trace, TXS.rounds, t, [...halves, ...cap], false);
    const carry = t > 0 && trace[TXS.active]![t] === 0;
    for (let j = 0; j < 8; j++) trace[TXS.digest + j]![t] = carry ? trace[TXS.digest + j]![t - 1]! : out[j]!;
    prevOut = out;
  }
  const r2 = mulE(r, r);
  let ev: Ext = ZERO_E;
  for (let t = 0; t < m; t++) {
    const k = (lo: number): Ext => [0, 1, 2, 3].map((j) => add(trace[TXS.bytes + 2 * (lo + j)]![t]!, mul(256, trace[TXS.bytes + 2 * (lo + j) + 1]![t]!))) as unknown as Ext;
    const term = addE(mulE(k(0), r), k(4));
    ev = t === 0 ? term : addE(trace[TXS.active]![t] === 1 ? mulE(ev, r2) : ev, term);
    ev.forEach((x, j) => (trace[TXS.eval + j]![t] = x));
  }
}

/**
 * The range table's multiplicities: how often the txs table sends each value on each range bus,
 * read from its interactions (so they match whatever the txs trace holds).
 */
export function rangeCounts(air: Air, txs: readonly Uint32Array[]): Uint32Array[] {
  const table = air.tables[1]!;
  const counts = [new Uint32Array(2 ** RANGE_LOG_ROWS), new Uint32Array(2 ** RANGE_LOG_ROWS)];
  const { values, mult } = interactionValues({ table, main: txs, pre: [], publicInputs: new Uint32Array(air.numPublicInputs), publicColumns: [] });
  table.interactions.forEach((it, i) => {
    const target = it.bus === BUS.range8 ? counts[RANGE.count8]! : it.bus === BUS.range6 ? counts[RANGE.count6]! : null;
    if (target === null) return;
    const col = values[i]![0]!;
    for (let r = 0; r < col.length; r++) {
      const m = mult[i]![r]!;
      if (m !== 0 && col[r]! < target.length) target[col[r]!] = add(target[col[r]!]!, m);
    }
  });
  return counts;
}
