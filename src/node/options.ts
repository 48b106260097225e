/**
 * Every option of the node, gathered from each module's `XOpts` (Lodestar's node/options.ts). The
 * config file (node.config.example.json, documented in docs/operator.md) maps onto this after
 * validation in config.ts. Chain and p2p options are declared here until those modules land; their
 * own `ChainOpts`/`P2pOpts` should take these shapes over.
 */
import { defaultApiOpts, type ApiOpts } from "../api/options.js";
import { defaultMarketOpts, type MarketOpts } from "../market/options.js";
import { defaultJobRunnerOpts, defaultProverPoolOpts, type JobRunnerOpts } from "../jobs/options.js";
import type { LogLevel } from "../util/logger-pino.js";
import type { BackendKind } from "../backends/select.js";
import type { SystemAddresses } from "../chain/contracts.js";

export type Address = `0x${string}`;
export { BACKEND_KINDS, type BackendKind } from "../backends/select.js";

/** The deployment file's `addresses`: chain/'s `SystemAddresses`. */
export type ContractAddresses = SystemAddresses;
export const CONTRACT_NAMES: readonly (keyof ContractAddresses)[] = ["token", "staking", "market", "election", "rollup", "verifier"];

export interface NodeChainOpts {
  /** JSON-RPC endpoints, tried in order with failover. May carry API keys: never printed. */
  rpcUrls: string[];
  /** Expected chain id; the node refuses to start against another chain. null = accept any (devnets). */
  chainId: number | null;
  /** Deployment file written by the deploy script (addresses by contract name). */
  deploymentFile: string | null;
  /** Explicit addresses; override the deployment file's. */
  contracts: Partial<ContractAddresses>;
  /** Blocks an event must be buried under before the node acts on it. */
  confirmations: number;
  /** How often to poll for new blocks (ms). */
  pollIntervalMs: number;
}

export interface NodeP2pOpts {
  listenAddrs: string[];
  bootstrapPeers: string[];
  /** Local peer discovery (devnets). */
  mdns: boolean;
  /** Keep private and loopback addresses in the DHT (devnets on one machine or a LAN); false on public networks. */
  privateAddresses: boolean;
  /** libp2p private key file (relative to dataDir), written by `prover-node init`. */
  peerKeyFile: string;
}

export interface NodeBackendOpts {
  kind: BackendKind;
  /** Threads for the wasm backend; 0 = one per core minus one. */
  threads: number;
}

export interface NodeAggregatorOpts {
  /** How long the aggregator tries to fetch a committed proof before reporting it unavailable on chain (ms). */
  fetchTimeoutMs: number;
}

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
  jobs: JobRunnerOpts;
  market: MarketOpts;
  aggregator: NodeAggregatorOpts;
  api: ApiOpts;
  log: NodeLogOpts;
}

export const defaultNodeOpts: NodeOpts = {
  dataDir: "~/.prover-node",
  network: "devnet",
  keystoreFile: "keystore.json",
  chain: { rpcUrls: ["http://127.0.0.1:8545"], chainId: null, deploymentFile: null, contracts: {}, confirmations: 2, pollIntervalMs: 2000 },
  p2p: { listenAddrs: ["/ip4/0.0.0.0/tcp/9000"], bootstrapPeers: [], mdns: false, privateAddresses: false, peerKeyFile: "p2p/peer-key" },
  backend: { kind: "auto", threads: 0 },
  provers: { workers: defaultProverPoolOpts.workers },
  jobs: defaultJobRunnerOpts,
  market: defaultMarketOpts,
  aggregator: { fetchTimeoutMs: 60_000 },
  api: defaultApiOpts,
  log: { level: "info", format: "auto" },
};
