import { UsageError } from "../../util/errors.js";
import { isBackendKind, selectBackend, BACKEND_KINDS } from "../../backends/select.js";
import type { ProverBackend } from "../../stark/backend.js";
import { parsePositiveInt } from "./parse.js";

/** The backend named by `--backend` / `--threads` (UsageError for bad values). */
export function backendFromFlags(flags: { backend: string; threads?: string | undefined }): ProverBackend {
  if (!isBackendKind(flags.backend)) throw new UsageError(`--backend must be one of ${BACKEND_KINDS.join(", ")}`);
  const threads = flags.threads === undefined ? undefined : parsePositiveInt(flags.threads, "--threads");
  if (threads === 0) throw new UsageError("--threads must be at least 1");
  return selectBackend(flags.backend, threads === undefined ? {} : { threads });
}
