import { CudaBackend } from "./backend.js";
import type { CudaBackendOpts } from "./options.js";

export { CudaBackend } from "./backend.js";
export { cudaStatus, CudaBackendError, type CudaStatus, type CudaDeviceInfo } from "./addon.js";
export { defaultCudaBackendOpts, type CudaBackendOpts } from "./options.js";
export { proofDeviceBytes, maxLogRowsFor, defaultSizingOpts, type ProofShape, type SizingOpts } from "./sizing.js";

/** The CUDA backend; throws CudaBackendError (CUDA_UNAVAILABLE, with the reason) where it cannot run. */
export function createCudaBackend(opts: Partial<CudaBackendOpts> = {}): CudaBackend {
  return new CudaBackend(opts);
}
