/**
 * Every option of the node, gathered from each module's `XOpts` (Lodestar's node/options.ts). The
 * config file (node.config.example.json, documented in docs/operator.md) maps onto this after
 * validation in config.ts. The p2p section is the operator's view of p2p/'s P2pOpts (node.ts maps it).
 */
import { defaultApiOpts, type ApiOpts } from "../api/options.js";
import { defaultChainOpts, type ChainOpts } from "../chain/options.js";
import { defaultMarketOpts, type MarketOpts } from "../market/options.js";
import { defaultJobRunnerOpts, defaultJobSchedulerOpts, defaultProverPoolOpts, type JobRunnerOpts, type JobSchedulerOpts } from "../jobs/options.js";
import type { LogLevel } from "../util/logger-pino.js";
import type { BackendKind } from "../backends/select.js";
import type { OptionPresetName } from "../stark/options.js";

export type Address = `0x${string}`;
export { BACKEND_KINDS, type BackendKind } from "../backends/select.js";
export { CONTRACT_NAMES } from "../chain/deployment.js";

export type NodeChainOpts = ChainOpts;

export interface NodeP2pOpts {
  listenAddrs: string[];
  bootstrapPeers: string[];
  /** Local peer discovery (devnets). */
  mdns: boolean;
  /** Keep private and loopback addresses in the DHT (devnets on one machine or a LAN); false on public networks. */
  privateAddresses: boolean;
  /** libp2p private key file (relative to dataDir), written by `prover-node init`; created on first start if missing. */
  peerKeyFile: string;
}

export interface NodeBackendOpts {
  kind: BackendKind;
  /** Threads for the wasm backend; 0 = one per core minus one. */
  threads: number;
}

/**
 * The deployment's aggregation geometry, present when it finalizes data batches with one proof per
 * batch (docs/aggregator.md, "Aggregation by proof trees"): with Rollup.treeDepth it is
 * aggregator/geometry.ts's AggregateDeploymentParams, whose plan must give the Rollup's keySetRoot.
 */
export interface NodeAggregateOpts {
  /** log2 of every data segment's paths rows. */
  segmentLogRows: number;
  /** Option preset names (stark/options.ts): segments (transfer-v2), leaves and joins, the wrap L1 verifies. */
  segmentOptions: OptionPresetName;
  treeOptions: OptionPresetName;
  wrapOptions: OptionPresetName;
}

export interface NodeAggregatorOpts {
  /** How long the aggregator tries to fetch a committed proof before reporting it unavailable on chain (ms). */
  fetchTimeoutMs: number;
}

/** The runner's options and how long finished jobs keep their proofs. */
export type NodeJobsOpts = JobRunnerOpts & Pick<JobSchedulerOpts, "proofRetentionMs">;

export interface NodeLogOpts {
  level: LogLevel;
  /** Human-readable lines; "auto" = when stdout is a TTY. */
  format: "auto" | "json" | "pretty";
}

export interface NodeOpts {
  /** Holds the database, keys, the proving profile. */
  dataDir: string;
  /** Network name: part of every p2p topic and protocol id. */
  network: string;
  /** Encrypted staking key (Web3 Secret Storage v3), relative to dataDir. */
  keystoreFile: string;
  chain: NodeChainOpts;
  p2p: NodeP2pOpts;
  backend: NodeBackendOpts;
  /** Prover worker threads (segments proven in parallel). */
  provers: { workers: number };
  jobs: NodeJobsOpts;
  market: MarketOpts;
  aggregator: NodeAggregatorOpts;
  /** Data batches (one proof per batch); absent: this node proves and aggregates bundles only. */
  aggregate?: NodeAggregateOpts;
  api: ApiOpts;
  log: NodeLogOpts;
}

export const defaultNodeOpts: NodeOpts = {
  dataDir: "~/.prover-node",
  network: "devnet",
  keystoreFile: "keystore.json",
  chain: defaultChainOpts,
  p2p: { listenAddrs: ["/ip4/0.0.0.0/tcp/9000"], bootstrapPeers: [], mdns: false, privateAddresses: false, peerKeyFile: "p2p/peer-key" },
  backend: { kind: "auto", threads: 0 },
  provers: { workers: defaultProverPoolOpts.workers },
  jobs: { ...defaultJobRunnerOpts, proofRetentionMs: defaultJobSchedulerOpts.proofRetentionMs },
  market: defaultMarketOpts,
  aggregator: { fetchTimeoutMs: 60_000 },
  api: defaultApiOpts,
  log: { level: "info", format: "auto" },
};
