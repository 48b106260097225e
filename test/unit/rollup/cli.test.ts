import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeWitness, replayWitness, witnessHash } from "../../../src/rollup/witness.js";

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("cli: rollup sample, prove --witness, verify --witness", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-rollup-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("sample -> prove -> verify, and a proof checked against another segment's witness is invalid", () => {
    const s = cli("rollup", "sample", "--accounts", "10", "--txs", "25", "--segment-rows", "2^7", "--depth", "4", "--seed", "3", "--out", dir);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /3 segment\(s\) of 2\^7 rows/);
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ["batch.json", "genesis.json", "segment-0000.witness", "segment-0001.witness", "segment-0002.witness"]);
    const batch = JSON.parse(readFileSync(join(dir, "batch.json"), "utf8")) as { rootIn: string; rootOut: string; transactions: { outcome: string }[]; segments: { file: string; witnessHash: string; rootIn: string; rootOut: string }[] };
    assert.equal(batch.transactions.length, 25);
    assert.ok(batch.transactions.some((t) => t.outcome !== "APPLIED"), "failing transactions are mixed in");
    assert.equal(batch.segments[0]!.rootIn, batch.rootIn);
    assert.equal(batch.segments[2]!.rootOut, batch.rootOut);
    for (const seg of batch.segments) {
      const bytes = readFileSync(join(dir, seg.file));
      assert.equal(witnessHash(bytes), seg.witnessHash);
      replayWitness(decodeWitness(bytes));
    }

    const proof = join(dir, "s1.proof");
    const p = cli("prove", "--witness", join(dir, "segment-0001.witness"), "--options", "test", "--out", proof);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /proved segment 1 of batch 1/);
    const v = cli("verify", "--proof", proof, "--witness", join(dir, "segment-0001.witness"), "--min-security", "0");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid: transfer-v1 proof of segment 1/);
    const wrong = cli("verify", "--proof", proof, "--witness", join(dir, "segment-0000.witness"), "--min-security", "0");
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^invalid: /);
  });

  it("exits 2 on bad flags and unreadable witnesses", () => {
    assert.equal(cli("rollup", "sample", "--accounts", "10", "--txs", "5", "--segment-rows", "100", "--out", dir).code, 2);
    assert.equal(cli("rollup", "sample", "--accounts", "10", "--txs", "5", "--segment-rows", "2^5", "--out", dir).code, 2);
    assert.equal(cli("prove", "--witness", join(dir, "batch.json"), "--out", join(dir, "x")).code, 2);
  });
});
