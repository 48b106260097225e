/**
 * Prover worker thread: builds the AIR instance from the witness and runs proveStark on the js backend,
 * reporting each phase. The pool cancels by terminating the thread (a proof in progress is pure CPU
 * work; nothing is lost but the time).
 */
import { parentPort, workerData } from "node:worker_threads";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { airRegistry } from "../stark/air/air.js";
import { proveStark } from "../stark/prover.js";
import { JsBackend } from "../backends/js/index.js";
import { buildInstance } from "./trace-builders.js";
import type { WorkerRequest, WorkerResponse } from "./pool.js";

const port = parentPort!;
const modules = ((workerData as { workerModules?: string[] } | undefined)?.workerModules ?? []);
const ready = Promise.all(modules.map((m) => import(m)));

function post(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

port.on("message", (req: WorkerRequest) => {
  void (async () => {
    const backend = new JsBackend();
    try {
      await ready;
      const air = airRegistry.resolve(req.air);
      const instance = buildInstance(air.name, req.witness);
      const result = await proveStark({
        air,
        instance,
        options: req.options,
        proverAddress: req.proverAddress,
        backend,
        onPhase: (phase, ms) => post({ type: "phase", id: req.id, phase, ms }),
      });
      const bytes = result.bytes;
      post({ type: "done", id: req.id, bytes, proofHash: "0x" + Buffer.from(keccak_256(bytes)).toString("hex"), publicInputs: instance.publicInputs, timings: result.timings, backend: backend.name });
    } catch (err) {
      const e = err as { message?: string; code?: string };
      post({ type: "error", id: req.id, message: e.message ?? String(err), code: typeof e.code === "string" ? e.code : undefined });
    } finally {
      await backend.close();
    }
  })();
});
