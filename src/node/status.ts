/**
 * What the node reports about itself: `/status` and `/readyz` (api/), and the `status` heartbeat the p2p
 * layer publishes. Reads the store, the stake through chain/'s StakingClient, the pool's load and the
 * p2p host; starts nothing.
 */
import type { Address, PublicClient } from "viem";
import type { AggregationStatus, JobView, NodeStatus, Readiness } from "../api/interface.js";
import type { StakingClient } from "../chain/staking.js";
import { summariseJobs } from "../jobs/summary.js";
import type { P2pNetwork } from "../p2p/index.js";
import type { Store } from "../store/index.js";
import type { Logger } from "../util/logger.js";
import { splitSegmentId } from "../util/segment-id.js";

export const NODE_VERSION = "0.1.0";

/** The p2p `status` heartbeat and `status/1` answer: version, backend, workers and the pool's load. */
export function nodeHeartbeat(opts: { backend: string; workers: number }, pool: { readonly load: { running: number; queued: number } }): () => { nodeVersion: string; backend: string; capacity: number; queued: number } {
  return () => ({ nodeVersion: NODE_VERSION, backend: opts.backend, capacity: opts.workers, queued: Math.min(0xffff, pool.load.running + pool.load.queued) });
}

export interface NodeStatusOpts {
  network: string;
  backend: string;
  workers: number;
}

export interface NodeStatusModules {
  address: Address;
  store: Store;
  staking: Pick<StakingClient, "ownStake">;
  publicClient: PublicClient;
  p2p: Pick<P2pNetwork, "connectedPeers" | "peerId">;
  breaker: () => string;
  /** The join coordinator's snapshot (aggregator/joins.ts), when the node aggregates by proof trees. */
  trees?: () => readonly AggregationStatus[];
  clock?: { now(): number };
}

export class NodeStatusSource {
  private readonly startedAt: number;
  private readonly clock: { now(): number };

  constructor(
    private readonly opts: NodeStatusOpts,
    private readonly m: NodeStatusModules,
  ) {
    this.clock = m.clock ?? Date;
    this.startedAt = this.clock.now();
  }

  async status(): Promise<NodeStatus> {
    let stake: NodeStatus["stake"] = null;
    try {
      const s = await this.m.staking.ownStake();
      stake = { bonded: s.selfStake, free: s.freeStake, locked: s.selfStake > s.freeStake ? s.selfStake - s.freeStake : 0n };
    } catch {
      stake = null;
    }
    const jobs = summariseJobs(await this.m.store.jobs.values());
    let peers = 0;
    let peerId: string | null = null;
    try {
      peers = this.m.p2p.connectedPeers().length;
      peerId = this.m.p2p.peerId;
    } catch {
      /* not started */
    }
    return {
      version: NODE_VERSION,
      network: this.opts.network,
      address: this.m.address,
      peerId,
      peers,
      stake,
      jobs: jobs.byState,
      earnings: { total: jobs.earned, pending: jobs.pending },
      backend: { kind: this.opts.backend, workers: this.opts.workers },
      market: { breaker: this.m.breaker() },
      uptimeSeconds: Math.floor((this.clock.now() - this.startedAt) / 1000),
      ...(this.m.trees ? { aggregation: this.m.trees() } : {}),
    };
  }

  /** `/jobs`: every job record in the store, newest update first. */
  async jobs(): Promise<JobView[]> {
    const out: JobView[] = [];
    for (const j of await this.m.store.jobs.values()) {
      const { batchId, index } = splitSegmentId(j.segmentId);
      out.push({
        segmentId: j.segmentId,
        batchId,
        index,
        state: j.state,
        ...(j.failureReason ? { failureReason: j.failureReason } : {}),
        ...(j.proofHash ? { proofHash: j.proofHash } : {}),
        ...(j.lockDeadline !== undefined ? { lockDeadline: j.lockDeadline } : {}),
        txs: j.txs,
        provingAttempts: j.provingAttempts,
        updatedAt: j.updatedAt,
        history: j.history,
      });
    }
    return out.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  /** Warn (at start) when this address cannot lock segments: not registered, or stake below the minimum. */
  async checkRegistration(log: Logger): Promise<void> {
    const s = await this.m.staking.ownStake();
    if (!s.registered) log.warn("This address is not registered as a prover: it will not lock segments (run `prover-node register`)", { address: this.m.address });
    else if (!s.active) log.warn("Stake below the minimum: this node will not lock segments (run `prover-node stake bond <amount>`)", { address: this.m.address, freeStake: s.freeStake });
  }

  async readiness(): Promise<Readiness> {
    const checks: Record<string, true | string> = {};
    try {
      await this.m.publicClient.getBlockNumber({ cacheTime: 0 });
      checks.rpc = true;
    } catch (err) {
      checks.rpc = `RPC unreachable: ${(err as Error).message.split("\n")[0]}`;
    }
    try {
      checks.p2p = this.m.p2p.connectedPeers().length > 0 ? true : "no peers connected";
    } catch {
      checks.p2p = "p2p not started";
    }
    checks.store = true;
    checks.keystore = true;
    return { ready: Object.values(checks).every((v) => v === true), checks };
  }
}
