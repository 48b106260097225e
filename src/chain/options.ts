/** Options of the chain runtime: the config file's `chain` section (node/options.ts gathers it). */
import type { Address } from "viem";

export interface ChainOpts {
  /** JSON-RPC endpoints, tried in order with failover. May carry API keys: never printed unredacted. */
  rpcUrls: string[];
  /** Expected chain id; null accepts any (devnets). */
  chainId: number | null;
  /** Deployment file written by the deploy script. */
  deploymentFile: string | null;
  /** Explicit addresses overriding the deployment file's. */
  contracts: Partial<Record<"token" | "staking" | "market" | "election" | "rollup" | "verifier", Address>>;
  /** Blocks an event must be buried under before it is acted on. */
  confirmations: number;
  /** Block polling interval (ms). */
  pollIntervalMs: number;
}

export const defaultChainOpts: ChainOpts = {
  rpcUrls: ["http://127.0.0.1:8545"],
  chainId: null,
  deploymentFile: null,
  contracts: {},
  confirmations: 2,
  pollIntervalMs: 2000,
};
