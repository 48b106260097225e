import { keccak_256 } from "@noble/hashes/sha3.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { bytesToHex, hexToBytes, type Hex } from "viem";

/**
 * Where the p2p layer reads the objects it serves. Injected by the caller: the sequencer serves
 * witnesses, provers serve their proofs. Keys are keccak256 of the object's bytes.
 */
export interface ContentStore {
  get(hash: Hex): Promise<Uint8Array | null>;
}

/** A ContentStore over a Map (tests, devnets). `put` returns the object's keccak256. */
export class MemoryContentStore implements ContentStore {
  private readonly objects = new Map<Hex, Uint8Array>();
  put(data: Uint8Array): Hex {
    const hash = contentHash(data);
    this.objects.set(hash, data);
    return hash;
  }
  async get(hash: Hex): Promise<Uint8Array | null> {
    return this.objects.get(hash.toLowerCase() as Hex) ?? null;
  }
}

export function contentHash(data: Uint8Array): Hex {
  return bytesToHex(keccak_256(data));
}

/** Multicodec numbers: raw binary and keccak-256 multihash. */
const RAW_CODEC = 0x55;
const KECCAK_256_MULTIHASH = 0x1b;

/**
 * The DHT key of an object: CIDv1(raw, keccak-256 multihash of the object). Witnesses and proofs of
 * one segment have different hashes, so a single key space serves both.
 */
export function contentCid(hash: Hex): CID {
  const bytes = hexToBytes(hash);
  if (bytes.length !== 32) throw new RangeError("content hash must be 32 bytes");
  return CID.createV1(RAW_CODEC, Digest.create(KECCAK_256_MULTIHASH, bytes));
}
