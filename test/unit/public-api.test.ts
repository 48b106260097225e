/** The package's main entry, imported by name as a user would (package.json `exports` -> dist/). */
import { strict as assert } from "node:assert";
import { prove, verify, airRegistry, F, K, keccak256, TEST_OPTIONS, StarkError } from "prover-node";

describe("public API (import from 'prover-node')", () => {
  it("proves and verifies through the registry", async () => {
    const air = airRegistry.resolve("fib-v1");
    const inst = air.sample(4, 2);
    const proverAddress = new Uint8Array(20).fill(3);
    const { bytes } = await prove("fib-v1", inst, { options: TEST_OPTIONS, proverAddress });
    const res = verify(bytes, { publicInputs: inst.publicInputs, proverAddress, policy: { minSecurityBits: 0 } });
    assert.ok(res.security.insecure);
    assert.throws(() => verify(bytes, { publicInputs: inst.publicInputs, proverAddress }), StarkError);
  });

  it("proves a multi-table LogUp AIR with poseidon2 commitments, and verify reads the hash from the proof", async () => {
    const air = airRegistry.resolve("lookup-v1");
    const inst = air.sample(5, 1);
    const proverAddress = new Uint8Array(20).fill(4);
    const { bytes } = await prove(air, inst, { options: TEST_OPTIONS, hash: "poseidon2", proverAddress });
    const res = verify(bytes, { publicInputs: inst.publicInputs, proverAddress, policy: { minSecurityBits: 0 } });
    assert.equal(res.hash, "poseidon2");
    assert.deepEqual(res.logHeights, [5, 8]);
  });

  it("exports field and hash helpers", () => {
    assert.equal(F.mul(F.P - 1, F.P - 1), 1);
    assert.deepEqual(K.mulE([0, 1, 0, 0], [0, 0, 0, 1]), [11, 0, 0, 0]);
    assert.equal(keccak256(new Uint8Array()).length, 32);
    assert.deepEqual(airRegistry.list().map((a) => a.name).slice(0, 2), ["fib-v1", "mix-v1"]);
  });
});
