/** Aggregator options (DESIGN §5 AggregatorElection + Rollup; docs/aggregator.md). */
export interface AggregatorOpts {
  /** A committed proof nobody served for this long (one fetch attempt is bounded by it too) counts as withheld: reportUnavailable. */
  fetchTimeoutMs: number;
  /** Try a failed proof or witness fetch again after this long. */
  refetchMs: number;
  /** Test fault: never submit a batch whose primary we are before the open race (still act as a fallback rank and in the race). */
  silentAsPrimary: boolean;
  /** Answer reports against our own segments with respondUnavailable (a test fault turns it off). */
  respondToReports: boolean;
  /** Gas of submitAggregate; estimated when absent. */
  submitGas?: bigint;
  /** Gas of challengeProof; when absent verifyGasLimit + verifyGasLimit/63 + reserve + calldata + overhead. */
  challengeGas?: bigint;
  /** How long one transaction may wait for its receipt before chain state is re-read. */
  txTimeoutMs: number;
  /** recover() looks at this many of the most recent batch ids. */
  recoverBatches: number;
  /** ProofPublished events are searched this many blocks back (after a restart the event bytes are gone). */
  publishedLookbackBlocks: number;
}

export const defaultAggregatorOpts: AggregatorOpts = {
  fetchTimeoutMs: 30_000,
  refetchMs: 30_000,
  silentAsPrimary: false,
  respondToReports: true,
  txTimeoutMs: 60_000,
  recoverBatches: 256,
  publishedLookbackBlocks: 10_000,
};
