/**
 * The attacks on transfer-v2, as lying provers' instances, at any tree depth and segment height: each
 * is refused by the prover with a typed error, and a proof forced out of it must be rejected — by the TS
 * verifier (transfer-v2.test.ts, D = 3) and by the Solidity verifier (transfer-v2-onchain.test.ts, D = 20).
 * Every other constraint is kept satisfied, so each case hits the check it is about.
 */
import { strict as assert } from "node:assert";
import { P } from "../../../src/stark/field/babybear.js";
import { defineAir, type Air, type AirInstance } from "../../../src/stark/air/air.js";
import { poseidon2Hash, poseidon2Permute16 } from "../../../src/stark/hash/poseidon2.js";
import { replayWitness, TxFailure, type Genesis, type ReplayedStep, type Transaction } from "../../../src/rollup/index.js";
import { buildTransferV2Instance, LANE_X7F, pathsCapacity, pathsStructure, transferV2Layout } from "../../../src/rollup/air-v2/index.js";
import { genesisOf, tx } from "./helpers.js";
import { poseidon2Inverse16 } from "./poseidon2-inverse.js";
import { finalRoot, forgedInstance, forgeSteps, laneInput, rebuildNewPath, segmentOf, setDigits, statementInputs } from "./transfer-v2-helpers.js";

const { TXS, PI, PATHS_PRE } = transferV2Layout;

export type RefusalCode = "CONSTRAINT_VIOLATED" | "BUS_IMBALANCE";

/** One lying prover: its instance, the statement a forced proof is checked against, the prover's refusal. */
export interface AttackCase {
  readonly instance: AirInstance;
  readonly publicInputs: Uint32Array;
  readonly code: RefusalCode;
}

export interface Attack {
  /** The name for it (each is a test of its own). */
  readonly name: string;
  readonly cases: () => AttackCase[];
}

/** The accounts every attack starts from (slots 5… empty). */
export function attackGenesis(treeDepth: number): Genesis {
  return genesisOf(treeDepth, [500, 400, 300, 200, 100]);
}

export const TXS_A = tx(0, 1, 100, 0), TXS_B = tx(1, 2, 50, 0), TXS_C = tx(2, 3, 30, 0), TXS_D = tx(3, 4, 20, 0);
/** Valid transactions, enough to fill a segment (the first `capacity` are used). */
export const VALID_TXS: readonly Transaction[] = [TXS_A, TXS_B, TXS_C, TXS_D, tx(4, 0, 1, 0), tx(0, 4, 1, 1), tx(1, 0, 5, 1), tx(2, 1, 5, 1), tx(3, 2, 5, 1), tx(4, 3, 5, 1), tx(0, 2, 7, 2), tx(2, 0, 9, 2)];

const copy = (cols: readonly Uint32Array[]): Uint32Array[] => cols.map((c) => Uint32Array.from(c));
const zeros8 = (): number[] => new Array<number>(8).fill(0);

/** The prover's own txCommitment: its txs trace's digest at the last row. */
function claimedCommitment(inst: AirInstance): Uint32Array {
  const txs = inst.extraTraces![0]!;
  const pi = Uint32Array.from(inst.publicInputs);
  for (let j = 0; j < 8; j++) pi[PI.txCommitment + j] = txs[TXS.digest + j]![txs[0]!.length - 1]!;
  return pi;
}

const refused = (instance: AirInstance, code: RefusalCode, publicInputs = instance.publicInputs): AttackCase => ({ instance, publicInputs, code });

/**
 * The top-on-a-padding-row attack's trace: a full segment (padding keeps active = 1), and on the first
 * padding row but one, lanes inverted so the old paths output the current and a middle root and the new
 * ones the middle and a forged root, which the rows below carry. Returns the row too.
 */
