import { join } from "node:path";
import { generateKeyPair } from "@libp2p/crypto/keys";
import type { Message } from "@libp2p/gossipsub";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import type { ConnectionGater, PeerId, PeerInfo } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { LevelDatastore } from "datastore-level";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { nullLogger, type Logger } from "../util/logger.js";
import { contentCid, contentHash, type ContentStore } from "./content.js";
import { P2pError } from "./errors.js";
import { createHost, type Host } from "./host.js";
import { loadOrCreatePeerKey } from "./identity.js";
import { decodeEnvelope, encodeSigned, verifySignature, type SignedMessage } from "./messages/envelope.js";
import type { GossipBody, Status } from "./messages/payloads.js";
import type { P2pMetrics } from "./metrics.js";
import { resolveP2pOpts, type P2pOpts, type P2pOptsInput } from "./options.js";
import { ReqResp } from "./reqresp/reqresp.js";
import { PeerScoreBook, RateLimiter, type ScoreAction } from "./scoring.js";
import type { StakeOracle } from "./stake-oracle.js";
import { TOPIC_NAMES, TOPIC_OF_KIND, topicId, topicName, type TopicName } from "./topics.js";
import { GossipValidator, type MessageCheck, type Verdict } from "./validation.js";

export interface P2pModules {
  oracle: StakeOracle;
  /** secp256k1 staking key (0x-hex); signs every gossip message. Never logged. */
  stakingKey: Hex;
  stores?: { witness?: ContentStore; proof?: ContentStore };
  /** This node's current status, published on request over `status/1`. */
  status?: () => Status;
  /** Application check run after the generic validation (e.g. known segment). */
  messageCheck?: MessageCheck;
  /** More connection rules (an operator's deny list, …), checked after the ban list of the peer scores. */
  connectionGater?: ConnectionGater;
  /**
   * keccak256 used to check fetched objects. Defaults to @noble/hashes (pure JS, ~15–40 MB/s here);
   * the node may pass a faster one (WASM) since this dominates the cost of a large fetch.
   */
  contentHasher?: (data: Uint8Array) => Hex;
  logger?: Logger;
  metrics?: P2pMetrics | null;
  now?: () => number;
}

export interface ReceivedMessage {
  topic: TopicName;
  message: SignedMessage;
}

export interface VerdictEvent {
  topic: TopicName;
  /** Peer that delivered the message to us (not necessarily its signer). */
  from: string;
  verdict: Verdict;
  reason?: string;
}

export interface FetchOptions {
  /** Peers to ask first, before asking the DHT. */
  peers?: string[];
  /** Stakers to ask first through the peer ids they registered (e.g. the signer of a ProofAvailable). */
  signers?: Address[];
  signal?: AbortSignal;
}

enum RunState {
  stopped,
  starting,
  started,
  stopping,
}

const HANG_UP_GRACE_MS = 200;
const VALIDATOR_RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
};

/** Create the p2p service (not started). */
export function createP2pNetwork(opts: P2pOptsInput | P2pOpts, modules: P2pModules): P2pNetwork {
  return new P2pNetwork(resolveP2pOpts(opts), modules);
}

/**
 * The node's libp2p layer: mesh, signed gossip on the five topics, request/response, content routing
 * and peer scoring. `start()` / `stop()`; everything else requires a started network.
 */
export class P2pNetwork {
  readonly address: Address;
  readonly scores: PeerScoreBook;
  private state = RunState.stopped;
  private hostRef: Host | null = null;
  private datastore: LevelDatastore | null = null;
  private reqresp: ReqResp | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly limiter: RateLimiter;
  private readonly validator: GossipValidator;
  private readonly log: Logger;
  private readonly metrics: P2pMetrics | null;
  private readonly now: () => number;
  private readonly pendingHangUps = new Map<string, NodeJS.Timeout>();
  private readonly decoded = new WeakMap<Uint8Array, SignedMessage>();
  private readonly messageHandlers = new Set<(m: ReceivedMessage) => void>();
  private readonly verdictHandlers = new Set<(e: VerdictEvent) => void>();

