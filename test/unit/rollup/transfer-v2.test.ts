import { strict as assert } from "node:assert";
import { P } from "../../../src/stark/field/babybear.js";
import { airRegistry, defineAir } from "../../../src/stark/air/air.js";
import { assertConstraints, StarkError } from "../../../src/stark/index.js";
import { poseidon2Hash, poseidon2Permute16 } from "../../../src/stark/hash/poseidon2.js";
import { buildBatch, RollupState, replayWitness, witnessFromSegment, TxFailure, type ReplayedStep } from "../../../src/rollup/index.js";
import {
  buildTransferV2Instance, buildTransferV2Trace, fillPoseidon2Rounds7, LANE_X7F, pathsStructure, ROUND_COLUMNS_X7, transactionHalves, transferV2Air,
  transferV2DepthOf, transferV2Layout, txCommitment,
} from "../../../src/rollup/air-v2/index.js";
import { genesisOf, rng, tx } from "./helpers.js";
import { poseidon2Inverse16 } from "./poseidon2-inverse.js";
import {
  assertAttackFails, finalRoot, forgedInstance, forgeSteps, laneInput, prove, rebuildNewPath, segmentOf, setDigits, statementInputs, verify,
} from "./transfer-v2-helpers.js";

const { TXS, PI, PATHS_PRE } = transferV2Layout;
const D = 3;
const LOG_ROWS = 6; // 64 rows: 12 transactions of 5 rows, rows 60..63 padding
const air = transferV2Air(D);
const genesis = genesisOf(D, [500, 400, 300, 200, 100]); // slots 5..7 empty
const a = tx(0, 1, 100, 0), b = tx(1, 2, 50, 0), c = tx(2, 3, 30, 0), d = tx(3, 4, 20, 0);
/** 12 valid transactions: a full segment of 2^6 rows. */
const fullTxs = [a, b, c, d, tx(4, 0, 1, 0), tx(0, 4, 1, 1), tx(1, 0, 5, 1), tx(2, 1, 5, 1), tx(3, 2, 5, 1), tx(4, 3, 5, 1), tx(0, 2, 7, 2), tx(2, 0, 9, 2)];

