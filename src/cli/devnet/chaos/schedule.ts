/**
 * The chaos schedule: a list of timed faults drawn from a seed, printed before the run and reproducible
 * from the seed alone (same seed, profile, node count and duration → the same list). Targets that only
 * exist at run time (the primary aggregator of the batch being aggregated) are resolved when the fault
 * fires and written into the run's log and report.
 */
import { prng } from "../../../rollup/random.js";

export const FAULT_KINDS = [
  "kill", // SIGKILL a node, restart it after `durationMs`
  "kill-aggregator", // SIGKILL the primary aggregator of the batch being aggregated, restart after `durationMs`
  "crash-mid-proof", // restart a node with PROVER_NODE_FAULTS=crash-mid-proof: it kills itself in its next proof
  "invalid-proof", // … =invalid-proof for `durationMs`: its next proof is corrupted (it must be challenged)
  "withhold-proof", // … =withhold-proof for `durationMs`: its next proof is committed but never served
  "silent-aggregator", // … =silent-aggregator for `durationMs`: it never submits as primary
  "rpc-storm", // the RPC proxy's fault rates go up for `durationMs`
  "partition", // a node is cut off from every peer for `durationMs`
  "hostile-flood", // the hostile peer floods malformed and replayed gossip for `durationMs`
  "sequencer-restart", // the sequencer stops, stays down `durationMs`, starts again from its database
  "reorg", // evm_snapshot now, evm_revert after `depth` blocks
  "scale-to-zero", // every node stopped (SIGTERM) for `durationMs`: deadlines pass with nobody proving
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Faults that act on one node (given at schedule time, or resolved at run time for kill-aggregator). */
export const NODE_FAULTS: ReadonlySet<FaultKind> = new Set(["kill", "kill-aggregator", "crash-mid-proof", "invalid-proof", "withhold-proof", "silent-aggregator", "partition"]);
/** Faults that restart a node with PROVER_NODE_FAULTS set. */
export const BEHAVIOUR_FAULTS: ReadonlySet<FaultKind> = new Set(["crash-mid-proof", "invalid-proof", "withhold-proof", "silent-aggregator"]);

export interface ScheduledFault {
  /** Position in the schedule (1-based). */
  readonly id: number;
  /** Milliseconds after the chaos starts. */
  readonly atMs: number;
  readonly kind: FaultKind;
  /** Target node; null for network-wide faults and for kill-aggregator (resolved at run time). */
  readonly node: number | null;
  readonly durationMs: number;
  /** reorg: blocks reverted. */
  readonly depth?: number;
}

type Range = readonly [number, number];

export interface ChaosProfile {
  readonly name: "ci" | "soak";
  /** Faults per hour of each kind (soak), or exactly one each at a planned moment (ci). */
  readonly perHour: Partial<Record<FaultKind, number>>;
  /** Duration range (ms) per kind. */
  readonly durations: Partial<Record<FaultKind, Range>>;
  /** Share of kills whose downtime is long (beyond a lock's deadline). */
  readonly longKillShare: number;
  readonly longKillMs: Range;
  readonly reorgDepth: Range;
}

export const SOAK_PROFILE: ChaosProfile = {
  name: "soak",
  perHour: {
    kill: 16,
    "kill-aggregator": 8,
    "crash-mid-proof": 4,
    "invalid-proof": 4,
    "withhold-proof": 4,
    "silent-aggregator": 4,
    "rpc-storm": 10,
    partition: 10,
    "hostile-flood": 8,
    "sequencer-restart": 6,
    reorg: 10,
    "scale-to-zero": 1,
  },
  durations: {
    kill: [2_000, 10_000],
    "kill-aggregator": [2_000, 10_000],
    "invalid-proof": [60_000, 180_000],
    "withhold-proof": [60_000, 180_000],
    "silent-aggregator": [60_000, 180_000],
    "crash-mid-proof": [60_000, 120_000],
    "rpc-storm": [15_000, 40_000],
    partition: [10_000, 25_000],
    "hostile-flood": [30_000, 90_000],
    "sequencer-restart": [2_000, 15_000],
    "scale-to-zero": [280_000, 320_000],
  },
  longKillShare: 0.25,
  longKillMs: [60_000, 90_000],
  reorgDepth: [2, 5],
};

/**
 * The CI run: one of each of these, early and overlapping (at ~20 s into the chaos five kinds are active
 * at once), jittered by the seed. Sized for 3 nodes and a few batches in under 4 minutes on 2 cores.
 */
export const CI_PROFILE: ChaosProfile = {
  name: "ci",
  perHour: { "hostile-flood": 1, "rpc-storm": 1, partition: 1, kill: 1, "sequencer-restart": 1, reorg: 1, "kill-aggregator": 1, "invalid-proof": 1 },
  durations: {
    "hostile-flood": [40_000, 45_000],
    "rpc-storm": [25_000, 30_000],
    partition: [12_000, 16_000],
    kill: [3_000, 5_000],
    "sequencer-restart": [2_000, 4_000],
    "kill-aggregator": [3_000, 5_000],
    "invalid-proof": [40_000, 50_000],
  },
  longKillShare: 0,
  longKillMs: [0, 0],
  reorgDepth: [2, 3],
};

/** When each CI fault starts (ms after the chaos starts, before jitter). */
const CI_PLAN: Partial<Record<FaultKind, number>> = {
  "hostile-flood": 2_000,
  "rpc-storm": 6_000,
  "invalid-proof": 8_000,
  partition: 14_000,
  kill: 18_000,
  "sequencer-restart": 24_000,
  reorg: 34_000,
  "kill-aggregator": 40_000,
};

export interface ScheduleParams {
  seed: number;
  profile: ChaosProfile;
  nodes: number;
  /** How long faults are drawn for (soak); the CI plan ignores it. */
  durationMs: number;
}

/** Draw the schedule. Pure: the same params give the same list. */
export function chaosSchedule(p: ScheduleParams): ScheduledFault[] {
  const rnd = prng(p.seed ^ 0x2545f491);
  const between = ([lo, hi]: Range): number => Math.round(lo + rnd() * (hi - lo));
  const pickNode = (): number => Math.floor(rnd() * p.nodes);
  const draft: Omit<ScheduledFault, "id">[] = [];
  // ci: the node faults go to different nodes (in a seeded order), so that none is dropped as a conflict.
  const ciNodes = p.profile.name === "ci" ? Array.from({ length: p.nodes }, (_, i) => i).sort(() => rnd() - 0.5) : [];
  let ciNext = 0;
  const make = (kind: FaultKind, atMs: number): Omit<ScheduledFault, "id"> => {
    const long = (kind === "kill" || kind === "kill-aggregator") && rnd() < p.profile.longKillShare;
    const durationMs = kind === "reorg" ? 0 : long ? between(p.profile.longKillMs) : between(p.profile.durations[kind] ?? [5_000, 5_000]);
    const targeted = NODE_FAULTS.has(kind) && kind !== "kill-aggregator";
    const node = !targeted ? null : p.profile.name === "ci" ? ciNodes[ciNext++ % p.nodes]! : pickNode();
    return { atMs, kind, node, durationMs, ...(kind === "reorg" ? { depth: between(p.profile.reorgDepth) } : {}) };
  };
  if (p.profile.name === "ci") {
    for (const kind of FAULT_KINDS) {
      const at = CI_PLAN[kind];
      if (at !== undefined) draft.push(make(kind, at + Math.round(rnd() * 2_000)));
    }
  } else {
    // A Poisson process per kind over the run (the last 10 % is left quiet so the run can settle).
    const horizon = p.durationMs * 0.9;
    for (const kind of FAULT_KINDS) {
      const rate = (p.profile.perHour[kind] ?? 0) / 3_600_000;
      if (rate <= 0) continue;
      for (let t = -Math.log(1 - rnd()) / rate; t < horizon; t += -Math.log(1 - rnd()) / rate) draft.push(make(kind, Math.round(t)));
    }
  }
  draft.sort((a, b) => a.atMs - b.atMs || FAULT_KINDS.indexOf(a.kind) - FAULT_KINDS.indexOf(b.kind));
  return dropConflicts(draft, p.nodes).map((f, i) => ({ ...f, id: i + 1 }));
}

/**
 * A node carries one node fault at a time (a kill of a node that is being restarted with a fault would
 * only blur what explains what), a kill or crash never takes down the last node still up (other
 * nodes' partitions and behaviour faults do not count as down), and scale-to-zero runs alone among
 * node faults.
 */
function dropConflicts(draft: Omit<ScheduledFault, "id">[], nodes: number): Omit<ScheduledFault, "id">[] {
  const busyUntil = new Array<number>(nodes).fill(-1);
  /** Until when a node is down (killed, or crashing on purpose). */
  const downUntil = new Array<number>(nodes).fill(-1);
  let zeroUntil = -1;
  let aggregatorKillUntil = -1;
  const out: Omit<ScheduledFault, "id">[] = [];
  for (const f of draft) {
    if (f.kind === "scale-to-zero") {
      if (busyUntil.some((u) => u > f.atMs)) continue;
      zeroUntil = f.atMs + f.durationMs;
      busyUntil.fill(zeroUntil);
      out.push(f);
      continue;
    }
    if (f.kind === "kill-aggregator") {
      // Its target is known only when it fires: keep it clear of other node faults' starts.
      if (f.atMs < zeroUntil || f.atMs < aggregatorKillUntil) continue;
      aggregatorKillUntil = f.atMs + f.durationMs + 30_000;
      out.push(f);
      continue;
    }
    if (f.node === null) {
      out.push(f);
      continue;
    }
    const end = f.atMs + f.durationMs + (BEHAVIOUR_FAULTS.has(f.kind) ? 10_000 : 0);
    if (busyUntil[f.node]! > f.atMs || f.atMs < zeroUntil) continue;
    const downing = f.kind === "kill" || f.kind === "crash-mid-proof";
    if (downing && downUntil.filter((u, i) => i !== f.node && u > f.atMs).length >= nodes - 1) continue;
    busyUntil[f.node] = end;
    if (downing) downUntil[f.node] = end;
    out.push(f);
  }
  return out;
}

/** The largest number of distinct fault kinds active at one moment, and when. */
export function maxOverlap(schedule: readonly ScheduledFault[]): { kinds: FaultKind[]; atMs: number } {
  let best: { kinds: FaultKind[]; atMs: number } = { kinds: [], atMs: 0 };
  for (const f of schedule) {
    const t = f.atMs + 1;
    const active = new Set(schedule.filter((g) => g.atMs <= t && t <= g.atMs + Math.max(g.durationMs, 1000)).map((g) => g.kind));
    if (active.size > best.kinds.length) best = { kinds: [...active], atMs: t };
  }
  return best;
}

/** One line per fault: `#3 +00:14.2 partition node 1 for 15.0 s`. */
export function formatSchedule(schedule: readonly ScheduledFault[]): string[] {
  return schedule.map((f) => {
    const target = f.node !== null ? ` node ${f.node}` : f.kind === "kill-aggregator" ? " (the primary aggregator, at run time)" : "";
    const what = f.kind === "reorg" ? ` of ${f.depth} blocks` : f.durationMs > 0 ? ` for ${(f.durationMs / 1000).toFixed(1)} s` : "";
    return `#${f.id} +${clock(f.atMs)} ${f.kind}${target}${what}`;
  });
}

/** mm:ss.s */
export function clock(ms: number): string {
  const s = ms / 1000;
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${(s % 60).toFixed(1).padStart(4, "0")}`;
}
