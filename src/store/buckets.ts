/**
 * Numbered buckets: the first byte of every key. A bucket's number is part of the on-disk format:
 * never renumber, never reuse a retired number (mark it retired here instead).
 */
export enum Bucket {
  /** segment id → JobRecord (the job state machine, docs/node-runtime.md) */
  jobs = 1,
  /** segment id → SegmentRecord (what we know about the segment's auction) */
  segments = 2,
  /** segment id → ProofRecord (proof bytes + metadata) */
  proofs = 3,
  /** cursor name → ChainCursor (event ingestion position) */
  chainCursor = 4,
  /** string key → store metadata (schema version) */
  meta = 5,
  /** segment id → witness bytes (kept from "witness fetched" until the proof is stored) */
  witnesses = 6,
  /** proof hash (0x-hex, lower case) → segment id: proofs are served by hash without reading them all at start */
  proofsByHash = 7,
  /** segment id → provers slashed for the segment, from ingested market events */
  slashes = 8,
}

/**
 * Bump when a record's encoding changes incompatibly; `Store.open` refuses a newer on-disk version and
 * migrates an older one. 2: the proofsByHash index (built once from the proofs of a version-1 database).
 */
export const SCHEMA_VERSION = 2;
