import { strict as assert } from "node:assert";
import { toHex } from "viem";
import { loadArtifact } from "../../src/chain/artifacts.js";
import { VALID_CASES } from "./fixtures.js";
import { chainVerdict, startChain, statementOf, tsVerdict, type Case, type Chain } from "./helpers.js";

describe("verifier: on-chain acceptance of the TS test set", function () {
  this.timeout(120_000);
  let chain: Chain;
  const cases = new Map<string, Case>();

  before(async () => {
    chain = await startChain();
    for (const spec of VALID_CASES) cases.set(spec.name, await spec.make());
  });
  after(async () => chain?.stop());

  for (const spec of VALID_CASES) {
    it(`accepts ${spec.name} (verify and verifyPacked), as the TS verifier does`, async () => {
      const c = cases.get(spec.name)!;
      const s = statementOf(c);
      assert.equal(tsVerdict(c.air, c.bytes, s, spec.minBits), null);
      assert.deepEqual(await chainVerdict(chain, c.air, c.bytes, s, spec.minBits), { valid: true });
      assert.deepEqual(await chainVerdict(chain, c.air, c.bytes, s, spec.minBits, true), { valid: true });
    });
  }

  it("reports the AIR id it was generated for and its policy", async () => {
    const c = cases.get("mix-v1 2^5 test")!;
    const address = await chain.verifier(c.air.name, 0);
    const abi = loadArtifact("MixV1Verifier").abi;
    assert.equal(await chain.publicClient.readContract({ address, abi, functionName: "airId" }), toHex(c.air.id));
    assert.equal(await chain.publicClient.readContract({ address, abi, functionName: "minSecurityBits" }), 0n);
    const strict = await chain.verifier(c.air.name, 96);
    assert.equal(await chain.publicClient.readContract({ address: strict, abi, functionName: "minSecurityBits" }), 96n);
  });
});
