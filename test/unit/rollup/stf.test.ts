import { strict as assert } from "node:assert";
import { accountLeaf } from "../../../src/rollup/account.js";
import { RollupError } from "../../../src/rollup/errors.js";
import { RollupState } from "../../../src/rollup/stf.js";
import { TxFailure, type Transaction } from "../../../src/rollup/transaction.js";
import { verifyProof } from "../../../src/rollup/tree.js";
import { genesisOf, tx } from "./helpers.js";

const D = 5;
/** Slots 0..3 hold accounts; slot 3 is near the limit; 10 is empty. */
const BALANCES = [1000, 50, 0, 2 ** 29];

describe("rollup/stf", () => {
  const cases: { name: string; tx: Transaction; failure: TxFailure | null; setup?: (s: RollupState) => void }[] = [
    { name: "a valid transfer", tx: tx(0, 1, 300, 0), failure: null },
    { name: "the whole balance", tx: tx(0, 1, 1000, 0), failure: null },
    { name: "zero amount", tx: tx(0, 1, 0, 0), failure: null },
    { name: "to an account with zero balance", tx: tx(1, 2, 50, 0), failure: null },
    { name: "unknown sender", tx: tx(10, 1, 1, 0), failure: TxFailure.unknownSender },
    { name: "unknown receiver", tx: tx(0, 10, 1, 0), failure: TxFailure.unknownReceiver },
    { name: "from = to", tx: tx(0, 0, 1, 0), failure: TxFailure.selfTransfer },
    { name: "amount = 2^30", tx: tx(0, 1, 2 ** 30, 0), failure: TxFailure.amountTooLarge },
    { name: "amount = 2^32 − 1", tx: tx(0, 1, 0xffffffff, 0), failure: TxFailure.amountTooLarge },
    { name: "nonce too high", tx: tx(0, 1, 1, 1), failure: TxFailure.badNonce },
    { name: "replayed nonce", tx: tx(0, 1, 1, 0), failure: TxFailure.badNonce, setup: (s) => void s.apply(tx(0, 2, 1, 0)) },
    { name: "insufficient balance", tx: tx(1, 0, 51, 0), failure: TxFailure.insufficientBalance },
    { name: "overdraft by a huge amount", tx: tx(2, 0, 2 ** 30 - 1, 0), failure: TxFailure.insufficientBalance },
  ];

  for (const c of cases) {
    it(`${c.failure ?? "applies"}: ${c.name}`, () => {
      const s = RollupState.fromGenesis(genesisOf(D, BALANCES));
      c.setup?.(s);
      const before = [0, 1, 2, 3, 10].map((i) => s.account(i));
      const rootBefore = s.root;
      const step = s.apply(c.tx);
      assert.equal(step.failure, c.failure);
      assert.deepEqual(step.rootBefore, rootBefore);
      assert.deepEqual(step.rootAfter, s.root);
      // The openings are against the root before and the root after the sender's update.
      assert.ok(verifyProof(rootBefore, step.sender.account ? accountLeaf(step.sender.account) : [0, 0, 0, 0, 0, 0, 0, 0], { index: c.tx.from, siblings: step.sender.siblings }));
      if (c.failure !== null) {
        assert.deepEqual(s.root, rootBefore, "a failed transaction is a no-op");
        assert.deepEqual([0, 1, 2, 3, 10].map((i) => s.account(i)), before);
      } else {
        const from = before[[0, 1, 2, 3].indexOf(c.tx.from)]!;
        const to = before[[0, 1, 2, 3].indexOf(c.tx.to)]!;
        assert.deepEqual(s.account(c.tx.from), { ...from, balance: from.balance - c.tx.amount, nonce: from.nonce + 1 });
        assert.deepEqual(s.account(c.tx.to), { ...to, balance: to.balance + c.tx.amount });
        assert.notDeepEqual(s.root, rootBefore);
      }
    });
  }

  it("RECEIVER_OVERFLOW is unreachable from a valid genesis but handled by the rule", async () => {
    const { transition } = await import("../../../src/rollup/stf.js");
    const key = [1, 2, 3, 4, 5, 6, 7, 8];
    const out = transition(tx(0, 1, 10, 0), { key, balance: 10, nonce: 0 }, { key, balance: 2 ** 30 - 5, nonce: 0 });
    assert.equal(out.failure, TxFailure.receiverOverflow);
  });

  it("nonces advance only on success, and a sequence of transfers conserves the supply", () => {
    const s = RollupState.fromGenesis(genesisOf(D, BALANCES));
    s.apply(tx(0, 1, 10, 0));
    s.apply(tx(0, 1, 10, 5));
    s.apply(tx(0, 1, 10, 1));
    assert.equal(s.account(0)!.nonce, 2);
    assert.equal(s.account(0)!.balance, 980);
    const supply = [0, 1, 2, 3].reduce((t, i) => t + s.account(i)!.balance, 0);
    assert.equal(supply, BALANCES.reduce((a, b) => a + b, 0));
  });

  it("refuses malformed transactions and genesis files", () => {
    const s = RollupState.fromGenesis(genesisOf(D, BALANCES));
    assert.throws(() => s.apply(tx(32, 0, 1, 0)), RollupError);
    assert.throws(() => s.apply(tx(0, 1, 1, 2013265921)), RollupError);
    assert.throws(() => RollupState.fromGenesis(genesisOf(D, [2 ** 30])), RollupError);
    assert.throws(() => RollupState.fromGenesis(genesisOf(D, [2 ** 29, 2 ** 29])), RollupError);
    assert.throws(() => RollupState.fromGenesis(genesisOf(1, [1, 1, 1])), RollupError);
  });
});