  constructor(
    readonly opts: P2pOpts,
    private readonly modules: P2pModules,
  ) {
    this.address = privateKeyToAccount(modules.stakingKey).address;
    this.log = (modules.logger ?? nullLogger).child({ module: "p2p" });
    this.metrics = modules.metrics ?? null;
    this.now = modules.now ?? Date.now;
    this.scores = new PeerScoreBook(opts.scoring, this.now, (peer, action, score, reason) => this.onScoreAction(peer, action, score, reason));
    this.limiter = new RateLimiter(opts.reqresp.rateLimitBurst, opts.reqresp.rateLimitPerSecond, this.now);
    this.validator = new GossipValidator(opts.network, opts.gossip, modules.oracle, this.now, modules.messageCheck ?? null);
  }

  /** The libp2p host (for diagnostics, tests and benchmarks). */
  get host(): Host {
    if (this.hostRef === null || this.state !== RunState.started) throw new P2pError({ code: "P2P_NOT_STARTED" }, "p2p network not started");
    return this.hostRef;
  }
  get peerId(): string {
    return this.host.peerId.toString();
  }
  multiaddrs(): string[] {
    return this.host.getMultiaddrs().map((a) => a.toString());
  }
  connectedPeers(): string[] {
    return this.host.getPeers().map((p) => p.toString());
  }
  /** Peers in the DHT routing table (diagnostics; the type is not exported by kad-dht). */
  routingTableSize(): number {
    return (this.host.services.dht as unknown as { routingTable: { size: number } }).routingTable.size;
  }
  isBanned(peerId: string): boolean {
    return this.scores.isBanned(peerId);
  }
  /**
   * Penalise the peer of a staker for bad content the application found after fetching it (an
   * invalid proof of the tree announced under its signature): the bad-content penalty of req/resp.
   * Returns the peer's new score, or null when the signer's peer is unknown.
   */
  async penalizeSigner(signer: Address, reason: string): Promise<number | null> {
    const peerId = await this.modules.oracle.peerIdOf(signer).catch(() => null);
    if (peerId === null) return null;
    this.log.warn("Peer penalised", { peer: peerId, signer, reason });
    return this.scores.apply(peerId, this.opts.scoring.badContentPenalty, reason);
  }

  /** Gossipsub score (P1–P7, includes the app score as P5). */
  gossipScore(peerId: string): number {
    // getScore is on the implementation, not on the exported interface.
    return (this.host.services.pubsub as unknown as { getScore(id: string): number }).getScore(peerId);
  }

  onMessage(handler: (m: ReceivedMessage) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }
  onVerdict(handler: (e: VerdictEvent) => void): () => void {
    this.verdictHandlers.add(handler);
    return () => this.verdictHandlers.delete(handler);
  }

  async start(): Promise<void> {
    if (this.state !== RunState.stopped) return;
    this.state = RunState.starting;
    try {
      await this.startHost();
    } catch (err) {
      await this.teardown();
      this.state = RunState.stopped;
      throw err;
    }
    this.state = RunState.started;
    this.log.info("P2p network started", { peerId: this.peerId, addresses: this.multiaddrs() });
  }

