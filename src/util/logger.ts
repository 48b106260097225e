/**
 * The logger interface every module takes. Messages are constant strings; context goes in an object
 * (`log.info("Segment locked", {segmentId, price})`). The pino-backed implementation lives in
 * `logger-pino.ts` so pure modules never import pino.
 */
export type LogContext = Record<string, unknown>;

export interface Logger {
  error(msg: string, ctx?: LogContext): void;
  warn(msg: string, ctx?: LogContext): void;
  info(msg: string, ctx?: LogContext): void;
  debug(msg: string, ctx?: LogContext): void;
  child(bindings: LogContext): Logger;
}

/** A logger that drops everything (tests, library use). */
export const nullLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return nullLogger;
  },
};
