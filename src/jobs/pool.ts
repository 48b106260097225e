/**
 * A pool of prover worker threads. Each task runs in its own worker; cancellation (AbortSignal)
 * terminates that worker and a fresh one is started for the next task. Each worker creates the
 * configured backend (`ProverPoolOpts.backend`) once, on its first task, and closes it when the pool
 * closes. Phase events are forwarded as they happen so the CLI can draw progress bars and metrics get
 * per-phase histograms (labelled with the backend that ran).
 */
import { Worker } from "node:worker_threads";
import type { ProofOptions } from "../stark/options.js";
import type { HashConfig } from "../stark/hash/config.js";
import type { ProvePhase } from "../stark/prover.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import { JobError } from "./errors.js";
import type { JobsMetrics } from "./metrics.js";
import { defaultProverPoolOpts, workerBackendThreads, type ProverPoolOpts } from "./options.js";
import type { BackendKind } from "../backends/select.js";

export interface ProveRequest {
  /** AIR name or 0x id. */
  readonly air: string;
  /** Witness bytes, turned into a trace inside the worker (trace-builders.ts). */
  readonly witness: Uint8Array;
  readonly options: ProofOptions;
  /** Commitment hash (default keccak): data-batch segments are poseidon2, for the recursion. */
  readonly hash?: HashConfig;
  readonly proverAddress: Uint8Array;
}

export interface ProveProgress {
  readonly phase: ProvePhase;
  /** Duration of the phase that just ended. */
  readonly ms: number;
}

export interface ProveOutcome {
  readonly bytes: Uint8Array;
  readonly proofHash: string;
  readonly publicInputs: Uint32Array;
  readonly timings: Partial<Record<ProvePhase, number>>;
  /** The concrete backend that proved ("js", "wasm", "cuda"). */
  readonly backend: string;
  readonly seconds: number;
}

/** What the job runner needs from a prover (the pool, or an in-process prover in tests). */
export interface Prover {
  prove(req: ProveRequest, opts?: { signal?: AbortSignal; onProgress?: (p: ProveProgress) => void }): Promise<ProveOutcome>;
}

/** What a worker is started with. */
export interface WorkerInit {
  readonly workerModules: string[];
  readonly backend: { readonly kind: BackendKind; readonly threads: number };
}
export type WorkerRequest = ProveRequest & { readonly type: "prove"; readonly id: number };
/** Pool → worker: a task, or "close your backend" (answered with `closed`). */
export type WorkerInbound = WorkerRequest | { readonly type: "close" };
export type WorkerResponse =
  | { type: "phase"; id: number; phase: ProvePhase; ms: number; backend: string }
  | { type: "done"; id: number; bytes: Uint8Array; proofHash: string; publicInputs: Uint32Array; timings: Partial<Record<ProvePhase, number>>; backend: string }
  | { type: "error"; id: number; message: string; code?: string }
  | { type: "closed" };

/** How long close() waits for an idle worker to close its backend before terminating it. */
const CLOSE_GRACE_MS = 5_000;

interface Task {
  req: WorkerRequest;
  /** Removes the while-queued abort listener (the node-wide signal must not collect listeners). */
  unlisten?: () => void;
  signal?: AbortSignal;
  onProgress?: (p: ProveProgress) => void;
  resolve: (o: ProveOutcome) => void;
  reject: (e: unknown) => void;
}

/** The worker entry: the .ts source when running from source (tsx), the compiled .js otherwise. */
function workerUrl(): URL {
  const self = import.meta.url;
  return new URL(self.endsWith(".ts") ? "./prover-worker.ts" : "./prover-worker.js", self);
}

export interface ProverPoolModules {
  logger?: Logger;
  metrics?: JobsMetrics | null;
}

export class ProverPool implements Prover {
  private readonly opts: ProverPoolOpts;
  private readonly log: Logger;
  private readonly metrics: JobsMetrics | null;
  private readonly idle: Worker[] = [];
  private readonly queue: Task[] = [];
  private busy = 0;
  private nextId = 1;
  private closed = false;

  constructor(opts: Partial<ProverPoolOpts>, modules: ProverPoolModules = {}) {
    this.opts = { ...defaultProverPoolOpts, ...opts };
    this.log = modules.logger ?? nullLogger;
    this.metrics = modules.metrics ?? null;
  }

  get size(): number {
    return this.opts.workers;
  }

  /** Tasks running + waiting. */
  get load(): { running: number; queued: number } {
    return { running: this.busy, queued: this.queue.length };
  }

