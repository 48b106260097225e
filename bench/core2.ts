/**
 * `npx tsx bench/core2.ts [-- --log 16 --threads 1]`: the proof-system v2 figures of docs/performance.md.
 * - fib-v1 and mix-v1 at 2^log rows in both hash configurations (keccak, poseidon2): prove time, verify
 *   time, proof size, on the wasm backend, with default options (and the js reference's verify time);
 * - lookup-v1 (two tables, a LogUp byte range check against a preprocessed table) at 2^log rows: prove
 *   time with its bus and without it (the same `sum` table with no interactions, one table).
 * Writes bench/results/core2.json. Figures, not assertions: never fails on speed.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fibAir, mixAir, lookupAir } from "../src/stark/airs/index.js";
import { defineAir, type Air, type AirInstance } from "../src/stark/air/air.js";
import { proveStark } from "../src/stark/prover.js";
import { verifyStark } from "../src/stark/verifier.js";
import { DEFAULT_OPTIONS } from "../src/stark/options.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import type { HashConfig } from "../src/stark/hash/config.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const log = Number(flag("--log", "16"));
const threads = Number(flag("--threads", "1"));
const address = new Uint8Array(20).fill(0x42);
const results: Record<string, unknown>[] = [];
const backend = createWasmBackend({ threads });

async function measure(label: string, air: Air, inst: AirInstance, hash: HashConfig): Promise<Record<string, unknown>> {
  await proveStark({ air, instance: inst, options: DEFAULT_OPTIONS, hash, proverAddress: address, backend }); // warm: kernels, twiddles, caches
  const t0 = performance.now();
  const { bytes, timings } = await proveStark({ air, instance: inst, options: DEFAULT_OPTIONS, hash, proverAddress: address, backend });
  const proveMs = performance.now() - t0;
  verifyStark({ air, proof: bytes, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress: address }); // warm the key cache
  const t1 = performance.now();
  const res = verifyStark({ air, proof: bytes, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress: address });
  const verifyMs = performance.now() - t1;
  const row = {
    case: label, air: air.name, logRows: log, hash, threads, proveMs: Math.round(proveMs), verifyMs: +verifyMs.toFixed(1), proofBytes: bytes.length,
    securityBits: res.security.conjecturedBits, phasesMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
  };
  console.log(JSON.stringify(row));
  results.push(row);
  return row;
}

for (const air of [fibAir, mixAir]) {
  const inst = air.sample(log, 7);
  for (const hash of ["keccak", "poseidon2"] as const) await measure(`${air.name} ${hash}`, air, inst, hash);
}

// The LogUp sample, and the same sum table without its bus.
const sumOnly = defineAir({
  name: "lookup-v1-without-bus",
  version: 1,
  numPublicInputs: 2,
  width: 3,
  numPublicColumns: 0,
  constraints(g) {
    const word = (a: ReturnType<typeof g.cur>, b: ReturnType<typeof g.cur>) => a.mul(256).add(b);
    g.assert(g.cur(2).sub(g.publicInput(0)).sub(word(g.cur(0), g.cur(1))), "firstRow");
    g.assert(g.next(2).sub(g.cur(2)).sub(word(g.next(0), g.next(1))), "transition");
    g.assert(g.cur(2).sub(g.publicInput(1)), "lastRow");
  },
});
const lookupInst = lookupAir.sample(log, 7);
for (const hash of ["keccak", "poseidon2"] as const) {
  await measure(`lookup-v1 with its bus, ${hash}`, lookupAir, lookupInst, hash);
  await measure(`sum table without the bus, ${hash}`, sumOnly, { trace: lookupInst.trace, publicInputs: lookupInst.publicInputs, publicColumns: [] }, hash);
}
await backend.close();

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/core2.json", JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, options: DEFAULT_OPTIONS, results }, null, 2));
console.log("wrote bench/results/core2.json");
