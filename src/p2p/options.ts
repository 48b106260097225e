/** Options of the p2p layer; `node/options.ts` embeds them. Every field has a default below. */
export interface P2pOpts {
  /** Network name in every topic and protocol id (`/zkprover/<network>/...`). */
  network: string;
  /** Node data directory: the peer store lives in `<dataDir>/p2p/`. null = in memory. */
  dataDir: string | null;
  /** The libp2p identity (Ed25519, protobuf): created there on first start. null = `<dataDir>/p2p/peer-key` (a fresh key without a dataDir). */
  peerKeyFile: string | null;
  listenAddresses: string[];
  announceAddresses: string[];
  /** Bootstrap multiaddrs (with `/p2p/<peerId>`), dialled on start and kept connected. */
  bootstrap: string[];
  /** mDNS discovery, for local devnets. */
  mdns: boolean;
  maxConnections: number;
  /** Inbound connection attempts accepted per second from one host (libp2p's flood guard). */
  inboundConnectionsPerSecond: number;
  /** Publish `modules.status()` on the status topic this often; 0 = never (the node publishes itself). */
  statusIntervalMs: number;
  /** Period of the maintenance task: redial bootstrap peers when short of peers, prune scores. */
  maintainIntervalMs: number;
  /** Dial peers discovered through the DHT / mDNS while we have fewer connections than this. */
  targetPeers: number;
  /**
   * Addresses the DHT keeps for peers: "public" drops private and loopback addresses (public networks);
   * "all" keeps them (devnets, tests on 127.0.0.1).
   */
  dhtAddresses: "public" | "all";
  gossip: GossipOpts;
  dht: DhtOpts;
  reqresp: ReqRespOpts;
  scoring: ScoringOpts;
}

export interface GossipOpts {
  heartbeatIntervalMs: number;
  /** Mesh degree: target, low and high watermarks. */
  D: number;
  Dlo: number;
  Dhi: number;
  /** Largest accepted envelope; our messages are ~150 bytes, anything above is refused. */
  maxMessageBytes: number;
  /** Messages older than this are ignored (not penalised: they may just be slow). */
  maxAgeMs: number;
  /** Messages stamped further than this in the future are ignored. */
  maxClockSkewMs: number;
  /** How long answers of the stake oracle are cached. */
  oracleCacheTtlMs: number;
  /** "small" (devnets, < 20 peers) or "large" (public network); see scoring.ts. */
  scoreProfile: "small" | "large";
}

export interface DhtOpts {
  querySelfIntervalMs: number;
  initialQuerySelfIntervalMs: number;
  /** Time limit of one findProviders walk. */
  findProvidersTimeoutMs: number;
  /** Most providers tried per fetch. */
  maxProvidersTried: number;
}

export interface ReqRespOpts {
  /** Size of one streamed chunk of a large object. */
  chunkBytes: number;
  /** Largest witness or proof served or accepted. */
  maxObjectBytes: number;
  /** Time to the response header. */
  ttfbTimeoutMs: number;
  /** Time limit of a whole request, transfer included. */
  requestTimeoutMs: number;
  /** Per peer and protocol token bucket: burst size and refill per second. */
  rateLimitBurst: number;
  rateLimitPerSecond: number;
  /** Inbound streams per protocol per connection. */
  maxInboundStreams: number;
}

export interface ScoringOpts {
  /** App-level penalties decay towards 0 with this half-life. */
  decayHalfLifeMs: number;
  /** At or below this app score the peer is disconnected. */
  disconnectThreshold: number;
  /** At or below this app score the peer is banned for `banDurationMs`. */
  banThreshold: number;
  banDurationMs: number;
  /** Penalty for each gossip message we rejected. */
  invalidMessagePenalty: number;
  /** Penalty for each request over the rate limit. */
  rateLimitedPenalty: number;
  /** Penalty for a malformed request. */
  badRequestPenalty: number;
  /** Penalty for serving an object whose hash does not match. */
  badContentPenalty: number;
}

export const defaultP2pOpts: P2pOpts = {
  network: "devnet",
  dataDir: null,
  peerKeyFile: null,
  listenAddresses: ["/ip4/0.0.0.0/tcp/9100", "/ip4/0.0.0.0/tcp/9101/ws"],
  announceAddresses: [],
  bootstrap: [],
  mdns: false,
  maxConnections: 64,
  inboundConnectionsPerSecond: 10,
  maintainIntervalMs: 15_000,
  statusIntervalMs: 30_000,
  targetPeers: 24,
  dhtAddresses: "public",
  gossip: {
    heartbeatIntervalMs: 700,
    D: 8,
    Dlo: 6,
    Dhi: 12,
    maxMessageBytes: 1024,
    maxAgeMs: 120_000,
    maxClockSkewMs: 10_000,
    oracleCacheTtlMs: 12_000,
    scoreProfile: "large",
  },
  dht: {
    querySelfIntervalMs: 300_000,
    initialQuerySelfIntervalMs: 1_000,
    findProvidersTimeoutMs: 20_000,
    maxProvidersTried: 5,
  },
  reqresp: {
    chunkBytes: 256 * 1024,
    maxObjectBytes: 64 * 1024 * 1024,
    ttfbTimeoutMs: 10_000,
    requestTimeoutMs: 120_000,
    rateLimitBurst: 20,
    rateLimitPerSecond: 5,
    maxInboundStreams: 16,
  },
  scoring: {
    decayHalfLifeMs: 10 * 60_000,
    disconnectThreshold: -50,
    banThreshold: -100,
    banDurationMs: 60 * 60_000,
    invalidMessagePenalty: -10,
    rateLimitedPenalty: -2,
    badRequestPenalty: -10,
    badContentPenalty: -50,
  },
};

export type P2pOptsInput = Partial<Omit<P2pOpts, "gossip" | "dht" | "reqresp" | "scoring">> & {
  gossip?: Partial<GossipOpts>;
  dht?: Partial<DhtOpts>;
  reqresp?: Partial<ReqRespOpts>;
  scoring?: Partial<ScoringOpts>;
};

/** Fill every missing option from the defaults. */
export function resolveP2pOpts(input: P2pOptsInput = {}): P2pOpts {
  const d = defaultP2pOpts;
  const opts: P2pOpts = {
    ...d,
    ...input,
    gossip: { ...d.gossip, ...input.gossip },
    dht: { ...d.dht, ...input.dht },
    reqresp: { ...d.reqresp, ...input.reqresp },
    scoring: { ...d.scoring, ...input.scoring },
  };
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(opts.network)) throw new RangeError(`invalid network name "${opts.network}"`);
  if (opts.scoring.banThreshold > opts.scoring.disconnectThreshold) throw new RangeError("banThreshold must be <= disconnectThreshold");
  return opts;
}
