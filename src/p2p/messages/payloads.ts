import { bytesToHex, hexToBytes, type Hex } from "viem";
import { DecodeError } from "../errors.js";
import { Reader, Writer } from "./binary.js";

/** A prover announces a segment proof it holds (fetch it over `proof/1` by `proofHash`). */
export interface ProofAvailable {
  batchId: bigint;
  segmentIndex: number;
  /** keccak256 of the proof bytes; the same hash is committed on L1. */
  proofHash: Hex;
  /** Proof size in bytes. */
  size: number;
}

/** A sequencer or prover announces a segment witness it serves over `witness/1`. */
export interface WitnessAvailable {
  batchId: bigint;
  segmentIndex: number;
  witnessHash: Hex;
  size: number;
}

/** Node heartbeat. */
export interface Status {
  /** Software version, printable ASCII, at most 32 characters. */
  nodeVersion: string;
  /** Prover backend in use ("js", "wasm", "cuda"...), at most 16 characters. */
  backend: string;
  /** Segments this node could start proving now. */
  capacity: number;
  /** Segments queued or being proved. */
  queued: number;
}

/** The aggregator reports how many segment proofs of a batch it has collected. */
export interface AggregateProgress {
  batchId: bigint;
  collected: number;
  total: number;
}

/** Advisory: the signer intends to lock this segment; others may back off until `expiresAt` (ms). */
export interface LockIntent {
  batchId: bigint;
  segmentIndex: number;
  expiresAt: number;
}

/**
 * A node of a batch's proof tree is available (docs/aggregator.md, "Aggregation"): the leaf of one
 * segment (first = last) or a join of segments first..last, bound to the signer's address. Fetch it
 * over `proof/1` by `proofHash` (keccak256 of the encoded node). Announced when proven, and again by
 * any node that verified it when it becomes a child of a join task (so a late peer learns the task).
 */
export interface AggNodeAvailable {
  batchId: bigint;
  first: number;
  last: number;
  proofHash: Hex;
  size: number;
}

export type GossipBody =
  | ({ kind: "proofAvailable" } & ProofAvailable)
  | ({ kind: "witnessAvailable" } & WitnessAvailable)
  | ({ kind: "status" } & Status)
  | ({ kind: "aggregateProgress" } & AggregateProgress)
  | ({ kind: "lockIntent" } & LockIntent)
  | ({ kind: "aggNodeAvailable" } & AggNodeAvailable);

export type GossipKind = GossipBody["kind"];

/** Wire numbers of the message kinds. Never reuse a retired number. */
export const KIND_CODES: Record<GossipKind, number> = {
  proofAvailable: 1,
  witnessAvailable: 2,
  status: 3,
  aggregateProgress: 4,
  lockIntent: 5,
  aggNodeAvailable: 6,
};
const KIND_BY_CODE = new Map(Object.entries(KIND_CODES).map(([k, v]) => [v, k as GossipKind]));

export function kindFromCode(code: number): GossipKind {
  const kind = KIND_BY_CODE.get(code);
  if (kind === undefined) throw new DecodeError("kind", `unknown message kind ${code}`);
  return kind;
}

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

function checkU32(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new RangeError(`${field} must be a u32`);
}
function checkU64(v: bigint, field: string): void {
  if (v < 0n || v > U64_MAX) throw new RangeError(`${field} must be a u64`);
}
function hash32(v: Hex, field: string): Uint8Array {
  const b = hexToBytes(v);
  if (b.length !== 32) throw new RangeError(`${field} must be 32 bytes`);
  return b;
}

