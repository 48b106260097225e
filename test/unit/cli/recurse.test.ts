import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { encoding: "utf8", timeout: 180_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("cli: recurse", function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-recurse-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("recurses over a poseidon2 proof; verify prints the recursive statement; an invalid child exits 1 naming the check", () => {
    const fib = join(dir, "fib.proof"), r = join(dir, "r.proof");
    assert.equal(cli("prove", "--air", "fib-v1", "--rows", "2^4", "--options", "test", "--hash", "poseidon2", "--out", fib).code, 0);
    const p = cli("recurse", "--proof", fib, "--options", "test", "--backend", "wasm", "--threads", "1", "--out", r);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /proved a recursion statement over 1 child proof\(s\) \(fib-v1\) with poseidon2 commitments/);
    const v = cli("verify", "--proof", r, "--min-security", "0");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid: recursion-v1 proof over 1 child proof\(s\), poseidon2 commitments/);
    assert.match(v.stdout, /key set root 0x[0-9a-f]{64} \(the file's 2 keys\)/);
    assert.match(v.stdout, /children digest 0x[0-9a-f]{64} \(matches the children listed in the file\)/);
    assert.match(v.stdout, /child 0: fib-v1, key 0x[0-9a-f]{64}/);

    // A tampered child: one line, exit 1, naming the failed check.
    const file = JSON.parse(readFileSync(fib, "utf8")) as { publicInputs: number[] };
    const bad = join(dir, "bad.proof");
    writeFileSync(bad, JSON.stringify({ ...file, publicInputs: [file.publicInputs[0], file.publicInputs[1], 5] }));
    const t = cli("recurse", "--proof", bad, "--options", "test", "--out", join(dir, "x.proof"));
    assert.equal(t.code, 1, t.stderr);
    assert.equal(t.stderr.trim().split("\n").length, 1);
    assert.match(t.stderr, /^invalid: child 0 is invalid: (ood|fri)/);
    // A keccak child is refused (the recursive verifier takes poseidon2 proofs).
    const k = join(dir, "k.proof");
    assert.equal(cli("prove", "--air", "fib-v1", "--rows", "2^4", "--options", "test", "--out", k).code, 0);
    const kk = cli("recurse", "--proof", k, "--options", "test", "--out", join(dir, "y.proof"));
    assert.equal(kk.code, 1);
    assert.match(kk.stderr, /a keccak proof/);
    // A tampered recursion proof does not verify.
    const rf = JSON.parse(readFileSync(r, "utf8")) as { publicInputs: number[] };
    const rbad = join(dir, "rbad.proof");
    writeFileSync(rbad, JSON.stringify({ ...rf, publicInputs: rf.publicInputs.map((x, i) => (i === 9 ? (x + 1) % 2013265921 : x)) }));
    const rv = cli("verify", "--proof", rbad, "--min-security", "0");
    assert.equal(rv.code, 1);
    assert.match(rv.stderr, /^invalid: /);
  });
});
