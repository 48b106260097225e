/**
 * Loading the compiled kernels (build/kernels/prover.wasm, made by `npm run build:kernels`).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ProverNodeError } from "../../util/errors.js";

/** 4 GiB: must match MAX_PAGES in scripts/build-kernels.ts (the memory import's declared maximum). */
export const MAX_PAGES = 65536;

export class WasmBackendError extends ProverNodeError<{ code: "WASM_KERNELS_MISSING" | "WASM_UNSUPPORTED" | "WASM_KERNEL_FAILED"; detail: string }> {
  constructor(code: "WASM_KERNELS_MISSING" | "WASM_UNSUPPORTED" | "WASM_KERNEL_FAILED", detail: string) {
    super({ code, detail }, `wasm backend: ${detail}`);
  }
}

/** The kernel exports, as seen from JS (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  heapBase(): number;
  benchMontMul(a: number, len: number, rounds: number): number;
  twiddleTop(tw: number, logN: number, rootMont: number, start: number, end: number): void;
  twiddleDerive(tw: number, logN: number): void;
  bitrevScale(a: number, logN: number, scaleMont: number, start: number, end: number): void;
  ditStage(a: number, logH: number, tw: number, qStart: number, qEnd: number): void;
  ditBlocks(a: number, logN: number, tw: number, logHStart: number, blockStart: number, blockEnd: number): void;
  ditColumn(a: number, logN: number, tw: number, logHStart: number): void;
  interpolateColumns(base: number, logN: number, first: number, last: number, twInv: number, nInvMont: number): void;
  ldeScatter(src: number, dst: number, logN: number, logBlowup: number, shiftMont: number, start: number, end: number): void;
  ldeColumns(srcBase: number, dstBase: number, logN: number, logBlowup: number, first: number, last: number, tw: number, shiftMont: number): void;
  merkleLeaves(cols: number, height: number, width: number, arity: number, out: number, start: number, end: number, st: number): void;
  merkleNodes(src: number, dst: number, start: number, end: number, st: number): void;
  merkleLeaves2(cols: number, height: number, width: number, arity: number, out: number, start: number, end: number, st2: number): void;
  merkleNodes2(src: number, dst: number, start: number, end: number, st2: number): void;
  keccak256(msg: number, len: number, out: number, st: number): void;
  grindRange(msg: number, len: number, bits: number, start: bigint, count: number, tmpl: number, st: number): bigint;
  poseidon2Permute(states: number, width: number, start: number, end: number, scratch: number): void;
  /** Returns 1 when a word of the leaves is not canonical. */
  poseidon2Leaves(cols: number, height: number, width: number, arity: number, out: number, start: number, end: number, scratch: number): number;
  poseidon2Nodes(src: number, dst: number, start: number, end: number, scratch: number): void;
  /** The first nonce in [start, start + count) that passes, or −1n. */
  poseidon2GrindRange(tmpl: number, pos: number, bits: number, start: number, count: number, scratch: number): bigint;
  friFold2(src: number, dst: number, logM: number, betaPtr: number, shift: number, wInv: number, start: number, end: number): void;
  deepCompose(
    cols: number, logN: number, shift: number, wN: number, np: number, pts: number, vals: number,
    claimStart: number, claimCol: number, claimCoef: number, out: number, start: number, end: number, scratch: number,
  ): number;
  deepComposeVec(
    cols: number, logN: number, shift: number, wN: number, np: number, pts: number, vals: number,
    claimStart: number, claimCol: number, claimCoef: number, out: number, start: number, end: number, scratch: number,
  ): number;
  evalAtExtBatch(coefs: number, n: number, numCols: number, points: number, out: number, start: number, end: number): void;
  quotientRows(
    trace: number, pub: number, pubIn: number, alpha: number, code: number, numInstructions: number, numRegisters: number,
    logN: number, logBlowup: number, shift: number, wLast: number, zhInv: number, out: number, start: number, end: number, work: number,
  ): number;
}

export type KernelName = keyof KernelExports;

/**
 * The few WebAssembly APIs used here, typed locally: the project compiles without the DOM lib, and
 * @types/node does not declare the WebAssembly namespace.
 */
export interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let cached: WasmModule | null = null;

/** Where the build puts the kernels: <package root>/build/kernels/prover.wasm (from src/ or dist/). */
export function kernelPath(): string {
  return fileURLToPath(new URL("../../../build/kernels/prover.wasm", import.meta.url));
}

/** Whether this runtime can run the kernels (SIMD128, threads) and they are built; the reason if not. */
export function wasmAvailability(): { available: true } | { available: false; reason: string } {
  if (typeof SharedArrayBuffer === "undefined") return { available: false, reason: "no SharedArrayBuffer in this runtime" };
  if (!existsSync(kernelPath())) return { available: false, reason: "kernels not built (run npm run build:kernels)" };
  try {
    loadKernelModule();
  } catch (e) {
    return { available: false, reason: e instanceof Error ? e.message : String(e) };
  }
  return { available: true };
}

/** The compiled module, compiled once per process (a Module can be sent to every worker). */
export function loadKernelModule(): WasmModule {
  if (cached) return cached;
  const path = kernelPath();
  if (!existsSync(path)) throw new WasmBackendError("WASM_KERNELS_MISSING", "build/kernels/prover.wasm is missing; run `npm run build:kernels`");
  try {
    cached = new wasmApi.Module(readFileSync(path));
  } catch (e) {
    throw new WasmBackendError("WASM_UNSUPPORTED", `cannot compile the kernels (SIMD128 and threads needed): ${String(e)}`);
  }
  return cached;
}

export function instantiate(module: WasmModule, memory: WasmMemory): KernelExports {
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
