import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseProfile } from "../../../src/market/pricing.js";
import { runCli } from "../../utils/cli.js";

const cli = runCli;

describe("cli: bench", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-bench-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("measures fib-v1 (js, --json) and transfer-v1 (wasm) and merges both into profile.json, keeping older entries", () => {
    const file = join(dir, "profile.json");
    // A profile from before logRows/options were recorded: still valid, and its entry survives the merge.
    writeFileSync(file, JSON.stringify({ version: 1, measuredAt: 1, backends: { cuda: { "transfer-v1": { secondsPerSegment: 9 } } } }));

    // The data directory from the environment, as every command defaults to it.
    const fib = cli(["bench", "--air", "fib-v1", "--log-rows", "8", "--options", "test", "--runs", "1", "--backend", "js", "--json"], { PROVER_NODE_DATA_DIR: dir });
    assert.equal(fib.code, 0, fib.stderr);
    const report = JSON.parse(fib.stdout) as { backend: string; air: string; logRows: number; options: string; runs: { seconds: number; warmup: boolean; peakRssBytes: number }[]; secondsPerSegment: number; peakRssBytes: number; profile: string };
    assert.equal(report.backend, "js");
    assert.equal(report.air, "fib-v1");
    assert.equal(report.logRows, 8);
    assert.deepEqual(report.runs.map((r) => r.warmup), [false]);
    assert.equal(report.secondsPerSegment, report.runs[0]!.seconds);
    // The peak resident set of the measuring process: at least the V8 heap a node process starts with.
    assert.ok(report.peakRssBytes > 2 ** 24 && report.peakRssBytes === report.runs[0]!.peakRssBytes, String(report.peakRssBytes));
    assert.equal(report.profile, file);

    const transfer = cli(["bench", "--data-dir", dir, "--air", "transfer-v1", "--log-rows", "6", "--options", "test", "--backend", "wasm", "--threads", "2"]);
    assert.equal(transfer.code, 0, transfer.stderr);
    assert.match(transfer.stdout, /^bench: transfer-v1, 2\^6 rows \(1 transaction\), test options, backend wasm, 2 run\(s\)$/m);
    assert.match(transfer.stdout, /run 1 .* s  peak RSS \d+ MiB {2}\(warm-up\)$/m);
    assert.match(transfer.stdout, /^seconds per segment: \d+\.\d{3} \(median of 1 run\), peak RSS \d+ MiB$/m);
    assert.match(transfer.stdout, /^wasm +transfer-v1 +2\^6 +test +\d+ MiB +\d+\.\d{3}$/m);

    const profile = parseProfile(JSON.parse(readFileSync(file, "utf8")));
    assert.ok(profile.measuredAt > 1);
    assert.deepEqual(profile.backends.cuda, { "transfer-v1": { secondsPerSegment: 9 } });
    assert.deepEqual(profile.backends.js?.["fib-v1"], { secondsPerSegment: report.secondsPerSegment, logRows: 8, options: "test", peakRssBytes: report.peakRssBytes });
    const wasm = profile.backends.wasm?.["transfer-v1"];
    assert.ok(wasm && wasm.secondsPerSegment > 0 && wasm.logRows === 6 && wasm.options === "test" && wasm.peakRssBytes! > 2 ** 24, JSON.stringify(wasm));
    assert.deepEqual(readdirSync(dir), ["profile.json"], "no temporary file left behind");
  });

  it("exits 2 on bad flags, before proving or writing anything", () => {
    const bad: string[][] = [
      ["--runs", "0"],
      ["--backend", "gpu"],
      ["--air", "nope"],
      ["--log-rows", "5"],
      ["--options", "fast"],
    ];
    for (const flags of bad) {
      const r = cli(["bench", "--data-dir", dir, ...flags]);
      assert.equal(r.code, 2, `${flags.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^error: --/, flags.join(" "));
    }
    assert.ok(!existsSync(join(dir, "profile.json")));
  });

  it("parseProfile accepts the optional logRows/options/peakRssBytes and rejects bad ones", () => {
    const entry = (e: object): unknown => ({ version: 1, measuredAt: 1, backends: { wasm: { "transfer-v1": { secondsPerSegment: 1, ...e } } } });
    assert.ok(parseProfile(entry({ logRows: 10, options: "default", peakRssBytes: 2 ** 30 })));
    for (const peakRssBytes of [0, -1, 1.5, "1", Number.POSITIVE_INFINITY]) assert.throws(() => parseProfile(entry({ peakRssBytes })), /peakRssBytes/);
    assert.throws(() => parseProfile(entry({ logRows: 2.5 })), /logRows/);
    assert.throws(() => parseProfile(entry({ options: 3 })), /options/);
    assert.throws(() => parseProfile({ version: 1, measuredAt: 1, backends: { wasm: 5 } }), /backends\.wasm must be an object/);
  });

  it("exits 1 and leaves an invalid profile.json as it is", () => {
    const file = join(dir, "profile.json");
    writeFileSync(file, "{not json");
    const r = cli(["bench", "--data-dir", dir, "--air", "fib-v1", "--log-rows", "4", "--options", "test", "--runs", "1", "--backend", "js"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not a valid proving profile/);
    assert.equal(readFileSync(file, "utf8"), "{not json");
  });
});
