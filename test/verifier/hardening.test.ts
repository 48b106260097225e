/**
 * On-chain hardening (issue #14 item 7): the policy floor in the verifier's constructor, and the verifier's
 * parts (query phase, constraint evaluators) pinned by code hash, so a verifier cannot be deployed with a
 * part that lies.
 */
import { strict as assert } from "node:assert";
import { getAddress, type Address, type Hex } from "viem";
import { loadArtifact } from "../../src/chain/artifacts.js";
import { deployQueryPhase, deployStarkVerifier, evaluatorCount, verifyOnChain } from "../../src/chain/stark-verifier.js";
import { lookupAir } from "../../src/stark/airs/index.js";
import { TEST_OPTIONS } from "../../src/stark/options.js";
import { expectRevert } from "../utils/system.js";
import { prove, startChain, statementOf, type Case, type Chain } from "./helpers.js";

/** A chain id other than the local devnet's (31337), where the security floor applies. */
const PUBLIC_CHAIN_ID = 1337;

async function deploy(chain: Chain, name: string, args: readonly unknown[]): Promise<Address> {
  const art = loadArtifact(name);
  const hash = await chain.wallet.deployContract({ abi: art.abi, bytecode: art.bytecode, args: args as unknown[], account: chain.wallet.account, chain: chain.wallet.chain });
  const r = await chain.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (r.status !== "success" || !r.contractAddress) throw new Error(`${name} deployment failed`);
  return getAddress(r.contractAddress);
}

function deployTx(chain: Chain, name: string, args: readonly unknown[]): Promise<Hex> {
  const art = loadArtifact(name);
  return chain.wallet.deployContract({ abi: art.abi, bytecode: art.bytecode, args: args as unknown[], account: chain.wallet.account, chain: chain.wallet.chain });
}

describe("verifier: policy floor and pinned parts", function () {
  this.timeout(120_000);
  let chain: Chain;
  let lookup: Case;

  before(async () => {
    chain = await startChain({ chainId: PUBLIC_CHAIN_ID });
    lookup = await prove(lookupAir, lookupAir.sample(5, 2), TEST_OPTIONS);
  });
  after(async () => chain?.stop());

  it("refuses a minSecurityBits below 80 outside a local devnet, and accepts 80", async () => {
    assert.equal(chain.anvil.chainId, PUBLIC_CHAIN_ID);
    await expectRevert(deployStarkVerifier(chain.wallet, chain.publicClient, "fib-v1", 79), "StarkVerifier__PolicyBelowFloor", [79n, 80n]);
    await expectRevert(deployStarkVerifier(chain.wallet, chain.publicClient, "fib-v1", 0), "StarkVerifier__PolicyBelowFloor", [0n, 80n]);
    const v = await deployStarkVerifier(chain.wallet, chain.publicClient, "fib-v1", 80);
    assert.equal(await chain.publicClient.readContract({ address: v, abi: loadArtifact("FibV1Verifier").abi, functionName: "minSecurityBits" }), 80n);
  });

  it("allows the insecure test policies on a local devnet (chain id 31337) only", async () => {
    const devnet = await startChain();
    try {
      assert.equal(devnet.anvil.chainId, 31337);
      await devnet.verifier("fib-v1", 0);
    } finally {
      await devnet.stop();
    }
  });

  it("refuses an evaluator or a query phase whose code is not the one it pins: a lying evaluator cannot be deployed", async () => {
    const queryPhase = await deployQueryPhase(chain.wallet, chain.publicClient);
    assert.equal(evaluatorCount("lookup-v1"), 2);
    const e0 = await deploy(chain, "LookupV1Constraints0", []);
    const e1 = await deploy(chain, "LookupV1Constraints1", []);
    const liar = await deploy(chain, "LyingEvaluator", []);
    await expectRevert(deployTx(chain, "LookupV1Verifier", [96n, queryPhase, liar, e1]), "StarkVerifier__EvaluatorCodeHash", [0n, liar]);
    await expectRevert(deployTx(chain, "LookupV1Verifier", [96n, queryPhase, e0, liar]), "StarkVerifier__EvaluatorCodeHash", [1n, liar]);
    // another AIR's (or another table's) genuine evaluator is a lie too
    await expectRevert(deployTx(chain, "LookupV1Verifier", [96n, queryPhase, e1, e0]), "StarkVerifier__EvaluatorCodeHash", [0n, e1]);
    await expectRevert(deployTx(chain, "LookupV1Verifier", [96n, liar, e0, e1]), "StarkVerifier__QueryPhaseCodeHash", [liar]);
    await expectRevert(deployTx(chain, "FibV1Verifier", [96n, e0]), "StarkVerifier__QueryPhaseCodeHash", [e0]);
    const ok = await deploy(chain, "LookupV1Verifier", [96n, queryPhase, e0, e1]);
    assert.ok(ok);
  });

  it("names a part that runs out of gas (StarkVerifier__EvaluatorFailed) rather than rejecting silently", async () => {
    const v = await deployStarkVerifier(chain.wallet, chain.publicClient, "lookup-v1", 80);
    const s = statementOf(lookup);
    const call = (gas: bigint) => verifyOnChain(chain.publicClient, v, { airId: lookupAir.id, proof: lookup.bytes, ...s, publicColumns: [] }, { gas });
    // Test options give ~20 bits: with a policy of 80 the proof is refused up front, whatever the gas.
    assert.deepEqual(await call(30_000_000n), { valid: false, error: "StarkVerifier__InsufficientSecurity", args: [80n] });
    const relaxed = await startChain();
    try {
      const lv = await relaxed.verifier("lookup-v1", 0);
      const callRelaxed = (gas: bigint) => verifyOnChain(relaxed.publicClient, lv, { airId: lookupAir.id, proof: lookup.bytes, ...s, publicColumns: [] }, { gas }).catch(() => ({ valid: false as const, error: "out of gas", args: [] }));
      assert.deepEqual(await callRelaxed(30_000_000n), { valid: true });
      // The smallest gas that verifies, then just below it: the query phase (the last part called) starves.
      let lo = 100_000n, hi = 30_000_000n;
      while (hi - lo > 1_000n) {
        const mid = (lo + hi) / 2n;
        if ((await callRelaxed(mid)).valid) hi = mid;
        else lo = mid;
      }
      const starved = await callRelaxed(hi - 2_000n);
      assert.equal(starved.valid, false);
      if (!starved.valid) assert.equal(starved.error, "StarkVerifier__EvaluatorFailed");
    } finally {
      await relaxed.stop();
    }
  });
});
