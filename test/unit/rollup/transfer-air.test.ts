import { strict as assert } from "node:assert";
import { fromInt } from "../../../src/stark/field/babybear.js";
import { airRegistry } from "../../../src/stark/air/air.js";
import { assertConstraints, proveStark, verifyStark, TEST_OPTIONS, type AirInstance } from "../../../src/stark/index.js";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { poseidon2Permute16 } from "../../../src/stark/hash/poseidon2.js";
import { buildBatch, RollupState, witnessFromSegment, replayWitness, type SegmentWitness, type ReplayedStep } from "../../../src/rollup/index.js";
import {
  buildTransferInstance,
  buildTransferTrace,
  fillPoseidon2Lane,
  LANE_WIDTH,
  publicColumnsOf,
  publicInputsOf,
  statementOf,
  transferAir,
} from "../../../src/rollup/air/index.js";
import { genesisOf, rng, tx } from "./helpers.js";
import { SparseMerkleTree } from "../../../src/rollup/tree.js";
import { accountLeaf, keyDigestFromSeed } from "../../../src/rollup/account.js";

const PROVER = new Uint8Array(20).fill(0xab);
const POLICY = { minSecurityBits: 0 }; // TEST_OPTIONS are insecure by design
const backend = createJsBackend();

async function prove(inst: AirInstance, checkConstraints = true): Promise<Uint8Array> {
  const res = await proveStark({ air: transferAir, instance: inst, options: TEST_OPTIONS, proverAddress: PROVER, backend, checkConstraints });
  return res.bytes;
}

function verify(proof: Uint8Array, w: SegmentWitness): void {
  const s = statementOf(w);
  verifyStark({ air: transferAir, proof, publicInputs: publicInputsOf(s), publicColumns: publicColumnsOf(s), proverAddress: PROVER, policy: POLICY });
}

/** A lying prover must not get a verifying proof: the constraints fail, and a proof made anyway is rejected. */
async function assertNoVerifyingProof(inst: AirInstance, w: SegmentWitness): Promise<void> {
  assert.throws(() => assertConstraints(transferAir, inst), /constraint/);
  let proof: Uint8Array;
  try {
    proof = await prove(inst, false);
  } catch {
    return; // the prover could not even finish
  }
  assert.throws(() => verify(proof, w));
}

const D = 4;
const LOG_ROWS = 6; // 64 rows: 5 transactions of 12 rows

function smallSegment(): SegmentWitness {
  const state = RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 0, 20]));
  const txs = [tx(0, 1, 100, 0), tx(1, 2, 550, 0), tx(2, 3, 2 ** 30 + 5, 0), tx(0, 4, 5, 0), tx(3, 0, 10, 0)];
  return witnessFromSegment(buildBatch(state, 1n, txs, LOG_ROWS).segments[0]!);
}

