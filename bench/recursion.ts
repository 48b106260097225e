/**
 * `npx tsx bench/recursion.ts [-- --log 16 --threads 1,2 --children fib-v1,transfer-v2-d20 --out FILE]`: the recursion figures of
 * docs/performance.md. For each child AIR (default options, poseidon2, 2^log rows): the recursion
 * program's tables (rows × columns) for a 1-to-1 statement; prove time of the 1-to-1 statement and of
 * a 2-to-1 join of two such statements, on wasm with each thread count; proof sizes and TS verify time
 * (the key derived beforehand on the kernels, as the CLI does). Writes bench/results/recursion.json.
 * Figures, not assertions.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { airRegistry, type Air } from "../src/stark/air/air.js";
import "../src/stark/airs/index.js";
import "../src/rollup/air/index.js";
import "../src/rollup/air-v2/index.js";
import { proveStark } from "../src/stark/prover.js";
import { DEFAULT_OPTIONS } from "../src/stark/options.js";
import { decodeProof } from "../src/stark/proof.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { recurse, describe, recursionKey, childKey, recursionProgram, verifyRecursion, type ChildInput } from "../src/recursion/recurse.js";
import { KeySet } from "../src/recursion/keys.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const log = Number(flag("--log", "16"));
const threadCounts = flag("--threads", "1,2").split(",").map(Number);
const childNames = flag("--children", "fib-v1").split(",");
const options = DEFAULT_OPTIONS;
const address = new Uint8Array(20).fill(0x42);
const results: Record<string, unknown>[] = [];

const tablesOf = (desc: Parameters<typeof recursionProgram>[0]) => {
  const { program, air } = recursionProgram(desc);
  return air.tables.map((t) => ({ table: t.name, rows: program.rows[t.name as keyof typeof program.rows], logHeight: program.logHeights[t.name as keyof typeof program.logHeights], main: t.width, preprocessed: t.numPreprocessed, auxiliaryK: t.numAux }));
};

for (const name of childNames) {
  const air: Air = airRegistry.resolve(name);
  for (const threads of threadCounts) {
    const backend = createWasmBackend({ threads });
    const inst = air.sample(log, 7);
    const child = await proveStark({ air, instance: inst, options, hash: "poseidon2", proverAddress: address, backend });
    const input: ChildInput = { air, proof: child.bytes, publicInputs: inst.publicInputs, proverAddress: address };
    const proof = decodeProof(child.bytes, air);
    const wrapDesc = describe([{ air, proof }]);
    const wrapKey = await recursionKey(wrapDesc, options, "poseidon2", backend);
    const t0 = performance.now();
    const wrapKeys = new KeySet([await childKey({ air, proof }, backend), wrapKey]);
    const one = await recurse({ children: [input], keys: wrapKeys, options, hash: "poseidon2", proverAddress: address, backend });
    const oneMs = performance.now() - t0;
    const t1 = performance.now();
    verifyRecursion({ descriptor: one.descriptor, proof: one.bytes, publicValues: one.publicValues, proverAddress: address });
    const oneVerifyMs = performance.now() - t1;
    // A 2-to-1 join of two 1-to-1 statements over the same key set.
    const level1: ChildInput = { air: recursionProgram(one.descriptor).air, proof: one.bytes, publicInputs: one.publicValues, proverAddress: address };
    const t2 = performance.now();
    const two = await recurse({ children: [level1, level1], keys: wrapKeys, options, hash: "poseidon2", proverAddress: address, backend });
    const twoMs = performance.now() - t2;
    await recursionKey(two.descriptor, options, "poseidon2", backend);
    const t3 = performance.now();
    verifyRecursion({ descriptor: two.descriptor, proof: two.bytes, publicValues: two.publicValues, proverAddress: address });
    const twoVerifyMs = performance.now() - t3;
    const row = {
      child: name, logRows: log, threads, childProofBytes: child.bytes.length,
      oneToOne: { proveMs: Math.round(oneMs), proofBytes: one.bytes.length, verifyMs: Math.round(oneVerifyMs), tables: tablesOf(one.descriptor), phasesMs: Object.fromEntries(Object.entries(one.timings).map(([k, v]) => [k, Math.round(v)])) },
      twoToOne: { proveMs: Math.round(twoMs), proofBytes: two.bytes.length, verifyMs: Math.round(twoVerifyMs), tables: tablesOf(two.descriptor), phasesMs: Object.fromEntries(Object.entries(two.timings).map(([k, v]) => [k, Math.round(v)])) },
    };
    console.log(JSON.stringify(row));
    results.push(row);
    await backend.close();
  }
}
mkdirSync("bench/results", { recursive: true });
const out = flag("--out", "bench/results/recursion.json");
writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, options, results }, null, 2));
console.log(`wrote ${out}`);
