import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { ConfigError, ENV_OVERRIDES, loadConfigFile, parseConfig, redactUrl } from "../../../src/node/config.js";
import { defaultNodeOpts } from "../../../src/node/options.js";

const example = JSON.parse(readFileSync("node.config.example.json", "utf8")) as Record<string, unknown>;
const isConfigError = (field: string, reason: RegExp) => (e: unknown) => e instanceof ConfigError && e.type.field === field && reason.test(e.type.reason);

describe("node: configuration", () => {
  it("the example file is valid and sets every option", () => {
    const opts = parseConfig(example, { baseDir: "/etc/prover" });
    assert.equal(opts.chain.rpcUrls.length, 2);
    assert.equal(opts.market.costPerHour, 50_000_000_000_000_000n);
    assert.equal(opts.chain.deploymentFile, "/etc/prover/deployment.json", "relative paths resolve against the file's directory");
    // Every option in the defaults appears in the example (documentation stays complete).
    const keys = (o: object, prefix = ""): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === "object" && !Array.isArray(v) && k !== "contracts" ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
    // `aggregate` has no default (absent: bundles only); the example shows it.
    assert.deepEqual(keys(example).filter((k) => !k.startsWith("aggregate.")).sort(), keys(defaultNodeOpts).sort());
    assert.deepEqual(opts.aggregate, { segmentLogRows: 8, segmentOptions: "test", treeOptions: "test", wrapOptions: "l1" });
    const doc = readFileSync("docs/operator.md", "utf8");
    for (const k of keys(example)) assert.ok(doc.includes(`\`${k}\``), `docs/operator.md documents ${k}`);
    for (const env of Object.keys(ENV_OVERRIDES)) assert.ok(doc.includes(env), `docs/operator.md documents ${env}`);
  });

  it("aggregate: absent or null means bundles only; present, every field is required and checked", () => {
    assert.equal(parseConfig({}).aggregate, undefined);
    assert.equal(parseConfig({ aggregate: null }).aggregate, undefined);
    const ok = { segmentLogRows: 12, segmentOptions: "default", treeOptions: "default", wrapOptions: "l1" };
    assert.deepEqual(parseConfig({ aggregate: ok }).aggregate, ok);
    assert.throws(() => parseConfig({ aggregate: { ...ok, wrapOptions: undefined } }), isConfigError("aggregate.wrapOptions", /required/));
    assert.throws(() => parseConfig({ aggregate: { ...ok, treeOptions: "fast" } }), isConfigError("aggregate.treeOptions", /one of default, test, l1/));
    assert.throws(() => parseConfig({ aggregate: { ...ok, segmentLogRows: 40 } }), isConfigError("aggregate.segmentLogRows", /integer in \[3, 26\]/));
    assert.throws(() => parseConfig({ aggregate: { ...ok, logRows: 8 } }), isConfigError("aggregate.logRows", /unknown option/));
  });

  it("an empty file gives the defaults", () => {
    const opts = parseConfig({});
    assert.deepEqual(opts.market, defaultNodeOpts.market);
    assert.notEqual(opts.chain, defaultNodeOpts.chain, "defaults are copied, never shared");
  });

  const bad: [string, unknown, string, RegExp][] = [
    ["unknown key (typo)", { markt: {} }, "markt", /unknown option/],
    ["nested unknown key", { market: { margin: 1 } }, "market.margin", /unknown option \(known: costPerHour/],
    ["no RPC URL", { chain: { rpcUrls: [] } }, "chain.rpcUrls", /at least 1 entry/],
    ["RPC URL without scheme", { chain: { rpcUrls: ["localhost:8545"] } }, "chain.rpcUrls[0]", /http or https or ws or wss URL/],
    ["backend kind", { backend: { kind: "gpu" } }, "backend.kind", /one of auto, js, wasm, cuda/],
    ["port range", { api: { port: 70000 } }, "api.port", /integer in \[0, 65535\]/],
    ["bigint as a number", { market: { costPerHour: 1e18 } }, "market.costPerHour", /decimal string/],
    ["negative bigint", { market: { costPerHour: "-1" } }, "market.costPerHour", /non-negative/],
    ["bad address", { chain: { contracts: { rollup: "0x12" } } }, "chain.contracts.rollup", /20-byte hex address/],
    ["bad multiaddr", { p2p: { bootstrapPeers: ["example.com:9000"] } }, "p2p.bootstrapPeers[0]", /multiaddr/],
    ["safety factor below 1", { market: { safetyFactor: 0.5 } }, "market.safetyFactor", /\[1, 100\]/],
    ["a password in the file", { password: "hunter2" }, "password", /secrets do not belong/],
    ["a private key in the file", { chain: { privateKey: "0xabc" } }, "chain.privateKey", /secrets do not belong/],
    ["gas thresholds inverted", { market: { minGasBalance: "10", warnGasBalance: "5" } }, "market.warnGasBalance", /at least market.minGasBalance/],
    ["network name", { network: "Main Net" }, "network", /lowercase/],
  ];
  for (const [name, raw, field, reason] of bad) it(`refuses: ${name}`, () => assert.throws(() => parseConfig(raw), isConfigError(field, reason)));

  it("environment overrides win over the file and are validated under their own name", () => {
    const opts = parseConfig(example, { env: { PROVER_NODE_RPC_URLS: "https://a.example/v2/KEY1, https://b.example", PROVER_NODE_API_PORT: "9999", PROVER_NODE_LOG_LEVEL: "debug", PROVER_NODE_BACKEND: "js" } });
    assert.deepEqual(opts.chain.rpcUrls, ["https://a.example/v2/KEY1", "https://b.example"]);
    assert.equal(opts.api.port, 9999);
    assert.equal(opts.log.level, "debug");
    assert.equal(opts.backend.kind, "js");
    assert.throws(() => parseConfig({}, { env: { PROVER_NODE_API_PORT: "http" } }), isConfigError("PROVER_NODE_API_PORT (api.port)", /integer/));
    assert.throws(() => parseConfig({}, { env: { PROVER_NODE_RPC_URLS: "https://ok.example,nope" } }), isConfigError("PROVER_NODE_RPC_URLS (chain.rpcUrls[1])", /URL/));
  });

  it("never prints secrets: RPC URL keys are redacted in JSON, toString and inspect", () => {
    const opts = parseConfig({ chain: { rpcUrls: ["https://user:pw@rpc.example/v2/SECRETKEY", "https://rpc2.example/?apikey=SECRETKEY2", "http://127.0.0.1:8545"] } });
    assert.equal(opts.chain.rpcUrls[0], "https://user:pw@rpc.example/v2/SECRETKEY", "the node still uses the real URL");
    for (const text of [JSON.stringify(opts), String(opts), inspect(opts, { depth: 10 }), JSON.stringify(opts.chain), JSON.stringify({ urls: opts.chain.rpcUrls }), inspect(opts.chain)]) {
      assert.doesNotMatch(text, /SECRETKEY|user:pw/, text);
    }
    assert.match(JSON.stringify(opts), /https:\/\/\*\*\*@rpc\.example\/\*\*\*/);
    assert.equal(redactUrl("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
  });

  it("loadConfigFile names the file on a JSON syntax error", () => {
    const dir = mkdtempSync(join(tmpdir(), "prover-node-cfg-"));
    try {
      const file = join(dir, "config.json");
      writeFileSync(file, "{ nope");
      assert.throws(() => loadConfigFile(file, {}), (e: unknown) => e instanceof ConfigError && e.message.includes(file));
      writeFileSync(file, JSON.stringify({ dataDir: "data" }));
      assert.equal(loadConfigFile(file, {}).dataDir, join(dir, "data"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
