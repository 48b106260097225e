import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Run the CLI from source, as a user would (through tsx). */
function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("cli: prove and verify", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("proves, verifies (exit 0), and reports the security of test options", () => {
    const out = join(dir, "mix.proof");
    const p = cli("prove", "--air", "mix-v1", "--rows", "2^5", "--options", "test", "--prover-address", "0x00000000000000000000000000000000000000aa", "--out", out);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /proof: \d+ bytes/);
    assert.match(p.stdout, /INSECURE/);
    assert.match(p.stdout, /quotient \d/);
    const v = cli("verify", "--proof", out, "--min-security", "0");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid: mix-v1 proof \(mix-v1 2\^5\), keccak commitments, 20 bits conjectured security, verification key 0x[0-9a-f]{64}$/m);

    // Exit 1, one line naming what failed: policy, wrong address, tampered bytes.
    const weak = cli("verify", "--proof", out);
    assert.equal(weak.code, 1);
    assert.match(weak.stderr.trim(), /^invalid: proof options give \d+ bits, policy requires 96$/);
    const addr = cli("verify", "--proof", out, "--min-security", "0", "--prover-address", "0x00000000000000000000000000000000000000ab");
    assert.equal(addr.code, 1);
    assert.equal(addr.stderr.trim().split("\n").length, 1);
    const file = JSON.parse(readFileSync(out, "utf8")) as { proof: string };
    const flipped = file.proof.slice(0, 500) + (file.proof[500] === "0" ? "1" : "0") + file.proof.slice(501);
    const bad = join(dir, "bad.proof");
    writeFileSync(bad, JSON.stringify({ ...file, proof: flipped }));
    const t = cli("verify", "--proof", bad, "--min-security", "0");
    assert.equal(t.code, 1);
    assert.match(t.stderr, /^invalid: /);
  });

  it("proves a multi-table LogUp AIR with poseidon2 commitments; verify takes the hash from the proof", () => {
    const out = join(dir, "lookup.proof");
    const p = cli("prove", "--air", "lookup-v1", "--rows", "2^6", "--options", "test", "--hash", "poseidon2", "--out", out);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /proved lookup-v1 \(sum 2\^6 × 3, bytes 2\^8 × 1\) with poseidon2 commitments/);
    assert.match(p.stdout, /LogUp/);
    const v = cli("verify", "--proof", out, "--min-security", "0");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid: lookup-v1 proof \(sum 2\^6, bytes 2\^8\), poseidon2 commitments/);
    assert.equal(cli("prove", "--air", "lookup-v1", "--rows", "2^6", "--hash", "sha256", "--out", out).code, 2, "unknown hash");
  });

  it("airs lists every registered AIR with its tables, buses and verification key", () => {
    const r = cli("airs");
    assert.equal(r.code, 0, r.stderr);
    for (const name of ["fib-v1", "mix-v1", "lookup-v1", "transfer-v1"]) assert.match(r.stdout, new RegExp(`^${name} \\(version 1, id 0x[0-9a-f]{64}`, "m"));
    assert.match(r.stdout, /table bytes: 2\^8 rows, 1 main \+ 1 preprocessed \+ 0 public \+ 2 auxiliary \(K\) columns/);
    assert.match(r.stdout, /buses: receive bus 1 \(1 value\)/);
    const j = JSON.parse(cli("airs", "--json", "--hash", "poseidon2").stdout) as { name: string; verificationKey: { hash: string; digest: string } }[];
    assert.equal(j.find((a) => a.name === "lookup-v1")!.verificationKey.hash, "poseidon2");
  });

  it("exits 2 on usage and I/O errors", () => {
    assert.equal(cli("verify", "--proof", join(dir, "missing.proof")).code, 2);
    assert.equal(cli("prove", "--air", "nope", "--rows", "8", "--out", join(dir, "x")).code, 2);
    assert.equal(cli("prove", "--air", "fib-v1", "--rows", "12", "--out", join(dir, "x")).code, 2, "not a power of two");
    assert.equal(cli("prove", "--air", "fib-v1").code, 2, "missing flags");
    const junk = join(dir, "junk.proof");
    writeFileSync(junk, "{not json");
    assert.equal(cli("verify", "--proof", junk).code, 2);
    assert.equal(cli("frobnicate").code, 2);
  });
});