  prove(req: ProveRequest, { signal, onProgress }: { signal?: AbortSignal; onProgress?: (p: ProveProgress) => void } = {}): Promise<ProveOutcome> {
    if (this.closed) return Promise.reject(new JobError({ code: "PROVER_POOL_CLOSED" }));
    if (signal?.aborted) return Promise.reject(new JobError({ code: "PROVER_CANCELLED" }, "proving cancelled"));
    return new Promise((resolve, reject) => {
      const task: Task = { req: { ...req, type: "prove", id: this.nextId++ }, signal, onProgress, resolve, reject };
      this.queue.push(task);
      if (signal) {
        const onAbort = (): void => this.cancelQueued(task);
        signal.addEventListener("abort", onAbort, { once: true });
        task.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
      this.dispatch();
    });
  }

  /**
   * Stop every worker; running and queued tasks are rejected with PROVER_POOL_CLOSED. Idle workers
   * close their backend first (releasing its threads and device memory); running ones are terminated.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new JobError({ code: "PROVER_POOL_CLOSED" }));
    this.closeRunning.forEach((fn) => fn());
    await Promise.all(this.idle.splice(0).map((w) => this.retire(w)));
  }

  /** Ask an idle worker to close its backend, then terminate it (after CLOSE_GRACE_MS at the latest). */
  private async retire(worker: Worker): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("exit", done);
        worker.off("error", done);
        resolve();
      };
      const onMessage = (msg: WorkerResponse): void => {
        if (msg.type === "closed") done();
      };
      const timer = setTimeout(() => {
        this.log.warn("Prover worker did not close its backend in time", { ms: CLOSE_GRACE_MS });
        done();
      }, CLOSE_GRACE_MS);
      worker.on("message", onMessage);
      worker.on("exit", done);
      worker.on("error", done);
      worker.postMessage({ type: "close" } satisfies WorkerInbound);
    });
    await worker.terminate();
  }

  private readonly closeRunning = new Set<() => void>();

  private cancelQueued(task: Task): void {
    const i = this.queue.indexOf(task);
    if (i >= 0) {
      this.queue.splice(i, 1);
      task.reject(new JobError({ code: "PROVER_CANCELLED" }, "proving cancelled"));
    }
  }

  private spawn(): Worker {
    const url = workerUrl();
    const workerData: WorkerInit = {
      workerModules: this.opts.workerModules,
      backend: { kind: this.opts.backend.kind, threads: workerBackendThreads(this.opts) },
    };
    if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData });
    // Running from source (tests, `npm run cli`): on Node 20 a worker's --import hooks are not in place
    // for its entry module, so a small bootstrap registers the TypeScript loader, then imports the entry.
    const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
    return new Worker(boot, { eval: true, workerData, execArgv: [] });
  }

  private dispatch(): void {
    while (!this.closed && this.busy < this.opts.workers && this.queue.length > 0) {
      const task = this.queue.shift()!;
      task.unlisten?.();
      const worker = this.idle.pop() ?? this.spawn();
      this.run(worker, task);
    }
  }

  private run(worker: Worker, task: Task): void {
    this.busy++;
    this.metrics?.poolBusyWorkers.set({}, this.busy);
    const started = performance.now();
    let settled = false;
    const finish = (reuse: boolean): void => {
      if (settled) return;
      settled = true;
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      task.signal?.removeEventListener("abort", onAbort);
      this.closeRunning.delete(onClose);
      this.busy--;
      this.metrics?.poolBusyWorkers.set({}, this.busy);
      if (reuse && !this.closed) this.idle.push(worker);
      else void worker.terminate();
      this.dispatch();
    };
    const onMessage = (msg: WorkerResponse): void => {
      if (msg.type === "closed" || msg.id !== task.req.id) return;
      if (msg.type === "phase") {
        this.metrics?.provingPhaseSeconds.observe({ phase: msg.phase, backend: msg.backend }, msg.ms / 1000);
        task.onProgress?.({ phase: msg.phase, ms: msg.ms });
      } else if (msg.type === "done") {
        const seconds = (performance.now() - started) / 1000;
        this.metrics?.provingSeconds.observe({ backend: msg.backend, air: task.req.air }, seconds);
        finish(true);
        task.resolve({ bytes: msg.bytes, proofHash: msg.proofHash, publicInputs: msg.publicInputs, timings: msg.timings, backend: msg.backend, seconds });
      } else {
        this.metrics?.provingFailures.inc({ reason: msg.code ?? "error" });
        finish(true);
        task.reject(new JobError({ code: "PROVER_FAILED", detail: msg.message }, `proving failed: ${msg.message}`));
      }
    };
    const onError = (err: Error): void => {
      this.log.warn("Prover worker crashed", { err });
      this.metrics?.provingFailures.inc({ reason: "crash" });
      finish(false);
      task.reject(new JobError({ code: "PROVER_FAILED", detail: err.message }, `prover worker crashed: ${err.message}`));
    };
    const onExit = (code: number): void => onError(new Error(`worker exited with code ${code}`));
    const onAbort = (): void => {
      this.metrics?.provingFailures.inc({ reason: "cancelled" });
      finish(false);
      task.reject(new JobError({ code: "PROVER_CANCELLED" }, "proving cancelled"));
    };
    const onClose = (): void => {
      finish(false);
      task.reject(new JobError({ code: "PROVER_POOL_CLOSED" }));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    task.signal?.addEventListener("abort", onAbort, { once: true });
    this.closeRunning.add(onClose);
    worker.postMessage(task.req satisfies WorkerInbound);
  }
}
