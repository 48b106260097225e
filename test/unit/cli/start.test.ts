/** `prover-node start` and `devnet`: each refusal is one clear line with exit code 1 (usage errors 2), before anything runs. */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliResult } from "../../utils/cli.js";
import { startAnvil } from "../../../src/chain/anvil.js";

function cli(args: string[], env: Record<string, string> = {}): CliResult {
  return runCli(args, { PROVER_NODE_FAULTS: "", ...env });
}

describe("cli: start and devnet refusals", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-start-"));
    // A light keystore is enough here: init with the standard cost takes about a second.
    const r = cli(["init", "--data-dir", dir], { PROVER_NODE_PASSWORD: "pw" });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a config error names the field; the password is required; a missing keystore and a dead RPC are one line each", () => {
    const config = join(dir, "config.json");
    const good = JSON.parse(readFileSync(config, "utf8")) as Record<string, unknown> & { market: Record<string, unknown>; chain: Record<string, unknown> };

    writeFileSync(config, JSON.stringify({ ...good, market: { ...good.market, costPerHour: 5 } }));
    let r = cli(["start", "--data-dir", dir], { PROVER_NODE_PASSWORD: "pw" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: invalid configuration: market\.costPerHour: must be a non-negative integer written as a decimal string/m);

    writeFileSync(config, JSON.stringify({ ...good, chain: { ...good.chain, rpcUrls: ["http://127.0.0.1:9"], deploymentFile: null, contracts: { token: "0x" + "11".repeat(20), staking: "0x" + "22".repeat(20), market: "0x" + "33".repeat(20), election: "0x" + "44".repeat(20), rollup: "0x" + "55".repeat(20), verifier: "0x" + "66".repeat(20) } } }));
    r = cli(["start", "--data-dir", dir], { PROVER_NODE_PASSWORD: "wrong" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot unlock .*keystore\.json/m);

    r = cli(["start", "--data-dir", dir], { PROVER_NODE_PASSWORD: "pw" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: no proving profile at .*profile\.json: run `prover-node bench` first/m);

    writeFileSync(join(dir, "profile.json"), JSON.stringify({ version: 1, measuredAt: 1, backends: { wasm: { "transfer-v1": { secondsPerSegment: 1 } } } }));
    r = cli(["start", "--data-dir", dir], { PROVER_NODE_PASSWORD: "pw" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .*(RPC|127\.0\.0\.1:9|unreachable|fetch failed)/m);
    assert.doesNotMatch(r.stderr + r.stdout, /pw/, "the password is never printed");

    r = cli(["start", "--data-dir", join(dir, "missing")], { PROVER_NODE_PASSWORD: "pw" });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: invalid configuration: \(file\): cannot read/m);
  });

  it("a start that fails after p2p and the API are up closes them and exits 1 (regression: the process stayed alive doing nothing)", async () => {
    const anvil = await startAnvil({});
    const config = join(dir, "config.json");
    const good = JSON.parse(readFileSync(config, "utf8")) as Record<string, unknown> & { chain: Record<string, unknown>; p2p: Record<string, unknown>; api: Record<string, unknown> };
    try {
      // Contracts at addresses with no code: L1 answers, and the answer is "nothing there" (not transient).
      const nothing = (b: string) => "0x" + b.repeat(20);
      writeFileSync(config, JSON.stringify({ ...good, chain: { ...good.chain, rpcUrls: [anvil.rpcUrl], chainId: null, deploymentFile: null, contracts: { token: nothing("11"), staking: nothing("22"), market: nothing("33"), election: nothing("44"), rollup: nothing("55"), verifier: nothing("66") } }, p2p: { ...good.p2p, listenAddrs: ["/ip4/127.0.0.1/tcp/0"] }, api: { ...good.api, port: 0 } }));
      writeFileSync(join(dir, "profile.json"), JSON.stringify({ version: 1, measuredAt: 1, backends: { wasm: { "transfer-v1": { secondsPerSegment: 1 } } } }));
      const t0 = Date.now();
      const r = cli(["start", "--data-dir", dir], { PROVER_NODE_PASSWORD: "pw", PROVER_NODE_BACKEND: "wasm" });
      assert.equal(r.code, 1, `exit code ${r.code} after ${Date.now() - t0} ms (-1: still running when killed): ${r.stderr}`);
      assert.match(r.stderr, /^error: cannot start the node: The contract function "\w+" returned no data/m);
      assert.match(r.stdout, /API listening/, "it got as far as the API");
    } finally {
      writeFileSync(config, JSON.stringify(good));
      await anvil.stop();
    }
  });

  it("devnet flags are checked before anything starts (exit 2)", () => {
    for (const [args, msg] of [
      [["--segment-rows", "300"], /--segment-rows must be a power of two/],
      [["--options", "fast"], /--options must be test or default/],
      [["--nodes", "x"], /--nodes must be an integer/],
      [["--fund", "0x12"], /--fund: "0x12" is not a 0x-prefixed 20-byte address/],
      [["--tree-depth", "20", "--segment-rows", "2^4"], /holds no transaction/],
    ] as const) {
      const r = cli(["devnet", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, msg);
    }
  });
});
