import { noise } from "@chainsafe/libp2p-noise";
import { bootstrap } from "@libp2p/bootstrap";
import { gossipsub, type GossipSub } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import type { ConnectionGater, PrivateKey } from "@libp2p/interface";
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from "@libp2p/kad-dht";
import { mdns } from "@libp2p/mdns";
import { ping, type Ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { yamux } from "@libp2p/yamux";
import type { Identify } from "@libp2p/identify";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { createLibp2p, type Libp2p } from "libp2p";
import type { P2pOpts } from "./options.js";
import { peerScoreParams, peerScoreThresholds } from "./scoring.js";
import { dhtProtocol, TOPIC_NAMES, topicId } from "./topics.js";
import { ensureWebSocketGlobal } from "./websocket.js";

export interface HostServices {
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  pubsub: GossipSub;
  [key: string]: unknown;
}

export type Host = Libp2p<HostServices>;

export interface HostModules {
  privateKey: PrivateKey;
  datastore: NonNullable<Parameters<typeof createLibp2p>[0]>["datastore"];
  connectionGater: ConnectionGater;
  appScore: (peerId: string) => number;
}

/**
 * gossipsub refuses a message before our validator runs only above this size; between
 * `maxMessageBytes` and this our validator rejects (and so penalises) oversized messages.
 */
const GOSSIP_TRANSPORT_LIMIT = 64 * 1024;

/** Build (not start) the libp2p host: transports, security, muxer, DHT, gossipsub, discovery. */
export async function createHost(opts: P2pOpts, m: HostModules): Promise<Host> {
  ensureWebSocketGlobal();
  const peerDiscovery = [];
  if (opts.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: opts.bootstrap, timeout: 0 }));
  if (opts.mdns) peerDiscovery.push(mdns({ serviceTag: `zkprover-${opts.network}.local` }));
  const g = opts.gossip;
  return createLibp2p<HostServices>({
    privateKey: m.privateKey,
    datastore: m.datastore,
    start: false,
    addresses: { listen: opts.listenAddresses, announce: opts.announceAddresses },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: m.connectionGater,
    connectionManager: { maxConnections: opts.maxConnections, inboundConnectionThreshold: opts.inboundConnectionsPerSecond },
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: dhtProtocol(opts.network),
        clientMode: false,
        peerInfoMapper: opts.dhtAddresses === "all" ? passthroughMapper : removePrivateAddressesMapper,
        querySelfInterval: opts.dht.querySelfIntervalMs,
        initialQuerySelfInterval: opts.dht.initialQuerySelfIntervalMs,
        allowQueryWithZeroPeers: false,
        logPrefix: "libp2p:zkprover:dht",
        datastorePrefix: "/zkprover/dht",
        metricsPrefix: "zkprover_dht",
      }),
      pubsub: gossipsub({
        // Messages carry our own secp256k1 signature: libp2p message signing would be a second,
        // unstaked signature, and content ids (keccak of the data) make duplicates independent of seqno.
        globalSignaturePolicy: "StrictNoSign",
        msgIdFn: (msg) => keccak_256(msg.data).subarray(0, 20),
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        heartbeatInterval: g.heartbeatIntervalMs,
        D: g.D,
        Dlo: g.Dlo,
        Dhi: g.Dhi,
        Dout: Math.min(2, Math.floor(g.Dlo / 2)),
        allowedTopics: TOPIC_NAMES.map((t) => topicId(opts.network, t)),
        maxInboundDataLength: GOSSIP_TRANSPORT_LIMIT,
        scoreParams: peerScoreParams(opts.network, g.scoreProfile, m.appScore),
        scoreThresholds: peerScoreThresholds,
        doPX: false,
      }),
    },
  });
}
