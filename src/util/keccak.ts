/** keccak256 as the EVM computes it, as 0x-prefixed lower-case hex: proof, witness and content hashes. */
import { keccak_256 } from "@noble/hashes/sha3.js";

export function keccakHex(bytes: Uint8Array): `0x${string}` {
  return `0x${Buffer.from(keccak_256(bytes)).toString("hex")}`;
}
