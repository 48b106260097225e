/**
 * What actually happened during a chaos run, in wall-clock milliseconds: every node process (when it
 * started, the faults it ran with, when and how it ended), every partition, and every fault fired. The
 * slash explanations and the report are read from here, never from the schedule (a scheduled fault may
 * have been skipped, or resolved to a node only when it fired).
 */
import type { FaultKind } from "./schedule.js";

export type ProcessEnd = "killed" | "stopped" | "crashed" | "exited";

export interface ProcessLife {
  readonly node: number;
  readonly pid: number;
  readonly startMs: number;
  /** PROVER_NODE_FAULTS of the process, minus the partition control ("" when none). */
  readonly faults: string;
  endMs: number | null;
  end: ProcessEnd | null;
}

export interface Interval {
  readonly node: number;
  readonly startMs: number;
  endMs: number | null;
}

export interface FiredFault {
  readonly id: number;
  readonly kind: FaultKind;
  /** The node it acted on (resolved at run time for kill-aggregator), or null. */
  readonly node: number | null;
  readonly atMs: number;
  readonly durationMs: number;
  readonly detail?: string;
  /** The fault could not be applied (e.g. no batch to aggregate); why. */
  readonly skipped?: string;
}

export class FaultLog {
  readonly lives: ProcessLife[] = [];
  readonly partitions: Interval[] = [];
  readonly fired: FiredFault[] = [];

  processStarted(node: number, pid: number, faults: string, at = Date.now()): void {
    this.lives.push({ node, pid, startMs: at, faults, endMs: null, end: null });
  }

  processEnded(node: number, pid: number, end: ProcessEnd, at = Date.now()): void {
    const life = this.lives.find((l) => l.node === node && l.pid === pid && l.endMs === null);
    if (life) {
      life.endMs = at;
      life.end = end;
    }
  }

  partitionStarted(node: number, at = Date.now()): void {
    this.partitions.push({ node, startMs: at, endMs: null });
  }

  partitionEnded(node: number, at = Date.now()): void {
    const p = this.partitions.find((x) => x.node === node && x.endMs === null);
    if (p) p.endMs = at;
  }

  fire(f: FiredFault): void {
    this.fired.push(f);
  }

  /** Intervals in which `node` had no process running: [end of one life, start of the next). */
  downIntervals(node: number, now = Date.now()): Interval[] {
    const lives = this.lives.filter((l) => l.node === node).sort((a, b) => a.startMs - b.startMs);
    const out: Interval[] = [];
    for (let i = 0; i < lives.length; i++) {
      const l = lives[i]!;
      if (l.endMs === null) continue;
      const next = lives[i + 1];
      out.push({ node, startMs: l.endMs, endMs: next ? next.startMs : now });
    }
    return out;
  }

  /** Processes of `node` started with `fault` alive at some moment of [fromMs, toMs]. */
  livesWithFault(node: number, fault: string, fromMs: number, toMs: number): ProcessLife[] {
    return this.lives.filter((l) => l.node === node && l.faults.split(",").includes(fault) && l.startMs <= toMs && (l.endMs ?? Infinity) >= fromMs);
  }

  /** The process of `node` alive at `atMs`, if any. */
  lifeAt(node: number, atMs: number): ProcessLife | null {
    return this.lives.find((l) => l.node === node && l.startMs <= atMs && (l.endMs ?? Infinity) >= atMs) ?? null;
  }

  /** Fired faults by kind (skipped ones not counted). */
  countsByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const f of this.fired) if (!f.skipped) out[f.kind] = (out[f.kind] ?? 0) + 1;
    return out;
  }
}

/** What a slash needs to be explained (times in wall ms, converted from block timestamps). */
export type SlashContext =
  | { kind: "expired"; node: number; lockMs: number; deadlineMs: number }
  | { kind: "challenged"; node: number; committedMs: number }
  | { kind: "unavailable"; node: number; committedMs: number; reportedMs: number; deadlineMs: number }
  | { kind: "liveness"; node: number; windowStartMs: number; windowEndMs: number };

export interface ExplainOpts {
  /** A node restarted less than this before a deadline could not be expected to make it. */
  restartGraceMs: number;
  /** The aggregator's proof fetch timeout: proofs committed while it was cut off need this long. */
  fetchTimeoutMs: number;
}

/**
 * The fault in the slashed node that explains the slash, or null (an honest node was slashed). Only
 * faults of the node itself that cost a deadline explain: a process with crash-mid-proof, invalid-proof,
 * withhold-proof or silent-aggregator, a down time that left it less than `restartGraceMs` before the
 * deadline, or (for the aggregator's window only) a partition longer than the window. RPC faults,
 * reorgs, hostile peers, sequencer restarts and short partitions never explain a slash.
 */
export function explainSlash(log: FaultLog, s: SlashContext, o: ExplainOpts, now = Date.now()): string | null {
  const downCosting = (fromMs: number, deadlineMs: number): string | null => {
    for (const d of log.downIntervals(s.node, now)) {
      const end = d.endMs ?? now;
      if (d.startMs <= deadlineMs && end >= fromMs && end > deadlineMs - o.restartGraceMs) {
        return `node ${s.node} was down from ${iso(d.startMs)} to ${end >= now ? "now" : iso(end)} (back less than ${o.restartGraceMs / 1000} s before the deadline ${iso(deadlineMs)})`;
      }
    }
    return null;
  };
  const withFault = (fault: string, fromMs: number, toMs: number): string | null => {
    const l = log.livesWithFault(s.node, fault, fromMs, toMs)[0];
    return l ? `node ${s.node} ran with ${fault} (pid ${l.pid}, from ${iso(l.startMs)})` : null;
  };
  switch (s.kind) {
    case "expired":
      return withFault("crash-mid-proof", s.lockMs, s.deadlineMs) ?? downCosting(s.lockMs, s.deadlineMs);
    case "challenged":
      return withFault("invalid-proof", s.committedMs, s.committedMs);
    case "unavailable":
      return withFault("withhold-proof", s.committedMs, s.committedMs) ?? downCosting(s.reportedMs, s.deadlineMs);
    case "liveness": {
      const silent = withFault("silent-aggregator", s.windowStartMs, s.windowEndMs);
      if (silent) return silent;
      for (const d of log.downIntervals(s.node, now)) {
        const end = d.endMs ?? now;
        if (d.startMs <= s.windowEndMs && end >= s.windowStartMs - o.restartGraceMs) return `node ${s.node} was down from ${iso(d.startMs)} to ${end >= now ? "now" : iso(end)}, during or just before its window`;
      }
      const window = s.windowEndMs - s.windowStartMs;
      for (const p of log.partitions.filter((x) => x.node === s.node)) {
        const end = p.endMs ?? now;
        if (end - p.startMs >= window && p.startMs <= s.windowEndMs && end >= s.windowStartMs - o.fetchTimeoutMs) {
          return `node ${s.node} was partitioned for ${((end - p.startMs) / 1000).toFixed(1)} s (longer than its ${(window / 1000).toFixed(0)} s window) around it`;
        }
      }
      return null;
    }
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}
