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

  it("transfer-v2: sample --air transfer-v2 -> prove (the AIR from batch.json) -> verify rebuilds the statement from the witness", () => {
    const v2dir = join(dir, "v2");
    const s = cli("rollup", "sample", "--accounts", "10", "--txs", "30", "--segment-rows", "2^7", "--depth", "4", "--seed", "5", "--air", "transfer-v2", "--out", v2dir);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /2 segment\(s\) of 2\^7 rows, up to 21 transactions each, tree depth 4, for transfer-v2-d4/);
    const batch = JSON.parse(readFileSync(join(v2dir, "batch.json"), "utf8")) as { air: string };
    assert.equal(batch.air, "transfer-v2-d4");
    assert.equal(decodeWitness(readFileSync(join(v2dir, "segment-0000.witness"))).version, 2);
    const w1 = join(v2dir, "segment-0001.witness");
    const proof = join(v2dir, "s1.proof");
    const p = cli("prove", "--witness", w1, "--options", "test", "--backend", "js", "--out", proof);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /transfer-v2-d4: paths 2\^7 × 579, txs 2\^5 × \d+, range 2\^8 × 2/);
    assert.match(p.stdout, /blowup raised to 2\^3/);
    const v = cli("verify", "--proof", proof, "--witness", w1, "--min-security", "0");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid: transfer-v2-d4 proof of segment 1/);
    const plain = cli("verify", "--proof", proof, "--min-security", "0");
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^valid: transfer-v2-d4 proof \(paths 2\^7, txs 2\^5, range 2\^8\)/);
    const wrong = cli("verify", "--proof", proof, "--witness", join(v2dir, "segment-0000.witness"), "--min-security", "0");
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^invalid: /);
    // transfer-v1 cannot prove a transfer-v2 segment; a depth other than the witness's is a usage error.
    const v1proof = join(v2dir, "s1-v1.proof");
    const refused = cli("prove", "--witness", w1, "--air", "transfer-v1", "--options", "test", "--backend", "js", "--out", v1proof);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /version-2 witness is a transfer-v2 segment/);
    // A transfer-v1 segment (version-1 witness) has no batch randomness r: transfer-v2 refuses it (r is never 0 by default).
    const v1dir = join(dir, "v1-for-v2");
    assert.equal(cli("rollup", "sample", "--accounts", "6", "--txs", "4", "--segment-rows", "2^7", "--depth", "4", "--out", v1dir).code, 0);
    const v1w = join(v1dir, "segment-0000.witness");
    const cross = cli("prove", "--witness", v1w, "--air", "transfer-v2", "--options", "test", "--backend", "js", "--out", join(v1dir, "v2.proof"));
    assert.equal(cross.code, 2);
    assert.match(cross.stderr, /version-1 witness has no batch randomness r/);
    const crossVerify = cli("verify", "--proof", proof, "--witness", v1w, "--min-security", "0");
    assert.equal(crossVerify.code, 1);
    assert.match(crossVerify.stderr, /^invalid: witness: .*version-2 witness/);
    const depth = cli("prove", "--witness", w1, "--air", "transfer-v2-d5", "--out", join(v2dir, "x"));
    assert.equal(depth.code, 2);
    assert.match(depth.stderr, /depth 5, the witness has depth 4/);
    assert.equal(cli("rollup", "sample", "--accounts", "10", "--txs", "5", "--segment-rows", "2^7", "--air", "transfer-v3", "--out", v2dir).code, 2);
  });

  it("exits 2 on bad flags and unreadable witnesses", () => {
    assert.equal(cli("rollup", "sample", "--accounts", "10", "--txs", "5", "--segment-rows", "100", "--out", dir).code, 2);
    assert.equal(cli("rollup", "sample", "--accounts", "10", "--txs", "5", "--segment-rows", "2^5", "--out", dir).code, 2);
    assert.equal(cli("prove", "--witness", join(dir, "batch.json"), "--out", join(dir, "x")).code, 2);
  });
});
