/**
 * Regression (chaos soak seed 1): the RPC pool gave every request the same 10 s timeout, so on a
 * loaded provider the eth_estimateGas of an aggregate (which runs several STARK verifiers many times)
 * always timed out, no aggregate was submitted and every batch timed out. Requests that execute contract
 * code now get their own, longer timeout; plain reads keep the short one (a dead endpoint is still
 * noticed quickly).
 */
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RpcPool } from "../../../src/chain/rpc.js";

describe("chain: RPC timeouts per kind of request", () => {
  let server: Server;
  let url: string;
  before(async () => {
    // Every answer takes 600 ms.
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        const { id } = JSON.parse(body) as { id: number };
        setTimeout(() => (res.writeHead(200, { "content-type": "application/json" }), res.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x5208" }))), 600);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));

  it("a slow eth_estimateGas / eth_call is waited for; a read that slow is given up", async () => {
    const pool = new RpcPool({ urls: [url], timeoutMs: 300, executionTimeoutMs: 3_000 });
    assert.equal(await pool.request("eth_estimateGas", [{ to: "0x0000000000000000000000000000000000000001" }]), "0x5208");
    assert.equal(await pool.request("eth_call", [{ to: "0x0000000000000000000000000000000000000001" }, "latest"]), "0x5208");
    await assert.rejects(pool.request("eth_blockNumber"), /no RPC endpoint reachable/);
  });

  it("the execution timeout is never shorter than the read timeout", async () => {
    const pool = new RpcPool({ urls: [url], timeoutMs: 2_000, executionTimeoutMs: 100 });
    assert.equal(await pool.request("eth_estimateGas", [{}]), "0x5208");
  });
});