describe("rollup/air-v2 transfer-v2", function () {
  this.timeout(300_000);

  it("shape: three tables, degree-7 lanes, one AIR per depth resolved by name", () => {
    assert.deepEqual(air.tables.map((t) => t.name), ["paths", "txs", "range"]);
    assert.equal(air.name, "transfer-v2-d3");
    assert.equal(air.tables[0]!.width, 4 * 141 + 15);
    assert.equal(air.tables[0]!.numPreprocessed, 6);
    assert.equal(air.maxDegree, 9);
    assert.equal(air.tables[0]!.numQuotientChunks, 8);
    assert.equal(air.numPublicInputs, 29);
    assert.equal(transferV2Air(D), air, "memoized");
    assert.equal(airRegistry.getByName("transfer-v2-d3"), air);
    assert.equal(airRegistry.getByName("transfer-v2-d20"), transferV2Air(20));
    assert.notEqual(transferV2Air(4).idHex, air.idHex, "the depth is in the constraints (public input D)");
    for (const bad of ["transfer-v2-d0", "transfer-v2-d31", "transfer-v2-d03", "transfer-v2-dx"]) assert.equal(transferV2DepthOf(bad), null, bad);
    assert.equal(airRegistry.getByName("transfer-v2-d31"), undefined);
  });

  it("the x^7 rounds compute Poseidon2, and the preprocessed structure marks every block", () => {
    const next = rng(5);
    const trace = Array.from({ length: ROUND_COLUMNS_X7 }, () => new Uint32Array(1));
    for (let k = 0; k < 5; k++) {
      const input = Array.from({ length: 16 }, () => Math.floor(next() * P));
      assert.deepEqual(Array.from(fillPoseidon2Rounds7(trace, 0, 0, input)), poseidon2Permute16(input));
      assert.deepEqual(Array.from(fillPoseidon2Rounds7(trace, 0, 0, input, false)), poseidon2Permute16(input));
      assert.deepEqual(Array.from(LANE_X7F.fill(Array.from({ length: LANE_X7F.width }, () => new Uint32Array(1)), 0, 0, input)), poseidon2Permute16(input));
    }
    const pre = pathsStructure(D, LOG_ROWS);
    const sum = (k: number) => pre[k]!.reduce((x, y) => x + y, 0);
    assert.equal(sum(PATHS_PRE.leafA), 12);
    assert.equal(sum(PATHS_PRE.top), 12);
    assert.equal(sum(PATHS_PRE.level), 36);
    for (let r = 60; r < 64; r++) for (const col of pre) assert.equal(col[r], 0, `padding row ${r}`);
  });

  it("txCommitment is the length-tagged sponge of the transactions' u16 halves", () => {
    const t = tx(0x01020304, 5, 2 ** 32 - 1, 0x77ffffff);
    assert.deepEqual(transactionHalves(t), [0x0304, 0x0102, 5, 0, 0xffff, 0xffff, 0xffff, 0x77ff]);
    assert.deepEqual(txCommitment([a, b]), poseidon2Hash([...transactionHalves(a), ...transactionHalves(b)]));
    assert.deepEqual(txCommitment([]), poseidon2Hash([]));
    assert.notDeepEqual(txCommitment([a, b]), txCommitment([b, a]));
  });

  it("honest traces satisfy every constraint: every failure kind, an empty segment, a full one", () => {
    const state = RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 0, 20]));
    const txs = [tx(0, 1, 100, 0), tx(1, 2, 1000, 0), tx(7, 1, 1, 0), tx(2, 2, 1, 0), tx(1, 3, 2 ** 30, 0), tx(0, 4, 5, 0), tx(0, 4, 5, 1), tx(4, 6, 1, 0), tx(3, 0, 0, 0), tx(2, 3, 300, 0), tx(1, 0, 2 ** 32 - 1, 0), tx(3, 2, 301, 0), tx(0, 1, 1, P - 1)];
    const batch = buildBatch(state, 2n, txs, 7);
    for (const kind of Object.values(TxFailure)) {
      if (kind !== TxFailure.receiverOverflow) assert.ok(batch.outcomes.includes(kind), kind);
    }
    for (const seg of batch.segments) assertConstraints(air, buildTransferV2Instance(witnessFromSegment(seg), air));
    const empty = segmentOf(genesis, [], 5);
    assertConstraints(air, buildTransferV2Instance(empty, air));
    const full = segmentOf(genesis, fullTxs, LOG_ROWS);
    assert.equal(full.steps.length, 12);
    const inst = buildTransferV2Instance(full, air);
    assertConstraints(air, inst);
    assert.deepEqual(finalRoot(inst.trace), full.rootOut);
    assert.deepEqual(buildTransferV2Trace(full, replayWitness(full), air).publicInputs, statementInputs(full));
  });

  it("a receiver overflow (unreachable from a valid genesis) is a provable no-op", async () => {
    const g = { treeDepth: D, accounts: [{ ...genesis.accounts[0]!, balance: 100 }, { ...genesis.accounts[1]!, balance: 2 ** 30 - 10 }] };
    const t = tx(0, 1, 50, 0);
    const [st] = forgeSteps(g, [{ tx: t, failure: TxFailure.receiverOverflow }]);
    const w = {
      version: 2, treeDepth: D, logRows: 5, batchId: 1n, segmentIndex: 0, rootIn: st!.rootBefore, rootOut: st!.rootAfter,
      steps: [{ tx: t, sender: { account: st!.senderBefore, siblings: st!.senderSiblings }, receiver: { account: st!.receiverBefore, siblings: st!.receiverSiblings } }],
    };
    assert.equal(replayWitness(w)[0]!.failure, TxFailure.receiverOverflow);
    const inst = buildTransferV2Instance(w, air);
    assertConstraints(air, inst);
    verify(air, await prove(air, inst), statementInputs(w));
  });

  it("proves and verifies a segment in both hash configurations; the statement binds every public input", async () => {
    const w = segmentOf(genesis, [a, b, tx(5, 1, 1, 0), c], LOG_ROWS, 2n ** 59n + 3n);
    const inst = buildTransferV2Instance(w, air);
    const pi = statementInputs(w);
    assert.deepEqual(inst.publicInputs, pi);
    for (const hash of ["keccak", "poseidon2"] as const) {
      const proof = await prove(air, inst, true, hash);
      verify(air, proof, pi);
      if (hash === "poseidon2") continue;
      // Every public input is bound: each changed alone is rejected.
      for (const k of [PI.batchLo, PI.batchHi, PI.segmentIndex, PI.treeDepth, PI.rootIn + 3, PI.rootOut, PI.txCount, PI.txCommitment + 7]) {
        const other = Uint32Array.from(pi);
        other[k] = (other[k]! + 1) % P;
        assert.throws(() => verify(air, proof, other), StarkError, `public input ${k}`);
      }
      // The statement rebuilt from other transactions is another statement.
      const altered = { ...w, steps: w.steps.map((s, i) => (i === 1 ? { ...s, tx: { ...s.tx, amount: s.tx.amount + 1 } } : s)) };
      assert.throws(() => verify(air, proof, statementInputs(altered)), StarkError);
    }
  });

  it("the public tree depth must be the AIR's", async () => {
    const w = segmentOf(genesis, [a], LOG_ROWS);
    const inst = buildTransferV2Instance(w, air);
    const pi = Uint32Array.from(inst.publicInputs);
    pi[PI.treeDepth] = 4;
    await assertAttackFails(air, { ...inst, publicInputs: pi }, "CONSTRAINT_VIOLATED");
  });

  it("200 random transactions in several segments: every proof verifies and the roots chain", async () => {
    const next = rng(42);
    const g = genesisOf(D, Array.from({ length: 6 }, (_, i) => 1000 + 97 * i));
    const shadow = RollupState.fromGenesis(g);
    const txs = Array.from({ length: 200 }, () => {
      const from = Math.floor(next() * 8);
      const to = Math.floor(next() * 8);
      const roll = next();
      const amount = roll < 0.05 ? 2 ** 30 + Math.floor(next() * 1000) : roll < 0.15 ? 5000 + Math.floor(next() * 5000) : Math.floor(next() * 300);
      const current = shadow.account(from)?.nonce ?? 0;
      const t = tx(from, to, amount, next() < 0.1 ? current + 1 : current);
      shadow.apply(t);
      return t;
    });
    const state = RollupState.fromGenesis(g);
    const batch = buildBatch(state, 9n, txs, 8, "v2"); // 51 transactions per segment
    assert.ok(batch.segments.length >= 4);
    let root = batch.rootIn;
    for (const seg of batch.segments) {
      const w = witnessFromSegment(seg);
      assert.deepEqual(w.rootIn, root);
      verify(air, await prove(air, buildTransferV2Instance(w, air)), statementInputs(w));
      root = w.rootOut;
    }
    assert.deepEqual(root, state.root);
  });

  describe("adversarial witnesses: the prover refuses them, and a forced proof is rejected", () => {
    it("top on a padding row with inverted Poseidon2 lanes (and a proof made with that structure preprocessed)", async () => {
      const w = segmentOf(genesis, fullTxs, LOG_ROWS); // full: padding keeps active = 1
      const honest = buildTransferV2Instance(w, air);
      const paths = honest.trace.map((col) => Uint32Array.from(col));
      const C = transferV2Layout.pathsColumns(LANE_X7F.width);
      const row = 61; // padding
      const root = finalRoot(paths);
      const middle = poseidon2Hash([0x111]), forged = poseidon2Hash([0xbad]);
      // Lanes inverted so that the old paths output the current and the middle root, the new ones the middle and the forged root.
      const invert = (lane0: number, digest: readonly number[]): void => void LANE_X7F.fill(paths, lane0, row, poseidon2Inverse16([...digest, ...new Array(8).fill(0)]));
      invert(C.sides[0]!.old, root);
      invert(C.sides[0]!.new, middle);
      invert(C.sides[1]!.old, middle);
      invert(C.sides[1]!.new, forged);
      for (let r = row + 1; r < 64; r++) for (let j = 0; j < 8; j++) paths[C.root + j]![r] = forged[j]!;
      const pi = Uint32Array.from(honest.publicInputs);
      pi.set(forged, PI.rootOut);
      const attack = { ...honest, trace: paths, publicInputs: pi };
      await assertAttackFails(air, attack, "CONSTRAINT_VIOLATED");

      // With `top` on that row the trace would satisfy every constraint: the structure must be the verifier's.
      const evil = defineAir({
        name: air.name, version: air.version, numPublicInputs: air.numPublicInputs,
        tables: air.tables.map((t) => ({
          ...t.definition,
          ...(t.index === 0 ? { preprocessed: (logRows: number) => { const cols = pathsStructure(D, logRows); cols[PATHS_PRE.top]![row] = 1; return cols; } } : {}),
        })),
      });
      assert.equal(evil.idHex, air.idHex, "the AIR id does not cover preprocessed values");
      assertConstraints(evil, attack);
      const proof = await prove(evil, attack);
      verify(evil, proof, pi);
      assert.throws(() => verify(air, proof, pi), (err: unknown) => err instanceof StarkError && err.code === "VERIFY_FAILED");
    });

    it("a negative amount through a byte limb of p − k", async () => {
      const zero = tx(0, 1, 0, 0);
      const w = segmentOf(genesis, [zero], LOG_ROWS);
      const [s0, r0] = [genesis.accounts[0]!, genesis.accounts[1]!];
      const k = 7;
      const steps = forgeSteps(genesis, [{ tx: zero, failure: null, senderAfter: { ...s0, balance: s0.balance + k, nonce: 1 }, receiverAfter: { ...r0, balance: r0.balance - k } }]);
      const inst = forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
        txs[TXS.bytes + 8]![0] = P - k; // amount ≡ −k
        txs[TXS.amt]![0] = P - k;
        setDigits(txs, TXS.diffS, 0, s0.balance + k);
        setDigits(txs, TXS.diffR, 0, 2 ** 30 - 1 - (r0.balance - k));
      });
      // The prover's own statement: its txCommitment (over a "half" of p − k) and its rootOut.
      const pi = Uint32Array.from(inst.publicInputs);
      const txs = inst.extraTraces![0]!;
      for (let j = 0; j < 8; j++) pi[PI.txCommitment + j] = txs[TXS.digest + j]![txs[0]!.length - 1]!;
      await assertAttackFails(air, { ...inst, publicInputs: pi }, "BUS_IMBALANCE");
    });

    it("an amount >= 2^30 applied", async () => {
      // A u32 amount of p + 5 is 5 as a field element: everything but the range check of its top byte agrees.
      const big = tx(0, 1, P + 5, 0);
      const w = segmentOf(genesis, [big], LOG_ROWS);
      assert.equal(replayWitness(w)[0]!.failure, TxFailure.amountTooLarge);
      const [s0, r0] = [genesis.accounts[0]!, genesis.accounts[1]!];
      const amt = 5;
      const steps = forgeSteps(genesis, [{ tx: big, failure: null, senderAfter: { ...s0, balance: s0.balance - amt, nonce: 1 }, receiverAfter: { ...r0, balance: r0.balance + amt } }]);
      const inst = forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
        txs[TXS.amountOk]![0] = 1;
        txs[TXS.amt]![0] = amt;
        setDigits(txs, TXS.diffS, 0, s0.balance - amt);
        setDigits(txs, TXS.diffR, 0, 2 ** 30 - 1 - r0.balance - amt);
      });
      await assertAttackFails(air, inst, "BUS_IMBALANCE");
      // Claiming it valid while amountOk = 0 breaks valid ⇔ every condition.
      await assertAttackFails(air, forgedInstance(air, w, steps, steps, statementInputs(w)), "CONSTRAINT_VIOLATED");
    });

    it("an opening with a balance the account does not have (sender, then receiver)", async () => {
      const w = segmentOf(genesis, [a], LOG_ROWS);
      const [st] = replayWitness(w);
      const inflate = (acct: typeof st.senderBefore, by: number) => ({ ...acct!, balance: acct!.balance + by });
      // The sender's paths are those of a state where it holds 1000 more: consistent among themselves, not with rootIn.
      const richer = { ...genesis, accounts: genesis.accounts.map((acct, i) => (i === a.from ? inflate(acct, 1000) : acct)) };
      const fake = forgeSteps(richer, [{ tx: a, failure: null, senderAfter: inflate(st!.senderAfter, 1000), receiverAfter: st!.receiverAfter }]);
      await assertAttackFails(air, forgedInstance(air, w, fake, fake, statementInputs(w)), "CONSTRAINT_VIOLATED");
      const receiver = { ...st!, receiverBefore: inflate(st!.receiverBefore, 1000), receiverAfter: inflate(st!.receiverAfter, 1000) };
      await assertAttackFails(air, forgedInstance(air, w, [receiver], [receiver], statementInputs(w)), "CONSTRAINT_VIOLATED");
    });

    it("a new path over other siblings than the old path's", async () => {
      const w = segmentOf(genesis, [a], LOG_ROWS);
      const [st] = replayWitness(w);
      const honest = buildTransferV2Instance(w, air);
      const paths = honest.trace.map((col) => Uint32Array.from(col));
      const siblings = st!.receiverSiblings.map((d, l) => (l === 1 ? poseidon2Hash([0x51b, l]) : d));
      const root = rebuildNewPath(paths, D, 0, 1, laneInput(paths, 1, "new", 1), siblings);
      const pi = Uint32Array.from(honest.publicInputs);
      pi.set(root, PI.rootOut);
      await assertAttackFails(air, { ...honest, trace: paths, publicInputs: pi }, "CONSTRAINT_VIOLATED");
    });

    it("a new leaf under another key (the account taken over)", async () => {
      const w = segmentOf(genesis, [a], LOG_ROWS);
      const [st] = replayWitness(w);
      const honest = buildTransferV2Instance(w, air);
      const paths = honest.trace.map((col) => Uint32Array.from(col));
      const thief = poseidon2Permute16([...poseidon2Hash([0x7e1ef]), 10, 0, 0, 0, 0, 0, 0, 0]);
      const leaf = laneInput(paths, 1, "new", 1);
      const root = rebuildNewPath(paths, D, 0, 1, [leaf[0]!, leaf[1]!, ...thief.slice(2)], st!.receiverSiblings);
      const pi = Uint32Array.from(honest.publicInputs);
      pi.set(root, PI.rootOut);
      await assertAttackFails(air, { ...honest, trace: paths, publicInputs: pi }, "CONSTRAINT_VIOLATED");
    });

    it("an update applied at the top of a block that sends nothing on the bus (active changed within a block)", async () => {
      const w = segmentOf(genesis, [a, b], LOG_ROWS);
      const steps = replayWitness(segmentOf(genesis, [a, b, tx(3, 4, 150, 0)], LOG_ROWS));
      const inst = forgedInstance(air, w, steps, steps.slice(0, 2), statementInputs(w));
      const paths = inst.trace.map((col) => Uint32Array.from(col));
      const C = transferV2Layout.pathsColumns(LANE_X7F.width);
      paths[C.active]![2 * (D + 2) + 1] = 0; // block 2's leafB row: its updates never reach the bus
      await assertAttackFails(air, { ...inst, trace: paths }, "CONSTRAINT_VIOLATED");
    });

    it("a Merkle node that is not a Poseidon2 output", async () => {
      const w = segmentOf(genesis, [a], LOG_ROWS);
      const honest = buildTransferV2Instance(w, air);
      const paths = honest.trace.map((col) => Uint32Array.from(col));
      const C = transferV2Layout.pathsColumns(LANE_X7F.width);
      // The receiver's new path at its top: rounds of a permutation inverted from a forged root, under the real input.
      const top = D + 1, lane0 = C.sides[1]!.new;
      const input = laneInput(paths, 1, "new", top);
      const forged = poseidon2Hash([0xf00]);
      LANE_X7F.fill(paths, lane0, top, poseidon2Inverse16([...forged, ...new Array(8).fill(0)]));
      input.forEach((x, j) => (paths[lane0 + j]![top] = x));
      for (let r = top + 1; r < 64; r++) for (let j = 0; j < 8; j++) paths[C.root + j]![r] = forged[j]!;
      const pi = Uint32Array.from(honest.publicInputs);
      pi.set(forged, PI.rootOut);
      await assertAttackFails(air, { ...honest, trace: paths, publicInputs: pi }, "CONSTRAINT_VIOLATED");
    });

    it("an amount other than the transaction's applied", async () => {
      const w = segmentOf(genesis, [a], LOG_ROWS); // a moves 100
      const [s0, r0] = [genesis.accounts[0]!, genesis.accounts[1]!];
      const moved = 300;
      const steps = forgeSteps(genesis, [{ tx: a, failure: null, senderAfter: { ...s0, balance: s0.balance - moved, nonce: 1 }, receiverAfter: { ...r0, balance: r0.balance + moved } }]);
      const inst = forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
        txs[TXS.amt]![0] = moved;
        setDigits(txs, TXS.diffS, 0, s0.balance - moved);
        setDigits(txs, TXS.diffR, 0, 2 ** 30 - 1 - r0.balance - moved);
      });
      await assertAttackFails(air, inst, "CONSTRAINT_VIOLATED");
    });

    it("an overdraft applied", async () => {
      const over = tx(4, 0, 150, 0); // slot 4 holds 100
      const w = segmentOf(genesis, [over], LOG_ROWS);
      assert.equal(replayWitness(w)[0]!.failure, TxFailure.insufficientBalance);
      const [s4, r0] = [genesis.accounts[4]!, genesis.accounts[0]!];
      const wrapped = (s4.balance - over.amount + P) % P;
      const steps = forgeSteps(genesis, [{ tx: over, failure: null, senderAfter: { ...s4, balance: wrapped, nonce: 1 }, receiverAfter: { ...r0, balance: r0.balance + over.amount } }]);
      // enough claimed with an in-range difference: the comparison identity breaks.
      const inst = forgedInstance(air, w, steps, steps, statementInputs(w), (txs) => {
        txs[TXS.enough]![0] = 1;
        setDigits(txs, TXS.diffS, 0, 7);
      });
      await assertAttackFails(air, inst, "CONSTRAINT_VIOLATED");
    });

    it("a non-canonical nonce (p + n read as n)", async () => {
      // The bytes of a transaction whose u32 nonce is p: as a field element 0, the sender's nonce.
      const w = segmentOf(genesis, [a], LOG_ROWS);
      const honestSteps = replayWitness(w);
      const pi = Uint32Array.from(statementInputs(w));
      const inst = forgedInstance(air, w, honestSteps, honestSteps, pi, (txs) => {
        const bytes = [1, 0, 0, 0x78]; // p = 0x78000001, little-endian
        bytes.forEach((x, k) => (txs[TXS.bytes + 12 + k]![0] = x));
        txs[TXS.nonceW]![0] = 0;
      });
      const txs = inst.extraTraces![0]!;
      for (let j = 0; j < 8; j++) pi[PI.txCommitment + j] = txs[TXS.digest + j]![txs[0]!.length - 1]!;
      pi.set(inst.publicInputs.subarray(PI.rootOut, PI.rootOut + 8), PI.rootOut);
      await assertAttackFails(air, { ...inst, publicInputs: pi }, "CONSTRAINT_VIOLATED");
    });

    it("a missing receiver update", async () => {
      const w = segmentOf(genesis, [a], LOG_ROWS);
      const [s0, r0] = [genesis.accounts[0]!, genesis.accounts[1]!];
      const steps = forgeSteps(genesis, [{ tx: a, failure: null, senderAfter: { ...s0, balance: s0.balance - a.amount, nonce: 1 }, receiverAfter: r0 }]);
      await assertAttackFails(air, forgedInstance(air, w, steps, steps, statementInputs(w)), "BUS_IMBALANCE");
    });

    it("path bits that do not match the index", async () => {
      const w = segmentOf(genesis, [a], LOG_ROWS);
      const victim = genesis.accounts[3]!;
      // The paths debit slot 3 (bits of 3) while the transaction says from = 0.
      const pathsSteps = forgeSteps(genesis, [{ tx: { ...a, from: 3 }, failure: null, senderAfter: { ...victim, balance: victim.balance - 100, nonce: 1 }, receiverAfter: { ...genesis.accounts[1]!, balance: 500 } }]);
      const txsSteps: ReplayedStep[] = [{ ...pathsSteps[0]!, tx: a }];
      const inst = forgedInstance(air, w, pathsSteps, txsSteps, statementInputs(w));
      await assertAttackFails(air, inst, "BUS_IMBALANCE");
      // The same bits with the index accumulator claiming slot 0: the accumulation breaks.
      const paths = inst.trace.map((col) => Uint32Array.from(col));
      const C = transferV2Layout.pathsColumns(LANE_X7F.width);
      for (let l = 0; l < D; l++) paths[C.sides[0]!.acc]![2 + l] = 0;
      await assertAttackFails(air, { ...inst, trace: paths }, "CONSTRAINT_VIOLATED");
    });

    const replayed = (txs: Parameters<typeof segmentOf>[1]) => replayWitness(segmentOf(genesis, txs, LOG_ROWS));
    for (const [name, proven] of [["skipped", [a, c]], ["reordered", [a, c, b]], ["extra", [a, b, c, d]]] as const) {
      it(`a ${name} transaction`, async () => {
        const w = segmentOf(genesis, [a, b, c], LOG_ROWS);
        const steps = replayed(proven);
        await assertAttackFails(air, forgedInstance(air, w, steps, steps, statementInputs(w)), "CONSTRAINT_VIOLATED");
      });
    }

    it("a transaction outside the txCommitment", async () => {
      const w = segmentOf(genesis, [a, b], LOG_ROWS);
      const theft = tx(3, 4, 150, 0); // applied by the paths, absent from the committed transactions
      const steps = replayed([a, b, theft]);
      assert.equal(steps[2]!.failure, null);
      await assertAttackFails(air, forgedInstance(air, w, steps, steps.slice(0, 2), statementInputs(w)), "BUS_IMBALANCE");
    });

    it("a forged failure kind: a valid transaction recorded as a no-op", async () => {
      const w = segmentOf(genesis, [a, b], LOG_ROWS);
      const honest = replayWitness(w);
      const noop = forgeSteps(genesis, [{ tx: a, failure: null, senderAfter: honest[0]!.senderAfter, receiverAfter: honest[0]!.receiverAfter }, { tx: b, failure: TxFailure.insufficientBalance }]);
      await assertAttackFails(air, forgedInstance(air, w, noop, noop, statementInputs(w)), "CONSTRAINT_VIOLATED");
      // ... with the balance check forged too (enough = 0): its difference is out of range.
      const inst = forgedInstance(air, w, noop, noop, statementInputs(w), (txs) => {
        txs[TXS.enough]![1] = 0;
        setDigits(txs, TXS.diffS, 1, (b.amount - honest[1]!.senderBefore!.balance - 1 + P) % P);
      });
      await assertAttackFails(air, inst, "BUS_IMBALANCE");
    });

    it("a forged failure kind: a no-op (bad nonce) applied as valid", async () => {
      const bad = tx(1, 2, 50, 5);
      const w = segmentOf(genesis, [a, bad], LOG_ROWS);
      const honest = replayWitness(w);
      assert.equal(honest[1]!.failure, TxFailure.badNonce);
      const { senderBefore: s, receiverBefore: r } = honest[1]!;
      const applied = forgeSteps(genesis, [{ tx: a, failure: null, senderAfter: honest[0]!.senderAfter, receiverAfter: honest[0]!.receiverAfter }, { tx: bad, failure: null, senderAfter: { ...s!, balance: s!.balance - 50, nonce: s!.nonce + 1 }, receiverAfter: { ...r!, balance: r!.balance + 50 } }]);
      await assertAttackFails(air, forgedInstance(air, w, applied, applied, statementInputs(w)), "CONSTRAINT_VIOLATED");
      // A self transfer applied (notSelf forged): the is-zero gadget breaks.
      const self = tx(1, 1, 50, 0);
      const ws = segmentOf(genesis, [a, self], LOG_ROWS);
      const hs = replayWitness(ws);
      assert.equal(hs[1]!.failure, TxFailure.selfTransfer);
      const acct = hs[1]!.senderBefore!; // debited then credited: only the nonce moves
      const selfApplied = forgeSteps(genesis, [
        { tx: a, failure: null, senderAfter: hs[0]!.senderAfter, receiverAfter: hs[0]!.receiverAfter },
        { tx: self, failure: null, senderAfter: { ...acct, balance: acct.balance - 50, nonce: 1 }, receiverAfter: { ...acct, nonce: 1 } },
      ]);
      await assertAttackFails(air, forgedInstance(air, ws, selfApplied, selfApplied, statementInputs(ws), (txs) => (txs[TXS.notSelf]![1] = 1)), "CONSTRAINT_VIOLATED");
      // ... with nonceOk forged too: the is-zero gadget breaks.
      await assertAttackFails(air, forgedInstance(air, w, applied, applied, statementInputs(w), (txs) => {
        txs[TXS.nonceOk]![1] = 1;
        txs[TXS.nonceInv]![1] = 0;
      }), "CONSTRAINT_VIOLATED");
    });
  });
});
