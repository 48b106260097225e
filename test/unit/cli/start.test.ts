/** `prover-node start` and `devnet`: each refusal is one clear line with exit code 1 (usage errors 2), before anything runs. */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliResult } from "../../utils/cli.js";

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
