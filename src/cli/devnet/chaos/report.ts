/**
 * What a chaos run writes (`--report <file>`, soak.json) and prints at the end: the seed and schedule,
 * faults injected by kind, batches finalized and refunded, every slash beside the fault that explains
 * it, the invariant checks and any violation, and each node's RSS and descriptors over time.
 */
import { writeFile } from "node:fs/promises";
import type { FiredFault } from "./fault-log.js";
import type { BatchFigures, ConservationFigures, InvariantName, SlashEntry } from "./invariants.js";
import type { ProcessTrend, ResourceSample } from "./resources.js";
import type { RpcProxyStats } from "./rpc-proxy.js";
import type { HostileStats } from "./hostile-peer.js";
import { clock, type FaultKind, type ScheduledFault } from "./schedule.js";

export interface ViolationRecord {
  invariant: InvariantName;
  message: string;
  /** ms after the chaos started */
  atMs: number;
  at: string;
  block: bigint | null;
  evidence: Record<string, unknown>;
}

export interface ChaosReport {
  seed: number;
  profile: string;
  nodes: number;
  startedAt: string;
  /** Wall time of the chaos phase (after the devnet was up), ms. */
  durationMs: number;
  schedule: string[];
  maxOverlap: { kinds: FaultKind[]; atMs: number };
  /** The most fault kinds active at once as they actually ran. */
  observedOverlap: { kinds: string[]; atMs: number };
  faults: {
    byKind: Record<string, number>;
    fired: FiredFault[];
    rpc: RpcProxyStats;
    hostile: HostileStats;
  };
  batches: BatchFigures & { reposted: number; settledInRun: number };
  slashes: { explained: number; unexplained: number; list: SlashEntry[] };
  checks: { conservation: number; slashes: number; batches: number; stores: number; resources: number; storeCleanAfterRestart: Record<string, number> };
  conservation: ConservationFigures | null;
  violations: ViolationRecord[];
  resources: { trends: ProcessTrend[]; perNode: NodeResources[]; samples: { t: number; node: number; pid: number; rssMiB: number; fds: number }[] };
  ok: boolean;
  /** false while the run is going on (the file is rewritten every minute), true once it ended. */
  finished: boolean;
}

/** One node over the whole run, across its restarts (node -1 is the chaos controller's own process). */
export interface NodeResources {
  node: number;
  /** Processes the node ran as (1 + restarts seen by the sampler). */
  lives: number;
  samples: number;
  rssMiB: { first: number; last: number; min: number; max: number };
  fds: { first: number; last: number; min: number; max: number };
  /** The longest-lived process: how long, and its RSS slope after the warm-up (MiB per hour). */
  longestLife: { pid: number; minutes: number; rssStartMiB: number; rssEndMiB: number; rssSlopeMiBPerHour: number } | null;
}

/** Per node: RSS and descriptors over the run, across restarts. */
export function perNodeResources(samples: readonly ResourceSample[], trends: readonly ProcessTrend[]): NodeResources[] {
  const nodes = [...new Set(samples.map((s) => s.node))].sort((a, b) => a - b);
  const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
  return nodes.map((node) => {
    const xs = samples.filter((s) => s.node === node);
    const rss = xs.map((s) => s.rssBytes);
    const fds = xs.map((s) => s.fds);
    const longest = trends.filter((t) => t.node === node).sort((a, b) => b.lifeMs - a.lifeMs)[0];
    return {
      node,
      lives: new Set(xs.map((s) => s.pid)).size,
      samples: xs.length,
      rssMiB: { first: mib(rss[0]!), last: mib(rss.at(-1)!), min: mib(Math.min(...rss)), max: mib(Math.max(...rss)) },
      fds: { first: fds[0]!, last: fds.at(-1)!, min: Math.min(...fds), max: Math.max(...fds) },
      longestLife: longest
        ? { pid: longest.pid, minutes: Math.round(longest.lifeMs / 6_000) / 10, rssStartMiB: longest.rssStartMiB, rssEndMiB: longest.rssEndMiB, rssSlopeMiBPerHour: longest.rssSlopeMiBPerHour }
        : null,
    };
  });
}

