/**
 * Typed errors: every refusal in prover-node carries a machine-readable `code` and the data that
 * explains it, so callers can branch on `err.type.code` and logs show structured context.
 */
export interface ErrorType {
  code: string;
  [key: string]: unknown;
}

export class ProverNodeError<T extends ErrorType = ErrorType> extends Error {
  readonly type: T;
  constructor(type: T, message?: string) {
    super(message ?? type.code);
    this.type = type;
    this.name = new.target.name;
  }

  get code(): T["code"] {
    return this.type.code;
  }

  /** Structured form for loggers. bigint values are rendered as decimal strings. */
  toObject(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [k, v] of Object.entries(this.type)) out[k] = typeof v === "bigint" ? v.toString() : v;
    return out;
  }
}

/** Raised for invalid arguments from a user (CLI flags, config values). CLI exit code 2. */
export class UsageError extends ProverNodeError<{ code: "USAGE"; detail: string }> {
  constructor(detail: string) {
    super({ code: "USAGE", detail }, detail);
  }
}

/** Raised when an abortable operation is cancelled through its AbortSignal. */
export class AbortError extends ProverNodeError<{ code: "ABORTED" }> {
  constructor(message = "operation aborted") {
    super({ code: "ABORTED" }, message);
  }
}

/** The most characters of one error description or logged string (RPC errors quote whole request bodies). */
export const MAX_DESCRIBED_CHARS = 2_000;

/**
 * `s` cut to `max` characters, saying how much was cut. An RPC library's error quotes the request body,
 * and a `submitAggregate` carries a proof of a few hundred kilobytes (a bundle megabytes): a retried
 * failure must never put that into every log line or error (issue 19: nodes ran out of memory so).
 */
export function cutLong(s: string, max = MAX_DESCRIBED_CHARS): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length - max} more characters cut)`;
}

/** Turn anything thrown into a one-line description without stack noise, at most MAX_DESCRIBED_CHARS long. */
export function describeError(err: unknown): string {
  return cutLong(err instanceof Error ? err.message : String(err));
}
