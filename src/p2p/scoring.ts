import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from "@libp2p/gossipsub/score";
import type { GossipOpts, ScoringOpts } from "./options.js";
import { TOPIC_NAMES, topicId, type TopicName } from "./topics.js";

/**
 * Gossipsub peer-score parameters (v1.1 scoring, P1–P7). See docs/p2p.md for the reasoning.
 *
 * - P1 time in mesh and P2 first deliveries reward useful peers a little (capped, so a peer cannot
 *   bank credit to spend on abuse).
 * - P3 mesh delivery rate is off: our topics are sparse and bursty (a few messages per batch), and
 *   P3 would penalise honest peers on a quiet topic.
 * - P4 invalid messages is the main weapon: weight -100 per topic, squared count, slow decay
 *   (half-life ≈ 4 min). With the app score, rejected messages on a weight-1 topic put a peer below
 *   the gossip threshold after 3, below the publish threshold after 4, and below the graylist
 *   threshold (its RPCs dropped unread) after 5.
 * - P5 is the application score from `PeerScoreBook` (req/resp abuse, bad content, rejected gossip).
 * - P6 IP colocation is off in the "small" profile (devnets run every node on one host) and
 *   penalises more than 3 peers per IP in "large".
 */
const DECAY_INTERVAL_MS = 1000;

const TOPIC_WEIGHTS: Record<TopicName, number> = {
  proofs: 1,
  witness: 1,
  aggregates: 0.5,
  intents: 0.5,
  joins: 1,
  status: 0.25,
};

export function topicScoreParams(topic: TopicName, profile: GossipOpts["scoreProfile"]): TopicScoreParams {
  return {
    topicWeight: TOPIC_WEIGHTS[topic],
    timeInMeshWeight: 0.03,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.95,
    firstMessageDeliveriesCap: profile === "small" ? 10 : 30,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.9,
    meshMessageDeliveriesCap: 10,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 60_000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.9,
    invalidMessageDeliveriesWeight: -100,
    invalidMessageDeliveriesDecay: 0.997,
  };
}

export function peerScoreParams(
  network: string,
  profile: GossipOpts["scoreProfile"],
  appScore: (peerId: string) => number,
): Partial<PeerScoreParams> {
  const topics: Record<string, TopicScoreParams> = {};
  for (const t of TOPIC_NAMES) topics[topicId(network, t)] = topicScoreParams(t, profile);
  return {
    topics,
    topicScoreCap: 50,
    appSpecificScore: appScore,
    appSpecificWeight: 1,
    IPColocationFactorWeight: profile === "small" ? 0 : -5,
    IPColocationFactorThreshold: 3,
    IPColocationFactorWhitelist: new Set(),
    behaviourPenaltyWeight: -10,
    behaviourPenaltyThreshold: 6,
    behaviourPenaltyDecay: 0.99,
    decayInterval: DECAY_INTERVAL_MS,
    decayToZero: 0.01,
    retainScore: 60 * 60_000,
  };
}

export const peerScoreThresholds: PeerScoreThresholds = {
  gossipThreshold: -500,
  publishThreshold: -1000,
  graylistThreshold: -2500,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 2,
};

export type ScoreAction = "disconnect" | "ban";

interface Entry {
  score: number;
  at: number;
}

/**
 * Application-level peer scores: penalties for what gossipsub does not see (request floods, bad
 * content, malformed requests) and for rejected gossip. Scores decay exponentially towards 0.
 * At `disconnectThreshold` the peer is disconnected; at `banThreshold` it is banned (its dials and
 * connections are refused by the connection gater) for `banDurationMs`.
 */
export class PeerScoreBook {
  private readonly scores = new Map<string, Entry>();
  private readonly bans = new Map<string, number>();

  constructor(
    private readonly opts: ScoringOpts,
    private readonly now: () => number,
    private readonly onAction: (peerId: string, action: ScoreAction, score: number, reason: string) => void,
  ) {}

  score(peerId: string): number {
    const e = this.scores.get(peerId);
    if (e === undefined) return 0;
    const elapsed = Math.max(0, this.now() - e.at);
    return e.score * Math.pow(0.5, elapsed / this.opts.decayHalfLifeMs);
  }

  /** Add `delta` (negative = penalty) and act on the thresholds. Returns the new score. */
  apply(peerId: string, delta: number, reason: string): number {
    const score = this.score(peerId) + delta;
    this.scores.set(peerId, { score, at: this.now() });
    if (score <= this.opts.banThreshold) {
      this.bans.set(peerId, this.now() + this.opts.banDurationMs);
      this.onAction(peerId, "ban", score, reason);
    } else if (score <= this.opts.disconnectThreshold) {
      this.onAction(peerId, "disconnect", score, reason);
    }
    return score;
  }

  isBanned(peerId: string): boolean {
    const until = this.bans.get(peerId);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.bans.delete(peerId);
    return false;
  }

  bannedPeers(): string[] {
    return [...this.bans.keys()].filter((p) => this.isBanned(p));
  }

  /** Forget scores that decayed to nothing; called periodically. */
  prune(): void {
    for (const peerId of this.scores.keys()) if (Math.abs(this.score(peerId)) < 0.1) this.scores.delete(peerId);
    for (const peerId of this.bans.keys()) this.isBanned(peerId);
  }
}

/** Token bucket per key (peer + protocol). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {}

  /** Take one token; false when the bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.buckets.set(key, b);
    return ok;
  }

  prune(): void {
    const now = this.now();
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
