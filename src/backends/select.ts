/**
 * Choosing a ProverBackend: `auto` takes cuda when its addon loads and a device is present, else wasm
 * when the kernels are built and the runtime has SIMD and threads, else js.
 */
import { UsageError } from "../util/errors.js";
import type { ProverBackend } from "./interface.js";
import { createJsBackend } from "./js/index.js";
import { createWasmBackend, wasmAvailability, type WasmBackendOpts } from "./wasm/index.js";
import { createCudaBackend, cudaStatus } from "./cuda/index.js";

export const BACKEND_KINDS = ["auto", "js", "wasm", "cuda"] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];
export type ConcreteBackendKind = Exclude<BackendKind, "auto">;

export interface BackendStatus {
  readonly kind: ConcreteBackendKind;
  readonly available: boolean;
  /** Why not, when not available (e.g. "no addon built", "no device (…)"). */
  readonly reason?: string;
  /** What runs it, when available (the GPU's name for cuda). */
  readonly detail?: string;
}

export interface SelectBackendOpts {
  /** Worker threads of the wasm backend (default: os.availableParallelism()). */
  readonly threads?: number;
}

/** Every backend and whether this machine can run it, in `auto` preference order. */
export function listBackends(): BackendStatus[] {
  const wasm = wasmAvailability();
  const cuda = cudaStatus();
  return [
    cuda.available
      ? { kind: "cuda", available: true, detail: `${cuda.device.name}, compute ${cuda.device.computeCapability}, ${(cuda.device.freeBytes / 2 ** 30).toFixed(1)} GiB free` }
      : { kind: "cuda", available: false, reason: cuda.reason },
    wasm.available ? { kind: "wasm", available: true } : { kind: "wasm", available: false, reason: wasm.reason },
    { kind: "js", available: true },
  ];
}

export function isBackendKind(s: string): s is BackendKind {
  return (BACKEND_KINDS as readonly string[]).includes(s);
}

/** The concrete kind `kind` resolves to on this machine; throws UsageError if it cannot run here. */
export function resolveBackendKind(kind: BackendKind): ConcreteBackendKind {
  const statuses = listBackends();
  if (kind === "auto") return statuses.find((s) => s.available)!.kind;
  const s = statuses.find((x) => x.kind === kind);
  if (!s) throw new UsageError(`unknown backend "${kind}" (one of ${BACKEND_KINDS.join(", ")})`);
  if (!s.available) throw new UsageError(`backend ${kind} is not available: ${s.reason}`);
  return kind;
}

export function selectBackend(kind: BackendKind = "auto", opts: SelectBackendOpts = {}): ProverBackend {
  const concrete = resolveBackendKind(kind);
  switch (concrete) {
    case "js":
      return createJsBackend();
    case "wasm": {
      const wasmOpts: Partial<WasmBackendOpts> = opts.threads !== undefined ? { threads: opts.threads } : {};
      return createWasmBackend(wasmOpts);
    }
    case "cuda":
      return createCudaBackend();
  }
}