/** Samples thinned to one per node per `everyMs`, RSS in MiB. */
export function thinSamples(samples: readonly ResourceSample[], everyMs: number): ChaosReport["resources"]["samples"] {
  const last = new Map<number, number>();
  const out: ChaosReport["resources"]["samples"] = [];
  for (const s of samples) {
    if ((last.get(s.node) ?? -Infinity) + everyMs > s.t) continue;
    last.set(s.node, s.t);
    out.push({ t: s.t, node: s.node, pid: s.pid, rssMiB: Math.round((s.rssBytes / 2 ** 20) * 10) / 10, fds: s.fds });
  }
  return out;
}

export async function writeReport(file: string, r: ChaosReport): Promise<void> {
  await writeFile(file, JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2) + "\n");
}

/** The end-of-run summary, one fact per line. */
export function formatReport(r: ChaosReport): string[] {
  const kinds = Object.entries(r.faults.byKind).map(([k, n]) => `${k} ${n}`).join(", ");
  const rpc = r.faults.rpc.faults;
  const lines = [
    `chaos seed ${r.seed} (${r.profile}), ${r.nodes} nodes, ${(r.durationMs / 60_000).toFixed(1)} min: ${r.ok ? "PASSED" : "FAILED"}`,
    `faults injected: ${kinds || "none"}`,
    `  rpc proxy: ${r.faults.rpc.requests} requests, dropped ${rpc.drop}, delayed ${rpc.delay}, errors ${rpc.error}, sent-then-timeout ${rpc.sentThenTimeout}`,
    `  hostile peer: ${Object.values(r.faults.hostile.published).reduce((a, b) => a + b, 0)} messages (${Object.entries(r.faults.hostile.published).map(([k, n]) => `${k} ${n}`).join(", ")}), ${r.faults.hostile.requests} requests, ${r.faults.hostile.identities} identities`,
    `  most kinds at once: ${r.observedOverlap.kinds.length} (${r.observedOverlap.kinds.join(", ")}) at +${clock(r.observedOverlap.atMs)}`,
    `batches: posted ${r.batches.posted}, finalized ${r.batches.finalized}, refunded ${r.batches.refunded}, open ${r.batches.open}, re-posted ${r.batches.reposted}`,
    `slashes: ${r.slashes.list.length} (explained ${r.slashes.explained}, unexplained ${r.slashes.unexplained})`,
    ...r.slashes.list.map((s) => `  ${s.kind} node ${s.node ?? "?"} batch ${s.batchId}${s.index !== null ? `/${s.index}` : ""} ${s.amount} wei ← ${s.explanation ?? "UNEXPLAINED"}`),
    `checks: conservation ${r.checks.conservation}, slashes ${r.checks.slashes}, batches ${r.checks.batches}, stores ${r.checks.stores}, resources ${r.checks.resources}; violations ${r.violations.length}`,
    ...(r.conservation
      ? [`  tokens at block ${r.conservation.block}: minted ${r.conservation.minted} = balances ${r.conservation.balances} + stake ${r.conservation.stake} + escrow ${r.conservation.escrow} + burned ${r.conservation.burned}`]
      : []),
    ...r.resources.perNode.map(
      (n) =>
        `  ${n.node < 0 ? "controller" : `node ${n.node}`}: ${n.lives} process${n.lives === 1 ? "" : "es"}, RSS ${n.rssMiB.first} → ${n.rssMiB.last} MiB (min ${n.rssMiB.min}, max ${n.rssMiB.max}), fds ${n.fds.first} → ${n.fds.last} (max ${n.fds.max})${n.longestLife ? `; longest life ${n.longestLife.minutes} min, RSS ${n.longestLife.rssStartMiB} → ${n.longestLife.rssEndMiB} MiB (${n.longestLife.rssSlopeMiBPerHour} MiB/h)` : ""}`,
    ),
    ...r.resources.trends.filter((t) => t.lifeMs >= 600_000).map((t) => `  node ${t.node} pid ${t.pid}: ${(t.lifeMs / 60_000).toFixed(1)} min, RSS ${t.rssStartMiB} → ${t.rssEndMiB} MiB (${t.rssSlopeMiBPerHour} MiB/h), fds ${t.fdsStart} → ${t.fdsEnd}`),
  ];
  for (const v of r.violations) {
    lines.push(`VIOLATION (${v.invariant}) at +${clock(v.atMs)} (${v.at}, block ${v.block ?? "?"}): ${v.message}`);
    lines.push(`  evidence: ${JSON.stringify(v.evidence, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x))}`);
    lines.push(`  reproduce: prover-node devnet --chaos ${r.seed} --chaos-profile ${r.profile}`);
  }
  return lines;
}

export type { ScheduledFault };
