/**
 * A hostile peer for the chaos devnet: an unstaked libp2p peer of our own protocol stack that joins the
 * mesh (bootstrap plus every node it is told about) and, while flooding, publishes straight into
 * gossipsub — bypassing its own signing — a mix of malformed, truncated, oversized, wrongly signed,
 * unregistered and off-topic messages, replays honest messages it captured earlier (they must be
 * ignored as duplicates or stale), and hammers the nodes' req/resp with requests for unknown objects.
 * Honest peers reject, score, disconnect and ban it; when it has no peer left it comes back under a
 * fresh identity (new peer id and key), as a real attacker would.
 */
import { multiaddr } from "@multiformats/multiaddr";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";
import { createP2pNetwork, encodeSigned, topicId, TOPIC_NAMES, type GossipBody, type P2pNetwork, type StakeOracle, type TopicName } from "../../../p2p/index.js";
import { prng } from "../../../rollup/random.js";
import type { Logger } from "../../../util/logger.js";

export interface HostilePeerOpts {
  network: string;
  bootstrap: string[];
  seed: number;
  /** Messages per second while flooding. */
  ratePerSecond: number;
}

export interface HostileStats {
  published: Record<HostileMessageKind, number>;
  requests: number;
  identities: number;
}

export type HostileMessageKind = "malformed" | "truncated" | "oversized" | "badSignature" | "unregistered" | "wrongTopic" | "replay";
const KINDS: readonly HostileMessageKind[] = ["malformed", "truncated", "oversized", "badSignature", "unregistered", "wrongTopic", "replay"];

/** Believes every signer is staked, so it accepts (and captures) honest gossip for replays. */
const credulous: StakeOracle = {
  isRegistered: async () => true,
  stakeOf: async () => 10n ** 30n,
  peerIdOf: async () => null,
  minimumStake: async () => 0n,
};

export class HostilePeer {
  readonly stats: HostileStats = { published: { malformed: 0, truncated: 0, oversized: 0, badSignature: 0, unregistered: 0, wrongTopic: 0, replay: 0 }, requests: 0, identities: 0 };
  private net: P2pNetwork | null = null;
  private key: Hex = generatePrivateKey();
  private readonly captured: { topic: TopicName; data: Uint8Array }[] = [];
  private readonly random: () => number;
  private timer: NodeJS.Timeout | null = null;
  private targets: string[] = [];
  private busy = false;
  private stopped = false;

  constructor(
    private readonly opts: HostilePeerOpts,
    private readonly log: Logger,
  ) {
    this.random = prng(opts.seed ^ 0x68e31da4);
  }

  /** Join the mesh under a fresh identity. */
  async start(): Promise<void> {
    this.key = generatePrivateKey();
    const net = createP2pNetwork(
      { network: this.opts.network, dataDir: null, listenAddresses: ["/ip4/127.0.0.1/tcp/0"], bootstrap: this.opts.bootstrap, mdns: false, dhtAddresses: "all", maintainIntervalMs: 2_000, statusIntervalMs: 0 },
      { oracle: credulous, stakingKey: this.key },
    );
    await net.start();
    net.host.services.pubsub.addEventListener("message", (evt) => {
      const name = TOPIC_NAMES.find((t) => topicId(this.opts.network, t) === evt.detail.topic);
      if (name && this.captured.length < 256) this.captured.push({ topic: name, data: evt.detail.data });
    });
    this.net = net;
    this.stats.identities++;
    for (const t of this.targets) void net.host.dial(multiaddr(t)).catch(() => undefined);
  }

  /** Nodes to dial directly (their listen addresses, with /p2p/<id>). */
  setTargets(addrs: string[]): void {
    this.targets = addrs;
    for (const t of addrs) void this.net?.host.dial(multiaddr(t)).catch(() => undefined);
  }

  get flooding(): boolean {
    return this.timer !== null;
  }

