/** The test vectors of docs/proof-system.md §14: fib-v1, 2^4 rows, test options, both configurations. */
import { strict as assert } from "node:assert";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { fibAir } from "../../../src/stark/airs/index.js";
import { proveStark } from "../../../src/stark/prover.js";
import { TEST_OPTIONS } from "../../../src/stark/options.js";
import { verificationKey } from "../../../src/stark/vk.js";
import { proofLayout } from "../../../src/stark/layout.js";
import { initTranscript } from "../../../src/stark/statement.js";
import { Transcript } from "../../../src/stark/transcript.js";
import { toHex } from "../../../src/stark/hash/keccak.js";
import { JsBackend } from "../../../src/backends/js/index.js";

const ADDRESS = new Uint8Array(20).fill(0x11);

describe("stark: proof-system test vectors (docs/proof-system.md §14)", () => {
  const inst = fibAir.sample(4, 7);
  it("fib-v1 AIR id", () => {
    assert.deepEqual(Array.from(inst.publicInputs), [1, 7, 7519]);
    assert.equal(fibAir.idHex, "0xd611e968e9a96bc696f1881af03baed0bcfe4447ed312e748371ee24cb98b947");
  });

  const vectors = {
    keccak: {
      vk: "0x365d54fad3af99c338bdd92a5ef322970fc2884652014ab73ba05ae35ef32a65",
      mainRoot: "0x7141ea1bd8d64b01160615550e466d7509b93aa2298f661fb6a2fe324ca38e27",
      nonce: 5n, size: 2467, hash: "0x239f6195717b49232e0fb70f2ba46ab75626c0a35a1c399760cf68be7c094e23",
    },
    poseidon2: {
      vk: "0x4ffb82433307111a5e6c7751413e461966f03c4889488d0e030b264d7791b914",
      mainRoot: "0x444c8c242cc2043addad8115098c5b33d7465635cc6693151b550a45cf28946a",
      nonce: 12n, size: 2147, hash: "0xd9d105b598752ce27de402b85180694f1f7027f992398a1edd875ed323626d06",
    },
  } as const;
  for (const hash of ["keccak", "poseidon2"] as const) {
    it(`${hash}: verification key, main root, nonce, proof size and hash`, async () => {
      const v = vectors[hash];
      assert.equal(toHex(verificationKey(fibAir, hash, TEST_OPTIONS, [4]).digest), v.vk);
      const { proof, bytes } = await proveStark({ air: fibAir, instance: inst, options: TEST_OPTIONS, hash, proverAddress: ADDRESS, backend: new JsBackend() });
      assert.equal(toHex(proof.mainCaps[0]![0]!), v.mainRoot);
      assert.equal(proof.powNonce, v.nonce);
      assert.equal(bytes.length, v.size);
      assert.equal(toHex(keccak_256(bytes)), v.hash);
      if (hash === "keccak") {
        const t = initTranscript(proofLayout(fibAir, TEST_OPTIONS, hash, [4]), verificationKey(fibAir, hash, TEST_OPTIONS, [4]).digest, { ...inst, proverAddress: ADDRESS });
        assert.ok(t instanceof Transcript);
        assert.equal(toHex(t.state), "0x3175c1ee14f23a595b91a547d19c7afaf716a72bda4794cff14ea8c5a922e675");
        assert.equal(toHex(bytes.subarray(0, 7)), "0x504e5046020000", "magic, version 2, configuration 0");
      }
    });
  }
});
