/**
 * Proofs that verify proofs (issue 18): fib-v1 and the multi-table LogUp sample verified in one 2-to-1
 * statement, that statement verified again one level up; and every tamper of a child refused by
 * `recurse`, with a recursion proof forced past that check rejected by the verifier.
 */
import { strict as assert } from "node:assert";
import { recurse, describe as describeProgram, recursionKey, childKey, verifyRecursion, childrenDigest, recursionProgram, type ChildInput } from "../../../src/recursion/recurse.js";
import { KeySet } from "../../../src/recursion/keys.js";
import { RecursionError } from "../../../src/recursion/errors.js";
import { proveStark } from "../../../src/stark/prover.js";
import { decodeProof, encodeProof } from "../../../src/stark/proof.js";
import { defineAir } from "../../../src/stark/air/air.js";
import { TEST_OPTIONS } from "../../../src/stark/options.js";
import { StarkError } from "../../../src/stark/errors.js";
import { add } from "../../../src/stark/field/babybear.js";
import { addE } from "../../../src/stark/field/extension.js";
import { fibAir, lookupAir } from "../../../src/stark/airs/index.js";
import { digestWords, wordsDigest } from "../../../src/stark/merkle/hasher.js";
import { createWasmBackend } from "../../../src/backends/wasm/index.js";

const ADDRESS = Uint8Array.from({ length: 20 }, (_, i) => 0x30 + i);
const JOINER = Uint8Array.from({ length: 20 }, (_, i) => 0x60 + i);
const LOW = { minSecurityBits: 0 };