  private async startHost(): Promise<void> {
    const { opts } = this;
    let privateKey;
    const keyFile = opts.peerKeyFile ?? (opts.dataDir !== null ? join(opts.dataDir, "p2p", "peer-key") : null);
    if (keyFile !== null) {
      const { key, created } = await loadOrCreatePeerKey(keyFile);
      if (created) this.log.info("Created peer identity", { file: keyFile });
      privateKey = key;
    } else {
      privateKey = await generateKeyPair("Ed25519");
    }
    if (opts.dataDir !== null) {
      this.datastore = new LevelDatastore(join(opts.dataDir, "p2p", "datastore"));
      await this.datastore.open();
    }
    const isBanned = (peer: PeerId): boolean => this.scores.isBanned(peer.toString());
    const extra = this.modules.connectionGater ?? {};
    const host = await createHost(opts, {
      privateKey,
      datastore: this.datastore ?? undefined,
      connectionGater: {
        ...extra,
        denyDialPeer: async (peer) => isBanned(peer) || ((await extra.denyDialPeer?.(peer)) ?? false),
        denyInboundEncryptedConnection: async (peer, conn) => isBanned(peer) || ((await extra.denyInboundEncryptedConnection?.(peer, conn)) ?? false),
        denyOutboundEncryptedConnection: async (peer, conn) => isBanned(peer) || ((await extra.denyOutboundEncryptedConnection?.(peer, conn)) ?? false),
      },
      appScore: (peer) => this.scores.score(peer),
    });
    this.hostRef = host;
    const pubsub = host.services.pubsub;
    for (const name of TOPIC_NAMES) {
      pubsub.topicValidators.set(topicId(opts.network, name), (peer, msg) => this.validate(name, peer, msg));
    }
    pubsub.addEventListener("message", (evt) => this.onGossip(evt.detail));
    host.addEventListener("peer:discovery", (evt) => this.onDiscovery(evt.detail));
    const updatePeers = (): void => this.metrics?.peers.set({}, host.getPeers().length);
    host.addEventListener("connection:open", updatePeers);
    host.addEventListener("connection:close", updatePeers);
    await host.start();
    for (const name of TOPIC_NAMES) pubsub.subscribe(topicId(opts.network, name));
    this.reqresp = new ReqResp({
      libp2p: host,
      network: opts.network,
      opts: opts.reqresp,
      scoring: opts.scoring,
      stores: this.modules.stores ?? {},
      statusEnvelope: () => this.sign({ kind: "status", ...this.currentStatus() }),
      maxStatusBytes: opts.gossip.maxMessageBytes,
      scores: this.scores,
      limiter: this.limiter,
      metrics: this.metrics,
      logger: this.log,
    });
    await this.reqresp.start();
    this.dialBootstrap(host);
    this.pruneTimer = setInterval(() => this.maintain(), opts.maintainIntervalMs);
    this.pruneTimer.unref();
    if (opts.statusIntervalMs > 0 && this.modules.status !== undefined) {
      this.statusTimer = setInterval(() => {
        this.publish({ kind: "status", ...this.currentStatus() }).catch((err: Error) =>
          this.log.debug("Status heartbeat not published", { error: err.message }),
        );
      }, opts.statusIntervalMs);
      this.statusTimer.unref();
    }
  }

  /** Dial the bootstrap peers we are not connected to (on start, and while short of peers). */
  private dialBootstrap(host: Host, quiet = false): void {
    for (const addr of this.opts.bootstrap) {
      const ma = multiaddr(addr);
      const id = ma.getComponents().find((c) => c.name === "p2p")?.value;
      if (id !== undefined && host.getConnections(peerIdFromString(id)).length > 0) continue;
      // Called as methods: a Logger's methods may need their `this` (the pino adapter's do).
      host.dial(ma).catch((err: Error) => this.log[quiet ? "debug" : "warn"]("Bootstrap dial failed", { addr, error: err.message }));
    }
  }

  private maintain(): void {
    const host = this.hostRef;
    if (host === null || this.state !== RunState.started) return;
    if (host.getPeers().length < this.opts.targetPeers) this.dialBootstrap(host, true);
    this.scores.prune();
    this.limiter.prune();
  }

  async stop(): Promise<void> {
    if (this.state !== RunState.started) return;
    this.state = RunState.stopping;
    await this.teardown();
    this.state = RunState.stopped;
    this.log.info("P2p network stopped");
  }

  /** Fixed order: timers, protocol handlers, libp2p, then the datastore it writes to. */
  private async teardown(): Promise<void> {
    if (this.pruneTimer !== null) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    if (this.statusTimer !== null) clearInterval(this.statusTimer);
    this.statusTimer = null;
    for (const t of this.pendingHangUps.values()) clearTimeout(t);
    this.pendingHangUps.clear();
    await this.reqresp?.stop().catch(() => {});
    this.reqresp = null;
    await this.hostRef?.stop();
    this.hostRef = null;
    await this.datastore?.close();
    this.datastore = null;
  }

