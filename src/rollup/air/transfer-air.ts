/**
 * The AIR `transfer-v1`: "from state root rootIn, applying these transactions (public columns) in order
 * gives rootOut". Maximum constraint degree 3. The constraints do not depend on the tree depth: the
 * depth only shapes the public selector columns, which the verifier builds itself from the statement.
 */
import { defineAir, type AirInstance } from "../../stark/air/air.js";
import { segmentCapacity } from "../segment.js";
import type { ConstraintGraph, Expr } from "../../stark/air/ir.js";
import {
  BITS, CARRY_HI, CARRY_LO, CUR_N, CUR_O, EXISTS, LANE_N, LANE_O, LEAF_INPUT_LENGTH, LIMB_BAL_HI, LIMB_BAL_LO,
  LIMB_BITS, LIMB_RES_HI, LIMB_RES_LO, NONCE_INV, NONCE_OK, NUM_PUBLIC_COLUMNS, NUM_PUBLIC_INPUTS, PC, PI, ROOT,
  SIB, T_SENDER, TRACE_WIDTH, U_SENDER, VALID, VALID_S, W_RECEIVER,
} from "./layout.js";
import { poseidon2LaneConstraints } from "./poseidon2-air.js";
import { sampleBatch } from "../sample.js";
import { witnessFromSegment } from "../witness.js";
import { buildTransferInstance } from "./trace.js";

const LIMB = 2 ** LIMB_BITS;

