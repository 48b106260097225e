/**
 * The constraints of `transfer-v2`'s three tables. docs/rollup.md §5.5 argues each one and names the
 * attack it closes; the numbers in the comments (P1…, X1…, R1) are that section's.
 */
import type { ConstraintGraph, Expr } from "../../stark/air/ir.js";
import { W } from "../../stark/field/extension.js";
import { AMOUNT_LIMIT } from "../options.js";
import { BUS, LEAF_INPUT_LENGTH, PATHS_PRE, PI, RANGE, RANGE_PRE, TX_HALVES, TXS, pathsColumns } from "./layout.js";
import { poseidon2Rounds7, type LaneGadget } from "./poseidon2-lane.js";

/** Largest canonical value's top byte: p − 1 = 0x78000000. */
const NONCE_TOP_MAX = 0x78;

/**
 * The paths table: the Merkle paths of every transaction's two slot updates, side by side, and the
 * root chain; no arithmetic (docs/rollup.md §5.5.1).
 */
export function pathsConstraints(lane: LaneGadget, treeDepth: number): (g: ConstraintGraph) => void {
  const C = pathsColumns(lane.width);
  return (g) => {
    const c = (i: number): Expr => g.cur(i);
    const n = (i: number): Expr => g.next(i);
    const pre = (k: number): Expr => g.preprocessed(k);
    const one = g.constant(1);
    const leafA = pre(PATHS_PRE.leafA), leafB = pre(PATHS_PRE.leafB), level = pre(PATHS_PRE.level), top = pre(PATHS_PRE.top);
    const nextLevel = g.preprocessedNext(PATHS_PRE.level);
    const active = c(C.active);

    // P1: four permutations per row: per side, lane O (before the update) and lane N (after).
    const out = C.sides.map((s) => ({ old: lane.constraints(g, s.old), new: lane.constraints(g, s.new) }));
    // P2: booleans; exists is 1 on level rows, so the node entering a level is out·exists everywhere.
    g.assert(active.mul(active.sub(1)), "everyRow");
    // P3: active is constant over a block (it may change only where the next row starts one).
    g.assert(one.sub(g.preprocessedNext(PATHS_PRE.leafA)).mul(n(C.active).sub(active)), "transition");

    C.sides.forEach((side, k) => {
      const { old: outO, new: outN } = out[k]!;
      const bit = c(side.bit), acc = c(side.acc), exists = c(side.exists);
      for (const x of [bit, exists]) g.assert(x.mul(x.sub(1)), "everyRow");
      g.assert(level.mul(exists.sub(1)), "everyRow");
      // P4: leafA, the sponge's first block: lane O absorbs key ‖ (10, 0⁷).
      for (let j = 0; j < 8; j++) g.assert(leafA.mul(c(side.old + 8 + j).sub(j === 0 ? LEAF_INPUT_LENGTH : 0)), "everyRow");
      // P5: leafA → leafB: both lanes' second block overwrites (balance, nonce) of lane O's first output.
      for (let j = 2; j < 16; j++) {
        g.assert(leafA.mul(n(side.old + j).sub(outO[j]!)), "transition");
        g.assert(leafA.mul(n(side.new + j).sub(outO[j]!)), "transition");
      }
      // P6: into a level row, the node (out·exists: the zero leaf of an empty slot) sits in the half the
      // next row's bit selects, the sibling in the other half, and both lanes share the sibling.
      const b = n(side.bit);
      const nodeSlot = (l0: number, j: number): Expr => n(l0 + j).add(b.mul(n(l0 + 8 + j).sub(n(l0 + j))));
      const sibSlot = (l0: number, j: number): Expr => n(l0 + 8 + j).add(b.mul(n(l0 + j).sub(n(l0 + 8 + j))));
      for (let j = 0; j < 8; j++) {
        g.assert(nextLevel.mul(nodeSlot(side.old, j).sub(outO[j]!.mul(exists))), "transition");
        g.assert(nextLevel.mul(nodeSlot(side.new, j).sub(outN[j]!.mul(exists))), "transition");
        g.assert(nextLevel.mul(sibSlot(side.old, j).sub(sibSlot(side.new, j))), "transition");
      }
      // P7: the slot index from the bits: acc = bit·2^l + acc(next level), acc = bit·2^(D−1) at the top.
      g.assert(level.mul(acc.sub(bit.mul(pre(PATHS_PRE.pow2)))).sub(level.sub(top).mul(n(side.acc))), "transition");
    });

    // P8: roots. At an active block's top: the sender's old path reaches the running root, its new path
    // the root the receiver's old path reaches, and the running root becomes the receiver's new root.
    const applied = top.mul(active);
    const [S, R] = out as [(typeof out)[0], (typeof out)[0]];
    for (let j = 0; j < 8; j++) {
      const root = c(C.root + j);
      g.assert(applied.mul(S.old[j]!.sub(root)), "everyRow");
      g.assert(applied.mul(R.old[j]!.sub(S.new[j]!)), "everyRow");
      g.assert(n(C.root + j).sub(root).sub(applied.mul(R.new[j]!.sub(root))), "transition");
      g.assert(root.sub(g.publicInput(PI.rootIn + j)), "firstRow");
      g.assert(root.sub(g.publicInput(PI.rootOut + j)), "lastRow");
    }
    // P9: the public tree depth is this AIR's (row 0 is always a leafA row).
    g.assert(leafA.mul(g.publicInput(PI.treeDepth).sub(treeDepth)), "firstRow");

    // P10: an active block's two updates go on the bus from its leafB row, as one tuple: the transaction
    // index, then per side the slot index (acc at level 0), exists, old balance and nonce, new balance and nonce.
    const tuple: Expr[] = [pre(PATHS_PRE.tx)];
    for (const side of C.sides) tuple.push(n(side.acc), c(side.exists), c(side.old), c(side.old + 1), c(side.new), c(side.new + 1));
    g.send(BUS.update, tuple, leafB.mul(active));
  };
}

