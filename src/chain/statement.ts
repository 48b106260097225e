/**
 * TypeScript mirror of contracts/libraries/StatementLib.sol: how a segment statement and its hashes are
 * laid out for the contracts and the STARK verifier. Keep the two in step.
 */
import { bytesToHex, hexToBytes, keccak256, type Hex } from "viem";

/** A Poseidon2 digest (8 BabyBear elements) packed as 8 x u32 little-endian into bytes32. */
export function packRoot(words: readonly number[]): Hex {
  if (words.length !== 8) throw new Error(`a root has 8 words, got ${words.length}`);
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  words.forEach((w, k) => view.setUint32(4 * k, w >>> 0, true));
  return bytesToHex(out);
}

export function unpackRoot(root: Hex): number[] {
  const bytes = hexToBytes(root);
  if (bytes.length !== 32) throw new Error("a root is 32 bytes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, 32);
  return Array.from({ length: 8 }, (_, k) => view.getUint32(4 * k, true));
}

/** Public inputs of AIR transfer-v1: [batchId, segmentIndex, rootIn(8), rootOut(8), txCount]. */
export function segmentPublicInputs(
  batchId: bigint | number,
  segmentIndex: number,
  rootIn: Hex,
  rootOut: Hex,
  txCount: number,
): number[] {
  return [Number(BigInt(batchId) & 0xffffffffn), segmentIndex >>> 0, ...unpackRoot(rootIn), ...unpackRoot(rootOut), txCount >>> 0];
}

/** keccak256 of the public column as consecutive 32-byte big-endian words (Solidity abi.encodePacked(uint32[])). */
export function txDataHash(publicColumn: readonly number[]): Hex {
  const out = new Uint8Array(32 * publicColumn.length);
  const view = new DataView(out.buffer);
  publicColumn.forEach((v, i) => view.setUint32(32 * i + 28, v >>> 0, false));
  return keccak256(out);
}

/** The commitment a prover posts for its proof bytes. */
export function proofHash(proof: Hex | Uint8Array): Hex {
  return keccak256(proof);
}
