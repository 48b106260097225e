/**
 * The devnet a chaos run uses: e2e-sized batches (tree depth 8, segments of 2^6 rows, 4 segments per
 * batch) so that many batches flow in an hour on a loaded 2-core machine, and market windows short
 * enough for faults to play out: a lock has 45 s (CI's 30 s was shorter than its own 25–30 s RPC storms
 * plus the commit's retries: honest lockers were slashed by a storm, twice), a reported prover 15 s (8 s), a batch
 * times out after 240 s (180 s) and is then refunded and re-posted by the sequencer. The aggregator's
 * window is 30 blocks (the devnet's 12 was missed under RPC storms on a loaded machine: a liveness
 * penalty that flaky RPC must never explain).
 */
import { DEFAULT_DEVNET_TIMING, defaultDevnetOpts, type DevnetOpts } from "../devnet.js";
import type { ChaosProfile } from "./schedule.js";

export function chaosDevnetOpts(baseDir: string, profile: ChaosProfile, over: Partial<DevnetOpts> = {}): DevnetOpts {
  const ci = profile.name === "ci";
  return {
    ...defaultDevnetOpts(baseDir),
    // The bundle path: its invalid-proof fault needs validity disputes, not wired on the data path yet (docs/aggregator.md).
    path: "bundle",
    treeDepth: 8,
    segmentLogRows: 6,
    txsPerBatch: 12,
    accounts: 16,
    backend: "wasm",
    fetchTimeoutMs: ci ? 6_000 : 10_000,
    timing: { ...DEFAULT_DEVNET_TIMING, lockTimeout: 45, responseWindow: ci ? 8 : 15, batchTimeout: ci ? 180 : 240, aggregatorWindow: 30 },
    ...over,
  };
}
