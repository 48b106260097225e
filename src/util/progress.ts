/**
 * Progress of long work (one entry per proving job, advanced phase by phase): bars redrawn in place on
 * a TTY, otherwise one log line per interval — never a line per phase per job in a log file.
 */
import type { Logger } from "./logger.js";

export interface ProgressReporter {
  /** `phase` just finished; `fraction` of the whole job is done (0..1). */
  update(id: string, phase: string, fraction: number): void;
  done(id: string): void;
  close(): void;
}

interface Entry {
  phase: string;
  fraction: number;
  startedAt: number;
}

/** Bars on a TTY stream (stderr by default), redrawn in place. */
export class TtyProgress implements ProgressReporter {
  private readonly entries = new Map<string, Entry>();
  private drawnLines = 0;

  constructor(
    private readonly out: { write(s: string): unknown; columns?: number } = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  update(id: string, phase: string, fraction: number): void {
    const e = this.entries.get(id);
    this.entries.set(id, { phase, fraction: Math.min(1, Math.max(0, fraction)), startedAt: e?.startedAt ?? this.now() });
    this.draw();
  }

  done(id: string): void {
    this.entries.delete(id);
    this.draw();
  }

  close(): void {
    this.entries.clear();
    this.draw();
  }

  /** One line per job: `segment 12  [########------------]  40%  quotient  3.2 s`. */
  render(): string[] {
    const width = 20;
    return [...this.entries].map(([id, e]) => {
      const filled = Math.round(e.fraction * width);
      const secs = ((this.now() - e.startedAt) / 1000).toFixed(1);
      return `${id}  [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(e.fraction * 100)).padStart(3)}%  ${e.phase}  ${secs} s`;
    });
  }

  private draw(): void {
    // Move up over the previous frame, clear it, draw the new one.
    let s = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : "";
    const lines = this.render();
    for (let i = 0; i < Math.max(lines.length, this.drawnLines); i++) s += `\x1b[2K${lines[i] ?? ""}\n`;
    this.out.write(s);
    this.drawnLines = Math.max(lines.length, this.drawnLines);
    if (lines.length === 0) {
      this.out.write(this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : "");
      this.drawnLines = 0;
    }
  }
}

/** Not a TTY: a single "Proving progress" log line per interval while anything is running. */
export class LogProgress implements ProgressReporter {
  private readonly entries = new Map<string, Entry>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    intervalMs = 30_000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  update(id: string, phase: string, fraction: number): void {
    this.entries.set(id, { phase, fraction, startedAt: this.entries.get(id)?.startedAt ?? Date.now() });
  }

  done(id: string): void {
    this.entries.delete(id);
  }

  flush(): void {
    if (this.entries.size === 0) return;
    this.log.info("Proving progress", { jobs: [...this.entries].map(([id, e]) => ({ id, phase: e.phase, percent: Math.round(e.fraction * 100) })) });
  }

  close(): void {
    clearInterval(this.timer);
    this.entries.clear();
  }
}

export function createProgressReporter(opts: { tty: boolean; log: Logger; intervalMs?: number }): ProgressReporter {
  return opts.tty ? new TtyProgress() : new LogProgress(opts.log, opts.intervalMs);
}
