/**
 * What the devnet shows while it runs, all read from the chain (never from the nodes' own claims):
 * batches posted/finalized, segments by state, commitments, slashes, each node's stake and earnings,
 * and the L1 state root against the sequencer's.
 */
import { getAddress, type Address, type Hex } from "viem";
import { rollupAbi, segmentMarketAbi } from "../../chain/abi/index.js";
import { BatchStatus, SegmentStatus } from "../../chain/market-reader.js";
import type { Devnet } from "./devnet.js";

export interface NodeSummary {
  index: number;
  address: Address;
  /** Whether the devnet's process for it runs (false for an external node). */
  running: boolean;
  /** A funded address whose node the operator runs (--fund), not a devnet process. */
  external: boolean;
  /** Self stake now (stake-token base units). */
  stake: bigint;
  /** Paid for proven segments (SegmentPaid, into the prover's stake pool). */
  earned: bigint;
  /** Aggregator fees received (BatchFinalized where this node aggregated). */
  aggregatorFees: bigint;
  segmentsPaid: number;
  batchesAggregated: number;
  /** Collateral lost (lock expiry, failed challenge, withheld proof) plus liveness penalties. */
  slashed: bigint;
  slashes: number;
}

export interface SlashRecord {
  kind: "expired" | "challenged" | "unavailable" | "liveness";
  prover: Address;
  amount: bigint;
  batchId: bigint;
  index: number | null;
  beneficiary: Address | null;
}

export interface DevnetSummary {
  batchesPosted: number;
  batchesFinalized: number;
  segmentsByState: Record<string, number>;
  commitments: number;
  slashes: SlashRecord[];
  nodes: NodeSummary[];
  l1Root: Hex;
  /** The sequencer's root after the last finalized batch. */
  sequencerRoot: Hex | null;
  rootsMatch: boolean;
  insecure: boolean;
}

const SEGMENT_STATES: Record<SegmentStatus, string> = { [SegmentStatus.None]: "none", [SegmentStatus.Open]: "open", [SegmentStatus.Locked]: "locked", [SegmentStatus.Committed]: "committed" };

