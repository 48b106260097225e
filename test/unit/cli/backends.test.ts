import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cudaStatus } from "../../../src/backends/cuda/index.js";

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("cli: backends and prove --backend", function () {
  this.timeout(120_000);

  it("`backends` lists wasm as available and says why cuda is not (or names the GPU)", () => {
    const r = cli("backends");
    assert.equal(r.code, 0, r.stderr);
    const cuda = cudaStatus();
    if (cuda.available) {
      assert.match(r.stdout, /^cuda: available \(.+\)$/m);
      assert.match(r.stdout, /^auto -> cuda$/m);
    } else {
      // "no addon built" without nvcc; "no device (<the CUDA runtime's words>)" with an addon but no GPU
      assert.ok(r.stdout.split("\n").includes(`cuda: not available (${cuda.reason})`), r.stdout);
      assert.match(r.stdout, /^auto -> wasm$/m);
    }
    assert.match(r.stdout, /^wasm: available/m);
  });

  it("`prove --backend wasm --threads 2` proves and names the backend; a bad kind is a usage error", () => {
    const dir = mkdtempSync(join(tmpdir(), "prover-node-backends-"));
    try {
      const out = join(dir, "fib.proof");
      const ok = cli("prove", "--air", "fib-v1", "--rows", "2^6", "--options", "test", "--backend", "wasm", "--threads", "2", "--out", out);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /on backend wasm/);
      assert.equal(cli("verify", "--proof", out, "--min-security", "0").code, 0);
      const bad = cli("prove", "--air", "fib-v1", "--rows", "2^6", "--backend", "gpu", "--out", out);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--backend must be one of/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