/** Σ_k col[k]·256^k over `len` byte columns. */
function bytesValue(g: ConstraintGraph, col: number, len = 4): Expr {
  let v: Expr = g.constant(0);
  for (let k = len - 1; k >= 0; k--) v = v.mul(256).add(g.cur(col + k));
  return v;
}

/** The txs table: transactions, validity, balance arithmetic, txCommitment (docs/rollup.md §5.5.2). */
export function txsConstraints(g: ConstraintGraph): void {
  const c = (i: number): Expr => g.cur(i);
  const n = (i: number): Expr => g.next(i);
  const one = g.constant(1);
  const byte = (k: number): Expr => c(TXS.bytes + k);
  const active = c(TXS.active);
  const from = bytesValue(g, TXS.bytes), to = bytesValue(g, TXS.bytes + 4), amount = bytesValue(g, TXS.bytes + 8), nonce = bytesValue(g, TXS.bytes + 12);

  // X1: the sponge permutation of this row: rate = the 8 u16 halves of the bytes, capacity = cap.
  const halves = Array.from({ length: TX_HALVES }, (_, h) => byte(2 * h).add(byte(2 * h + 1).mul(256)));
  const out = poseidon2Rounds7(g, [...halves, ...Array.from({ length: 8 }, (_, k) => c(TXS.cap + k))], TXS.rounds, false);
  // X2: length-tagged start, capacity chained from the previous row into every active row.
  for (let k = 0; k < 8; k++) {
    g.assert(k === 0 ? c(TXS.cap).sub(g.publicInput(PI.txCount).mul(TX_HALVES)) : c(TXS.cap + k), "firstRow");
    g.assert(n(TXS.active).mul(n(TXS.cap + k).sub(out[8 + k]!)), "transition");
  }
  // X3: the digest is the last active row's output (row 0's for an empty segment), carried to the last row.
  for (let j = 0; j < 8; j++) {
    const d = c(TXS.digest + j);
    g.assert(active.mul(d.sub(out[j]!)), "everyRow");
    g.assert(d.sub(out[j]!), "firstRow");
    g.assert(one.sub(n(TXS.active)).mul(n(TXS.digest + j).sub(d)), "transition");
    g.assert(d.sub(g.publicInput(PI.txCommitment + j)), "lastRow");
  }
  // X4: a row that is not a transaction holds none (zero bytes: the empty sponge at row 0).
  for (let k = 0; k < 16; k++) g.assert(one.sub(active).mul(byte(k)), "everyRow");
  // X5: active rows are a prefix, counted; exactly txCount of them.
  g.assert(active.mul(active.sub(1)), "everyRow");
  g.assert(one.sub(active).mul(n(TXS.active)), "transition");
  g.assert(c(TXS.count).sub(active), "firstRow");
  g.assert(n(TXS.count).sub(c(TXS.count)).sub(n(TXS.active)), "transition");
  g.assert(c(TXS.count).sub(g.publicInput(PI.txCount)), "lastRow");

  // X6: the conditions of the transfer rule, each an exact flag.
  for (const col of [TXS.existsS, TXS.existsR, TXS.amountOk, TXS.enough, TXS.noOverflow]) g.assert(c(col).mul(c(col).sub(1)), "everyRow");
  const amt = c(TXS.amt);
  g.assert(amt.sub(c(TXS.amountOk).mul(amount)), "everyRow");
  const dSelf = from.sub(to);
  g.assert(dSelf.mul(c(TXS.selfInv)).sub(c(TXS.notSelf)), "everyRow");
  g.assert(dSelf.mul(one.sub(c(TXS.notSelf))), "everyRow");
  const dNonce = nonce.sub(c(TXS.nonceS));
  g.assert(dNonce.mul(c(TXS.nonceInv)).sub(one.sub(c(TXS.nonceOk))), "everyRow");
  g.assert(dNonce.mul(c(TXS.nonceOk)), "everyRow");
  // X7: the nonce is canonical: its top byte is at most 0x78, and 0x78 only above three zero bytes.
  const low24 = bytesValue(g, TXS.bytes + 12, 3);
  g.assert(low24.mul(one.sub(g.constant(NONCE_TOP_MAX).sub(byte(15)).mul(c(TXS.nonceW)))), "everyRow");
  // X8: comparisons on integers below 2^31 (never one field difference: 2·2^30 > p would wrap).
  const balS = bytesValue(g, TXS.balS), balR = bytesValue(g, TXS.balR);
  const enough = c(TXS.enough), noOv = c(TXS.noOverflow);
  g.assert(bytesValue(g, TXS.diffS).sub(enough.mul(balS.sub(amt)).add(one.sub(enough).mul(amt.sub(balS).sub(1)))), "everyRow");
  g.assert(bytesValue(g, TXS.diffR).sub(noOv.mul(g.constant(AMOUNT_LIMIT - 1).sub(balR).sub(amt)).add(one.sub(noOv).mul(balR.add(amt).sub(AMOUNT_LIMIT)))), "everyRow");
  // X9: valid ⇔ every condition.
  const conds = [TXS.existsS, TXS.existsR, TXS.notSelf, TXS.amountOk, TXS.nonceOk, TXS.enough, TXS.noOverflow].map(c);
  g.assert(c(TXS.valid).sub(conds.reduce((a, x) => a.mul(x))), "everyRow");

  // X10: the two slot updates of transaction t = count − 1, as the paths table must apply them.
  const valid = c(TXS.valid);
  g.receive(BUS.update, [
    c(TXS.count).sub(1),
    from, c(TXS.existsS), balS, c(TXS.nonceS), balS.sub(valid.mul(amt)), c(TXS.nonceS).add(valid),
    to, c(TXS.existsR), balR, c(TXS.nonceR), balR.add(valid.mul(amt)), c(TXS.nonceR),
  ], active);

  // X12: E, Horner at the batch's randomness r over the transactions' K elements (k0 = halves 0..3,
  // k1 = halves 4..7): eval = k0·r + k1 on row 0, eval' = eval·r² + k0'·r + k1' into an active row,
  // carried into the rest (whose bytes, so k0 and k1, are zero by X4); E is the last row's.
  const r = [0, 1, 2, 3].map((j) => g.publicInput(PI.r + j));
  const r2 = mulK(g, r, r);
  const kOf = (row: (i: number) => Expr, lo: number): Expr[] =>
    [0, 1, 2, 3].map((j) => row(TXS.bytes + 2 * (lo + j)).add(row(TXS.bytes + 2 * (lo + j) + 1).mul(256)));
  const term = (row: (i: number) => Expr): Expr[] => mulK(g, kOf(row, 0), r).map((x, j) => x.add(kOf(row, 4)[j]!));
  const ev = [0, 1, 2, 3].map((j) => c(TXS.eval + j));
  const step = mulK(g, ev, r2);
  const termNext = term(n);
  const termCur = term(c);
  for (let j = 0; j < 4; j++) {
    g.assert(ev[j]!.sub(termCur[j]!), "firstRow");
    const applied = n(TXS.active).mul(step[j]!.sub(ev[j]!));
    g.assert(n(TXS.eval + j).sub(ev[j]!).sub(applied).sub(termNext[j]!), "transition");
    g.assert(ev[j]!.sub(g.publicInput(PI.e + j)), "lastRow");
  }

  // X11: range checks. Bytes are bytes; from and to are below 2^30 (so equal to the paths' index as
  // integers); the amount's top byte is below 2^6 exactly when amountOk; balances and differences < 2^30.
  for (let k = 0; k < 16; k++) {
    if (k === 3 || k === 7) g.send(BUS.range6, [byte(k)]);
    else g.send(BUS.range8, [byte(k)]);
  }
  g.send(BUS.range6, [byte(11)], c(TXS.amountOk));
  g.send(BUS.range8, [byte(11).sub(64)], one.sub(c(TXS.amountOk)));
  g.send(BUS.range8, [g.constant(NONCE_TOP_MAX).sub(byte(15))]);
  for (const col of [TXS.balS, TXS.balR, TXS.diffS, TXS.diffR]) {
    for (let k = 0; k < 3; k++) g.send(BUS.range8, [c(col + k)]);
    g.send(BUS.range6, [c(col + 3)]);
  }
}

/** a·b in K = F[x]/(x⁴ − W), coefficient order. */
function mulK(g: ConstraintGraph, a: readonly Expr[], b: readonly Expr[]): Expr[] {
  const out: Expr[] = [0, 1, 2, 3].map(() => g.constant(0));
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const t = a[i]!.mul(b[j]!);
      if (i + j < 4) out[i + j] = out[i + j]!.add(t);
      else out[i + j - 4] = out[i + j - 4]!.add(t.mul(W));
    }
  }
  return out;
}

/** The range table: receives bytes on one bus and values below 2^6 on another (docs/rollup.md §5.5.3). */
export function rangeConstraints(g: ConstraintGraph): void {
  const v = g.preprocessed(RANGE_PRE.value);
  g.receive(BUS.range8, [v], g.cur(RANGE.count8));
  g.receive(BUS.range6, [v], g.preprocessed(RANGE_PRE.small).mul(g.cur(RANGE.count6)));
}