export async function summarize(d: Devnet): Promise<DevnetSummary> {
  const c = d.publicClient;
  const market = d.deployment.addresses.market;
  const rollup = d.deployment.addresses.rollup;
  const fromBlock = d.deployment.block;
  const ev = <N extends string>(eventName: N) => c.getContractEvents({ address: market, abi: segmentMarketAbi, eventName: eventName as never, fromBlock, toBlock: "latest" }) as Promise<{ args: Record<string, unknown> }[]>;
  const [paid, finalized, committed, expired, challenged, unavailable, liveness] = await Promise.all([
    ev("SegmentPaid"),
    ev("BatchFinalized"),
    ev("ProofCommitted"),
    ev("LockExpired"),
    ev("ProofChallenged"),
    ev("UnavailabilitySlashed"),
    c.getContractEvents({ address: rollup, abi: rollupAbi, eventName: "LivenessPenalized", fromBlock, toBlock: "latest" }) as Promise<{ args: Record<string, unknown> }[]>,
  ]);
  const slashes: SlashRecord[] = [
    ...expired.map((e) => ({ kind: "expired" as const, prover: getAddress(e.args.prover as Address), amount: e.args.slashed as bigint, batchId: e.args.batchId as bigint, index: Number(e.args.index), beneficiary: null })),
    ...challenged.map((e) => ({ kind: "challenged" as const, prover: getAddress(e.args.prover as Address), amount: e.args.slashed as bigint, batchId: e.args.batchId as bigint, index: Number(e.args.index), beneficiary: getAddress(e.args.challenger as Address) })),
    ...unavailable.map((e) => ({ kind: "unavailable" as const, prover: getAddress(e.args.prover as Address), amount: e.args.slashed as bigint, batchId: e.args.batchId as bigint, index: Number(e.args.index), beneficiary: getAddress(e.args.reporter as Address) })),
    ...liveness.map((e) => ({ kind: "liveness" as const, prover: getAddress(e.args.primary as Address), amount: e.args.amount as bigint, batchId: e.args.batchId as bigint, index: null, beneficiary: null })),
  ];
  const segmentsByState: Record<string, number> = {};
  for (const b of d.posted) {
    const batch = await d.contracts.market.read.getBatch([b.batchId]);
    for (const s of b.segments) {
      const seg = await d.contracts.market.read.getSegment([b.batchId, s.index]);
      const state = batch.status === BatchStatus.Finalized ? "finalized" : batch.status === BatchStatus.TimedOut ? "timedOut" : (SEGMENT_STATES[seg.status as SegmentStatus] ?? "unknown");
      segmentsByState[state] = (segmentsByState[state] ?? 0) + 1;
    }
  }
  const nodes: NodeSummary[] = [];
  // The devnet's own nodes, then the addresses it funded (an operator's own node, started by hand).
  const members = [
    ...d.nodes.map((n) => ({ index: n.index, address: n.address, running: n.process !== null && n.process.exitCode === null && n.process.signalCode === null, external: false })),
    ...d.opts.fund.map((address, k) => ({ index: d.nodes.length + k, address: getAddress(address), running: false, external: true })),
  ];
  for (const n of members) {
    const me = n.address.toLowerCase();
    const mine = (a: unknown) => typeof a === "string" && a.toLowerCase() === me;
    const myPaid = paid.filter((e) => mine(e.args.prover));
    const myAgg = finalized.filter((e) => mine(e.args.aggregator));
    const mySlashes = slashes.filter((s) => s.prover.toLowerCase() === me);
    nodes.push({
      index: n.index,
      address: n.address,
      running: n.running,
      external: n.external,
      stake: await d.contracts.staking.read.selfStake([n.address]),
      earned: myPaid.reduce((s, e) => s + (e.args.amount as bigint), 0n),
      aggregatorFees: myAgg.reduce((s, e) => s + (e.args.aggregatorFee as bigint), 0n),
      segmentsPaid: myPaid.length,
      batchesAggregated: myAgg.length,
      slashed: mySlashes.reduce((s, x) => s + x.amount, 0n),
      slashes: mySlashes.length,
    });
  }
  const l1Root = await d.contracts.rollup.read.stateRoot();
  const last = await d.contracts.rollup.read.lastFinalizedBatch();
  const sequencerRoot = last === 0n ? d.sequencer.genesisRoot : (d.sequencer.expectedRoot(last) ?? null);
  return {
    batchesPosted: d.posted.length,
    batchesFinalized: finalized.length,
    segmentsByState,
    commitments: committed.length,
    slashes,
    nodes,
    l1Root,
    sequencerRoot,
    rootsMatch: sequencerRoot !== null && sequencerRoot.toLowerCase() === l1Root.toLowerCase(),
    insecure: d.opts.options === "test",
  };
}

function tokens(v: bigint): string {
  const whole = v / 10n ** 18n;
  const frac = ((v % 10n ** 18n) * 1000n) / 10n ** 18n;
  return `${whole}.${frac.toString().padStart(3, "0")}`;
}

/** A few lines for a terminal or a log. */
export function formatSummary(s: DevnetSummary): string[] {
  const states = Object.entries(s.segmentsByState).map(([k, v]) => `${k} ${v}`).join(", ") || "none yet";
  const lines = [
    `batches posted ${s.batchesPosted}, finalized ${s.batchesFinalized} | segments: ${states} | commitments ${s.commitments} | slashes ${s.slashes.length}`,
    `L1 state root ${s.l1Root.slice(0, 18)}… ${s.rootsMatch ? "= sequencer's" : `≠ sequencer's ${s.sequencerRoot?.slice(0, 18) ?? "?"}…`}${s.insecure ? " | PROOF OPTIONS 'test': INSECURE PROOFS (devnet only)" : ""}`,
  ];
  for (const n of s.nodes) {
    lines.push(
      `  ${n.external ? "yours " : `node ${n.index}`} ${n.address.slice(0, 10)}… ${n.external ? "ext " : n.running ? "up  " : "down"} stake ${tokens(n.stake)} | earned ${tokens(n.earned)} (${n.segmentsPaid} segments) + aggregator ${tokens(n.aggregatorFees)} (${n.batchesAggregated} batches) | slashed ${tokens(n.slashed)} (${n.slashes})`,
    );
  }
  return lines;
}