/** Encode a payload body (without the envelope). Throws RangeError on values that do not fit. */
export function encodeBody(body: GossipBody): Uint8Array {
  const w = new Writer(64);
  switch (body.kind) {
    case "proofAvailable":
    case "witnessAvailable": {
      checkU64(body.batchId, "batchId");
      checkU32(body.segmentIndex, "segmentIndex");
      checkU32(body.size, "size");
      const h = body.kind === "proofAvailable" ? body.proofHash : body.witnessHash;
      w.u64(body.batchId).u32(body.segmentIndex).bytes(hash32(h, "hash")).u32(body.size);
      break;
    }
    case "status":
      if (!/^[\x20-\x7e]{0,32}$/.test(body.nodeVersion)) throw new RangeError("nodeVersion");
      if (!/^[\x20-\x7e]{1,16}$/.test(body.backend)) throw new RangeError("backend");
      if (!Number.isInteger(body.capacity) || body.capacity < 0 || body.capacity > 0xffff) throw new RangeError("capacity");
      if (!Number.isInteger(body.queued) || body.queued < 0 || body.queued > 0xffff) throw new RangeError("queued");
      w.ascii(body.nodeVersion).ascii(body.backend).u16(body.capacity).u16(body.queued);
      break;
    case "aggregateProgress":
      checkU64(body.batchId, "batchId");
      checkU32(body.collected, "collected");
      checkU32(body.total, "total");
      if (body.total === 0 || body.collected > body.total) throw new RangeError("collected/total");
      w.u64(body.batchId).u32(body.collected).u32(body.total);
      break;
    case "lockIntent":
      checkU64(body.batchId, "batchId");
      checkU32(body.segmentIndex, "segmentIndex");
      if (!Number.isSafeInteger(body.expiresAt) || body.expiresAt < 0) throw new RangeError("expiresAt");
      w.u64(body.batchId).u32(body.segmentIndex).u64(BigInt(body.expiresAt));
      break;
    case "aggNodeAvailable":
      checkU64(body.batchId, "batchId");
      checkU32(body.first, "first");
      checkU32(body.last, "last");
      checkU32(body.size, "size");
      if (body.last < body.first) throw new RangeError("first/last");
      w.u64(body.batchId).u32(body.first).u32(body.last).bytes(hash32(body.proofHash, "proofHash")).u32(body.size);
      break;
  }
  return w.finish();
}

/** Strictly decode a payload body of the given kind; the whole input must be consumed. */
export function decodeBody(kind: GossipKind, bytes: Uint8Array): GossipBody {
  const r = new Reader(bytes);
  let body: GossipBody;
  switch (kind) {
    case "proofAvailable":
    case "witnessAvailable": {
      const batchId = r.u64("batchId");
      const segmentIndex = r.u32("segmentIndex");
      const hash = bytesToHex(r.bytes(32, kind === "proofAvailable" ? "proofHash" : "witnessHash"));
      const size = r.u32("size");
      if (size === 0) throw new DecodeError("size", "must be > 0");
      body =
        kind === "proofAvailable"
          ? { kind, batchId, segmentIndex, proofHash: hash, size }
          : { kind, batchId, segmentIndex, witnessHash: hash, size };
      break;
    }
    case "status": {
      const nodeVersion = r.ascii("nodeVersion", 32);
      const backend = r.ascii("backend", 16);
      if (backend.length === 0) throw new DecodeError("backend", "empty");
      body = { kind, nodeVersion, backend, capacity: r.u16("capacity"), queued: r.u16("queued") };
      break;
    }
    case "aggregateProgress": {
      const batchId = r.u64("batchId");
      const collected = r.u32("collected");
      const total = r.u32("total");
      if (total === 0) throw new DecodeError("total", "must be > 0");
      if (collected > total) throw new DecodeError("collected", `${collected} > total ${total}`);
      body = { kind, batchId, collected, total };
      break;
    }
    case "lockIntent":
      body = { kind, batchId: r.u64("batchId"), segmentIndex: r.u32("segmentIndex"), expiresAt: r.u64Number("expiresAt") };
      break;
    case "aggNodeAvailable": {
      const batchId = r.u64("batchId");
      const first = r.u32("first");
      const last = r.u32("last");
      if (last < first) throw new DecodeError("last", `${last} < first ${first}`);
      const proofHash = bytesToHex(r.bytes(32, "proofHash"));
      const size = r.u32("size");
      if (size === 0) throw new DecodeError("size", "must be > 0");
      body = { kind, batchId, first, last, proofHash, size };
      break;
    }
  }
  r.end("payload");
  return body;
}
