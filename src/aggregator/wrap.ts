/**
 * The elected aggregator's part of the tree path (docs/aggregator.md, "Aggregation by proof trees"):
 * once the top of a batch's tree is held (own or gossiped joins) and the election lets this node submit
 * (rank 0, a fallback whose rank came, or the open race), prove the wrap of the top and submit it. A
 * fallback needs nothing from an aggregator that failed: the joins are on the mesh. The wrap is proven
 * once per batch and kept, so a failed submission is retried without proving again.
 */
import type { Address } from "viem";
import type { AggregationPlan, NodeProof } from "../recursion/plan.js";
import { type Logger, nullLogger } from "../util/logger.js";
import type { JoinCoordinator } from "./joins.js";
import type { SubmitWrapRequest } from "./actions.js";

export interface WrapSubmitterModules {
  readonly coordinator: Pick<JoinCoordinator, "top">;
  /** May this node submit the batch now, and who is its rank-0 aggregator (AggregatorElection.submissionRights). */
  readonly rights: (batchId: bigint) => Promise<{ allowed: boolean; primary: Address }>;
  /** The plan's proveWrap with this node's backend and address. */
  readonly proveWrap: (plan: AggregationPlan, top: NodeProof, joinProvers: readonly Uint8Array[], segments: number) => Promise<NodeProof>;
  readonly submit: (req: SubmitWrapRequest) => Promise<void>;
  readonly logger?: Logger;
}

export type WrapOutcome = "waiting-for-tree" | "not-our-turn" | "submitted" | "failed";

export class WrapSubmitter {
  private readonly wraps = new Map<bigint, NodeProof>();
  private readonly busy = new Set<bigint>();
  private readonly log: Logger;

  constructor(private readonly m: WrapSubmitterModules) {
    this.log = (m.logger ?? nullLogger).child({ module: "wrap" });
  }

  /** One attempt for a batch (call on every aggregator pass until the batch leaves Open). */
  async attempt(batchId: bigint, plan: AggregationPlan, segments: number): Promise<WrapOutcome> {
    if (this.busy.has(batchId)) return "waiting-for-tree";
    const tree = this.m.coordinator.top(batchId);
    if (!tree) return "waiting-for-tree";
    this.busy.add(batchId);
    try {
      const rights = await this.m.rights(batchId);
      if (!rights.allowed) return "not-our-turn";
      let wrap = this.wraps.get(batchId);
      if (!wrap) {
        const t0 = Date.now();
        wrap = await this.m.proveWrap(plan, tree.top, tree.joinProvers, segments);
        this.wraps.set(batchId, wrap);
        this.log.info("Wrap proven", { batchId: batchId.toString(), segments, ms: Date.now() - t0, bytes: wrap.proof.length });
      }
      await this.m.submit({ batchId, proof: wrap.proof, publicInputs: wrap.publicValues, primary: rights.primary });
      return "submitted";
    } catch (err) {
      this.log.warn("Wrap not submitted; retrying on the next pass", { batchId: batchId.toString(), error: (err as Error).message.slice(0, 300) });
      return "failed";
    } finally {
      this.busy.delete(batchId);
    }
  }

  /** The batch left Open: drop its wrap. */
  forget(batchId: bigint): void {
    this.wraps.delete(batchId);
  }
}
