import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { P2pError } from "./errors.js";

/**
 * Load the node's libp2p identity (an Ed25519 key, libp2p protobuf encoding) from `path`, or create
 * it on first start. The peer id is what the staker registered on chain, so an unreadable file is an
 * error, never a reason to silently make a new identity.
 */
export async function loadOrCreatePeerKey(path: string): Promise<{ key: PrivateKey; created: boolean }> {
  let bytes: Uint8Array | null = null;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new P2pError({ code: "P2P_IDENTITY", path, detail: (err as Error).message });
    }
  }
  if (bytes !== null) {
    let key: PrivateKey;
    try {
      key = privateKeyFromProtobuf(bytes);
    } catch (err) {
      throw new P2pError({ code: "P2P_IDENTITY", path, detail: `unreadable key: ${(err as Error).message}` });
    }
    if (key.type !== "Ed25519") throw new P2pError({ code: "P2P_IDENTITY", path, detail: `expected Ed25519, found ${key.type}` });
    return { key, created: false };
  }
  const key = await generateKeyPair("Ed25519");
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, privateKeyToProtobuf(key), { mode: 0o600 });
  await rename(tmp, path);
  return { key, created: true };
}
