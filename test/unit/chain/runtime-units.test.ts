/** Pure parts of the chain runtime: URL redaction, failover classification, segment ids, layering. */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { HttpRequestError, TimeoutError, RpcRequestError } from "viem";
import { isFailoverError, redactRpcUrl } from "../../../src/chain/rpc.js";
import { segmentIdOf, splitSegmentId } from "../../../src/util/segment-id.js";
import { defaultChainOpts } from "../../../src/chain/options.js";
import { parseConfig } from "../../../src/node/config.js";

describe("chain runtime units", () => {
  it("redacts credentials and paths of RPC URLs", () => {
    const cases: [string, string][] = [
      ["https://mainnet.example.org/v3/abcdef0123", "https://mainnet.example.org/***"],
      ["https://user:secret@rpc.example.org", "https://***@rpc.example.org"],
      ["http://127.0.0.1:8545", "http://127.0.0.1:8545"],
      ["not a url", "<invalid url>"],
    ];
    for (const [url, want] of cases) assert.equal(redactRpcUrl(url), want);
  });

  it("fails over on connection errors, timeouts, 5xx and 429 — not on JSON-RPC answers or 4xx", () => {
    const http = (status?: number) => new HttpRequestError({ url: "http://x", status });
    assert.equal(isFailoverError(http()), true);
    assert.equal(isFailoverError(http(503)), true);
    assert.equal(isFailoverError(http(429)), true);
    assert.equal(isFailoverError(http(401)), false);
    assert.equal(isFailoverError(new TimeoutError({ body: {}, url: "http://x" })), true);
    assert.equal(isFailoverError(new RpcRequestError({ body: {}, url: "http://x", error: { code: 3, message: "execution reverted" } })), false);
  });

  it("packs segment ids as batchId << 32 | index", () => {
    for (const [b, i] of [[0n, 0], [1n, 255], [2n ** 63n, 4_294_967_295]] as const) {
      const id = segmentIdOf(b, i);
      assert.deepEqual(splitSegmentId(id), { batchId: b, index: i });
    }
    assert.equal(segmentIdOf(1n, 2), (1n << 32n) + 2n);
  });

  it("ChainOpts is the config file's chain section: an empty file gives chain/'s defaults", () => {
    assert.deepEqual(defaultChainOpts, { ...parseConfig({}).chain });
  });

  it("chain/ imports only chain, recursion, rollup, stark and util (docs/architecture.md: it sits below jobs/ and store/)", () => {
    const files = (function walk(d: string): string[] {
      return readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".ts") ? [join(d, e.name)] : []));
    })("src/chain");
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g)) {
        const top = relative("src", resolve(dirname(f), m[1]!)).split("/")[0]!;
        assert.ok(["chain", "recursion", "rollup", "stark", "util"].includes(top), `${f} imports ${m[1]}`);
      }
    }
  });
});
