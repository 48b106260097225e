import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBuilt } from "./helpers.js";
import { lookupAir } from "../../src/stark/airs/index.js";
import { TEST_OPTIONS } from "../../src/stark/options.js";
import { proveStark } from "../../src/stark/prover.js";
import { JsBackend } from "../../src/backends/js/index.js";
import { encodeProofFile } from "../../src/cli/common/proof-file.js";
import { runVerifyOnChain } from "../../src/cli/verify/onchain.js";
import type { VerifyFlags } from "../../src/cli/verify/register.js";
import { UsageError } from "../../src/util/errors.js";

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], { encoding: "utf8", timeout: 90_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("cli: verify --onchain", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), "prover-node-onchain-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("verifies on a local anvil and prints the gas (exit 0); a tampered proof exits 1; a missing file exits 2", () => {
    const out = join(dir, "mix.proof");
    const p = cli("prove", "--air", "mix-v1", "--rows", "2^5", "--options", "test", "--prover-address", "0x00000000000000000000000000000000000000aa", "--out", out);
    assert.equal(p.code, 0, p.stderr);
    const v = cli("verify", "--proof", out, "--min-security", "0", "--onchain");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid \(on-chain\): mix-v1 proof accepted by MixV1Verifier/);
    assert.match(v.stdout, /gas: execution \d+, calldata \d+ \(\d+ bytes; EIP-7623 floor \d+\), transaction \d+/);

    const weak = cli("verify", "--proof", out, "--onchain");
    assert.equal(weak.code, 1);
    assert.match(weak.stderr.trim(), /^invalid \(on-chain\): StarkVerifier__InsufficientSecurity\(96\)$/);

    const file = JSON.parse(readFileSync(out, "utf8")) as { proof: string };
    const flipped = file.proof.slice(0, 600) + (file.proof[600] === "0" ? "1" : "0") + file.proof.slice(601);
    const bad = join(dir, "bad.proof");
    writeFileSync(bad, JSON.stringify({ ...file, proof: flipped }));
    const t = cli("verify", "--proof", bad, "--min-security", "0", "--onchain");
    assert.equal(t.code, 1);
    assert.match(t.stderr, /^invalid \(on-chain\): StarkVerifier__/);

    assert.equal(cli("verify", "--proof", join(dir, "missing.proof"), "--onchain").code, 2);
  });

  it("verifies a multi-table LogUp proof (lookup-v1) on-chain; a poseidon2 proof is a usage error", async () => {
    // Proof files written in-process (a CLI prove costs a process start each).
    const write = async (file: string, hash: "keccak" | "poseidon2") => {
      const instance = lookupAir.sample(5, 2);
      const proverAddress = new Uint8Array(20).fill(0xaa);
      const r = await proveStark({ air: lookupAir, instance, options: TEST_OPTIONS, hash, proverAddress, backend: new JsBackend() });
      writeFileSync(file, encodeProofFile({ air: lookupAir.name, airId: lookupAir.idHex, proverAddress, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proof: r.bytes }));
    };
    const out = join(dir, "lookup.proof");
    await write(out, "keccak");
    const v = cli("verify", "--proof", out, "--min-security", "0", "--onchain");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid \(on-chain\): lookup-v1 proof accepted by LookupV1Verifier/);
    const p2 = join(dir, "lookup-p2.proof");
    await write(p2, "poseidon2");
    // refused before any chain starts: in-process
    await assert.rejects(runVerifyOnChain({ proof: p2, minSecurity: "0", onchain: true } as VerifyFlags), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.match(err.message, /keccak-configuration proofs; this is a poseidon2 proof/);
      return true;
    });
  });

  it("verifies a transfer-v1 segment proof with --witness on-chain", () => {
    const s = cli("rollup", "sample", "--accounts", "8", "--txs", "3", "--segment-rows", "2^7", "--depth", "4", "--out", dir);
    assert.equal(s.code, 0, s.stderr);
    const witness = join(dir, "segment-0000.witness");
    const proof = join(dir, "seg.proof");
    const p = cli("prove", "--witness", witness, "--options", "test", "--prover-address", "0x00000000000000000000000000000000000000aa", "--out", proof);
    assert.equal(p.code, 0, p.stderr);
    const v = cli("verify", "--proof", proof, "--witness", witness, "--min-security", "0", "--onchain");
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^valid \(on-chain\): transfer-v1 proof accepted by TransferV1Verifier/);
    const other = cli("verify", "--proof", proof, "--witness", witness, "--min-security", "0", "--onchain", "--prover-address", "0x00000000000000000000000000000000000000ab");
    assert.equal(other.code, 1);
    assert.match(other.stderr.trim(), /^invalid \(on-chain\): StarkVerifier__OodMismatch\(0\)$/);
  });
});
