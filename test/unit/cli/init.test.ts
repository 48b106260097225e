import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyFromProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { decryptKeystore } from "../../../src/node/keystore.js";
import { loadConfigFile } from "../../../src/node/config.js";

function init(env: Record<string, string | undefined>, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/index.ts", "init", ...args], { encoding: "utf8", timeout: 60_000, env: childEnv, stdio: ["pipe", "pipe", "pipe"] });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("cli: init", function () {
  this.timeout(120_000);
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "prover-node-init-"));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("creates the keystore, peer key and config; refuses to overwrite without --force", async () => {
    const dir = join(root, "node1");
    const r = init({ PROVER_NODE_PASSWORD: "s3cret pass" }, "--data-dir", dir, "--network", "testnet");
    assert.equal(r.code, 0, r.stderr);
    const address = /staking address: (0x[0-9a-fA-F]{40})/.exec(r.stdout)?.[1];
    const peerId = /peer id: +(\S+)/.exec(r.stdout)?.[1];
    assert.ok(address && peerId, r.stdout);

    const ks = readFileSync(join(dir, "keystore.json"), "utf8");
    assert.equal(statSync(join(dir, "keystore.json")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "p2p", "peer-key")).mode & 0o777, 0o600);
    assert.ok(existsSync(join(dir, "db")));
    const key = await decryptKeystore(ks, "s3cret pass");
    assert.equal(JSON.parse(ks).address, address.slice(2).toLowerCase());
    assert.ok(!r.stdout.includes(key.slice(2)) && !r.stderr.includes(key.slice(2)), "the private key is never printed");

    const peerKey = privateKeyFromProtobuf(readFileSync(join(dir, "p2p", "peer-key")));
    assert.equal(peerKey.type, "Ed25519");
    assert.equal(peerIdFromPrivateKey(peerKey).toString(), peerId);

    const config = loadConfigFile(join(dir, "config.json"), {});
    assert.equal(config.dataDir, dir);
    assert.equal(config.network, "testnet");

    const again = init({ PROVER_NODE_PASSWORD: "other" }, "--data-dir", dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists.*--force/);
    assert.equal(readFileSync(join(dir, "keystore.json"), "utf8"), ks, "nothing overwritten");

    const forced = init({ PROVER_NODE_PASSWORD: "other" }, "--data-dir", dir, "--force");
    assert.equal(forced.code, 0, forced.stderr);
    assert.notEqual(readFileSync(join(dir, "keystore.json"), "utf8"), ks);
  });

  it("refuses an empty password, and a missing one without a terminal, creating nothing", () => {
    const dir = join(root, "node2");
    const empty = init({ PROVER_NODE_PASSWORD: "" }, "--data-dir", dir);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /empty keystore password/);
    const missing = init({ PROVER_NODE_PASSWORD: undefined }, "--data-dir", dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /PROVER_NODE_PASSWORD/);
    assert.equal(existsSync(dir), false);
    assert.equal(init({ PROVER_NODE_PASSWORD: "x" }, "--data-dir", dir, "--network", "Bad Name").code, 2, "usage error");
  });
});