  private currentStatus(): Status {
    return this.modules.status?.() ?? { nodeVersion: "0.1.0", backend: "none", capacity: 0, queued: 0 };
  }

  private sign(body: GossipBody): Promise<Uint8Array> {
    return encodeSigned(this.opts.network, body, this.modules.stakingKey, this.address, this.now());
  }

  /** Sign and publish on the message's topic. Returns how many peers it was sent to. */
  async publish(body: GossipBody): Promise<number> {
    const topic = TOPIC_OF_KIND[body.kind];
    const data = await this.sign(body);
    const result = await this.host.services.pubsub.publish(topicId(this.opts.network, topic), data);
    this.metrics?.gossipPublished.inc({ topic });
    this.metrics?.bytes.inc({ direction: "out", protocol: `gossip/${topic}` }, data.length);
    return result.recipients.length;
  }

  private async validate(topic: TopicName, peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const result = await this.validator.validate(topic, msg.data);
    const from = peer.toString();
    this.metrics?.gossipMessages.inc({ topic, verdict: result.verdict });
    this.metrics?.bytes.inc({ direction: "in", protocol: `gossip/${topic}` }, msg.data.length);
    if (result.verdict === "accept") {
      this.decoded.set(msg.data, result.message);
    } else {
      this.log.debug("Gossip message refused", { topic, from, verdict: result.verdict, reason: result.reason });
      if (result.verdict === "reject") this.scores.apply(from, this.opts.scoring.invalidMessagePenalty, `gossip ${result.reason}`);
    }
    const event: VerdictEvent = { topic, from, verdict: result.verdict, reason: result.verdict === "accept" ? undefined : result.reason };
    for (const h of this.verdictHandlers) h(event);
    return VALIDATOR_RESULT[result.verdict];
  }

  private onGossip(msg: Message): void {
    const topic = topicName(this.opts.network, msg.topic);
    if (topic === null) return;
    let message = this.decoded.get(msg.data);
    if (message === undefined) {
      try {
        message = decodeEnvelope(this.opts.network, msg.data);
      } catch {
        return; // cannot happen for a validated message; never let a handler see an undecodable one
      }
    }
    for (const h of this.messageHandlers) {
      try {
        h({ topic, message });
      } catch (err) {
        this.log.error("Gossip handler failed", { topic, error: (err as Error).message });
      }
    }
  }

  private onDiscovery(peer: PeerInfo): void {
    const host = this.hostRef;
    if (host === null || this.state !== RunState.started) return;
    const id = peer.id.toString();
    if (this.scores.isBanned(id) || host.getConnections(peer.id).length > 0) return;
    if (host.getPeers().length >= this.opts.targetPeers) return;
    host.dial(peer.id).catch((err: Error) => this.log.debug("Dial of discovered peer failed", { peer: id, error: err.message }));
  }

  private onScoreAction(peer: string, action: ScoreAction, score: number, reason: string): void {
    this.metrics?.scoreActions.inc({ action });
    this.log.warn(action === "ban" ? "Peer banned" : "Peer disconnected for its score", { peer, score, reason });
    if (this.hostRef === null || this.pendingHangUps.has(peer)) return;
    // A short grace lets the response that caused the penalty (e.g. RATE_LIMITED) reach the peer, so
    // it learns why; a banned peer's new connections are refused by the gater meanwhile.
    const timer = setTimeout(() => {
      this.pendingHangUps.delete(peer);
      // Abort rather than hangUp: a graceful close can leave the remote holding a half-closed
      // connection (muxer closed, socket open) that it keeps trying to reuse.
      for (const conn of this.hostRef?.getConnections(peerIdFromString(peer)) ?? []) conn.abort(new Error(`peer ${action}: score ${score}`));
    }, HANG_UP_GRACE_MS);
    this.pendingHangUps.set(peer, timer);
  }

  private requester(): ReqResp {
    if (this.reqresp === null || this.state !== RunState.started) throw new P2pError({ code: "P2P_NOT_STARTED" }, "p2p network not started");
    return this.reqresp;
  }

