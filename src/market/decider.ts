/**
 * The node's lock decision, as the job runner asks for it (jobs/'s JobMarket, structurally): the market
 * agent's rails, then the gossip intent round, one segment at a time. Serialising matters: two segments
 * decided at once would both see the same free capacity and stake. A "yes" reserves its capacity until
 * the job leaves "observed" (the runner persists "decided" right after), so the next decision counts it.
 */
import type { JobRecord, SegmentRecord } from "../store/index.js";
import type { Clock } from "../util/clock.js";
import { systemClock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import type { MarketAgent } from "./agent.js";
import type { LockIntents } from "./intents.js";

import type { DeclineReason } from "../store/index.js";

export type DeciderDecision = { readonly lock: true; readonly price: bigint } | { readonly lock: false; readonly reason: DeclineReason; readonly retryAt?: number };

export interface LockDeciderModules {
  agent: Pick<MarketAgent, "decide">;
  /** null: no intent round (a single node, or intents disabled). */
  intents: Pick<LockIntents, "claim"> | null;
  signal?: AbortSignal;
  clock?: Clock;
  logger?: Logger;
}

export class LockDecider {
  private readonly m: LockDeciderModules;
  private readonly clock: Clock;
  private readonly log: Logger;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly reservations = new Map<bigint, JobRecord>();

  constructor(modules: LockDeciderModules) {
    this.m = modules;
    this.clock = modules.clock ?? systemClock;
    this.log = modules.logger ?? nullLogger;
  }

  decide(segment: SegmentRecord): Promise<DeciderDecision> {
    const run = this.tail.then(() => this.decideNow(segment));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Capacity promised to segments whose "decided" state is not written yet (count them as active). */
  reserved(): JobRecord[] {
    return [...this.reservations.values()];
  }

  /** The job left "observed" (persisted its decision, or failed): its reservation is now in the store. */
  release(segmentId: bigint): void {
    this.reservations.delete(segmentId);
  }

  private async decideNow(segment: SegmentRecord): Promise<DeciderDecision> {
    const d = await this.m.agent.decide(segment, this.reserved());
    if (!d.lock) return { lock: false, reason: d.reason, ...(d.retryAt !== undefined ? { retryAt: d.retryAt } : {}) };
    if (this.m.intents) {
      const c = await this.m.intents.claim(segment.segmentId, segment.batchId, segment.index, this.m.signal);
      if (!c.ok) {
        this.log.debug("Backing off: another prover announced this segment first", { segmentId: segment.segmentId, holder: c.holder });
        return { lock: false, reason: "INTENT_YIELDED", retryAt: Math.ceil(c.retryAt / 1000) };
      }
    }
    const at = this.clock.now();
    this.reservations.set(segment.segmentId, {
      segmentId: segment.segmentId,
      state: "decided",
      txs: {},
      provingAttempts: 0,
      createdAt: at,
      updatedAt: at,
      history: [{ state: "decided", at }],
      lockDeadline: Math.floor(at / 1000) + segment.lockDuration,
    });
    return { lock: true, price: d.price };
  }
}