function transferConstraints(g: ConstraintGraph): void {
  const c = (i: number): Expr => g.cur(i);
  const n = (i: number): Expr => g.next(i);
  const pc = (k: number): Expr => g.publicColumn(k);
  const one = g.constant(1);

  // Every row: two correct Poseidon2 permutations (lane O: path before the update, lane N: after).
  const outO = poseidon2LaneConstraints(g, LANE_O);
  const outN = poseidon2LaneConstraints(g, LANE_N);
  const inO = (j: number): Expr => c(LANE_O + j);
  const inN = (j: number): Expr => c(LANE_N + j);

  // Every row: booleans (0 on rows that do not use them).
  for (const col of [EXISTS, NONCE_OK, CARRY_LO, CARRY_HI, VALID, VALID_S]) g.assert(c(col).mul(c(col).sub(1)), "everyRow");
  const limb = (k: number): Expr => {
    let acc: Expr = g.constant(0);
    for (let i = 0; i < LIMB_BITS; i++) {
      const bit = c(BITS + k * LIMB_BITS + i);
      g.assert(bit.mul(bit.sub(1)), "everyRow");
      acc = acc.add(bit.mul(2 ** i));
    }
    return acc;
  };
  const balHi = limb(LIMB_BAL_HI), balLo = limb(LIMB_BAL_LO), resHi = limb(LIMB_RES_HI), resLo = limb(LIMB_RES_LO);

  // leafA rows: both lanes start the leaf sponge from the same key and the length-tagged capacity.
  const leafA = pc(PC.leafA);
  for (let j = 0; j < 16; j++) {
    g.assert(leafA.mul(inN(j).sub(inO(j))), "everyRow");
    if (j >= 8) g.assert(leafA.mul(inO(j).sub(j === 8 ? LEAF_INPUT_LENGTH : 0)), "everyRow");
  }
  // leafA -> leafB: the sponge's second block overwrites state[0..2) (balance, nonce) of the first output.
  for (let j = 2; j < 16; j++) {
    g.assert(leafA.mul(g.next(LANE_O + j).sub(outO[j]!)), "transition");
    g.assert(leafA.mul(g.next(LANE_N + j).sub(outN[j]!)), "transition");
  }

  // leafB -> level 0: the leaf is the sponge output for an account, the zero digest for an empty slot.
  const leafB = pc(PC.leafBSender).add(pc(PC.leafBReceiver));
  const exists = c(EXISTS);
  for (let j = 0; j < 8; j++) {
    g.assert(leafB.mul(n(CUR_O + j).sub(exists.mul(outO[j]!))), "transition");
    g.assert(leafB.mul(n(CUR_N + j).sub(exists.mul(outN[j]!))), "transition");
  }

  const amountHi = pc(PC.amountHi), amountLo = pc(PC.amountLo);
  const amount = amountHi.mul(LIMB).add(amountLo);
  const bal = inO(0), nonce = inO(1), balNew = inN(0), nonceNew = inN(1);
  const valid = c(VALID);

  // Sender leafB row.
  const s = pc(PC.leafBSender);
  const dNonce = pc(PC.nonce).sub(nonce);
  g.assert(s.mul(bal.sub(balHi.mul(LIMB).add(balLo))), "everyRow"); // balance < 2^30
  g.assert(s.mul(balLo.sub(amountLo).sub(resLo).add(c(CARRY_LO).mul(LIMB))), "everyRow");
  g.assert(s.mul(balHi.sub(amountHi).sub(c(CARRY_LO)).sub(resHi).add(c(CARRY_HI).mul(LIMB))), "everyRow");
  g.assert(s.mul(c(NONCE_OK).sub(one).add(dNonce.mul(c(NONCE_INV)))), "everyRow");
  g.assert(s.mul(dNonce).mul(c(NONCE_OK)), "everyRow");
  g.assert(s.mul(c(T_SENDER).sub(exists.mul(c(NONCE_OK)))), "everyRow");
  g.assert(s.mul(c(U_SENDER).sub(c(T_SENDER).mul(one.sub(c(CARRY_HI))))), "everyRow");
  g.assert(s.mul(c(VALID_S).sub(c(U_SENDER).mul(pc(PC.publicOk)))), "everyRow");
  g.assert(s.mul(balNew.sub(bal).add(valid.mul(amount))), "everyRow");
  g.assert(s.mul(nonceNew.sub(nonce).sub(valid)), "everyRow");

  // Receiver leafB row.
  const r = pc(PC.leafBReceiver);
  g.assert(r.mul(bal.sub(balHi.mul(LIMB).add(balLo))), "everyRow");
  g.assert(r.mul(balLo.add(amountLo).sub(resLo).sub(c(CARRY_LO).mul(LIMB))), "everyRow");
  g.assert(r.mul(balHi.add(amountHi).add(c(CARRY_LO)).sub(resHi).sub(c(CARRY_HI).mul(LIMB))), "everyRow");
  g.assert(r.mul(c(W_RECEIVER).sub(c(VALID_S).mul(exists))), "everyRow");
  g.assert(r.mul(valid.sub(c(W_RECEIVER).mul(one.sub(c(CARRY_HI))))), "everyRow");
  g.assert(r.mul(balNew.sub(bal).sub(valid.mul(amount))), "everyRow");
  g.assert(r.mul(nonceNew.sub(nonce)), "everyRow");

  // valid and validS are constant over a transaction block.
  const stay = one.sub(g.publicColumnNext(PC.txStart));
  g.assert(stay.mul(n(VALID).sub(valid)), "transition");
  g.assert(stay.mul(n(VALID_S).sub(c(VALID_S))), "transition");

  // Level rows: input = (node, sibling) or (sibling, node) by the public path bit, in both lanes.
  const level = pc(PC.level), bit = pc(PC.pathBit), top = pc(PC.top);
  for (let j = 0; j < 8; j++) {
    const sib = c(SIB + j);
    for (const [lane, cur] of [[LANE_O, CUR_O], [LANE_N, CUR_N]] as const) {
      const node = c(cur + j);
      g.assert(level.mul(c(lane + j).sub(node.add(bit.mul(sib.sub(node))))), "everyRow");
      g.assert(level.mul(c(lane + 8 + j).sub(sib.add(bit.mul(node.sub(sib))))), "everyRow");
    }
    // Next level's node is this level's output (not across the top of the path).
    g.assert(level.sub(top).mul(n(CUR_O + j).sub(outO[j]!)), "transition");
    g.assert(level.sub(top).mul(n(CUR_N + j).sub(outN[j]!)), "transition");
  }

  // Roots: lane O reaches the running root at the top; the running root then becomes lane N's output.
  for (let j = 0; j < 8; j++) {
    const root = c(ROOT + j);
    g.assert(top.mul(outO[j]!.sub(root)), "everyRow");
    g.assert(top.mul(n(ROOT + j).sub(outN[j]!)), "transition");
    g.assert(one.sub(top).mul(n(ROOT + j).sub(root)), "transition");
    g.assert(root.sub(g.publicInput(PI.rootIn + j)), "firstRow");
    g.assert(root.sub(g.publicInput(PI.rootOut + j)), "lastRow");
  }
}

export const TRANSFER_AIR_NAME = "transfer-v1";

export const transferAir = defineAir({
  name: TRANSFER_AIR_NAME,
  version: 1,
  width: TRACE_WIDTH,
  numPublicInputs: NUM_PUBLIC_INPUTS,
  numPublicColumns: NUM_PUBLIC_COLUMNS,
  minLogRows: 3,
  constraints: transferConstraints,
  sample: sampleInstance,
});

/**
 * A full sample segment of 2^logRows rows (generic tooling: `prove --air`, benches): the deepest tree
 * up to the default 20 levels that still fits a transaction, filled with sample transactions.
 */
function sampleInstance(logRows: number, seed: number): AirInstance {
  const treeDepth = Math.max(1, Math.min(20, Math.floor((2 ** logRows - 1) / 2) - 2));
  const { batch } = sampleBatch({ accounts: Math.min(2 ** treeDepth, 64), txs: segmentCapacity(treeDepth, logRows), treeDepth, logRows, batchId: 1n, seed });
  return buildTransferInstance(witnessFromSegment(batch.segments[0]!));
}