  /** Announce on the DHT that we serve the object with this keccak256. */
  async provide(hash: Hex, signal?: AbortSignal): Promise<void> {
    await this.host.contentRouting.provide(contentCid(hash), { signal });
  }

  /** Peers the DHT knows as providers of `hash` (ours excluded). */
  async *findProviders(hash: Hex, signal?: AbortSignal): AsyncGenerator<PeerInfo> {
    const host = this.host;
    const signals = [AbortSignal.timeout(this.opts.dht.findProvidersTimeoutMs)];
    if (signal !== undefined) signals.push(signal);
    for await (const provider of host.contentRouting.findProviders(contentCid(hash), { signal: AbortSignal.any(signals) })) {
      if (provider.id.equals(host.peerId)) continue;
      yield provider;
    }
  }

  /** Fetch a witness by keccak256: hinted peers first, then DHT providers. Checked on arrival. */
  fetchWitness(hash: Hex, options: FetchOptions = {}): Promise<Uint8Array> {
    return this.fetch("witness", hash, options);
  }

  /** Fetch a proof by keccak256 (the hash committed on L1). */
  fetchProof(hash: Hex, options: FetchOptions = {}): Promise<Uint8Array> {
    return this.fetch("proof", hash, options);
  }

  private async fetch(kind: "witness" | "proof", hash: Hex, options: FetchOptions): Promise<Uint8Array> {
    const want = hash.toLowerCase() as Hex;
    const tried = new Set<string>();
    /** Why each peer tried did not serve it (in the error when none did). */
    const why: string[] = [];
    const attempt = async (peer: PeerId): Promise<Uint8Array | null> => {
      const id = peer.toString();
      if (tried.has(id)) return null;
      if (this.scores.isBanned(id)) return (why.push(`${id.slice(-8)}: banned`), null);
      tried.add(id);
      try {
        const data = await this.requester().request(peer, kind, want, { signal: options.signal });
        const got = (this.modules.contentHasher ?? contentHash)(data).toLowerCase();
        if (got === want) return data;
        this.scores.apply(id, this.opts.scoring.badContentPenalty, `${kind} hash mismatch`);
        this.log.warn("Fetched object does not match its hash", { kind, peer: id, expected: want, actual: got });
        why.push(`${id.slice(-8)}: hash mismatch`);
      } catch (err) {
        this.log.debug("Fetch from peer failed", { kind, peer: id, error: (err as Error).message });
        why.push(`${id.slice(-8)}: ${(err as Error).message.split("\n")[0]}`);
      }
      return null;
    };
    const hinted = [...(options.peers ?? [])];
    for (const signer of options.signers ?? []) {
      const peerId = await this.modules.oracle.peerIdOf(signer).catch((err: Error) => (why.push(`peer id of ${signer}: ${err.message.split("\n")[0]}`), null));
      if (peerId !== null) hinted.push(peerId);
    }
    for (const p of hinted) {
      const data = await attempt(peerIdFromString(p));
      if (data !== null) return data;
    }
    for await (const provider of this.findProviders(want, options.signal)) {
      if (tried.size >= this.opts.dht.maxProvidersTried) break;
      if (provider.multiaddrs.length > 0) await this.host.peerStore.merge(provider.id, { multiaddrs: provider.multiaddrs });
      const data = await attempt(provider.id);
      if (data !== null) return data;
    }
    throw new P2pError({ code: "P2P_NO_PROVIDER", hash: want }, `no provider served ${kind} ${want}${why.length > 0 ? ` (${why.slice(0, 4).join("; ")})` : " (no peer to ask)"}`);
  }

  /** Ask a peer for its signed status over `status/1`; the signature is checked. */
  async requestStatus(peerId: string, signal?: AbortSignal): Promise<SignedMessage> {
    const bytes = await this.requester().request(peerIdFromString(peerId), "status", null, { signal });
    const msg = decodeEnvelope(this.opts.network, bytes);
    if (msg.body.kind !== "status" || !(await verifySignature(msg))) {
      throw new P2pError({ code: "P2P_REQUEST_FAILED", protocol: "status", peer: peerId, reason: "invalid status envelope" });
    }
    return msg;
  }
}
