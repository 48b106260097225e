/**
 * EIP-7825 caps a transaction at 16,777,216 gas. postBatch of a data batch pays for its calldata, for
 * keccak256 over it and for E, the transactions' evaluation at r, computed on L1: it must stay under the
 * cap for every batch the market admits (up to MAX_DATA_SEGMENTS segments and MAX_BATCH_TRANSACTIONS
 * transactions). Gas per transaction is printed for the record (docs/performance.md).
 */
import { strict as assert } from "node:assert";
import { addProver } from "../utils/flows.js";
import { postDataBatch } from "../utils/data-flows.js";
import { roles, useSystem } from "../utils/system.js";

const EIP7825_TX_GAS_CAP = 16_777_216n;

describe("contracts/postBatch of a data batch stays under EIP-7825's per-transaction cap", function () {
  this.timeout(120_000);
  const sys = useSystem({}, undefined, { args: ["--gas-limit", "60000000"] });

  before(async () => {
    await addProver(sys(), roles.provers[0]!);
  });

  it("from one transaction to the largest batch the market admits (16 segments, MAX_BATCH_TRANSACTIONS)", async () => {
    const s = sys();
    const max = Number(await s.c.market.read.MAX_BATCH_TRANSACTIONS());
    const maxSegments = Number(await s.c.market.read.MAX_DATA_SEGMENTS());
    const sizes: number[][] = [[1], [11, 11, 11, 11], Array.from({ length: 16 }, () => 186), Array.from({ length: maxSegments }, () => max / maxSegments)];
    const rows: string[] = [];
    for (const counts of sizes) {
      const batch = await postDataBatch(s, counts, { finalRoot: "unspecified" });
      const txs = counts.reduce((a, b) => a + b, 0);
      const gas = batch.receipt.gasUsed;
      rows.push(`${counts.length} segments, ${txs} txs: ${gas} gas (${(Number(gas) / txs).toFixed(0)} per tx)`);
      assert.ok(gas < EIP7825_TX_GAS_CAP, `postBatch of ${txs} transactions in ${counts.length} segments used ${gas} gas, over ${EIP7825_TX_GAS_CAP}`);
    }
    console.log(`      postBatch gas: ${rows.join("; ")}`);
  });
});
