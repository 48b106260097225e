/**
 * RSS and open file descriptors of every node process (Linux /proc), sampled on a timer. "Flat" is
 * judged per process once it has run `minLifeMs`: the median of its last `windowMs` of samples against
 * the median of the window after its warm-up — RSS may not grow by more than `maxRssGrowth` (and
 * `minRssGrowthBytes`), descriptors by more than `maxFdGrowth`. Restarts start a new series.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ResourceSample {
  /** ms since the run started */
  t: number;
  node: number;
  pid: number;
  rssBytes: number;
  fds: number;
}

export interface ResourceOpts {
  warmupMs: number;
  windowMs: number;
  minLifeMs: number;
  maxRssGrowth: number;
  minRssGrowthBytes: number;
  maxFdGrowth: number;
}

export const defaultResourceOpts: ResourceOpts = { warmupMs: 120_000, windowMs: 300_000, minLifeMs: 900_000, maxRssGrowth: 0.5, minRssGrowthBytes: 128 * 2 ** 20, maxFdGrowth: 128 };

export interface ProcessTrend {
  node: number;
  pid: number;
  samples: number;
  lifeMs: number;
  rssStartMiB: number;
  rssEndMiB: number;
  /** Least-squares slope of RSS after the warm-up, MiB per hour. */
  rssSlopeMiBPerHour: number;
  fdsStart: number;
  fdsEnd: number;
}

/** RSS (bytes) and descriptor count of a process, or null (gone, or not Linux). */
export function readProcess(pid: number): { rssBytes: number; fds: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    return Number.isFinite(kb) ? { rssBytes: kb * 1024, fds } : null;
  } catch {
    return null;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};

export class ResourceMonitor {
  readonly samples: ResourceSample[] = [];

  constructor(
    private readonly o: ResourceOpts,
    private readonly startedAt: number,
  ) {}

  sample(processes: readonly { node: number; pid: number }[], now = Date.now()): void {
    for (const p of processes) {
      const r = readProcess(p.pid);
      if (r) this.samples.push({ t: now - this.startedAt, node: p.node, pid: p.pid, ...r });
    }
  }

  /** Per process: the trend, and why it is not flat (null when it is, or is too young to say). */
  trends(): { trend: ProcessTrend; problem: string | null }[] {
    const byPid = new Map<number, ResourceSample[]>();
    for (const s of this.samples) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
    const out: { trend: ProcessTrend; problem: string | null }[] = [];
    for (const [pid, xs] of byPid) {
      const t0 = xs[0]!.t;
      const life = xs.at(-1)!.t - t0;
      const warm = xs.filter((s) => s.t - t0 >= this.o.warmupMs);
      const first = warm.filter((s) => s.t - t0 < this.o.warmupMs + this.o.windowMs);
      const last = xs.filter((s) => s.t >= xs.at(-1)!.t - this.o.windowMs);
      const rssStart = median((first.length > 0 ? first : xs.slice(0, 3)).map((s) => s.rssBytes));
      const rssEnd = median(last.map((s) => s.rssBytes));
      const fdsStart = median((first.length > 0 ? first : xs.slice(0, 3)).map((s) => s.fds));
      const fdsEnd = median(last.map((s) => s.fds));
      const trend: ProcessTrend = {
        node: xs[0]!.node,
        pid,
        samples: xs.length,
        lifeMs: life,
        rssStartMiB: round(rssStart / 2 ** 20),
        rssEndMiB: round(rssEnd / 2 ** 20),
        rssSlopeMiBPerHour: round(slope(warm.length >= 3 ? warm : xs) * 3_600_000 / 2 ** 20),
        fdsStart,
        fdsEnd,
      };
      let problem: string | null = null;
      if (life >= this.o.minLifeMs) {
        const grew = rssEnd - rssStart;
        if (grew > this.o.minRssGrowthBytes && grew > rssStart * this.o.maxRssGrowth) problem = `RSS grew from ${trend.rssStartMiB} MiB to ${trend.rssEndMiB} MiB`;
        else if (fdsEnd - fdsStart > this.o.maxFdGrowth) problem = `open file descriptors grew from ${fdsStart} to ${fdsEnd}`;
      }
      out.push({ trend, problem });
    }
    return out;
  }
}

function slope(xs: readonly ResourceSample[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mt = xs.reduce((a, s) => a + s.t, 0) / n;
  const mr = xs.reduce((a, s) => a + s.rssBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of xs) {
    num += (s.t - mt) * (s.rssBytes - mr);
    den += (s.t - mt) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
