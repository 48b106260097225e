/**
 * Regression (chaos soak seed 1): the aggregate's gas was estimated, which runs every segment's verifier
 * a few dozen times (a binary search). On a loaded provider that outlasted the aggregator's window, and
 * the aggregators estimating at once slowed the RPC for everyone: liveness penalties that no fault of
 * the penalized node explained. The gas now comes from the market's bound on one verification; one
 * simulation runs the verifiers once. A bound over the block's gas limit falls back to estimating.
 */
import { strict as assert } from "node:assert";
import type { Address } from "viem";
import { MarketActions, type MarketActionsModules } from "../../../src/aggregator/actions.js";
import { BatchStatus } from "../../../src/chain/market-reader.js";
import type { TxRequest } from "../../../src/chain/sender.js";

const ROLLUP = "0x00000000000000000000000000000000000000aa" as Address;
const proof = { proof: `0x${"ab".repeat(1000)}` as const, publicColumn: [1, 2, 3] };

function actions(blockGasLimit: bigint) {
  const sent: TxRequest[] = [];
  let simulations = 0;
  const m = {
    reader: { addresses: { rollup: ROLLUP, market: ROLLUP }, batch: async () => ({ status: BatchStatus.Open }), aggregatorParams: async () => ({ verifyGasLimit: 40_000_000n }) },
    publicClient: { call: async () => (simulations++, {}), getBlock: async () => ({ gasLimit: blockGasLimit }) },
    sender: { address: "0x00000000000000000000000000000000000000bb", sendAndConfirm: async (r: TxRequest) => (sent.push(r), { hash: "0x01", receipt: null }) },
  } as unknown as MarketActionsModules;
  return { a: new MarketActions({ txTimeoutMs: 1_000 }, m), sent, simulations: () => simulations };
}

describe("aggregator: the aggregate's gas", () => {
  it("is the market's bound per verification times the segments, simulated once, never estimated", async () => {
    const { a, sent, simulations } = actions(1_000_000_000n);
    await a.submit({ batchId: 1n, proofs: [proof, proof, proof, proof], fullyCommittedBlock: 10n, primary: ROLLUP, openRace: false });
    assert.equal(sent.length, 1);
    const gas = sent[0]!.gas!;
    assert.ok(gas !== undefined, "explicit gas: the sender does not estimate");
    assert.ok(gas >= 4n * (40_000_000n + 40_000_000n / 63n), `${gas} covers four verifications at the market's limit`);
    assert.ok(gas < 4n * 45_000_000n, `${gas} is not unbounded`);
    assert.equal(simulations(), 1, "one eth_call before sending");
  });

  it("falls back to estimating when the bound exceeds the block's gas limit", async () => {
    const { a, sent, simulations } = actions(30_000_000n);
    await a.submit({ batchId: 1n, proofs: [proof, proof], fullyCommittedBlock: 10n, primary: ROLLUP, openRace: false });
    assert.equal(sent[0]!.gas, undefined);
    assert.equal(simulations(), 0);
  });
});