export function topOnPaddingInstance(air: Air, treeDepth: number, logRows: number): { instance: AirInstance; row: number } {
  const genesis = attackGenesis(treeDepth);
  const capacity = pathsCapacity(treeDepth, logRows);
  assert.ok(capacity <= VALID_TXS.length, "segment too tall for the attack's transactions");
  const w = segmentOf(genesis, VALID_TXS.slice(0, capacity), logRows);
  const honest = buildTransferV2Instance(w, air);
  const paths = copy(honest.trace);
  const C = transferV2Layout.pathsColumns(LANE_X7F.width);
  const n = paths[0]!.length;
  const row = capacity * (treeDepth + 2) + 1;
  assert.ok(row < n - 1, "no padding row below the blocks");
  const root = finalRoot(paths);
  const middle = poseidon2Hash([0x111]), forged = poseidon2Hash([0xbad]);
  const invert = (lane0: number, digest: readonly number[]): void => void LANE_X7F.fill(paths, lane0, row, poseidon2Inverse16([...digest, ...zeros8()]));
  invert(C.sides[0]!.old, root);
  invert(C.sides[0]!.new, middle);
  invert(C.sides[1]!.old, middle);
  invert(C.sides[1]!.new, forged);
  for (let r = row + 1; r < n; r++) for (let j = 0; j < 8; j++) paths[C.root + j]![r] = forged[j]!;
  const pi = Uint32Array.from(honest.publicInputs);
  pi.set(forged, PI.rootOut);
  return { instance: { ...honest, trace: paths, publicInputs: pi }, row };
}

/** The AIR with `top` preprocessed on `row` too: the same id (ids do not cover preprocessed values), another key. */
export function airWithTopOn(air: Air, treeDepth: number, row: number): Air {
  return defineAir({
    name: air.name,
    version: air.version,
    numPublicInputs: air.numPublicInputs,
    tables: air.tables.map((t) => ({
      ...t.definition,
      ...(t.index === 0
        ? {
            preprocessed: (logRows: number) => {
              const cols = pathsStructure(treeDepth, logRows);
              cols[PATHS_PRE.top]![row] = 1;
              return cols;
            },
          }
        : {}),
    })),
  });
}

