/** Registration: the peer id is stored on chain as its binary multihash (what libp2p puts on the wire). */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { bytesToHex, type Hex } from "viem";
import { CliExit, ExitCode } from "../program.js";
import { UsageError } from "../../util/errors.js";
import { dataDirOf, openChain, print, withChainErrors } from "../stake/context.js";
import type { RegisterFlags } from "./register.js";

async function peerIdBytes(flags: RegisterFlags): Promise<{ text: string; bytes: Hex }> {
  const { peerIdFromString, peerIdFromPrivateKey } = await import("@libp2p/peer-id");
  if (flags.peerId !== undefined) {
    try {
      const id = peerIdFromString(flags.peerId);
      return { text: id.toString(), bytes: bytesToHex(id.toMultihash().bytes) };
    } catch {
      throw new UsageError(`--peer-id: "${flags.peerId}" is not a libp2p peer id`);
    }
  }
  const { privateKeyFromProtobuf } = await import("@libp2p/crypto/keys");
  const file = join(dataDirOf(flags), "peer-key");
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch {
    throw new CliExit(ExitCode.failure, `error: no peer key at ${file} (run \`prover-node init\` or pass --peer-id)`);
  }
  const id = peerIdFromPrivateKey(privateKeyFromProtobuf(raw));
  return { text: id.toString(), bytes: bytesToHex(id.toMultihash().bytes) };
}

export async function runRegister(flags: RegisterFlags): Promise<void> {
  const peer = await peerIdBytes(flags);
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.register(peer.bytes);
    print(`registered ${ctx.account} with peer id ${peer.text} (tx ${r.hash})`);
  });
}
