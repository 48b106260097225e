/**
 * A finalization is final for a job only once it is chain.finalityDepth blocks deep (chaos soak seed 1:
 * a 5-block reorg undid a finalization the node had already taken as final; the node never committed
 * again and was slashed). The reader is a stand-in for the market at chosen blocks.
 */
import { strict as assert } from "node:assert";
import type { Address, Hex } from "viem";
import { ChainJobAdapter } from "../../../src/node/job-chain.js";
import { BatchStatus, SegmentStatus, type BatchView, type Head, type MarketReader, type SegmentView } from "../../../src/chain/market-reader.js";
import { segmentIdOf } from "../../../src/util/segment-id.js";

const ME = "0x00000000000000000000000000000000000000aa" as Address;
const PROOF = `0x${"11".repeat(32)}` as Hex;

/** The market as a function of the block: finalized from `finalizedAt` on (null: not finalized). */
function market(state: { head: bigint; finalizedAt: bigint | null; committed: boolean }) {
  const batchAt = (n: bigint): BatchView => ({
    batchId: 1n,
    status: state.finalizedAt !== null && n >= state.finalizedAt ? BatchStatus.Finalized : BatchStatus.Open,
    segmentCount: 1,
    committedCount: state.committed ? 1 : 0,
    timeoutAt: 10n ** 12n,
    fullyCommittedBlock: 0n,
  });
  const reader = {
    batch: async (_id: bigint, blockNumber?: bigint) => batchAt(blockNumber ?? state.head),
    segment: async (): Promise<SegmentView> => ({
      batchId: 1n, index: 0, status: state.committed ? SegmentStatus.Committed : SegmentStatus.Locked, witnessHash: PROOF, txDataHash: PROOF, txCount: 1,
      locker: ME, lockDeadline: 10n ** 11n, proofHash: state.committed ? PROOF : null, committedRootIn: PROOF, committedRootOut: PROOF, reportedAt: 0n, verified: false,
    }),
    head: async (): Promise<Head> => ({ number: state.head, timestamp: 1000n }),
  };
  return reader as unknown as MarketReader;
}

describe("node: a job reads a finalization as final only finalityDepth blocks deep", () => {
  const slashes = { get: async () => [] as Address[] };
  const sender = { address: ME } as never;
  const id = segmentIdOf(1n, 0);

  it("shallow: committed (the job keeps following); deep: finalized; a reorg that undoes it: the commitment's state again", async () => {
    const state = { head: 100n, finalizedAt: 100n as bigint | null, committed: true };
    const chain = new ChainJobAdapter({ reader: market(state), sender, slashes, finalityDepth: 6 });
    assert.equal((await chain.readSegment(id)).status, "committed");
    state.head = 105n;
    assert.equal((await chain.readSegment(id)).status, "committed");
    state.head = 106n;
    assert.equal((await chain.readSegment(id)).status, "finalized");
    // A reorg before the depth was reached took the finalization and the commitment away: locked, ours.
    Object.assign(state, { head: 103n, finalizedAt: null, committed: false });
    const after = await chain.readSegment(id);
    assert.equal(after.status, "locked");
    assert.equal(after.lockedBy, ME);
  });

  it("depth 0 keeps the former behaviour: finalized at once", async () => {
    const chain = new ChainJobAdapter({ reader: market({ head: 100n, finalizedAt: 100n, committed: true }), sender, slashes, finalityDepth: 0 });
    assert.equal((await chain.readSegment(id)).status, "finalized");
  });

  it("a chain shorter than the depth is not final yet", async () => {
    const chain = new ChainJobAdapter({ reader: market({ head: 3n, finalizedAt: 1n, committed: true }), sender, slashes, finalityDepth: 6 });
    assert.equal((await chain.readSegment(id)).status, "committed");
  });
});
