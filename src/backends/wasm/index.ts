import { WasmBackend } from "./backend.js";
import type { WasmBackendOpts } from "./options.js";

export { WasmBackend } from "./backend.js";
export { wasmAvailability, WasmBackendError } from "./kernels.js";
export { defaultWasmBackendOpts, type WasmBackendOpts } from "./options.js";

/** The WebAssembly-SIMD backend (kernels/wasm on worker threads); close() releases workers and memory. */
export function createWasmBackend(opts: Partial<WasmBackendOpts> = {}): WasmBackend {
  return new WasmBackend(opts);
}
