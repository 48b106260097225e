/**
 * `prover-node init`: a fresh data directory with
 *   keystore.json (0600)  staking key, Web3 Secret Storage v3
 *   p2p/peer-key  (0600)  libp2p Ed25519 private key, protobuf-encoded (privateKeyToProtobuf), raw bytes
 *   config.json   (0644)  every option at its default, dataDir and network filled in
 *   db/           (0700)  the database directory (filled on first start)
 * The private keys are never printed.
 */
import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import { generateKeyPair, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { encryptKeystore } from "../../node/keystore.js";
import { defaultNodeOpts } from "../../node/options.js";
import { parseConfig } from "../../node/config.js";
import { UsageError } from "../../util/errors.js";
import { CliExit, ExitCode } from "../program.js";
import { readNewPassword } from "./password.js";
import type { InitFlags } from "./register.js";

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw err;
  }
}

async function writeSecret(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(path, data, { mode: 0o600 });
  await chmod(path, 0o600); // an overwritten file keeps its old mode otherwise
}

/** The config file init writes: defaults, with bigints as decimal strings. */
function initialConfig(dataDir: string, network: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify({ ...defaultNodeOpts, dataDir, network }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;
}

export async function runInit(flags: InitFlags): Promise<void> {
  const raw = flags.dataDir ?? process.env.PROVER_NODE_DATA_DIR ?? join(homedir(), ".prover-node");
  const dataDir = resolve(raw.startsWith("~/") ? join(homedir(), raw.slice(2)) : raw);
  const config = initialConfig(dataDir, flags.network);
  try {
    parseConfig(config);
  } catch (err) {
    throw new UsageError((err as Error).message.replace("invalid configuration: network", "--network"));
  }
  if (!flags.force && !(await isEmptyOrMissing(dataDir))) {
    throw new CliExit(ExitCode.failure, `error: ${dataDir} already exists and is not empty; pass --force to overwrite its keys and config (the old staking key is lost unless you have a copy)`);
  }
  const password = await readNewPassword();

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await mkdir(join(dataDir, "db"), { recursive: true, mode: 0o700 });
  await mkdir(join(dataDir, "p2p"), { recursive: true, mode: 0o700 });

  const stakingKey = generatePrivateKey();
  const keystore = await encryptKeystore(stakingKey, password);
  await writeSecret(join(dataDir, "keystore.json"), JSON.stringify(keystore, null, 2) + "\n");

  const peerKey = await generateKeyPair("Ed25519");
  await writeSecret(join(dataDir, "p2p", "peer-key"), privateKeyToProtobuf(peerKey));
  const peerId = peerIdFromPrivateKey(peerKey).toString();

  const configPath = join(dataDir, "config.json");
  await writeFile(configPath, JSON.stringify(config, null, 2) + "\n", { mode: 0o644 });

  process.stdout.write(
    [
      `initialised ${dataDir}`,
      `  staking address: ${privateKeyToAddress(stakingKey)}`,
      `  peer id:         ${peerId}`,
      `  keystore:        ${join(dataDir, "keystore.json")} (encrypted; keep a copy and the password)`,
      `  peer key:        ${join(dataDir, "p2p", "peer-key")}`,
      `  config:          ${configPath}`,
      "next: edit the config (RPC URLs, deployment, bootstrap peers), fund the staking address, bond stake",
    ].join("\n") + "\n",
  );
}
