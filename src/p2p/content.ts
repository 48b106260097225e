import { sha256 } from "@noble/hashes/sha2.js";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { hexToBytes, type Hex } from "viem";
import { keccakHex } from "../util/keccak.js";

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
  return keccakHex(data);
}

/** Multicodec numbers: raw binary and sha2-256 multihash. */
const RAW_CODEC = 0x55;
const SHA2_256_MULTIHASH = 0x12;
const CID_DOMAIN = new TextEncoder().encode("zkprover/content/1");

/**
 * The DHT key of an object: CIDv1(raw, sha2-256 multihash of (domain ‖ keccak256 of the object)).
 *
 * Why not a keccak-256 multihash of the object: kad-dht 16 sends only the multihash of a provider key
 * and the receiver decodes it as a CIDv0, which accepts sha2-256 multihashes only, so any other hash
 * function is refused on arrival. The derived key is a pure function of the keccak hash, which stays
 * the object's identity everywhere else (requests, checks, L1).
 */
export function contentCid(hash: Hex): CID {
  const bytes = hexToBytes(hash);
  if (bytes.length !== 32) throw new RangeError("content hash must be 32 bytes");
  const pre = new Uint8Array(CID_DOMAIN.length + 32);
  pre.set(CID_DOMAIN, 0);
  pre.set(bytes, CID_DOMAIN.length);
  return CID.createV1(RAW_CODEC, Digest.create(SHA2_256_MULTIHASH, sha256(pre)));
}
