/** Aggregator options (docs/aggregator.md). The L1 writes have their own (actions.ts, MarketActionsOpts). */
export interface AggregatorOpts {
  /** A committed proof nobody served for this long (one fetch attempt is bounded by it too) counts as withheld: reportUnavailable. */
  fetchTimeoutMs: number;
  /** Try a failed proof or witness fetch again after this long. */
  refetchMs: number;
  /** recover() looks at this many of the most recent batch ids. */
  recoverBatches: number;
  /** ProofPublished events are searched this many blocks back (after a restart the event bytes are gone). */
  publishedLookbackBlocks: number;
}

export const defaultAggregatorOpts: AggregatorOpts = {
  fetchTimeoutMs: 30_000,
  refetchMs: 30_000,
  recoverBatches: 256,
  publishedLookbackBlocks: 10_000,
};
