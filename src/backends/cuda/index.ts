import { CudaBackend } from "./backend.js";
import type { CudaBackendOpts } from "./options.js";
import type { CudaStatus } from "./addon.js";

export { CudaBackend } from "./backend.js";
export { cudaStatus, probe as probeCudaAddon, CudaBackendError, type CudaStatus, type CudaDeviceInfo } from "./addon.js";
export { defaultCudaBackendOpts, type CudaBackendOpts } from "./options.js";
export { proofDeviceBytes, maxLogRowsFor, defaultSizingOpts, type ProofShape, type SizingOpts } from "./sizing.js";

/** The CUDA backend; throws CudaBackendError (CUDA_UNAVAILABLE, with the reason) where it cannot run. */
export function createCudaBackend(opts: Partial<CudaBackendOpts> = {}, status?: CudaStatus): CudaBackend {
  return new CudaBackend(opts, status);
}
