/**
 * `npx tsx bench/aggregate.ts [-- --depth 3 --log-rows 5 --segments 2 --options test --wrap-options test --threads 1]`:
 * a batch's proof tree over real transfer-v2 segments (docs/performance.md, "Aggregation"). Builds the
 * batch (sample transactions filling every segment), proves each segment (poseidon2), then the plan's
 * leaves, the joins of the canonical tree and the wrap (keccak), on wasm with the given thread count,
 * and verifies every node as a peer would (verifyNode). Prints and writes bench/results/aggregate.json:
 * the plan (canonical heights, keys), and per step the prove time, proof size and verify time, with
 * the load average of the machine. Figures, not assertions.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { proveStark } from "../src/stark/prover.js";
import { OPTION_PRESETS, type ProofOptions } from "../src/stark/options.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { witnessFromSegment } from "../src/rollup/index.js";
import { sampleBatch } from "../src/rollup/sample.js";
import { buildTransferV2Instance, pathsCapacity, transferV2Air } from "../src/rollup/air-v2/index.js";
import { transferV2Plan } from "../src/aggregator/geometry.js";
import { joinTasks, wrapKey, proveJoin, proveLeaf, proveWrap, verifyNode, type NodeProof } from "../src/recursion/plan.js";
import { toHex } from "../src/stark/hash/keccak.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const depth = Number(flag("--depth", "3"));
const logRows = Number(flag("--log-rows", "5"));
const S = Number(flag("--segments", "2"));
const threads = Number(flag("--threads", "1"));
const preset = (n: string): ProofOptions => OPTION_PRESETS[n as keyof typeof OPTION_PRESETS] ?? (() => { throw new Error(`unknown options ${n}`); })();
const options = preset(flag("--options", "test"));
const wrapOptions = preset(flag("--wrap-options", flag("--options", "test")));
const air = transferV2Air(depth);
const quotient = Math.max(...air.tables.map((t) => t.numQuotientChunks));
const segmentOptions: ProofOptions = { ...options, logBlowup: Math.max(options.logBlowup, Math.ceil(Math.log2(quotient))) };
const address = (b: number) => new Uint8Array(20).fill(b);
const steps: Record<string, unknown>[] = [];
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await f();
  return [v, Math.round(performance.now() - t0)];
};

const backend = createWasmBackend({ threads });
const [plan, planMs] = await time(() => transferV2Plan({ treeDepth: depth, logRows, segmentOptions, options, wrapOptions }, backend));
console.log(`plan ${plan.id}: canonical 2^[inputs ${plan.canonical.inputs}, public ${plan.canonical.public}, alu ${plan.canonical.alu}, poseidon2 ${plan.canonical.poseidon2}] in ${planMs} ms; load ${load()}`);
const { batch } = sampleBatch({ accounts: Math.min(2 ** depth, 64), txs: S * pathsCapacity(depth, logRows), treeDepth: depth, logRows, batchId: 7n, seed: 5, geometry: "v2" });
if (batch.segments.length !== S) throw new Error(`${batch.segments.length} segments, not ${S}`);
const segs: { proof: Uint8Array; publicInputs: Uint32Array; proverAddress: Uint8Array }[] = [];
for (const seg of batch.segments) {
  const inst = buildTransferV2Instance(witnessFromSegment(seg), air);
  const [res, ms] = await time(() => proveStark({ air, instance: inst, options: segmentOptions, hash: "poseidon2", proverAddress: address(0x10 + seg.index), backend }));
  segs.push({ proof: res.bytes, publicInputs: Uint32Array.from(inst.publicInputs), proverAddress: address(0x10 + seg.index) });
  steps.push({ step: "segment", index: seg.index, txs: seg.steps.length, proveMs: ms, bytes: res.bytes.length, load: load() });
  console.log(`segment ${seg.index}: ${ms} ms, ${res.bytes.length} B`);
}
const nodes = new Map<string, NodeProof>();
for (let i = 0; i < S; i++) {
  const [leaf, ms] = await time(() => proveLeaf(plan, segs[i]!, { proverAddress: address(0x20 + i), backend }));
  const [, vms] = await time(() => verifyNode(plan, leaf, { kind: "leaf", batchId: 7n, segments: S, first: i, last: i }));
  nodes.set(`${i},${i}`, leaf);
  steps.push({ step: "leaf", index: i, proveMs: ms, bytes: leaf.proof.length, verifyMs: vms, load: load() });
  console.log(`leaf ${i}: ${ms} ms, ${leaf.proof.length} B, verify ${vms} ms`);
}
const provers = new Map<string, Uint8Array>();
for (const t of joinTasks(S)) {
  const [join, ms] = await time(() => proveJoin(plan, nodes.get(t.left.join())!, nodes.get(t.right.join())!, { proverAddress: address(0x30 + t.slot), backend, segments: S }));
  const [, vms] = await time(() => verifyNode(plan, join, { kind: "join", batchId: 7n, segments: S, first: t.first, last: t.last }));
  nodes.set(`${t.first},${t.last}`, join);
  provers.set(`${t.first},${t.last}`, join.proverAddress);
  steps.push({ step: "join", span: [t.first, t.last], proveMs: ms, bytes: join.proof.length, verifyMs: vms, load: load() });
  console.log(`join [${t.first}, ${t.last}]: ${ms} ms, ${join.proof.length} B, verify ${vms} ms`);
}
const pre = joinTasks(S).sort((a, b) => a.slot - b.slot).map((t) => provers.get(`${t.first},${t.last}`)!);
const [wrap, wms] = await time(() => proveWrap(plan, nodes.get(`0,${S - 1}`)!, pre, { proverAddress: address(0x40), backend, segments: S }));
const [, wvms] = await time(() => verifyNode(plan, wrap, { kind: "wrap", batchId: 7n, segments: S }));
steps.push({ step: "wrap", proveMs: wms, bytes: wrap.proof.length, verifyMs: wvms, load: load() });
console.log(`wrap: ${wms} ms, ${wrap.proof.length} B, verify ${wvms} ms`);
const wrapKeyHex = toHex(await wrapKey(plan, backend));
await backend.close();

const out = {
  bench: "aggregate", date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, threads, depth, logRows, segments: S,
  options, segmentOptions, wrapOptions, plan: { id: plan.id, canonical: plan.canonical, planMs, keySetRoot: toHex(plan.keySetRoot), wrapKey: wrapKeyHex }, steps,
};
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/aggregate.json", JSON.stringify(out, null, 2));
console.log("wrote bench/results/aggregate.json");