describe("recursion: proofs that verify proofs", function () {
  this.timeout(300_000);
  const backend = createWasmBackend({ threads: 1 });
  after(() => backend.close());
  let fib: ChildInput, lookup: ChildInput, keys: KeySet;

  before(async () => {
    const fi = fibAir.sample(5, 3), li = lookupAir.sample(4, 5);
    const fp = await proveStark({ air: fibAir, instance: fi, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: ADDRESS, backend });
    const lp = await proveStark({ air: lookupAir, instance: li, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: ADDRESS, backend });
    fib = { air: fibAir, proof: fp.bytes, publicInputs: fi.publicInputs, proverAddress: ADDRESS };
    lookup = { air: lookupAir, proof: lp.bytes, publicInputs: li.publicInputs, proverAddress: ADDRESS };
    const join = describeProgram([{ air: fibAir, proof: fp.proof }, { air: lookupAir, proof: lp.proof }]);
    keys = new KeySet([await childKey({ air: fibAir, proof: fp.proof }, backend), await childKey({ air: lookupAir, proof: lp.proof }, backend), await recursionKey(join, TEST_OPTIONS, "poseidon2", backend)]);
  });

  it("verifies fib-v1 and the multi-table sample in one 2-to-1 statement, and that proof again one level up (keccak)", async () => {
    const r1 = await recurse({ children: [fib, lookup], keys, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: JOINER, backend });
    verifyRecursion({ descriptor: r1.descriptor, proof: r1.bytes, publicValues: r1.publicValues, proverAddress: JOINER, policy: LOW });
    // The statement: the key set's root, then the children's keys, public inputs and addresses, committed.
    assert.deepEqual(wordsDigest(Array.from(r1.publicValues.subarray(0, 8))), keys.root);
    const expected = childrenDigest(await Promise.all([fib, lookup].map(async (ch) => ({ vk: await childKey({ air: ch.air, proof: decodeProof(ch.proof, ch.air) }), publicInputs: ch.publicInputs, proverAddress: ch.proverAddress }))));
    assert.deepEqual(wordsDigest(Array.from(r1.publicValues.subarray(8))), expected);
    for (const [what, pv] of [["another key set", Uint32Array.from(r1.publicValues, (x, i) => (i === 0 ? add(x, 1) : x))], ["another children digest", Uint32Array.from(r1.publicValues, (x, i) => (i === 15 ? add(x, 1) : x))]] as const) {
      assert.throws(() => verifyRecursion({ descriptor: r1.descriptor, proof: r1.bytes, publicValues: pv, proverAddress: JOINER, policy: LOW }), StarkError, what);
    }
    assert.throws(() => verifyRecursion({ descriptor: r1.descriptor, proof: r1.bytes, publicValues: r1.publicValues, proverAddress: ADDRESS, policy: LOW }), StarkError, "another joiner");

    // Two levels: a recursion proof of the recursion proof, in the keccak configuration L1 verifies.
    const level1: ChildInput = { air: recursionProgram(r1.descriptor).air, proof: r1.bytes, publicInputs: r1.publicValues, proverAddress: JOINER };
    const r2 = await recurse({ children: [level1], keys, options: TEST_OPTIONS, hash: "keccak", proverAddress: JOINER, backend });
    assert.equal(decodeProof(r2.bytes, recursionProgram(r2.descriptor).air).hash, "keccak");
    await recursionKey(r2.descriptor, TEST_OPTIONS, "keccak", backend); // the key on the kernels, into the verifier's cache
    verifyRecursion({ descriptor: r2.descriptor, proof: r2.bytes, publicValues: r2.publicValues, proverAddress: JOINER, policy: LOW });
  });

  describe("tampered children: refused by recurse, and rejected by the verifier when forced", () => {
    const fibVariant = defineAir({
      name: "fib-v1",
      version: 2, // another AIR: its own id and key
      width: 2,
      numPublicInputs: 3,
      numPublicColumns: 0,
      constraints(g) {
        g.assert(g.cur(0).sub(g.publicInput(0)), "firstRow");
        g.assert(g.cur(1).sub(g.publicInput(1)), "firstRow");
        g.assert(g.next(0).sub(g.cur(1)), "transition");
        g.assert(g.next(1).sub(g.cur(0).add(g.cur(1))), "transition");
        g.assert(g.cur(1).sub(g.publicInput(2)), "lastRow");
      },
    });
    const cases: { what: string; refusal: RegExp; child: () => ChildInput; keys?: () => Promise<KeySet> }[] = [
      {
        what: "flipped proof bytes (an OOD value)",
        refusal: /child 0 is invalid: ood/,
        child: () => {
          const p = decodeProof(fib.proof, fibAir);
          return { ...fib, proof: encodeProof({ ...p, ood: [addE(p.ood[0]!, [1, 0, 0, 0]), ...p.ood.slice(1)] }) };
        },
      },
      {
        what: "another AIR's verification key",
        refusal: /child 0 is invalid: air: proof is for AIR/,
        child: () => ({ ...fib, air: fibVariant }),
        keys: async () => new KeySet([...keys.keys, await childKey({ air: fibVariant, proof: decodeProof(fib.proof, fibVariant) }, backend)]),
      },
      {
        what: "a changed public input",
        refusal: /child 0 is invalid: (ood|fri)/,
        child: () => ({ ...fib, publicInputs: Uint32Array.from(fib.publicInputs, (x, i) => (i === 2 ? add(x, 1) : x)) }),
      },
      {
        what: "another prover address",
        refusal: /child 0 is invalid: (ood|fri)/,
        child: () => ({ ...fib, proverAddress: JOINER }),
      },
      {
        what: "a key outside the allowed set",
        refusal: /child 0: its verification key 0x[0-9a-f]+ is not in the allowed set/,
        child: () => fib,
        keys: async () => new KeySet(keys.keys.slice(1)),
      },
    ];
    for (const c of cases) {
      it(c.what, async () => {
        const child = c.child();
        const set = c.keys ? await c.keys() : keys;
        await assert.rejects(recurse({ children: [child], keys: set, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: JOINER, backend }), (err: unknown) => {
          assert.ok(err instanceof RecursionError && err.code === "CHILD_REFUSED", String(err));
          assert.match(err.message, c.refusal);
          return true;
        });
        const forced = await recurse({ children: [child], keys: set, options: TEST_OPTIONS, hash: "poseidon2", proverAddress: JOINER, backend, check: false });
        await recursionKey(forced.descriptor, TEST_OPTIONS, "poseidon2", backend);
        assert.throws(() => verifyRecursion({ descriptor: forced.descriptor, proof: forced.bytes, publicValues: forced.publicValues, proverAddress: JOINER, policy: LOW }), StarkError);
      });
    }
  });
});
