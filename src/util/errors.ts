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

/** Turn anything thrown into a one-line description without stack noise. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
