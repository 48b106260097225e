/**
 * A segment's id everywhere off chain (store keys, jobs, logs): `batchId << 32 | index`, so one bigint
 * names a segment and sorts by batch, then index.
 */
export function segmentIdOf(batchId: bigint, index: number): bigint {
  return (batchId << 32n) | BigInt(index >>> 0);
}

export function splitSegmentId(segmentId: bigint): { batchId: bigint; index: number } {
  return { batchId: segmentId >> 32n, index: Number(segmentId & 0xffffffffn) };
}
