/**
 * How a libp2p peer id is stored in ProverStaking (`register(bytes peerId)`): the UTF-8 bytes of its
 * canonical string form (`12D3KooW…`, 52 bytes for Ed25519; the contract allows up to 128).
 */
import { hexToString, stringToHex, type Hex } from "viem";

export function peerIdToChain(peerId: string): Hex {
  return stringToHex(peerId);
}

/** The string form back from `peerIdOf(address)`; null when nothing is registered. */
export function peerIdFromChain(bytes: Hex): string | null {
  return bytes === "0x" ? null : hexToString(bytes);
}
