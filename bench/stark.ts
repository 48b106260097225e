/**
 * `npm run bench:stark [-- --max-log 18 --backend js]`: prove and verify fib-v1 and mix-v1 at
 * 2^12…2^max rows with default options, and the security report at 2^20. Writes
 * bench/results/stark.json. Figures, not assertions: never fails on speed.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fibAir, mixAir } from "../src/stark/airs/index.js";
import { proveStark } from "../src/stark/prover.js";
import { verifyStark } from "../src/stark/verifier.js";
import { DEFAULT_OPTIONS } from "../src/stark/options.js";
import { estimateSecurity } from "../src/stark/security.js";
import { JsBackend } from "../src/backends/js/index.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const minLog = Number(flag("--min-log", "12"));
const maxLog = Number(flag("--max-log", "18"));
const address = new Uint8Array(20).fill(0x42);
const results: unknown[] = [];

for (const air of [fibAir, mixAir]) {
  for (let log = minLog; log <= maxLog; log += 2) {
    const inst = air.sample(log, 7);
    const backend = new JsBackend();
    const t0 = performance.now();
    const { bytes, timings } = await proveStark({ air, instance: inst, options: DEFAULT_OPTIONS, proverAddress: address, backend });
    const proveMs = performance.now() - t0;
    const t1 = performance.now();
    verifyStark({ air, proof: bytes, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, proverAddress: address });
    const verifyMs = performance.now() - t1;
    const row = { air: air.name, logRows: log, width: air.width, backend: backend.name, proveMs: Math.round(proveMs), verifyMs: +verifyMs.toFixed(1), proofBytes: bytes.length, phasesMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])) };
    results.push(row);
    console.log(JSON.stringify(row));
  }
}

const security = [fibAir, mixAir].map((air) => ({ air: air.name, logRows: 20, ...estimateSecurity(air, DEFAULT_OPTIONS, 20) }));
for (const s of security) console.log(`${s.air} @2^20: ${s.conjecturedBits} bits`, s.terms.map((t) => `${t.name}=${t.bits.toFixed(1)}`).join(", "));
mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/stark.json",
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, options: DEFAULT_OPTIONS, results, security }, null, 2),
);
console.log("wrote bench/results/stark.json");
