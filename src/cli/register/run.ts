/**
 * Registration: the peer id goes on chain as the UTF-8 bytes of its canonical string form
 * (`12D3KooW…`), which is what p2p/'s StakeOracle hands out (`peerIdOf` → string); `peerIdFromChain`
 * in chain/ reads it back.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Hex } from "viem";
import { peerIdToChain } from "../../chain/peer-id.js";
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
  // p2p/peer-key is where the p2p layer keeps it; data directories from before that used peer-key.
  const dir = dataDirOf(flags);
  for (const file of [join(dir, "p2p", "peer-key"), join(dir, "peer-key")]) {
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

export async function runRegister(flags: RegisterFlags): Promise<void> {
  const peer = await peerIdBytes(flags);
  await withChainErrors(async () => {
    const ctx = await openChain(flags);
    const r = await ctx.staking.register(peer.bytes);
    print(`registered ${ctx.account} with peer id ${peer.text} (tx ${r.hash})`);
  });
}
