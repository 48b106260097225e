/**
 * Gas of one proof per batch: whole data-batch flows (post the transactions, lock and commit every segment,
 * submit the aggregate with a real wrap proof at the L1-tuned options) at 2 and 16 segments of 93
 * transactions each (4 and 8 are in the bench) (2^12-row segments): every transaction the network sends stays under EIP-7825's
 * per-transaction cap, and the verification of the proof does not depend on the number of segments.
 * The figures themselves are bench/aggregate-l1.ts's (docs/performance.md).
 */
import { strict as assert } from "node:assert";
import { createWalletClient, getAddress, http, type Address, type TransactionReceipt } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { L1_WRAP_OPTIONS } from "../../src/chain/aggregate.js";
import { deployGasMeter, measureVerifyGas } from "../../src/chain/stark-verifier.js";
import { createWasmBackend } from "../../src/backends/wasm/index.js";
import { proveStandinChild, standinAir } from "../../scripts/aggregate-standin.js";
import { EIP7825_TX_GAS_CAP, roles, type System } from "../utils/system.js";
import { addProver, electedAccount } from "../utils/flows.js";
import { commitDataBatch, postDataBatch } from "../utils/data-flows.js";
import { proveWrap, standinKeySetRoot, useStandinSystem } from "../utils/wrap.js";

const TXS_PER_SEGMENT = 93;
const KEYS = standinKeySetRoot();

describe("contracts/aggregate gas: flat verification, every transaction under the EIP-7825 cap", function () {
  this.timeout(180_000);
  const sys = useStandinSystem(KEYS, 96);
  const backend = createWasmBackend({ threads: 2 });
  after(() => backend.close());

  it("2 and 16 segments of 93 transactions: post, lock, commit, submit", async () => {
    const s: System = sys();
    const provers = roles.provers.slice(0, 4);
    for (const p of provers) await addProver(s, p);
    const child = await proveStandinChild(9, new Uint8Array(20).fill(0x22), backend);
    const meter = await deployGasMeter(createWalletClient({ chain: anvilChain, transport: http(s.anvil.rpcUrl), account: roles.deployer }), s.publicClient);
    const receipts: { what: string; r: TransactionReceipt }[] = [];
    const verification: number[] = [];
    for (const segments of [2, 16]) {
      const batch = await postDataBatch(s, Array.from({ length: segments }, () => TXS_PER_SEGMENT), { finalRoot: "unspecified" });
      receipts.push({ what: `postBatch ${segments}`, r: batch.receipt });
      for (const r of await commitDataBatch(s, batch, provers)) receipts.push({ what: `lock/commit ${segments}`, r });
      const agg = await electedAccount(s, batch.batchId);
      const joins: Address[] = Array.from({ length: segments - 1 }, (_, j) => getAddress(`0x${(0xc0 + j).toString(16).repeat(20)}`));
      const w = await proveWrap(batch, { child, keySetRoot: KEYS, rootIn: await s.c.rollup.read.stateRoot(), joinProvers: joins, submitter: agg.address, options: L1_WRAP_OPTIONS, backend });
      const g = await measureVerifyGas(s.publicClient, meter, s.deployment.addresses.aggregateVerifier, { airId: standinAir().id, proof: Buffer.from(w.proof.slice(2), "hex"), publicInputs: w.publicInputs, publicColumns: [], prover: agg.address });
      verification.push(g.execution);
      receipts.push({ what: `submitAggregate ${segments}`, r: await s.send(s.c.rollup.write.submitAggregate([batch.batchId, w.proof, w.publicInputs], { account: agg })) });
      assert.equal(await s.c.rollup.read.stateRoot(), w.rootOut);
    }
    for (const { what, r } of receipts) {
      const tx = await s.publicClient.getTransaction({ hash: r.transactionHash });
      assert.ok(r.gasUsed <= EIP7825_TX_GAS_CAP && tx.gas <= EIP7825_TX_GAS_CAP, `${what}: used ${r.gasUsed}, limit ${tx.gas}`);
    }
    // The verification does not depend on S (2 against 16): it varies only with the proof (which Merkle paths share nodes), ≈ ±1%.
    const [lo, hi] = [Math.min(...verification), Math.max(...verification)];
    assert.ok((hi - lo) / lo < 0.03, `verification gas at 2..16 segments: ${verification.join(", ")}`);
    // Outside the verification and its calldata (each proof has its own size), submitAggregate grows only by the
    // payouts: a prover credit and a join-prover transfer per segment.
    const calldataGas = (input: string): number => {
      let g = 0;
      for (let i = 2; i < input.length; i += 2) g += input.slice(i, i + 2) === "00" ? 4 : 16;
      return g;
    };
    const submits: number[] = [];
    for (const [i, x] of receipts.filter((y) => y.what.startsWith("submitAggregate")).entries()) {
      const tx = await s.publicClient.getTransaction({ hash: x.r.transactionHash });
      submits.push(Number(x.r.gasUsed) - verification[i]! - calldataGas(tx.input));
    }
    assert.ok((submits[1]! - submits[0]!) / 14 < 50_000, `submitAggregate less the verification at 2 and 16 segments: ${submits.join(", ")}`);
  });
});
