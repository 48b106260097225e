/**
 * Regressions (chaos seed 1, ci) in the transaction sender against anvil:
 * - a reorg removed a node's mined commit; the sender's nonce counter stayed ahead of the chain, so the
 *   commit sent again carried a nonce behind a gap, was discarded, and the job learned it only at the
 *   end of its 20 s wait: the lock expired (an honest node slashed). A lost transaction's nonce is now
 *   used again, and a wait notices a vanished transaction within seconds;
 * - an RPC that timed out after passing a transaction on made `send` throw, and the job sent a second
 *   lock: a broadcast that failed in transit now counts as sent, and waiting tells what became of it;
 * - gas was estimated inside the one-send-at-a-time queue, so a commit waited behind a slow estimate
 *   (an aggregate's on-chain verification on a loaded RPC): estimates now run before the queue.
 */
import { strict as assert } from "node:assert";
import { encodeFunctionData } from "viem";
import { stakeTokenAbi } from "../../src/chain/abi/index.js";
import { connectChain } from "../../src/chain/rpc.js";
import { TxSender } from "../../src/chain/sender.js";
import { FlakyRpcProxy, NO_RPC_FAULTS } from "../../src/cli/devnet/chaos/index.js";
import { roles, useSystem } from "../utils/system.js";

describe("chain: the sender across reorgs, nonce gaps and ambiguous broadcasts", function () {
  this.timeout(60_000);
  const sys = useSystem();
  const transfer = () => ({ to: sys().deployment.addresses.token, data: encodeFunctionData({ abi: stakeTokenAbi, functionName: "transfer", args: [roles.outsider.address, 1n] }), gas: 100_000n });

  it("after a reorg removed its mined transaction, the next one takes the freed nonce and is mined", async () => {
    const s = sys();
    const conn = await connectChain({ urls: [s.anvil.rpcUrl], pollingIntervalMs: 20 });
    const account = roles.delegators[0]!;
    const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: conn.public, account, chain: conn.chain });
    const snapshot = await s.test.snapshot();
    const a = await sender.send(transfer());
    assert.equal(await sender.waitForTx(a.hash, 5_000), "success");
    await s.test.revert({ id: snapshot });
    assert.equal(await conn.public.getTransactionCount({ address: account.address }), a.nonce, "the reorg took the transaction away");
    const b = await sender.send(transfer());
    assert.equal(b.nonce, a.nonce, "the freed nonce, not one behind a gap");
    assert.equal(await sender.waitForTx(b.hash, 5_000), "success");
  });

  it("a transaction that a reorg strands is reported dropped within seconds, and its nonce is used again", async () => {
    const s = sys();
    const conn = await connectChain({ urls: [s.anvil.rpcUrl], pollingIntervalMs: 20 });
    const account = roles.delegators[1]!;
    const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: conn.public, account, chain: conn.chain });
    await s.test.setAutomine(false);
    try {
      const snapshot = await s.test.snapshot();
      const a = await sender.send(transfer());
      await s.test.mine({ blocks: 1 });
      assert.equal(await sender.waitForTx(a.hash, 1_000), "success");
      const b = await sender.send(transfer());
      assert.equal(b.nonce, a.nonce + 1);
      // The reorg takes a's block away; b, now without its predecessor, is discarded by the next block.
      await s.test.revert({ id: snapshot });
      const mining = setInterval(() => void s.test.mine({ blocks: 1 }).catch(() => undefined), 200);
      try {
        const t0 = Date.now();
        assert.equal(await sender.waitForTx(b.hash, 30_000), "dropped");
        assert.ok(Date.now() - t0 < 10_000, `noticed after ${Date.now() - t0} ms, not at the end of the 30 s wait`);
        const c = await sender.send(transfer());
        assert.equal(c.nonce, a.nonce, "the lowest lost nonce is used again");
        assert.equal(await sender.waitForTx(c.hash, 10_000), "success");
      } finally {
        clearInterval(mining);
      }
    } finally {
      await s.test.setAutomine(true);
    }
  });

  it("a slow gas estimate does not hold up another send (chaos ci seed 7: a commit waited behind an aggregate's estimate until its lock expired)", async () => {
    const s = sys();
    const conn = await connectChain({ urls: [s.anvil.rpcUrl], pollingIntervalMs: 20 });
    const account = roles.provers[3]!;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slowTo = roles.challenger.address;
    // The public client, except that estimating gas for a call to `slowTo` hangs until released.
    const publicClient = new Proxy(conn.public, {
      get(target, prop, receiver) {
        if (prop === "estimateGas") {
          return async (args: { to?: string }) => {
            if (args.to?.toLowerCase() === slowTo.toLowerCase()) await held;
            return target.estimateGas(args as never);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient, account, chain: conn.chain });
    const slow = sender.send({ to: slowTo, data: "0x" });
    const { gas: _gas, ...unestimated } = transfer();
    const fast = await Promise.race([sender.send(unestimated), new Promise<null>((r) => setTimeout(() => r(null), 5_000))]);
    assert.ok(fast !== null, "the second send waited for the first one's estimate");
    assert.equal(await sender.waitForTx(fast.hash, 5_000), "success");
    release();
    const first = await slow;
    assert.equal(first.nonce, fast.nonce + 1, "nonces still in send order of the broadcasts");
    assert.equal(await sender.waitForTx(first.hash, 5_000), "success");
  });

  it("a broadcast whose RPC answered nothing after passing it on counts as sent, and is found mined", async () => {
    const s = sys();
    const proxy = await FlakyRpcProxy.start(s.anvil.rpcUrl, 9);
    try {
      const conn = await connectChain({ urls: [proxy.url], pollingIntervalMs: 20, timeoutMs: 5_000 });
      const account = roles.delegators[2]!;
      const sender = new TxSender({ pollIntervalMs: 20 }, { publicClient: conn.public, account, chain: conn.chain });
      const before = await conn.public.getTransactionCount({ address: account.address });
      proxy.setRates({ ...NO_RPC_FAULTS, sentThenTimeout: 1 });
      const sent = await sender.send(transfer());
      proxy.setRates(NO_RPC_FAULTS);
      assert.equal(proxy.stats.faults.sentThenTimeout, 1, "the RPC did fail the broadcast");
      assert.equal(await sender.waitForTx(sent.hash, 5_000), "success");
      assert.equal(await conn.public.getTransactionCount({ address: account.address }), before + 1, "one transaction, not two");
    } finally {
      await proxy.stop();
    }
  });
});