  /** Flood until `stopFlood`. */
  startFlood(): void {
    if (this.timer !== null) return;
    const every = Math.max(5, Math.floor(1000 / this.opts.ratePerSecond));
    this.timer = setInterval(() => void this.burst(), every);
  }

  stopFlood(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopFlood();
    await this.net?.stop().catch(() => undefined);
    this.net = null;
  }

  private async burst(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      let net = this.net;
      if (net === null || net.connectedPeers().length === 0) {
        // Banned everywhere (or never connected): come back as someone else.
        await net?.stop().catch(() => undefined);
        this.net = null;
        await this.start();
        net = this.net!;
      }
      const kind = KINDS[Math.floor(this.random() * KINDS.length)]!;
      const topic = TOPIC_NAMES[Math.floor(this.random() * TOPIC_NAMES.length)]!;
      const { topic: on, data } = await this.message(kind, topic);
      await net.host.services.pubsub.publish(topicId(this.opts.network, on), data).catch(() => undefined);
      this.stats.published[kind]++;
      if (this.random() < 0.2) {
        const peers = net.connectedPeers();
        const peer = peers[Math.floor(this.random() * peers.length)];
        if (peer) {
          this.stats.requests++;
          const hash = `0x${Buffer.from(Array.from({ length: 32 }, () => Math.floor(this.random() * 256))).toString("hex")}` as Hex;
          void net.fetchProof(hash, { peers: [peer], signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        }
      }
    } catch (err) {
      this.log.debug("Hostile peer burst failed", { error: (err as Error).message });
    } finally {
      this.busy = false;
    }
  }

  private async message(kind: HostileMessageKind, topic: TopicName): Promise<{ topic: TopicName; data: Uint8Array }> {
    const me = privateKeyToAccount(this.key).address as Address;
    const body = this.bodyFor(topic);
    const signed = async (): Promise<Uint8Array> => encodeSigned(this.opts.network, body, this.key, me, Date.now());
    switch (kind) {
      case "malformed":
        return { topic, data: Uint8Array.from({ length: 1 + Math.floor(this.random() * 300) }, () => Math.floor(this.random() * 256)) };
      case "truncated": {
        const good = await signed();
        return { topic, data: good.subarray(0, Math.max(1, Math.floor(good.length * this.random()))) };
      }
      case "oversized":
        return { topic, data: new Uint8Array(4096 + Math.floor(this.random() * 8192)).fill(0x5a) };
      case "badSignature": {
        const good = (await signed()).slice();
        good[good.length - 70] = good[good.length - 70]! ^ 0x01;
        return { topic, data: good };
      }
      case "unregistered":
        return { topic, data: await signed() };
      case "wrongTopic": {
        const other = TOPIC_NAMES[(TOPIC_NAMES.indexOf(topic) + 1) % TOPIC_NAMES.length]!;
        return { topic: other, data: await signed() };
      }
      case "replay": {
        const old = this.captured[Math.floor(this.random() * this.captured.length)];
        return old ?? { topic, data: await signed() };
      }
    }
  }

  private bodyFor(topic: TopicName): GossipBody {
    const batchId = BigInt(1 + Math.floor(this.random() * 20));
    const segmentIndex = Math.floor(this.random() * 4);
    const hash = `0x${"ab".repeat(32)}` as Hex;
    switch (topic) {
      case "proofs":
        return { kind: "proofAvailable", batchId, segmentIndex, proofHash: hash, size: 1000 };
      case "witness":
        return { kind: "witnessAvailable", batchId, segmentIndex, witnessHash: hash, size: 1000 };
      case "status":
        return { kind: "status", nodeVersion: "0.1.0", backend: "js", capacity: 64, queued: 0 };
      case "aggregates":
        return { kind: "aggregateProgress", batchId, collected: 4, total: 4 };
      case "intents":
        return { kind: "lockIntent", batchId, segmentIndex, expiresAt: Date.now() + 30_000 };
      case "joins":
        return { kind: "aggNodeAvailable", batchId, first: 0, last: segmentIndex, proofHash: hash, size: 1000 };
    }
  }
}
