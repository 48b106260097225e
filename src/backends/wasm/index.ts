import type { ProverBackend } from "../interface.js";
import { WasmBackend } from "./backend.js";
import type { WasmBackendOpts } from "./options.js";

export { WasmBackend } from "./backend.js";
export { wasmAvailability, WasmBackendError } from "./kernels.js";
export { defaultWasmBackendOpts, type WasmBackendOpts } from "./options.js";

/**
 * The WebAssembly-SIMD backend. `fallback` serves the operations whose kernels are not written yet
 * (today: evaluateQuotient); it is closed with the backend.
 */
export function createWasmBackend(opts: Partial<WasmBackendOpts> = {}, fallback: ProverBackend | null = null): WasmBackend {
  return new WasmBackend(opts, fallback);
}
