import { strict as assert } from "node:assert";
import { P } from "../../../src/stark/field/babybear.js";
import { airRegistry } from "../../../src/stark/air/air.js";
import { assertConstraints, StarkError } from "../../../src/stark/index.js";
import { poseidon2Hash, poseidon2Permute16 } from "../../../src/stark/hash/poseidon2.js";
import { batchBinding, buildBatch, concatEvaluation, encodeWitness, RollupError, RollupState, replayWitness, transactionsEvaluation, witnessFromSegment, TxFailure } from "../../../src/rollup/index.js";
import { statementOf } from "../../../src/rollup/air/index.js";
import type { Ext } from "../../../src/stark/field/extension.js";
import {
  buildTransferV2Instance, buildTransferV2Trace, fillPoseidon2Rounds7, LANE_X7F, pathsStructure, publicInputsV2, ROUND_COLUMNS_X7, transactionHalves, transferV2Air,
  transferV2DepthOf, transferV2Layout, txCommitment,
} from "../../../src/rollup/air-v2/index.js";
import { genesisOf, rng, tx } from "./helpers.js";
import { airWithTopOn, topOnPaddingInstance, transferV2Attacks, VALID_TXS } from "./transfer-v2-attacks.js";
import {
  assertAttackFails, finalRoot, forgeSteps, prove, segmentOf, statementInputs, verify,
} from "./transfer-v2-helpers.js";

const { PI, PATHS_PRE } = transferV2Layout;
const D = 3;
const LOG_ROWS = 6; // 64 rows: 12 transactions of 5 rows, rows 60..63 padding
const air = transferV2Air(D);
const genesis = genesisOf(D, [500, 400, 300, 200, 100]); // slots 5..7 empty
const [a, b, c] = VALID_TXS;
/** 12 valid transactions: a full segment of 2^6 rows. */
const fullTxs = VALID_TXS.slice(0, 12);

describe("rollup/air-v2 transfer-v2", function () {
  this.timeout(300_000);

  it("shape: three tables, degree-7 lanes, one AIR per depth resolved by name", () => {
    assert.deepEqual(air.tables.map((t) => t.name), ["paths", "txs", "range"]);
    assert.equal(air.name, "transfer-v2-d3");
    assert.equal(air.tables[0]!.width, 4 * 141 + 15);
    assert.equal(air.tables[0]!.numPreprocessed, 6);
    assert.equal(air.maxDegree, 9);
    assert.equal(air.tables[0]!.numQuotientChunks, 8);
    assert.equal(air.numPublicInputs, 37);
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
    const batch = buildBatch(state, 2n, txs, 7, "v2");
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
      randomness: batchBinding([t], [1]).randomness,
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
    let e: Ext = [0, 0, 0, 0];
    const r = batch.binding!.randomness;
    for (const seg of batch.segments) {
      const w = witnessFromSegment(seg);
      assert.deepEqual(w.rootIn, root);
      const pi = statementInputs(w);
      verify(air, await prove(air, buildTransferV2Instance(w, air)), pi);
      root = w.rootOut;
      assert.deepEqual(Array.from(pi.subarray(PI.r, PI.r + 4)), r);
      e = concatEvaluation(e, Array.from(pi.subarray(PI.e, PI.e + 4)) as unknown as Ext, seg.steps.length, r);
    }
    assert.deepEqual(root, state.root);
    assert.deepEqual(e, batch.binding!.evaluation, "the segments' E combine to the batch's (what L1 computes from the posted transactions)");
  });

  it("E: the statement's evaluation at r; a wrong E, another r or another transaction order is rejected", async () => {
    const w = segmentOf(genesis, [a, b, c], LOG_ROWS);
    assert.ok(w.randomness && w.randomness.some((x) => x !== 0));
    const inst = buildTransferV2Instance(w, air);
    const pi = statementInputs(w);
    assert.deepEqual(Array.from(pi.subarray(PI.e, PI.e + 4)), transactionsEvaluation([a, b, c], w.randomness));
    const proof = await prove(air, inst);
    verify(air, proof, pi);
    const wrongE = Uint32Array.from(pi);
    wrongE[PI.e + 2] = (wrongE[PI.e + 2]! + 1) % P;
    await assertAttackFails(air, { ...inst, publicInputs: wrongE }, "CONSTRAINT_VIOLATED");
    const otherR = statementInputs({ ...w, randomness: [5, 6, 7, 8] });
    assert.throws(() => verify(air, proof, otherR), (err: unknown) => err instanceof StarkError && err.code === "VERIFY_FAILED");
    // The E of the same transactions in another order differs (so a segment cannot reorder what L1 holds).
    assert.notDeepEqual(transactionsEvaluation([b, a, c], w.randomness), transactionsEvaluation([a, b, c], w.randomness));
  });

  it("r is never defaulted: a v2 statement, witness or trace without the batch randomness is refused (RollupError naming it)", () => {
    const w = segmentOf(genesis, [a, b], LOG_ROWS);
    const { randomness: _r, ...noR } = w;
    const missingR = (err: unknown) => err instanceof RollupError && /randomness r/.test(err.message) && /segment 0/.test(err.message);
    assert.throws(() => statementInputs(noR), missingR);
    assert.throws(() => publicInputsV2({ ...statementOf(w), randomness: undefined }), missingR);
    assert.throws(() => encodeWitness(noR), missingR);
    assert.throws(() => buildTransferV2Instance(noR, air), missingR);
    const seg = buildBatch(RollupState.fromGenesis(genesis), 1n, [a], LOG_ROWS, "v2").segments[0]!;
    const { randomness: _s, ...segNoR } = seg;
    assert.throws(() => witnessFromSegment(segNoR), missingR);
    assert.throws(() => publicInputsV2({ ...statementOf(w), randomness: [1, 2, 3] as unknown as Ext }), (err: unknown) => err instanceof RollupError && /4/.test(err.message));
  });

  describe("adversarial witnesses: the prover refuses them, and a forced proof is rejected", () => {
    for (const attack of transferV2Attacks(air, D, LOG_ROWS)) {
      it(attack.name, async () => {
        for (const c of attack.cases()) await assertAttackFails(air, c.instance, c.code, c.publicInputs);
      });
    }

    it("top on a padding row: with that structure preprocessed the trace satisfies every constraint, and its proof is rejected", async () => {
      const { instance, row } = topOnPaddingInstance(air, D, LOG_ROWS);
      const evil = airWithTopOn(air, D, row);
      assert.equal(evil.idHex, air.idHex, "the AIR id does not cover preprocessed values");
      assertConstraints(evil, instance);
      const proof = await prove(evil, instance);
      verify(evil, proof, instance.publicInputs);
      assert.throws(() => verify(air, proof, instance.publicInputs), (err: unknown) => err instanceof StarkError && err.code === "VERIFY_FAILED");
    });
  });
});
