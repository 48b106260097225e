/**
 * TypeScript mirror of contracts/libraries/StatementLib.sol: how a segment statement and its hashes are
 * laid out for the contracts and the STARK verifier. Keep the two in step.
 */
import { bytesToHex, hexToBytes, keccak256, type Hex } from "viem";
import { publicInputsOf } from "../rollup/air/statement.js";
import type { Transaction } from "../rollup/transaction.js";

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

/**
 * Public inputs of AIR transfer-v1, as StatementLib.publicInputs builds them on-chain:
 * [batchId & (2^30-1), batchId >> 30, segmentIndex, treeDepth, rootIn(8), rootOut(8), txCount].
 * Delegates to the AIR's own publicInputsOf so the two cannot drift apart.
 */
export function segmentPublicInputs(
  batchId: bigint | number,
  segmentIndex: number,
  treeDepth: number,
  rootIn: Hex,
  rootOut: Hex,
  txCount: number,
): number[] {
  const id = BigInt(batchId);
  if (id < 0n || id >= 1n << 60n) throw new RangeError(`batchId must be in [0, 2^60), got ${id}`);
  if (!Number.isInteger(segmentIndex) || segmentIndex < 0 || segmentIndex >= 2 ** 30) {
    throw new RangeError(`segmentIndex must be in [0, 2^30), got ${segmentIndex}`);
  }
  const pi = publicInputsOf({
    treeDepth,
    logRows: 0,
    batchId: id,
    segmentIndex,
    rootIn: unpackRoot(rootIn),
    rootOut: unpackRoot(rootOut),
    transactions: { length: txCount } as readonly Transaction[],
  });
  return Array.from(pi);
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