/** Every attack at tree depth D on segments of 2^logRows rows (room for at least 4 transactions). */
export function transferV2Attacks(air: Air, treeDepth: number, logRows: number): Attack[] {
  const D = treeDepth;
  const genesis = attackGenesis(D);
  const [a, b, c, d] = [TXS_A, TXS_B, TXS_C, TXS_D];
  const seg = (txs: readonly Transaction[]) => segmentOf(genesis, txs, logRows);
  const replayed = (txs: readonly Transaction[]) => replayWitness(seg(txs));
  const C = transferV2Layout.pathsColumns(LANE_X7F.width);
  const acct = (i: number) => genesis.accounts[i]!;
  const rootOutSet = (inst: AirInstance, root: readonly number[], paths: Uint32Array[]): AttackCase => {
    const pi = Uint32Array.from(inst.publicInputs);
    pi.set(root, PI.rootOut);
    return refused({ ...inst, trace: paths, publicInputs: pi }, "CONSTRAINT_VIOLATED");
  };

  return [
    {
      name: "top on a padding row with inverted Poseidon2 lanes",
      cases: () => [refused(topOnPaddingInstance(air, D, logRows).instance, "CONSTRAINT_VIOLATED")],
    },
    {
      name: "a negative amount through a byte limb of p − k",
      cases: () => {
        const zero = tx(0, 1, 0, 0);
        const w = seg([zero]);
        const k = 7;
        const steps = forgeSteps(genesis, [{ tx: zero, failure: null, senderAfter: { ...acct(0), balance: acct(0).balance + k, nonce: 1 }, receiverAfter: { ...acct(1), balance: acct(1).balance - k } }]);
        const inst = forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
          txs[TXS.bytes + 8]![0] = P - k; // amount ≡ −k
          txs[TXS.amt]![0] = P - k;
          setDigits(txs, TXS.diffS, 0, acct(0).balance + k);
          setDigits(txs, TXS.diffR, 0, 2 ** 30 - 1 - (acct(1).balance - k));
        });
        // The prover's own statement: its txCommitment (over a "half" of p − k) and its rootOut.
        const pi = claimedCommitment(inst);
        return [refused({ ...inst, publicInputs: pi }, "BUS_IMBALANCE")];
      },
    },
    {
      name: "an amount >= 2^30 applied",
      cases: () => {
        // A u32 amount of p + 5 is 5 as a field element: everything but the range check of its top byte agrees.
        const big = tx(0, 1, P + 5, 0);
        const w = seg([big]);
        assert.equal(replayWitness(w)[0]!.failure, TxFailure.amountTooLarge);
        const amt = 5;
        const steps = forgeSteps(genesis, [{ tx: big, failure: null, senderAfter: { ...acct(0), balance: acct(0).balance - amt, nonce: 1 }, receiverAfter: { ...acct(1), balance: acct(1).balance + amt } }]);
        const inst = forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
          txs[TXS.amountOk]![0] = 1;
          txs[TXS.amt]![0] = amt;
          setDigits(txs, TXS.diffS, 0, acct(0).balance - amt);
          setDigits(txs, TXS.diffR, 0, 2 ** 30 - 1 - acct(1).balance - amt);
        });
        // ... and claimed valid while amountOk = 0: valid ⇔ every condition breaks.
        return [refused(inst, "BUS_IMBALANCE"), refused(forgedInstance(air, w, steps, steps, statementInputs(w)), "CONSTRAINT_VIOLATED")];
      },
    },
    {
      name: "an opening with a balance the account does not have (sender, then receiver)",
      cases: () => {
        const w = seg([a]);
        const [st] = replayWitness(w);
        const inflate = (x: typeof st.senderBefore, by: number) => ({ ...x!, balance: x!.balance + by });
        // The sender's paths are those of a state where it holds 1000 more: consistent among themselves, not with rootIn.
        const richer = { ...genesis, accounts: genesis.accounts.map((x, i) => (i === a.from ? inflate(x, 1000) : x)) };
        const fake = forgeSteps(richer, [{ tx: a, failure: null, senderAfter: inflate(st!.senderAfter, 1000), receiverAfter: st!.receiverAfter }]);
        const receiver = { ...st!, receiverBefore: inflate(st!.receiverBefore, 1000), receiverAfter: inflate(st!.receiverAfter, 1000) };
        return [
          refused(forgedInstance(air, w, fake, fake, statementInputs(w)), "CONSTRAINT_VIOLATED"),
          refused(forgedInstance(air, w, [receiver], [receiver], statementInputs(w)), "CONSTRAINT_VIOLATED"),
        ];
      },
    },
    {
      name: "a new path over other siblings than the old path's",
      cases: () => {
        const w = seg([a]);
        const [st] = replayWitness(w);
        const honest = buildTransferV2Instance(w, air);
        const paths = copy(honest.trace);
        const siblings = st!.receiverSiblings.map((x, l) => (l === 1 ? poseidon2Hash([0x51b, l]) : x));
        return [rootOutSet(honest, rebuildNewPath(paths, D, 0, 1, laneInput(paths, 1, "new", 1), siblings), paths)];
      },
    },
    {
      name: "a new leaf under another key (the account taken over)",
      cases: () => {
        const w = seg([a]);
        const [st] = replayWitness(w);
        const honest = buildTransferV2Instance(w, air);
        const paths = copy(honest.trace);
        const thief = poseidon2Permute16([...poseidon2Hash([0x7e1ef]), 10, 0, 0, 0, 0, 0, 0, 0]);
        const leaf = laneInput(paths, 1, "new", 1);
        return [rootOutSet(honest, rebuildNewPath(paths, D, 0, 1, [leaf[0]!, leaf[1]!, ...thief.slice(2)], st!.receiverSiblings), paths)];
      },
    },
    {
      name: "an update applied at the top of a block that sends nothing on the bus (active changed within a block)",
      cases: () => {
        const w = seg([a, b]);
        const steps = replayed([a, b, tx(3, 4, 150, 0)]);
        const inst = forgedInstance(air, w, steps, steps.slice(0, 2), statementInputs(w));
        const paths = copy(inst.trace);
        paths[C.active]![2 * (D + 2) + 1] = 0; // block 2's leafB row: its updates never reach the bus
        return [refused({ ...inst, trace: paths }, "CONSTRAINT_VIOLATED")];
      },
    },
    {
      name: "a Merkle node that is not a Poseidon2 output",
      cases: () => {
        const w = seg([a]);
        const honest = buildTransferV2Instance(w, air);
        const paths = copy(honest.trace);
        // The receiver's new path at its top: rounds of a permutation inverted from a forged root, under the real input.
        const top = D + 1, lane0 = C.sides[1]!.new;
        const input = laneInput(paths, 1, "new", top);
        const forged = poseidon2Hash([0xf00]);
        LANE_X7F.fill(paths, lane0, top, poseidon2Inverse16([...forged, ...zeros8()]));
        input.forEach((x, j) => (paths[lane0 + j]![top] = x));
        for (let r = top + 1; r < paths[0]!.length; r++) for (let j = 0; j < 8; j++) paths[C.root + j]![r] = forged[j]!;
        return [rootOutSet(honest, forged, paths)];
      },
    },
    {
      name: "an amount other than the transaction's applied",
      cases: () => {
        const w = seg([a]); // a moves 100
        const moved = 300;
        const steps = forgeSteps(genesis, [{ tx: a, failure: null, senderAfter: { ...acct(0), balance: acct(0).balance - moved, nonce: 1 }, receiverAfter: { ...acct(1), balance: acct(1).balance + moved } }]);
        return [refused(forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
          txs[TXS.amt]![0] = moved;
          setDigits(txs, TXS.diffS, 0, acct(0).balance - moved);
          setDigits(txs, TXS.diffR, 0, 2 ** 30 - 1 - acct(1).balance - moved);
        }), "CONSTRAINT_VIOLATED")];
      },
    },
    {
      name: "an overdraft applied",
      cases: () => {
        const over = tx(4, 0, 150, 0); // slot 4 holds 100
        const w = seg([over]);
        assert.equal(replayWitness(w)[0]!.failure, TxFailure.insufficientBalance);
        const wrapped = (acct(4).balance - over.amount + P) % P;
        const steps = forgeSteps(genesis, [{ tx: over, failure: null, senderAfter: { ...acct(4), balance: wrapped, nonce: 1 }, receiverAfter: { ...acct(0), balance: acct(0).balance + over.amount } }]);
        // enough claimed with an in-range difference: the comparison identity breaks.
        return [refused(forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
          txs[TXS.enough]![0] = 1;
          setDigits(txs, TXS.diffS, 0, 7);
        }), "CONSTRAINT_VIOLATED")];
      },
    },
    {
      name: "a non-canonical nonce (p + n read as n)",
      cases: () => {
        // The bytes of a transaction whose u32 nonce is p: as a field element 0, the sender's nonce.
        const w = seg([a]);
        const steps = replayWitness(w);
        const inst = forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
          [1, 0, 0, 0x78].forEach((x, k) => (txs[TXS.bytes + 12 + k]![0] = x)); // p = 0x78000001, little-endian
          txs[TXS.nonceW]![0] = 0;
        });
        return [refused({ ...inst, publicInputs: claimedCommitment(inst) }, "CONSTRAINT_VIOLATED")];
      },
    },
    {
      name: "a missing receiver update",
      cases: () => {
        const w = seg([a]);
        const steps = forgeSteps(genesis, [{ tx: a, failure: null, senderAfter: { ...acct(0), balance: acct(0).balance - a.amount, nonce: 1 }, receiverAfter: acct(1) }]);
        return [refused(forgedInstance(air, w, steps, steps, statementInputs(w)), "BUS_IMBALANCE")];
      },
    },
    {
      name: "path bits that do not match the index",
      cases: () => {
        const w = seg([a]);
        const victim = acct(3);
        // The paths debit slot 3 (bits of 3) while the transaction says from = 0 ...
        const pathsSteps = forgeSteps(genesis, [{ tx: { ...a, from: 3 }, failure: null, senderAfter: { ...victim, balance: victim.balance - 100, nonce: 1 }, receiverAfter: { ...acct(1), balance: 500 } }]);
        const txsSteps: ReplayedStep[] = [{ ...pathsSteps[0]!, tx: a }];
        const inst = forgedInstance(air, w, pathsSteps, txsSteps, statementInputs(w));
        // ... or with the index accumulator claiming slot 0 over the bits of 3: the accumulation breaks.
        const paths = copy(inst.trace);
        for (let l = 0; l < D; l++) paths[C.sides[0]!.acc]![2 + l] = 0;
        return [refused(inst, "BUS_IMBALANCE"), refused({ ...inst, trace: paths }, "CONSTRAINT_VIOLATED")];
      },
    },
    ...([["skipped", [a, c]], ["reordered", [a, c, b]], ["extra", [a, b, c, d]]] as const).map(([kind, proven]): Attack => ({
      name: `a ${kind} transaction`,
      cases: () => {
        const w = seg([a, b, c]);
        const steps = replayed(proven);
        return [refused(forgedInstance(air, w, steps, steps, statementInputs(w)), "CONSTRAINT_VIOLATED")];
      },
    })),
    {
      name: "a transaction outside the txCommitment",
      cases: () => {
        const w = seg([a, b]);
        const steps = replayed([a, b, tx(3, 4, 150, 0)]); // the third is applied by the paths, absent from the commitment
        assert.equal(steps[2]!.failure, null);
        return [refused(forgedInstance(air, w, steps, steps.slice(0, 2), statementInputs(w)), "BUS_IMBALANCE")];
      },
    },
    {
      name: "a forged failure kind: a valid transaction recorded as a no-op",
      cases: () => {
        const w = seg([a, b]);
        const honest = replayWitness(w);
        const noop = forgeSteps(genesis, [{ tx: a, failure: null, senderAfter: honest[0]!.senderAfter, receiverAfter: honest[0]!.receiverAfter }, { tx: b, failure: TxFailure.insufficientBalance }]);
        return [
          refused(forgedInstance(air, w, noop, noop, statementInputs(w)), "CONSTRAINT_VIOLATED"),
          // ... with the balance check forged too (enough = 0): its difference is out of range.
          refused(forgedInstance(air, w, noop, noop, statementInputs(w), (txs) => {
            txs[TXS.enough]![1] = 0;
            setDigits(txs, TXS.diffS, 1, (b.amount - honest[1]!.senderBefore!.balance - 1 + P) % P);
          }), "BUS_IMBALANCE"),
        ];
      },
    },
    {
      name: "a forged failure kind: a no-op applied as valid (bad nonce, self transfer)",
      cases: () => {
        const bad = tx(1, 2, 50, 5);
        const w = seg([a, bad]);
        const honest = replayWitness(w);
        assert.equal(honest[1]!.failure, TxFailure.badNonce);
        const { senderBefore: s, receiverBefore: r } = honest[1]!;
        const first = { tx: a, failure: null, senderAfter: honest[0]!.senderAfter, receiverAfter: honest[0]!.receiverAfter };
        const applied = forgeSteps(genesis, [first, { tx: bad, failure: null, senderAfter: { ...s!, balance: s!.balance - 50, nonce: s!.nonce + 1 }, receiverAfter: { ...r!, balance: r!.balance + 50 } }]);
        const self = tx(1, 1, 50, 0);
        const ws = seg([a, self]);
        const hs = replayWitness(ws);
        assert.equal(hs[1]!.failure, TxFailure.selfTransfer);
        const x = hs[1]!.senderBefore!; // debited then credited: only the nonce moves
        const selfApplied = forgeSteps(genesis, [first, { tx: self, failure: null, senderAfter: { ...x, balance: x.balance - 50, nonce: 1 }, receiverAfter: { ...x, nonce: 1 } }]);
        return [
          refused(forgedInstance(air, w, applied, applied, statementInputs(w)), "CONSTRAINT_VIOLATED"),
          // ... with nonceOk forged too: the is-zero gadget breaks.
          refused(forgedInstance(air, w, applied, applied, statementInputs(w), (txs) => {
            txs[TXS.nonceOk]![1] = 1;
            txs[TXS.nonceInv]![1] = 0;
          }), "CONSTRAINT_VIOLATED"),
          // A self transfer applied (notSelf forged): the is-zero gadget breaks.
          refused(forgedInstance(air, ws, selfApplied, selfApplied, statementInputs(ws), (txs) => (txs[TXS.notSelf]![1] = 1)), "CONSTRAINT_VIOLATED"),
        ];
      },
    },
  ];
}
