/**
 * A pool of worker threads, each running its own instance of the kernels over one shared
 * WasmMemory. The calling thread only lays out memory and hands out work, so the event loop
 * of a running node stays responsive while a proof is computed.
 *
 * A dispatch gives each worker a list of kernel calls and resolves when all workers are done: one
 * dispatch is one barrier. Results come back per worker, in call order.
 */
import { Worker } from "node:worker_threads";
import type { KernelName } from "./kernels.js";
import { WasmBackendError, type WasmMemory, type WasmModule } from "./kernels.js";

export type Call = [KernelName, ...(number | bigint)[]];

// Plain JS so that the worker needs no loader (it runs the same under tsx, mocha and dist/).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
let ex = null;
function init(module, memory) {
  ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
}
init(workerData.module, workerData.memory);
parentPort.on("message", (msg) => {
  if (msg.kind === "memory") {
    init(msg.module, msg.memory);
    parentPort.postMessage({ id: msg.id, results: [] });
    return;
  }
  try {
    const results = [];
    for (const [fn, ...args] of msg.calls) results.push(ex[fn](...args));
    parentPort.postMessage({ id: msg.id, results });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: String((e && e.stack) || e) });
  }
});
`;

interface Pending {
  resolve: (results: unknown[]) => void;
  reject: (err: Error) => void;
}

class PoolWorker {
  readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Set once the worker has failed or exited: later jobs are refused instead of waiting forever. */
  private dead: Error | null = null;

  constructor(module: WasmModule, memory: WasmMemory) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory } });
    this.worker.on("message", (msg: { id: number; results?: unknown[]; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (this.pending.size === 0) this.worker.unref();
      if (msg.error !== undefined) p.reject(new WasmBackendError("WASM_KERNEL_FAILED", msg.error));
      else p.resolve(msg.results ?? []);
    });
    this.worker.on("error", (err) => {
      this.dead = err;
      this.failAll(err);
    });
    this.worker.on("exit", (code) => {
      this.dead ??= new Error(`worker exited with code ${code}`);
      this.failAll(this.dead);
    });
    this.worker.unref();
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(new WasmBackendError("WASM_KERNEL_FAILED", err.message));
    this.pending.clear();
  }

  send(message: Record<string, unknown>): Promise<unknown[]> {
    if (this.dead) return Promise.reject(new WasmBackendError("WASM_KERNEL_FAILED", `worker is gone: ${this.dead.message}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // An idle pool must not keep the process alive; a busy one must.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }
}

export class WorkerPool {
  private readonly workers: PoolWorker[];

  constructor(module: WasmModule, memory: WasmMemory, readonly size: number) {
    this.workers = Array.from({ length: size }, () => new PoolWorker(module, memory));
  }

  /** Run calls[t] on worker t (t < size), all at once; one result list per worker. */
  async dispatch(calls: Call[][]): Promise<unknown[][]> {
    if (calls.length > this.workers.length) throw new RangeError("more call lists than workers");
    return Promise.all(calls.map((list, t) => (list.length === 0 ? Promise.resolve([]) : this.workers[t]!.send({ calls: list }))));
  }

  /** Point every worker at a new memory (after the old one was dropped). */
  async setMemory(module: WasmModule, memory: WasmMemory): Promise<void> {
    await Promise.all(this.workers.map((w) => w.send({ kind: "memory", module, memory })));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
