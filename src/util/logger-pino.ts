/**
 * pino-backed Logger. JSON lines by default; `pretty` renders a compact human line for TTYs without
 * a transport worker (pino-pretty is not a dependency). bigint and errors in contexts are serialised.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";
import type { LogContext, Logger } from "./logger.js";
import { cutLong, ProverNodeError } from "./errors.js";

export type LogLevel = "error" | "warn" | "info" | "debug";
export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

export interface PinoLoggerOpts {
  level: LogLevel;
  /** Human-readable lines instead of JSON (default: when stdout is a TTY). */
  pretty?: boolean;
  /** Where lines go (default stdout). */
  destination?: DestinationStream;
}

function serialise(ctx: LogContext | undefined): LogContext | undefined {
  if (!ctx) return undefined;
  const out: LogContext = {};
  for (const [k, v] of Object.entries(ctx)) {
    if (typeof v === "bigint") out[k] = v.toString();
    else if (typeof v === "string") out[k] = cutLong(v);
    else if (v instanceof ProverNodeError) out[k] = v.toObject();
    else if (v instanceof Error) out[k] = { name: v.name, message: cutLong(v.message) };
    else out[k] = v;
  }
  return out;
}

class PinoAdapter implements Logger {
  constructor(private readonly p: PinoLogger) {}
  error(msg: string, ctx?: LogContext): void {
    this.p.error(serialise(ctx) ?? {}, msg);
  }
  warn(msg: string, ctx?: LogContext): void {
    this.p.warn(serialise(ctx) ?? {}, msg);
  }
  info(msg: string, ctx?: LogContext): void {
    this.p.info(serialise(ctx) ?? {}, msg);
  }
  debug(msg: string, ctx?: LogContext): void {
    this.p.debug(serialise(ctx) ?? {}, msg);
  }
  child(bindings: LogContext): Logger {
    return new PinoAdapter(this.p.child(serialise(bindings) ?? {}));
  }
}

function prettyStream(out: NodeJS.WritableStream): DestinationStream {
  const names: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };
  return {
    write(line: string): void {
      const { level, time, msg, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
      const ts = new Date(time as number).toISOString().slice(11, 23);
      const ctx = Object.keys(rest).length ? " " + Object.entries(rest).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(" ") : "";
      out.write(`${ts} ${names[level as number] ?? level} ${msg as string}${ctx}\n`);
    },
  };
}

export function createPinoLogger(opts: PinoLoggerOpts): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  const dest = opts.destination ?? (pretty ? prettyStream(process.stdout) : pino.destination(1));
  return new PinoAdapter(pino({ level: opts.level, base: undefined }, dest));
}
