/**
 * Regression (chaos seed 1, ci): a node restarted during an RPC storm exited at its first failed read
 * of L1 (the market's terms) — "provers crashing after RPC failures". Start-up reads now wait for a
 * flaky RPC (`withRpcRetry`), and only transient errors are waited for: a revert, no contract at the
 * address, or an endpoint where nothing listens fail at once.
 */
import { strict as assert } from "node:assert";
import { createServer } from "node:net";
import { connectChain, isTransientRpcError, withRpcRetry } from "../../src/chain/rpc.js";
import { readMarketTerms } from "../../src/chain/market-reader.js";
import { segmentMarketAbi } from "../../src/chain/abi/index.js";
import { FlakyRpcProxy, NO_RPC_FAULTS } from "../../src/cli/devnet/chaos/index.js";
import { useSystem } from "../utils/system.js";

async function refusedUrl(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  return `http://127.0.0.1:${port}`;
}

describe("chain: transient RPC errors and start-up retries (flaky proxy in front of anvil)", function () {
  this.timeout(60_000);
  const sys = useSystem();
  let proxy: FlakyRpcProxy;

  before(async () => {
    proxy = await FlakyRpcProxy.start(sys().anvil.rpcUrl, 5);
  });
  after(() => proxy.stop());
  afterEach(() => proxy.setRates(NO_RPC_FAULTS));

  const errorOf = async (f: () => Promise<unknown>): Promise<unknown> => {
    try {
      await f();
    } catch (err) {
      return err;
    }
    throw new Error("expected a failure");
  };

  it("classifies dropped connections, 5xx/429 and provider errors as transient; reverts, missing contracts and refused connections not", async () => {
    const market = sys().deployment.addresses.market;
    const { public: client } = await connectChain({ urls: [proxy.url], timeoutMs: 3_000 });
    const read = () => client.readContract({ address: market, abi: segmentMarketAbi, functionName: "lockTimeout" });
    for (const [rates, what] of [
      [{ ...NO_RPC_FAULTS, drop: 1 }, "dropped connection"],
      [{ ...NO_RPC_FAULTS, error: 1 }, "HTTP 503 / 429 / JSON-RPC limit exceeded"],
    ] as const) {
      proxy.setRates(rates);
      for (let i = 0; i < 4; i++) assert.equal(isTransientRpcError(await errorOf(read)), true, what);
    }
    proxy.setRates(NO_RPC_FAULTS);
    const revert = await errorOf(() => client.simulateContract({ address: market, abi: segmentMarketAbi, functionName: "lock", args: [999n, 0], account: sys().deployment.addresses.token }));
    assert.equal(isTransientRpcError(revert), false, "a revert is an answer");
    const noCode = await errorOf(() => client.readContract({ address: `0x${"33".repeat(20)}`, abi: segmentMarketAbi, functionName: "lockTimeout" }));
    assert.equal(isTransientRpcError(noCode), false, "no contract at the address is an answer");
    const dead = await refusedUrl();
    const refused = await errorOf(() => connectChain({ urls: [dead], timeoutMs: 2_000 }));
    assert.equal(isTransientRpcError(refused), false, "nothing listening: a wrong URL, not a flaky one");
  });

  it("withRpcRetry waits out a failing RPC, and gives up at once on an answer", async () => {
    const market = sys().deployment.addresses.market;
    const { public: client } = await connectChain({ urls: [proxy.url], timeoutMs: 3_000 });
    proxy.setRates({ ...NO_RPC_FAULTS, drop: 0.5, error: 1 });
    setTimeout(() => proxy.setRates(NO_RPC_FAULTS), 2_000);
    let retries = 0;
    const terms = await withRpcRetry(() => readMarketTerms(client, market), { timeoutMs: 30_000, onRetry: () => retries++ });
    assert.ok(retries >= 1, `retried ${retries} times`);
    assert.equal(terms.lockTimeout, Number(sys().deployment.params.market.lockTimeout));

    let attempts = 0;
    await assert.rejects(withRpcRetry(async () => (attempts++, client.readContract({ address: `0x${"33".repeat(20)}`, abi: segmentMarketAbi, functionName: "lockTimeout" })), { timeoutMs: 30_000 }));
    assert.equal(attempts, 1, "no retry of an answer");

    const t0 = Date.now();
    proxy.setRates({ ...NO_RPC_FAULTS, error: 1 });
    await assert.rejects(withRpcRetry(() => readMarketTerms(client, market), { timeoutMs: 1_500 }));
    assert.ok(Date.now() - t0 < 10_000, "gives up after its time");
  });
});
