/**
 * Prover worker thread: builds the AIR instance from the witness and runs proveStark on the backend
 * the pool chose (`WorkerInit.backend`), reporting each phase. The backend is created once, on the
 * first task, and reused for every later one; a `close` message closes it (the pool sends it when it
 * closes). The pool cancels by terminating the thread (a proof in progress is pure compute work;
 * nothing is lost but the time).
 */
import { parentPort, workerData } from "node:worker_threads";
import { keccakHex } from "../util/keccak.js";
import { airRegistry } from "../stark/air/air.js";
import { proveStark } from "../stark/prover.js";
import type { ProverBackend } from "../stark/backend.js";
import { selectBackend } from "../backends/select.js";
import { buildInstance } from "./trace-builders.js";
import type { WorkerInbound, WorkerInit, WorkerRequest, WorkerResponse } from "./pool.js";

const port = parentPort!;
const init = (workerData as Partial<WorkerInit> | undefined) ?? {};
const ready = Promise.all((init.workerModules ?? []).map((m) => import(m)));
const backendOpts = init.backend ?? { kind: "js", threads: 0 };

let backend: Promise<ProverBackend> | null = null;

/** The worker's backend, created on first use; a creation failure fails every task with its message. */
function getBackend(): Promise<ProverBackend> {
  backend ??= ready.then(() => selectBackend(backendOpts.kind, backendOpts.threads > 0 ? { threads: backendOpts.threads } : {}));
  return backend;
}

function post(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

async function prove(req: WorkerRequest): Promise<void> {
  try {
    await ready;
    const air = airRegistry.resolve(req.air);
    const instance = buildInstance(air.name, req.witness);
    const b = await getBackend();
    const result = await proveStark({
      air,
      instance,
      options: req.options,
      ...(req.hash ? { hash: req.hash } : {}),
      proverAddress: req.proverAddress,
      backend: b,
      onPhase: (phase, ms) => post({ type: "phase", id: req.id, phase, ms, backend: b.name }),
    });
    const bytes = result.bytes;
    post({ type: "done", id: req.id, bytes, proofHash: keccakHex(bytes), publicInputs: instance.publicInputs, timings: result.timings, backend: b.name });
  } catch (err) {
    const e = err as { message?: string; code?: string };
    post({ type: "error", id: req.id, message: e.message ?? String(err), code: typeof e.code === "string" ? e.code : undefined });
  }
}

async function close(): Promise<void> {
  const b = backend;
  backend = null;
  if (b) {
    try {
      await (await b).close();
    } catch {
      // A backend that failed to start has nothing to close.
    }
  }
  post({ type: "closed" });
}

port.on("message", (msg: WorkerInbound) => {
  if (msg.type === "close") void close();
  else void prove(msg);
});
