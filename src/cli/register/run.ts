/**
 * Registration: the peer id goes on chain as the UTF-8 bytes of its canonical string form
 * (`12D3KooW…`), which is what p2p/'s StakeOracle hands out (`peerIdOf` → string); `peerIdFromChain`
 * in chain/ reads it back.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Hex } from "viem";
import { peerIdToChain } from "../../chain/peer-id.js";
import { ConfigError, dataPath, loadConfigFile } from "../../node/config.js";
import { CliExit, ExitCode } from "../program.js";
import { UsageError } from "../../util/errors.js";
import { dataDirOf, openChain, print, withChainErrors } from "../stake/context.js";
import type { RegisterFlags } from "./register.js";

async function peerIdBytes(flags: RegisterFlags): Promise<{ text: string; bytes: Hex }> {
  const { peerIdFromString, peerIdFromPrivateKey } = await import("@libp2p/peer-id");
  if (flags.peerId !== undefined) {
    try {
      const id = peerIdFromString(flags.peerId);
      return { text: id.toString(), bytes: peerIdToChain(id.toString()) };
    } catch {
      throw new UsageError(`--peer-id: "${flags.peerId}" is not a libp2p peer id`);
    }
  }
  const { privateKeyFromProtobuf } = await import("@libp2p/crypto/keys");
  // The node's key file (p2p.peerKeyFile of <dataDir>/config.json, default p2p/peer-key); data
  // directories from before p2p/ used peer-key.
  const dir = dataDirOf(flags);
  for (const file of [configuredPeerKeyFile(dir), join(dir, "p2p", "peer-key"), join(dir, "peer-key")]) {
    if (file === null) continue;
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch {
      continue;
    }
    const id = peerIdFromPrivateKey(privateKeyFromProtobuf(raw));
    return { text: id.toString(), bytes: peerIdToChain(id.toString()) };
  }
  throw new CliExit(ExitCode.failure, `error: no peer key in ${join(dir, "p2p")} (run \`prover-node init\`, or pass --peer-id)`);
}

/** p2p.peerKeyFile of the data directory's config.json, when there is one; a broken config is an error. */
function configuredPeerKeyFile(dir: string): string | null {
  const path = join(dir, "config.json");
  if (!existsSync(path)) return null;
  try {
    const opts = loadConfigFile(path, { ...process.env, PROVER_NODE_DATA_DIR: dir });
    return dataPath(opts, opts.p2p.peerKeyFile);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliExit(ExitCode.failure, `error: ${err.message}`);
    throw err;
  }
}

export async function runRegister(flags: RegisterFlags): Promise<void> {
  const peer = await peerIdBytes(flags);
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.register(peer.bytes);
    print(`registered ${ctx.account} with peer id ${peer.text} (tx ${r.hash})`);
  });
}
