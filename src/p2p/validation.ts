import type { Address } from "viem";
import { DecodeError, GossipValidationError, type GossipAction } from "./errors.js";
import { decodeEnvelope, verifySignature, type SignedMessage } from "./messages/envelope.js";
import type { GossipOpts } from "./options.js";
import type { StakeOracle } from "./stake-oracle.js";
import { TOPIC_KIND, type TopicName } from "./topics.js";

export type Verdict = "accept" | "ignore" | "reject";

export type ValidationResult =
  | { verdict: "accept"; message: SignedMessage }
  | { verdict: "ignore" | "reject"; reason: string; detail?: string };

/**
 * An extra, application-level check run after the generic ones (e.g. "is this a segment we know of").
 * Throw a GossipValidationError to ignore or reject.
 */
export type MessageCheck = (topic: TopicName, message: SignedMessage) => void | Promise<void>;

interface StakerView {
  registered: boolean;
  stake: bigint;
  minimum: bigint;
  at: number;
}

/** Most entries kept in the duplicate and oracle caches; oldest are dropped first. */
const MAX_CACHE_ENTRIES = 100_000;

/**
 * Gossip topic validation, cheapest checks first: size, schema, topic/kind match, freshness,
 * duplicates, signature, registration and stake, then the injected application check.
 *
 * Verdicts: REJECT is for what an honest peer never forwards (it validates before forwarding): bad
 * size, schema, signature, unregistered or unstaked signers. IGNORE is for what an honest peer may
 * deliver because of timing: stale, from the future, duplicate.
 */
export class GossipValidator {
  private readonly seen = new Map<string, number>();
  private readonly stakers = new Map<Address, StakerView>();

  constructor(
    private readonly network: string,
    private readonly opts: GossipOpts,
    private readonly oracle: StakeOracle,
    private readonly now: () => number,
    private readonly check: MessageCheck | null,
  ) {}

  async validate(topic: TopicName, data: Uint8Array): Promise<ValidationResult> {
    try {
      return { verdict: "accept", message: await this.run(topic, data) };
    } catch (err) {
      if (err instanceof GossipValidationError) {
        return { verdict: err.action === "REJECT" ? "reject" : "ignore", reason: err.reason, detail: (err.type as { detail?: string }).detail };
      }
      if (err instanceof DecodeError) return { verdict: "reject", reason: "malformed", detail: err.message };
      // Our own failure (e.g. the oracle's RPC is down): not the peer's fault.
      return { verdict: "ignore", reason: "internal", detail: err instanceof Error ? err.message : String(err) };
    }
  }

  private async run(topic: TopicName, data: Uint8Array): Promise<SignedMessage> {
    const fail = (action: GossipAction, reason: string, detail?: string): never => {
      throw new GossipValidationError(action, reason, detail);
    };
    if (data.length > this.opts.maxMessageBytes) fail("REJECT", "too_large", `${data.length} bytes`);
    const msg = decodeEnvelope(this.network, data);
    if (msg.body.kind !== TOPIC_KIND[topic]) fail("REJECT", "wrong_topic", `${msg.body.kind} on ${topic}`);

    const now = this.now();
    if (msg.timestamp < now - this.opts.maxAgeMs) fail("IGNORE", "stale");
    if (msg.timestamp > now + this.opts.maxClockSkewMs) fail("IGNORE", "future");
    if (msg.body.kind === "lockIntent" && msg.body.expiresAt <= now) fail("IGNORE", "expired_intent");

    const dupKey = msg.digest;
    if (this.seen.has(dupKey)) fail("IGNORE", "duplicate");

    if (!(await verifySignature(msg))) fail("REJECT", "bad_signature");

    const staker = await this.staker(msg.signer, now);
    if (!staker.registered) fail("REJECT", "unregistered");
    if (staker.stake < staker.minimum) fail("REJECT", "insufficient_stake");

    if (this.check !== null) await this.check(topic, msg);

    remember(this.seen, dupKey, now);
    this.pruneSeen(now);
    return msg;
  }

  private async staker(address: Address, now: number): Promise<StakerView> {
    const cached = this.stakers.get(address);
    if (cached !== undefined && now - cached.at < this.opts.oracleCacheTtlMs) return cached;
    const [registered, stake, minimum] = await Promise.all([
      this.oracle.isRegistered(address),
      this.oracle.stakeOf(address),
      this.oracle.minimumStake(),
    ]);
    const view = { registered, stake, minimum, at: now };
    remember(this.stakers, address, view);
    return view;
  }

  private pruneSeen(now: number): void {
    // Entries older than maxAge + skew can no longer pass the freshness check: drop them.
    const horizon = now - this.opts.maxAgeMs - this.opts.maxClockSkewMs;
    for (const [key, at] of this.seen) {
      if (at >= horizon) break;
      this.seen.delete(key);
    }
  }
}

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_CACHE_ENTRIES) map.delete(map.keys().next().value as K);
}
