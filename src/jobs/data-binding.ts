/**
 * A data batch's segment witness against what L1 stored when the batch was posted (docs/aggregator.md,
 * "Aggregation by proof trees"): the batch's randomness r (SegmentMarket derives it from the posted
 * bytes), the segment's txCommitment and txCount, its rootIn when the sequencer specified one, and the
 * batch's finalRoot for the last segment. A witness that differs cannot lead to a proof the tree or L1
 * accepts: it is the sequencer's fault, and proving it would only burn the prover's time.
 */
import type { Ext } from "../stark/field/extension.js";
import { digestToBytes32 } from "../rollup/digest.js";
import { transferV2DepthOf } from "../rollup/air-v2/air.js";
import { txCommitment } from "../rollup/batch-binding.js";
import { WITNESS_VERSION_V2, type SegmentWitness } from "../rollup/witness.js";

/** What L1 stored for one segment of a data batch (JobChain.readDataSegment). */
export interface DataSegmentBinding {
  readonly batchId: bigint;
  readonly index: number;
  /** The batch's randomness r (Batch.randomness, unpacked). */
  readonly r: Ext;
  /** The segment's txCommitment packed as a root (Segment.txCommitment). */
  readonly txCommitment: string;
  readonly txCount: number;
  /** The posted rootIn; zero: not specified. */
  readonly rootIn: string;
  /** The batch's finalRoot when this is its last segment and it was specified; else null. */
  readonly finalRoot: string | null;
}

const ZERO_ROOT = `0x${"00".repeat(32)}`;

/** The AIR names of data-batch segments (`transfer-v2-d<D>`). */
export function isDataSegmentAir(air: string): boolean {
  return transferV2DepthOf(air) !== null;
}

/** Every way `w` differs from L1's binding (empty: bound); `air` is the segment's transfer-v2 AIR, `logRows` the plan's segment height. */
export function dataWitnessProblems(w: SegmentWitness, air: string, b: DataSegmentBinding, logRows?: number): string[] {
  const problems: string[] = [];
  if (logRows !== undefined && w.logRows !== logRows) problems.push(`2^${w.logRows} rows, the deployment's data segments have 2^${logRows}`);
  const eq = (a: string, c: string): boolean => a.toLowerCase() === c.toLowerCase();
  if (w.version !== WITNESS_VERSION_V2) problems.push(`witness version ${w.version}, a data batch's is ${WITNESS_VERSION_V2}`);
  const depth = transferV2DepthOf(air);
  if (depth !== null && w.treeDepth !== depth) problems.push(`tree depth ${w.treeDepth}, the rollup's is ${depth}`);
  if (w.batchId !== b.batchId || w.segmentIndex !== b.index) problems.push(`witness of segment ${w.batchId}:${w.segmentIndex}, not ${b.batchId}:${b.index}`);
  const r = w.randomness;
  if (!r || r.some((x, i) => x !== b.r[i])) problems.push(`randomness r [${r?.join(",") ?? "none"}] is not L1's [${b.r.join(",")}]`);
  if (w.steps.length !== b.txCount) problems.push(`${w.steps.length} transactions, ${b.txCount} posted`);
  const commitment = digestToBytes32(txCommitment(w.steps.map((s) => s.tx)));
  if (!eq(commitment, b.txCommitment)) problems.push(`txCommitment ${commitment} is not the posted ${b.txCommitment}`);
  const rootIn = digestToBytes32(w.rootIn);
  if (!eq(b.rootIn, ZERO_ROOT) && !eq(rootIn, b.rootIn)) problems.push(`rootIn ${rootIn} is not the posted ${b.rootIn}`);
  const rootOut = digestToBytes32(w.rootOut);
  if (b.finalRoot !== null && !eq(b.finalRoot, ZERO_ROOT) && !eq(rootOut, b.finalRoot)) problems.push(`rootOut ${rootOut} of the last segment is not the batch's finalRoot ${b.finalRoot}`);
  return problems;
}
