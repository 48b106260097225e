/**
 * `npm run bench:stark [-- --max-log 18 --backends js,wasm --threads N]`: prove and verify fib-v1 and mix-v1 at
 * 2^12…2^max rows with default options, and the security report at 2^20. Writes
 * bench/results/stark.json. Figures, not assertions: never fails on speed.
 *
 * `--airs fib-v1 --logs 20 --repeat 3` picks AIRs and heights (the best of `--repeat` proofs is kept,
 * every run is recorded; on a shared machine the best is the least disturbed). Each row carries the
 * resident set at the end of every phase and the process's peak so far (one process for all rows:
 * run one configuration per process for a clean peak); `--out` names the JSON file. `serialFraction` is
 * the calling thread's busy time over the proof's wall time (event-loop utilisation): the part that
 * does not divide by threads, from which Amdahl's law gives the expected scaling.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { fibAir, mixAir } from "../src/stark/airs/index.js";
import { proveStark } from "../src/stark/prover.js";
import { verifyStark } from "../src/stark/verifier.js";
import { DEFAULT_OPTIONS } from "../src/stark/options.js";
import { estimateSecurity } from "../src/stark/security.js";
import { selectBackend, isBackendKind } from "../src/backends/select.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const minLog = Number(flag("--min-log", "12"));
const maxLog = Number(flag("--max-log", "18"));
const backends = flag("--backends", "wasm,js").split(",");
for (const b of backends) if (!isBackendKind(b)) throw new Error(`unknown backend ${b}`);
const threadsFlag = flag("--threads", "");
const threads = threadsFlag ? Number(threadsFlag) : undefined;
const jsMaxLog = Number(flag("--js-max-log", "16"));
const airs = flag("--airs", "fib-v1,mix-v1").split(",").map((n) => {
  const a = [fibAir, mixAir].find((x) => x.name === n);
  if (!a) throw new Error(`unknown AIR ${n} (fib-v1, mix-v1)`);
  return a;
});
const logsFlag = flag("--logs", "");
const logs = logsFlag ? logsFlag.split(",").map(Number) : Array.from({ length: Math.floor((maxLog - minLog) / 2) + 1 }, (_, i) => minLog + 2 * i);
const repeat = Math.max(1, Number(flag("--repeat", "1")));
const out = flag("--out", "bench/results/stark.json");
const address = new Uint8Array(20).fill(0x42);
const results: unknown[] = [];
const mib = (x: number | undefined): number | undefined => (x === undefined ? undefined : Math.round(x / 2 ** 20));
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

for (const kind of backends as Parameters<typeof selectBackend>[0][]) {
 for (const air of airs) {
  for (const log of logs) {
    if (kind === "js" && log > jsMaxLog) continue; // minutes per proof; --js-max-log raises it
    const inst = air.sample(log, 7);
    const backend = selectBackend(kind, threads ? { threads } : {});
    const runs: { proveMs: number; cpuMs: number; mainActiveMs: number }[] = [];
    let best: { proveMs: number; cpuMs: number; mainActiveMs: number; timings: Record<string, number>; memory: Record<string, { rss: number; peakRss: number }> } | null = null;
    let bytes: Uint8Array = new Uint8Array(0);
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      const c0 = cpuMs();
      const e0 = performance.eventLoopUtilization();
      const res = await proveStark({ air, instance: inst, options: DEFAULT_OPTIONS, proverAddress: address, backend });
      // The calling thread's busy time: what does not divide by the backend's threads (the serial part).
      const mainActiveMs = performance.eventLoopUtilization(e0).active;
      const run = { proveMs: performance.now() - t0, cpuMs: cpuMs() - c0, mainActiveMs };
      runs.push(run);
      bytes = res.bytes;
      // `memory` is absent on provers older than the per-phase report (before/after runs share this script).
      const memory = ((res as { memory?: Record<string, { rss: number; peakRss: number }> }).memory ?? {});
      if (!best || run.proveMs < best.proveMs) best = { ...run, timings: res.timings as Record<string, number>, memory };
    }
    const t1 = performance.now();
    verifyStark({ air, proof: bytes, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress: address });
    const verifyMs = performance.now() - t1;
    const row = {
      air: air.name, logRows: log, width: air.width, backend: backend.name, threads: threads ?? null,
      proveMs: Math.round(best!.proveMs), cpuMs: Math.round(best!.cpuMs), mainThreadActiveMs: Math.round(best!.mainActiveMs),
      serialFraction: +(best!.mainActiveMs / best!.proveMs).toFixed(3), runsMs: runs.map((r) => Math.round(r.proveMs)),
      verifyMs: +verifyMs.toFixed(1), proofBytes: bytes.length,
      phasesMs: Object.fromEntries(Object.entries(best!.timings).map(([k, v]) => [k, Math.round(v)])),
      rssMiB: Object.fromEntries(Object.entries(best!.memory).map(([k, v]) => [k, mib(v.rss)])),
      peakRssMiB: mib(process.resourceUsage().maxRSS * 1024),
    };
    results.push(row);
    console.log(JSON.stringify(row));
    await backend.close();
  }
 }
}

const security = airs.map((air) => ({ air: air.name, logRows: 20, ...estimateSecurity(air, DEFAULT_OPTIONS, 20) }));
for (const s of security) console.log(`${s.air} @2^20: ${s.conjecturedBits} bits`, s.terms.map((t) => `${t.name}=${t.bits.toFixed(1)}`).join(", "));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify({ date: new Date().toISOString(), loadavg: loadavg(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, options: DEFAULT_OPTIONS, results, security }, null, 2),
);
console.log(`wrote ${out}`);