describe("rollup/air transfer-v1", function () {
  this.timeout(120_000);

  it("shape: degree 3, registered by name, lane layout of 298 columns", () => {
    assert.equal(transferAir.maxDegree, 3);
    assert.equal(LANE_WIDTH, 298);
    assert.equal(airRegistry.getByName("transfer-v1"), transferAir);
  });

  it("sample instances satisfy the constraints at the smallest and a larger height", () => {
    for (const logRows of [3, 7]) assertConstraints(transferAir, transferAir.sample(logRows, 2));
  });

  it("a Poseidon2 lane computes the permutation", () => {
    const next = rng(5);
    const trace = Array.from({ length: LANE_WIDTH }, () => new Uint32Array(1));
    for (let k = 0; k < 5; k++) {
      const input = Array.from({ length: 16 }, () => Math.floor(next() * 2013265921));
      assert.deepEqual(Array.from(fillPoseidon2Lane(trace, 0, 0, input)), poseidon2Permute16(input));
    }
  });

  it("the honest trace satisfies every constraint, with every failure kind and an empty segment", () => {
    const state = RollupState.fromGenesis(genesisOf(D, [500, 400, 300, 0, 20]));
    const txs = [tx(0, 1, 100, 0), tx(1, 2, 1000, 0), tx(7, 1, 1, 0), tx(2, 2, 1, 0), tx(1, 3, 2 ** 30, 0), tx(0, 4, 5, 0), tx(0, 4, 5, 1), tx(4, 12, 1, 0), tx(3, 0, 0, 0), tx(2, 3, 300, 0), tx(1, 0, 2 ** 32 - 1, 0), tx(3, 2, 301, 0)];
    const batch = buildBatch(state, 2n, txs, 7);
    assert.ok(batch.outcomes.includes("UNKNOWN_RECEIVER") && batch.outcomes.includes("BAD_NONCE") && batch.outcomes.includes("INSUFFICIENT_BALANCE"));
    for (const seg of batch.segments) assertConstraints(transferAir, buildTransferInstance(witnessFromSegment(seg)));
    const empty = buildBatch(RollupState.fromGenesis(genesisOf(D, [1])), 3n, [], 4);
    assertConstraints(transferAir, buildTransferInstance(witnessFromSegment(empty.segments[0]!)));
  });

  it("a receiver overflow (unreachable from a valid genesis) is a provable no-op, and cannot be applied", async () => {
    const tree = new SparseMerkleTree(3);
    const a0 = { key: keyDigestFromSeed(1), balance: 100, nonce: 0 };
    const a1 = { key: keyDigestFromSeed(2), balance: 2 ** 30 - 10, nonce: 0 };
    tree.setLeaf(0, accountLeaf(a0));
    tree.setLeaf(1, accountLeaf(a1));
    const w: SegmentWitness = {
      version: 1, treeDepth: 3, logRows: 4, batchId: 1n, segmentIndex: 0, rootIn: tree.root, rootOut: tree.root,
      steps: [{ tx: tx(0, 1, 50, 0), sender: { account: a0, siblings: tree.proof(0).siblings }, receiver: { account: a1, siblings: tree.proof(1).siblings } }],
    };
    assert.equal(replayWitness(w)[0]!.failure, "RECEIVER_OVERFLOW");
    assertConstraints(transferAir, buildTransferInstance(w));
    const steps = replayWitness(w);
    steps[0] = { ...steps[0]!, failure: null, senderAfter: { ...a0, balance: 50, nonce: 1 }, receiverAfter: { ...a1, balance: 2 ** 30 + 40 } };
    assert.throws(() => assertConstraints(transferAir, buildTransferTrace(w, steps)), /constraint/);
  });

  it("220 random transactions in >= 4 segments: every proof verifies and the roots chain to the sequencer's root", async () => {
    const next = rng(42);
    const genesis = genesisOf(3, Array.from({ length: 6 }, (_, i) => 1000 + 97 * i));
    const state = RollupState.fromGenesis(genesis);
    const shadow = RollupState.fromGenesis(genesis);
    const txs = Array.from({ length: 220 }, () => {
      const from = Math.floor(next() * 8); // depth 3: slots 6, 7 are empty
      const to = Math.floor(next() * 8);
      const roll = next();
      const amount = roll < 0.05 ? 2 ** 30 + Math.floor(next() * 1000) : roll < 0.15 ? 5000 + Math.floor(next() * 5000) : Math.floor(next() * 300);
      const current = shadow.account(from)?.nonce ?? 0;
      const t = tx(from, to, amount, next() < 0.1 ? Math.max(0, current - 1) : current);
      shadow.apply(t);
      return t;
    });
    const batch = buildBatch(state, 77n, txs, 9); // 10 rows per transaction, 51 per segment
    assert.ok(batch.segments.length >= 4, `${batch.segments.length} segments`);
    const failed = batch.outcomes.filter((o) => o !== null).length;
    assert.ok(failed > 10 && failed < 180, `${failed} failed transactions`);
    let root = batch.rootIn;
    for (const seg of batch.segments) {
      const w = witnessFromSegment(seg);
      assert.deepEqual(w.rootIn, root);
      verify(await prove(buildTransferInstance(w)), w);
      root = w.rootOut;
    }
    assert.deepEqual(root, state.root);
  });

  describe("adversarial witnesses yield no verifying proof", () => {
    const forge = (w: SegmentWitness, edit: (steps: ReplayedStep[]) => void): AirInstance => {
      const steps = replayWitness(w).map((s) => ({ ...s }));
      edit(steps);
      return buildTransferTrace(w, steps);
    };

    it("wrong Merkle sibling", async () => {
      const w = smallSegment();
      const steps = replayWitness(w).map((s) => ({ ...s, senderSiblings: s.senderSiblings.map((d) => d.slice()) }));
      steps[1]!.senderSiblings[2]![3] = fromInt(steps[1]!.senderSiblings[2]![3]! + 1);
      await assertNoVerifyingProof(buildTransferTrace(w, steps), w);
    });

    it("inflated balance", async () => {
      const w = smallSegment();
      await assertNoVerifyingProof(forge(w, (s) => {
        const a = s[0]!.senderBefore!;
        s[0] = { ...s[0]!, senderBefore: { ...a, balance: a.balance + 1000 }, senderAfter: { ...a, balance: a.balance + 900, nonce: 1 } };
      }), w);
    });

    it("overdraft", async () => {
      const w = smallSegment(); // tx 1: 400 + 100 - 550
      assert.equal(replayWitness(w)[1]!.failure, "INSUFFICIENT_BALANCE");
      await assertNoVerifyingProof(forge(w, (s) => {
        const { senderBefore: a, receiverBefore: b } = s[1]!;
        s[1] = { ...s[1]!, failure: null, senderAfter: { ...a!, balance: fromInt(a!.balance - 550), nonce: 1 }, receiverAfter: { ...b!, balance: b!.balance + 550 } };
      }), w);
    });

    it("replayed nonce", async () => {
      const state = RollupState.fromGenesis(genesisOf(D, [500, 400]));
      const w = witnessFromSegment(buildBatch(state, 1n, [tx(0, 1, 10, 0), tx(0, 1, 10, 0)], LOG_ROWS).segments[0]!);
      assert.equal(replayWitness(w)[1]!.failure, "BAD_NONCE");
      await assertNoVerifyingProof(forge(w, (s) => {
        const { senderBefore: a, receiverBefore: b } = s[1]!;
        s[1] = { ...s[1]!, failure: null, senderAfter: { ...a!, balance: a!.balance - 10, nonce: a!.nonce + 1 }, receiverAfter: { ...b!, balance: b!.balance + 10 } };
      }), w);
    });

    it("amount >= 2^30", async () => {
      const state = RollupState.fromGenesis(genesisOf(D, [2 ** 29, 0]));
      const amount = 2 ** 30 + 7;
      const w = witnessFromSegment(buildBatch(state, 1n, [tx(0, 1, amount, 0)], LOG_ROWS).segments[0]!);
      await assertNoVerifyingProof(forge(w, (s) => {
        const { senderBefore: a, receiverBefore: b } = s[0]!;
        s[0] = { ...s[0]!, failure: null, senderAfter: { ...a!, balance: fromInt(a!.balance - amount), nonce: 1 }, receiverAfter: { ...b!, balance: fromInt(b!.balance + amount) } };
      }), w);
    });

    it("a transaction altered after the public column was fixed, and a forged rootOut", async () => {
      const w = smallSegment();
      const proof = await prove(buildTransferInstance(w));
      verify(proof, w);
      const altered = (edit: (t: { from: number; to: number; amount: number; nonce: number }) => void): SegmentWitness => {
        const steps = w.steps.map((s) => ({ ...s, tx: { ...s.tx } }));
        edit(steps[0]!.tx);
        return { ...w, steps };
      };
      assert.throws(() => verify(proof, altered((t) => (t.amount += 1))));
      assert.throws(() => verify(proof, altered((t) => (t.to = 2))));
      assert.throws(() => verify(proof, altered((t) => (t.nonce = 1))));
      assert.throws(() => verify(proof, { ...w, steps: w.steps.slice(0, 4) }));
      const forgedRoot = { ...w, rootOut: w.rootIn };
      assert.throws(() => verify(proof, forgedRoot));
      // A prover that writes the forged rootOut into its own statement fails as well.
      const inst = buildTransferInstance(w);
      await assertNoVerifyingProof({ ...inst, publicInputs: publicInputsOf(statementOf(forgedRoot)) }, forgedRoot);
      // And one that proves a different transaction than the public column says.
      const changed = altered((t) => (t.amount = 99));
      await assertNoVerifyingProof({ ...buildTransferInstance(w), publicColumns: publicColumnsOf(statementOf(changed)) }, changed);
    });
  });
});
