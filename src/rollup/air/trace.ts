/** Trace of `transfer-v1` for a segment witness (the witness is replayed and checked first). */
import { inv, sub } from "../../stark/field/babybear.js";
import type { AirInstance } from "../../stark/air/air.js";
import type { Account } from "../account.js";
import { ZERO_DIGEST, type Digest } from "../digest.js";
import { rowsPerTransaction } from "../segment.js";
import { replayWitness, type ReplayedStep, type SegmentWitness } from "../witness.js";
import {
  BITS, CARRY_HI, CARRY_LO, CUR_N, CUR_O, EXISTS, LANE_N, LANE_O, LEAF_INPUT_LENGTH, LIMB_BAL_HI, LIMB_BAL_LO,
  LIMB_BITS, LIMB_RES_HI, LIMB_RES_LO, NONCE_INV, NONCE_OK, ROOT, SIB, T_SENDER, TRACE_WIDTH, U_SENDER, VALID,
  VALID_S, W_RECEIVER,
} from "./layout.js";
import { fillPoseidon2Lane } from "./poseidon2-air.js";
import { publicColumnsOf, publicInputsOf, statementOf } from "./statement.js";
import { AMOUNT_LIMIT } from "../options.js";

const LIMB = 2 ** LIMB_BITS;

/** The AIR instance (trace, public inputs, public columns) proving `w`. Throws WitnessInvalidError. */
export function buildTransferInstance(w: SegmentWitness): AirInstance {
  return buildTransferTrace(w, replayWitness(w));
}

/**
 * The trace for replayed steps, taken as given: the validity flag is `failure === null` and the
 * accounts after are used as they are. With steps from replayWitness this is the honest trace; tests
 * pass forged steps to play a lying prover (the constraints, not this function, must catch it).
 */
