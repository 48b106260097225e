/**
 * Numbered buckets: the first byte of every key. A bucket's number is part of the on-disk format:
 * never renumber, never reuse a retired number (mark it retired here instead).
 */
export enum Bucket {
  /** segment id → JobRecord (the job state machine, DESIGN §7) */
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
}

/** Bump when a record's encoding changes incompatibly; `Store.open` refuses a newer on-disk version. */
export const SCHEMA_VERSION = 1;
