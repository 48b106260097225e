/**
 * Loading the optional CUDA addon (build/cuda/prover_cuda.node, made by `npm run build:cuda`) and
 * saying why it cannot be used: "no addon built", "addon failed to load: …", or "no device (…)" with
 * the CUDA runtime's own words (e.g. cudaErrorNoDevice, cudaErrorInsufficientDriver).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ProverNodeError } from "../../util/errors.js";

/** An opaque device allocation (an N-API external); freed by `free` or when garbage-collected. */
export type DeviceBuffer = { readonly __deviceBuffer: never };

export interface CudaDeviceInfo {
  readonly deviceCount: number;
  readonly device: number;
  readonly name: string;
  readonly computeCapability: string;
  readonly multiprocessors: number;
  readonly totalBytes: number;
  readonly freeBytes: number;
  readonly memoryBusWidthBits: number;
  readonly driverVersion: number;
  readonly runtimeVersion: number;
}

/** What kernels/cuda/binding.cc exports (word = u32; offsets in bytes unless named otherwise). */
export interface CudaAddon {
  readonly abiVersion: number;
  deviceInfo(): CudaDeviceInfo | { deviceCount: 0 };
  memInfo(): { freeBytes: number; totalBytes: number };
  alloc(bytes: number): DeviceBuffer;
  free(b: DeviceBuffer): void;
  upload(b: DeviceBuffer, byteOffset: number, src: Uint32Array | Uint8Array): void;
  download(b: DeviceBuffer, byteOffset: number, dst: Uint32Array | Uint8Array): void;
  fill(b: DeviceBuffer, byte: number): void;
  pointerTable(table: DeviceBuffer, buffers: DeviceBuffer[], wordOffsets: Float64Array): void;
  synchronize(): void;
  twiddles(tw: DeviceBuffer, logN: number, inverse: boolean): void;
  interpolate(cols: DeviceBuffer, tmp: DeviceBuffer, logN: number, count: number, invTw: DeviceBuffer, logTw: number): void;
  cosetLde(coefs: DeviceBuffer, out: DeviceBuffer, logN: number, logBlowup: number, count: number, shift: number, tw: DeviceBuffer, logTw: number): void;
  merkleLeaves(pointerTable: DeviceBuffer, width: number, height: number, leafArity: number, out: DeviceBuffer): void;
  merkleNodes(src: DeviceBuffer, dst: DeviceBuffer, count: number): void;
  grind(template: DeviceBuffer, stateLen: number, bits: number, start: bigint, count: bigint, found: DeviceBuffer): bigint;
  poseidon2SetConstants(width: number, extInitial: Uint32Array, extFinal: Uint32Array, internal: Uint32Array, diag: Uint32Array): void;
  poseidon2Permute(states: DeviceBuffer, width: number, count: number): void;
  /** Leaf digests (8 words each) of a poseidon2 Merkle tree; error (4 bytes) set to 1 on a non-canonical word. */
  poseidon2MerkleLeaves(pointerTable: DeviceBuffer, width: number, height: number, leafArity: number, out: DeviceBuffer, error: DeviceBuffer): void;
  poseidon2MerkleNodes(src: DeviceBuffer, dst: DeviceBuffer, count: number): void;
  /** The smallest passing nonce in [start, start + count), or 2^32 − 1. template: 16 words, Montgomery form. */
  poseidon2Grind(template: DeviceBuffer, pos: number, bits: number, start: number, count: number, found: DeviceBuffer): number;
  quotient(
    params: { numInstructions: number; numRegisters: number; logN: number; logBlowup: number; shiftMont: number; wMont: number; wLastMont: number },
    trace: DeviceBuffer, pub: DeviceBuffer | null, pubIn: DeviceBuffer, alpha: DeviceBuffer, code: DeviceBuffer, zhInv: DeviceBuffer,
    regs: DeviceBuffer, regRows: number, out: DeviceBuffer, error: DeviceBuffer,
  ): void;
  deepCompose(
    pointerTable: DeviceBuffer, logN: number, shiftMont: number, np: number, points: DeviceBuffer, vals: DeviceBuffer,
    claimStart: DeviceBuffer, claimCol: DeviceBuffer, claimCoef: DeviceBuffer, out: DeviceBuffer, error: DeviceBuffer,
  ): void;
  friFold2(src: DeviceBuffer, dst: DeviceBuffer, logM: number, betaMont: Uint32Array, invTwoShiftMont: number, wInvMont: number): void;
  evalAtPoints(coefs: DeviceBuffer, n: number, m: number, points: DeviceBuffer, np: number, out: DeviceBuffer): void;
}

/** The binding's interface version this loader speaks (binding.cc `abiVersion`). */
export const CUDA_ABI_VERSION = 2;

export class CudaBackendError extends ProverNodeError<{ code: "CUDA_UNAVAILABLE" | "CUDA_FAILED"; detail: string }> {
  constructor(code: "CUDA_UNAVAILABLE" | "CUDA_FAILED", detail: string) {
    super({ code, detail }, `cuda backend: ${detail}`);
  }
}

/** build/cuda/prover_cuda.node beside src/ (or dist/): both are three folders below the package root. */
export function defaultAddonPath(): string {
  return fileURLToPath(new URL("../../../build/cuda/prover_cuda.node", import.meta.url));
}

export type CudaStatus =
  | { readonly available: true; readonly addon: CudaAddon; readonly device: CudaDeviceInfo }
  | { readonly available: false; readonly reason: string };

let cached: CudaStatus | undefined;

/**
 * Whether the cuda backend can run here, and why not. Probed once per process (the addon stays
 * loaded); PROVER_NODE_CUDA_ADDON names another addon file.
 */
export function cudaStatus(): CudaStatus {
  if (!cached) cached = probe(process.env.PROVER_NODE_CUDA_ADDON ?? defaultAddonPath());
  return cached;
}

/** The probe behind cudaStatus, for an explicit addon path (tests). */
export function probe(path: string): CudaStatus {
  if (!existsSync(path)) return { available: false, reason: "no addon built" };
  let addon: CudaAddon;
  try {
    addon = createRequire(import.meta.url)(path) as CudaAddon;
  } catch (e) {
    return { available: false, reason: `addon failed to load: ${(e as Error).message.split("\n")[0]}` };
  }
  if (addon.abiVersion !== CUDA_ABI_VERSION) {
    return { available: false, reason: `addon is stale (interface ${String(addon.abiVersion)}, expected ${CUDA_ABI_VERSION}): run npm run build:cuda` };
  }
  let info: CudaDeviceInfo | { deviceCount: 0 };
  try {
    info = addon.deviceInfo();
  } catch (e) {
    return { available: false, reason: `no device (${(e as Error).message})` };
  }
  if (info.deviceCount === 0) return { available: false, reason: "no device (the CUDA runtime found no GPU)" };
  return { available: true, addon, device: info as CudaDeviceInfo };
}
