/** The staking CLI end to end on anvil, by spawning `prover-node`: every command and every refusal. */
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { generateKeyPair, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex, parseEther, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { roles, useSystem } from "../utils/system.js";
import { deploymentToJson } from "../../src/chain/deploy.js";
import { peerIdFromChain } from "../../src/chain/peer-id.js";
import { encryptKeystore } from "../../src/node/keystore.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const base = { ...process.env };
    for (const k of ["PROVER_NODE_PRIVATE_KEY", "PROVER_NODE_PASSWORD", "PROVER_NODE_RPC_URLS", "PROVER_NODE_DEPLOYMENT_FILE"]) delete base[k];
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/index.ts", ...args], {
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const keyOf = (a: LocalAccount): Hex => bytesToHex((a as unknown as { getHdKey(): { privateKey: Uint8Array } }).getHdKey().privateKey);

async function deadUrl(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  return `http://127.0.0.1:${port}`;
}

describe("cli: stake, register, status (anvil)", function () {
  this.timeout(120_000);
  const sys = useSystem();
  let dir: string;
  let deploymentFile: string;
  let rpc: string;
  let peerId: string;
  const prover = roles.provers[0]!;
  const delegator = roles.delegators[0]!;
  const as = (a: LocalAccount, ...args: string[]): Promise<Run> => cli([...args, "--rpc", rpc, "--deployment", deploymentFile, "--private-key", keyOf(a)]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "prover-node-stake-"));
    deploymentFile = join(dir, "deployment.json");
    writeFileSync(deploymentFile, deploymentToJson(sys().deployment));
    rpc = sys().anvil.rpcUrl;
    // The prover's key lives in a keystore (light scrypt: the format is what matters here).
    const ks = await encryptKeystore(keyOf(prover), "pw", { scrypt: { n: 1024, r: 8, p: 1 } });
    writeFileSync(join(dir, "keystore.json"), JSON.stringify(ks));
    const peerKey = await generateKeyPair("Ed25519");
    mkdirSync(join(dir, "p2p"));
    writeFileSync(join(dir, "p2p", "peer-key"), privateKeyToProtobuf(peerKey));
    peerId = peerIdFromPrivateKey(peerKey).toString();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("register, bond (with approval), unbond, withdraw after the delay, delegate, rewards, undelegate, claim", async () => {
    const s = sys();
    const { staking, token } = s.c;
    // Start from no allowance: the CLI must approve by itself.
    await s.send(token.write.approve([staking.address, 0n], { account: prover }));

    // register: the peer id of <data-dir>/p2p/peer-key, the key from the keystore, a dead first RPC URL.
    const reg = await cli(["register", "--rpc", `${await deadUrl()},${rpc}`, "--deployment", deploymentFile, "--data-dir", dir], { PROVER_NODE_PASSWORD: "pw" });
    assert.equal(reg.code, 0, reg.stderr);
    assert.match(reg.stdout, new RegExp(`registered ${prover.address} with peer id ${peerId}`));
    assert.match(reg.stderr, /warning: RPC http:\/\/127\.0\.0\.1:\d+ failed .*; using http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(await staking.read.isRegistered([prover.address]), true);
    assert.equal(peerIdFromChain(await staking.read.peerIdOf([prover.address])), peerId);

    const bond = await as(prover, "stake", "bond", "150");
    assert.equal(bond.code, 0, bond.stderr);
    assert.match(bond.stdout, /bonded 150 tokens/);
    assert.equal(await staking.read.selfStake([prover.address]), parseEther("150"));

    const unbond = await as(prover, "stake", "unbond", "50");
    assert.equal(unbond.code, 0, unbond.stderr);
    assert.match(unbond.stdout, /unbonding 50 tokens .* withdrawable from/);

    const early = await as(prover, "stake", "withdraw");
    assert.equal(early.code, 1);
    assert.match(early.stderr, /^error: unbonding not matured: withdrawable from \S+ \(in \d+ s\)/);

    await s.increaseTime(s.deployment.params.staking.unbondingDelay + 1n);
    const balance = await token.read.balanceOf([prover.address]);
    const withdraw = await as(prover, "stake", "withdraw");
    assert.equal(withdraw.code, 0, withdraw.stderr);
    assert.match(withdraw.stdout, /withdrew 50 tokens/);
    assert.equal(await token.read.balanceOf([prover.address]), balance + parseEther("50"));

    const delegate = await as(delegator, "stake", "delegate", prover.address, "100");
    assert.equal(delegate.code, 0, delegate.stderr);
    assert.equal(await staking.read.stakeOf([prover.address, delegator.address]), parseEther("100"));

    // A reward of 20 into the pool (as the market would pay it), 10 % commission to the prover.
    await s.send(staking.write.setCommission([1000], { account: prover }));
    const market = s.deployment.addresses.market;
    await s.test.impersonateAccount({ address: market });
    await s.test.setBalance({ address: market, value: parseEther("1") });
    await s.send(token.write.transfer([staking.address, parseEther("20")], { account: roles.deployer }));
    await s.send(staking.write.reward([prover.address, parseEther("20")], { account: market }));
    await s.test.stopImpersonatingAccount({ address: market });

    const [rewards, claimNone] = await Promise.all([as(delegator, "stake", "rewards"), as(delegator, "stake", "claim")]);
    assert.equal(rewards.code, 0, rewards.stderr);
    // Pool of 200 earns 18 after commission: the delegator's half is 9.
    assert.match(rewards.stdout, new RegExp(`pool ${prover.address}: 109 tokens staked \\(deposited 100 tokens, accrued 9 tokens\\)`));
    assert.equal(claimNone.code, 1);
    assert.match(claimNone.stderr, /error: no commission to claim\. Delegation rewards raise the value of your stake/);

    const [undelegate, claim] = await Promise.all([as(delegator, "stake", "undelegate", prover.address, "109"), as(prover, "stake", "claim")]);
    assert.equal(undelegate.code, 0, undelegate.stderr);
    assert.match(undelegate.stdout, /unbonding 109 tokens from/);
    assert.equal(claim.code, 0, claim.stderr);
    assert.match(claim.stdout, /claimed 2 tokens of commission/);

    const status = await as(prover, "stake", "status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /registered: +yes \(active\)/);
    assert.match(status.stdout, /self-stake: +109 tokens/);
    assert.match(status.stdout, new RegExp(`peer id: +${peerId}`));
  });

  it("refuses with exit 1 and a clear message; usage errors exit 2", async () => {
    const stranger = roles.delegators[2]!;
    const penniless = generatePrivateKey();
    const [selfUnregistered, unregistered, notProver, unreachable, undelegateTooMuch, nothing, usage, badProver, nodeStatus, noGas] = await Promise.all([
      as(delegator, "stake", "bond", "1"),
      as(stranger, "stake", "delegate", stranger.address, "1"),
      as(stranger, "stake", "unbond", "1"),
      cli(["stake", "status", "--rpc", await deadUrl(), "--deployment", deploymentFile, "--private-key", keyOf(stranger)]),
      as(delegator, "stake", "undelegate", roles.provers[1]!.address, "5"),
      as(stranger, "stake", "withdraw"),
      as(stranger, "stake", "bond", "lots"),
      as(stranger, "stake", "delegate", "0x1234", "1"),
      as(stranger, "status"),
      cli(["register", "--peer-id", "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", "--rpc", rpc, "--deployment", deploymentFile, "--private-key", penniless]),
    ]);
    assert.equal(noGas.code, 1);
    assert.match(noGas.stderr, /^error: 0x[0-9a-fA-F]{40} cannot pay for gas: fund it/);
    assert.equal(selfUnregistered.code, 1);
    assert.match(selfUnregistered.stderr, /error: .* is not registered as a prover: run `prover-node register` first/);
    assert.equal(unregistered.code, 1);
    assert.match(unregistered.stderr, /is not registered as a prover/);
    assert.equal(notProver.code, 1);
    assert.match(notProver.stderr, /not registered as a prover/);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^error: no RPC endpoint reachable \(http:\/\/127\.0\.0\.1:\d+\)/);
    assert.equal(undelegateTooMuch.code, 1);
    assert.match(undelegateTooMuch.stderr, /error: insufficient stake with 0x[0-9a-fA-F]{40}: requested 5000000000000000000, you hold 0/);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /error: nothing is unbonding with/);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /<amount> must be a positive number of tokens/);
    assert.equal(badProver.code, 2);
    assert.match(badProver.stderr, /<prover> must be a 0x-prefixed 20-byte address/);
    assert.equal(nodeStatus.code, 0, nodeStatus.stderr);
    assert.match(nodeStatus.stdout, /rpc: +http:\/\/127\.0\.0\.1:\d+ \(1 of 1\)/);
    assert.match(nodeStatus.stdout, /registered: +no/);
  });

  it("refuses a bond beyond the token balance", async () => {
    const s = sys();
    const prover2 = roles.provers[1]!;
    await s.send(s.c.staking.write.register([bytesToHex(new TextEncoder().encode("peer-2"))], { account: prover2 }));
    const r = await as(prover2, "stake", "bond", "2000000");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: insufficient token balance: need 2000000000000000000000000, have 1000000000000000000000000/);
  });
});
