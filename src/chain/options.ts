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
  /**
   * Blocks a batch's finalization must be buried under before a job treats it as final (its terminal
   * state). Shallower, the job keeps waiting as committed: a reorg that undoes the finalization then finds
   * the job still following its segment, and it commits again if its commitment went too.
   */
  finalityDepth: number;
  /** Block polling interval (ms). */
  pollIntervalMs: number;
}

export const defaultChainOpts: ChainOpts = {
  rpcUrls: ["http://127.0.0.1:8545"],
  chainId: null,
  deploymentFile: null,
  contracts: {},
  confirmations: 2,
  finalityDepth: 12,
  pollIntervalMs: 2000,
};
