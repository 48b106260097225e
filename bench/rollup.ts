/**
 * `npx tsx bench/rollup.ts [--depth 20] [--logs 12,14,16] [--options default] [--backend js]`:
 * prove and verify `transfer-v1` segments filled with sample transactions, and time the reference
 * Poseidon2 permutation. Writes bench/results/rollup.json. Figures, not assertions.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { proveStark } from "../src/stark/prover.js";
import { verifyStark } from "../src/stark/verifier.js";
import { OPTION_PRESETS, type OptionPresetName } from "../src/stark/options.js";
import { JsBackend } from "../src/backends/js/index.js";
import { poseidon2Permute16Many } from "../src/stark/hash/poseidon2.js";
import { sampleBatch } from "../src/rollup/sample.js";
import { encodeWitness, witnessFromSegment } from "../src/rollup/witness.js";
import { rowsPerTransaction, segmentCapacity } from "../src/rollup/segment.js";
import { buildTransferInstance, transferAir } from "../src/rollup/air/index.js";
import { estimateSecurity } from "../src/stark/security.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const depth = Number(flag("--depth", "20"));
const logs = flag("--logs", "12,14,16").split(",").map(Number);
const presetName = flag("--options", "default") as OptionPresetName;
const options = OPTION_PRESETS[presetName];
const address = new Uint8Array(20).fill(0x42);

// Reference Poseidon2 throughput (plain JS, one core).
const states = new Uint32Array(16 * 20000).map((_, i) => (i * 2654435761) % 2013265921);
let t = performance.now();
poseidon2Permute16Many(states);
const permPerSecJs = 20000 / ((performance.now() - t) / 1000);
console.log(`reference Poseidon2-16 (js): ${Math.round(permPerSecJs)} permutations/s`);

const results: unknown[] = [];
for (const logRows of logs) {
  const capacity = segmentCapacity(depth, logRows);
  const { batch } = sampleBatch({ accounts: 1000, txs: capacity, treeDepth: depth, logRows, batchId: 1n, seed: 5 });
  const witness = witnessFromSegment(batch.segments[0]!);
  t = performance.now();
  const instance = buildTransferInstance(witness);
  const traceMs = performance.now() - t;
  const backend = new JsBackend();
  t = performance.now();
  const { bytes, timings } = await proveStark({ air: transferAir, instance, options, proverAddress: address, backend, checkConstraints: false });
  const proveMs = performance.now() - t;
  t = performance.now();
  verifyStark({ air: transferAir, proof: bytes, publicInputs: instance.publicInputs, publicColumns: instance.publicColumns, proverAddress: address, policy: { minSecurityBits: 0 } });
  const verifyMs = performance.now() - t;
  const n = 2 ** logRows;
  const row = {
    air: transferAir.name,
    backend: backend.name,
    options: presetName,
    treeDepth: depth,
    logRows,
    columns: transferAir.width,
    constraints: transferAir.numConstraints,
    maxDegree: transferAir.maxDegree,
    rowsPerTx: rowsPerTransaction(depth),
    txsPerSegment: capacity,
    poseidon2PermsPerTx: 2 * rowsPerTransaction(depth),
    poseidon2PermsPerSegment: 2 * n,
    witnessBytes: encodeWitness(witness).length,
    traceMs: Math.round(traceMs),
    proveMs: Math.round(proveMs),
    verifyMs: Math.round(verifyMs),
    proofBytes: bytes.length,
    txsPerSecPerCore: +(capacity / (proveMs / 1000)).toFixed(2),
    poseidon2PermsProvenPerSecPerCore: Math.round((2 * n) / (proveMs / 1000)),
    securityBits: estimateSecurity(transferAir, options, logRows).conjecturedBits,
    phasesMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
    heapMB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  results.push(row);
  console.log(JSON.stringify(row));
}
mkdirSync("bench/results", { recursive: true });
writeFileSync(
  "bench/results/rollup.json",
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, options, permPerSecJs: Math.round(permPerSecJs), results }, null, 2),
);
console.log("wrote bench/results/rollup.json");
