export interface CudaBackendOpts {
  /**
   * Keep device copies of the matrices this backend returns (LDEs, DEEP and FRI layers) so that the
   * next operation given the same arrays reads them on the device instead of uploading them again.
   */
  deviceCache: boolean;
  /** Most device matrices kept by the cache (least recently used go first). */
  cacheEntries: number;
  /** Rows of LDE per launch of the quotient interpreter: its register scratch is numRegisters × this. */
  quotientChunkRows: number;
  /** Nonces per grinding launch at most (the first launch is smaller, and the signal is checked between). */
  grindChunk: number;
}

export const defaultCudaBackendOpts = (): CudaBackendOpts => ({
  deviceCache: true,
  cacheEntries: 4,
  quotientChunkRows: 1 << 16,
  grindChunk: 1 << 24,
});