export function buildTransferTrace(w: SegmentWitness, steps: readonly ReplayedStep[]): AirInstance {
  const n = 2 ** w.logRows;
  const D = w.treeDepth;
  const R = rowsPerTransaction(D);
  const statement = statementOf(w);
  const publicColumns = publicColumnsOf(statement);
  const trace = Array.from({ length: TRACE_WIDTH }, () => new Uint32Array(n));
  const set = (col: number, row: number, v: number): void => {
    trace[col]![row] = v;
  };
  const setBits = (limb: number, row: number, value: number): void => {
    for (let i = 0; i < LIMB_BITS; i++) set(BITS + limb * LIMB_BITS + i, row, Math.floor(value / 2 ** i) % 2);
  };

  let root: Digest = w.rootIn;
  let row = 0;
  const fillRoot = (until: number): void => {
    for (; row < until; row++) for (let j = 0; j < 8; j++) set(ROOT + j, row, root[j]!);
  };

  /** One slot update (D + 2 rows from `start`); returns the root after it. */
  const update = (start: number, index: number, siblings: readonly Digest[], before: Account | undefined, after: Account | undefined): Digest => {
    const key = before?.key ?? ZERO_DIGEST;
    const capacity = [LEAF_INPUT_LENGTH, 0, 0, 0, 0, 0, 0, 0];
    const first = [...key, ...capacity];
    const outA = fillPoseidon2Lane(trace, LANE_O, start, first);
    fillPoseidon2Lane(trace, LANE_N, start, first);
    const inO = Array.from(outA);
    inO[0] = before?.balance ?? 0;
    inO[1] = before?.nonce ?? 0;
    const inN = Array.from(outA);
    inN[0] = after?.balance ?? 0;
    inN[1] = after?.nonce ?? 0;
    const exists = before === undefined ? 0 : 1;
    set(EXISTS, start + 1, exists);
    let nodeO: ArrayLike<number> = fillPoseidon2Lane(trace, LANE_O, start + 1, inO);
    let nodeN: ArrayLike<number> = fillPoseidon2Lane(trace, LANE_N, start + 1, inN);
    if (!exists) nodeO = nodeN = ZERO_DIGEST;
    for (let l = 0; l < D; l++) {
      const r = start + 2 + l;
      const sib = siblings[l]!;
      const right = Math.floor(index / 2 ** l) % 2 === 1;
      for (let j = 0; j < 8; j++) {
        set(CUR_O + j, r, nodeO[j]!);
        set(CUR_N + j, r, nodeN[j]!);
        set(SIB + j, r, sib[j]!);
      }
      const pair = (node: ArrayLike<number>): number[] => (right ? [...sib, ...Array.from(node).slice(0, 8)] : [...Array.from(node).slice(0, 8), ...sib]);
      nodeO = fillPoseidon2Lane(trace, LANE_O, r, pair(nodeO));
      nodeN = fillPoseidon2Lane(trace, LANE_N, r, pair(nodeN));
    }
    return Array.from(nodeN).slice(0, 8);
  };

  steps.forEach((st, t) => {
    const base = t * R;
    const { tx } = st;
    const valid = st.failure === null ? 1 : 0;
    const publicOk = tx.amount < AMOUNT_LIMIT && tx.from !== tx.to;
    const amount = publicOk ? tx.amount : 0;
    const amountHi = Math.floor(amount / LIMB), amountLo = amount % LIMB;

    // Sender half.
    const sRow = base + 1;
    const sBal = st.senderBefore?.balance ?? 0;
    const sNonce = st.senderBefore?.nonce ?? 0;
    const balHi = Math.floor(sBal / LIMB), balLo = sBal % LIMB;
    const carryLo = balLo < amountLo ? 1 : 0;
    const resLo = balLo - amountLo + carryLo * LIMB;
    const hiDiff = balHi - amountHi - carryLo;
    const borrow = hiDiff < 0 ? 1 : 0;
    const resHi = hiDiff + borrow * LIMB;
    setBits(LIMB_BAL_HI, sRow, balHi);
    setBits(LIMB_BAL_LO, sRow, balLo);
    setBits(LIMB_RES_HI, sRow, resHi);
    setBits(LIMB_RES_LO, sRow, resLo);
    set(CARRY_LO, sRow, carryLo);
    set(CARRY_HI, sRow, borrow);
    const dNonce = sub(tx.nonce, sNonce);
    const nonceOk = dNonce === 0 ? 1 : 0;
    set(NONCE_INV, sRow, dNonce === 0 ? 0 : inv(dNonce));
    set(NONCE_OK, sRow, nonceOk);
    const exists = st.senderBefore === undefined ? 0 : 1;
    const tS = exists * nonceOk;
    const uS = tS * (1 - borrow);
    const validS = uS * (publicOk ? 1 : 0);
    set(T_SENDER, sRow, tS);
    set(U_SENDER, sRow, uS);

    // Receiver half.
    const rRow = base + D + 3;
    const rBal = st.receiverBefore?.balance ?? 0;
    const rBalHi = Math.floor(rBal / LIMB), rBalLo = rBal % LIMB;
    const sumLo = rBalLo + amountLo;
    const rCarryLo = sumLo >= LIMB ? 1 : 0;
    const sumHi = rBalHi + amountHi + rCarryLo;
    const overflow = sumHi >= LIMB ? 1 : 0;
    setBits(LIMB_BAL_HI, rRow, rBalHi);
    setBits(LIMB_BAL_LO, rRow, rBalLo);
    setBits(LIMB_RES_HI, rRow, sumHi - overflow * LIMB);
    setBits(LIMB_RES_LO, rRow, sumLo - rCarryLo * LIMB);
    set(CARRY_LO, rRow, rCarryLo);
    set(CARRY_HI, rRow, overflow);
    const wR = validS * (st.receiverBefore === undefined ? 0 : 1);
    set(W_RECEIVER, rRow, wR);

    for (let k = 0; k < R; k++) {
      set(VALID, base + k, valid);
      set(VALID_S, base + k, validS);
    }
    const middle = update(base, tx.from, st.senderSiblings, st.senderBefore, st.senderAfter);
    fillRoot(base + D + 2);
    root = middle;
    const after = update(base + D + 2, tx.to, st.receiverSiblings, st.receiverBefore, st.receiverAfter);
    fillRoot(base + R);
    root = after;
  });
  fillRoot(n);
  // Padding rows: lanes permute the zero state; valid and validS carry over (their constraint does).
  const zero = new Array<number>(16).fill(0);
  for (let r = steps.length * R; r < n; r++) {
    if (r > 0) {
      set(VALID, r, trace[VALID]![r - 1]!);
      set(VALID_S, r, trace[VALID_S]![r - 1]!);
    }
    fillPoseidon2Lane(trace, LANE_O, r, zero);
    fillPoseidon2Lane(trace, LANE_N, r, zero);
  }
  return { trace, publicInputs: publicInputsOf(statement), publicColumns };
}
