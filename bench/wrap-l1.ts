/**
 * One proof per batch on L1 with the real wrap (issue 19), end to end: a batch of real transfer-v2
 * segments is posted on an anvil (60 M block gas limit) as a data batch (its transactions and txRoot; L1
 * derives r and E), each segment proven at L1's r, locked and committed; the plan's leaves, joins and
 * wrap (keccak, the L1 options) are proven; the wrap program's Solidity verifier is generated, compiled
 * and deployed (scripts/program-verifier.ts: caps baked for the wrap's blowup); Rollup.submitAggregate
 * verifies the wrap proof and finalizes. Records the gas of every call by kind, the wrap's verification
 * alone and the prove times. Writes bench/results/wrap-l1.json. Figures, not assertions (but it throws
 * when the batch does not finalize or a call exceeds EIP-7825's cap).
 *
 *   npx tsx bench/wrap-l1.ts [--depth 3] [--log-rows 5] [--segments 2] [--options test] [--threads 2]
 *                            [--wrap-blowup 6 --wrap-queries 13 --wrap-pow 18]
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { bytesToHex, createWalletClient, getAddress, http, type Address, type Hex, type TransactionReceipt } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { proveStark } from "../src/stark/prover.js";
import { OPTION_PRESETS, type ProofOptions } from "../src/stark/options.js";
import { estimateSecurity } from "../src/stark/security.js";
import { decodeProof } from "../src/stark/proof.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { witnessFromSegment } from "../src/rollup/index.js";
import { sampleBatch } from "../src/rollup/sample.js";
import { digestToBytes32 } from "../src/rollup/digest.js";
import { batchData, txCommitment } from "../src/rollup/batch-binding.js";
import { buildTransferV2Instance, pathsCapacity, transferV2Air } from "../src/rollup/air-v2/index.js";
import { transferV2Plan } from "../src/aggregator/geometry.js";
import { joinTasks, proveJoin, proveLeaf, proveWrap, type NodeProof } from "../src/recursion/plan.js";
import { L1_WRAP_OPTIONS, aggregateConfig, joinProverOf, postedBinding, MAX_JOINS } from "../src/chain/aggregate.js";
import { packRoot, proofHash } from "../src/chain/statement.js";
import { deployGasMeter, measureVerifyGas } from "../src/chain/stark-verifier.js";
import { buildWrapVerifier, deployProgramVerifier } from "../scripts/program-verifier.js";
import { DEVNET_BLOCK_GAS_LIMIT, EIP7825_TX_GAS_CAP, roles, startSystem } from "../test/utils/system.js";
import { addProver, electedAccount, MAX_PRICE, MIN_PRICE } from "../test/utils/flows.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const depth = Number(flag("--depth", "3"));
const logRows = Number(flag("--log-rows", "5"));
const S = Number(flag("--segments", "2"));
const threads = Number(flag("--threads", "2"));
const options: ProofOptions = OPTION_PRESETS[flag("--options", "test") as keyof typeof OPTION_PRESETS];
const wrapOptions: ProofOptions = { ...L1_WRAP_OPTIONS, logBlowup: Number(flag("--wrap-blowup", String(L1_WRAP_OPTIONS.logBlowup))), numQueries: Number(flag("--wrap-queries", String(L1_WRAP_OPTIONS.numQueries))), powBits: Number(flag("--wrap-pow", String(L1_WRAP_OPTIONS.powBits))) };
const air = transferV2Air(depth);
const quotient = Math.max(...air.tables.map((t) => t.numQuotientChunks));
const segmentOptions: ProofOptions = { ...options, logBlowup: Math.max(options.logBlowup, Math.ceil(Math.log2(quotient))) };
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const time = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await f();
  return [v, Math.round(performance.now() - t0)];
};
const log = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

const backend = createWasmBackend({ threads });
const plan = await transferV2Plan({ treeDepth: depth, logRows, segmentOptions, options, wrapOptions }, backend);
const wrapAir = plan.wrapAir();
log(`plan ${plan.id}: canonical 2^[inputs ${plan.canonical.inputs}, public ${plan.canonical.public}, alu ${plan.canonical.alu}, poseidon2 ${plan.canonical.poseidon2}]; wrap AIR ${wrapAir.idHex.slice(0, 18)}…`);

// The verifier of the wrap program: its caps baked for the wrap's blowup and cap height.
const [{ build, spec }, buildMs] = await time(() => buildWrapVerifier(plan, backend));
const sizes = Object.fromEntries(build.artifacts.map((a) => [a.contractName, (a.deployedBytecode.length - 2) / 2]));
log(`wrap verifier generated and compiled in ${buildMs} ms: ${JSON.stringify(sizes)}`);

// The batch: batch id 1 of a fresh system, its genesis the sample's.
const { batch } = sampleBatch({ accounts: Math.min(2 ** depth, 64), txs: S * pathsCapacity(depth, logRows), treeDepth: depth, logRows, batchId: 1n, seed: 5, geometry: "v2" });
if (batch.segments.length !== S || !batch.binding) throw new Error(`${batch.segments.length} segments, not ${S}`);
const sys = await startSystem(
  { genesisRoot: packRoot(Array.from(batch.rootIn)), treeDepth: depth, aggregate: aggregateConfig(plan) },
  async (wallet, publicClient) => ({ aggregateVerifier: await deployProgramVerifier(build, wrapAir, spec, wallet as Parameters<typeof deployProgramVerifier>[3], publicClient, 96) }),
  { args: ["--gas-limit", String(DEVNET_BLOCK_GAS_LIMIT)] },
);
const steps: Record<string, unknown>[] = [];
const calls: { kind: string; r: TransactionReceipt }[] = [];
let out: Record<string, unknown> = {};
try {
  const s = sys;
  if ((await s.c.market.read.nextBatchId()) !== 1n) throw new Error("a fresh system's first batch is not 1");
  const provers = roles.provers.slice(0, Math.min(S, 4));
  for (const p of provers) await addProver(s, p);
  const posted = postedBinding(batch.binding);
  const zero = `0x${"00".repeat(32)}` as Hex;
  let at = 0;
  const segInputs = batch.segments.map((g) => ({ rootIn: zero, witnessHash: proofHash(`0x${g.index.toString(16).padStart(2, "0")}`), txCommitment: digestToBytes32(txCommitment(batch.transactions.slice(at, (at += g.steps.length)))), txCount: g.steps.length }));
  const txBytes = bytesToHex(batchData(batch.transactions));
  calls.push({ kind: "postBatch", r: await s.send(s.c.market.write.postBatch([segInputs, txBytes, posted.txRoot, zero, MIN_PRICE, MAX_PRICE], { account: roles.deployer })) });
  const stored = await s.c.market.read.getBatch([1n]);
  if (stored.randomness !== posted.randomness || stored.evaluation !== posted.evaluation) throw new Error("L1's r or E differs from batch-binding.ts");

  // Segments: proven at L1's r by their lockers, locked and committed.
  const segs: { proof: Uint8Array; publicInputs: Uint32Array; proverAddress: Uint8Array }[] = [];
  for (const seg of batch.segments) {
    const prover = provers[seg.index % provers.length]!;
    calls.push({ kind: "lock", r: await s.send(s.c.market.write.lock([1n, seg.index], { account: prover })) });
    const inst = buildTransferV2Instance(witnessFromSegment(seg), air);
    const addr = Buffer.from(prover.address.slice(2), "hex");
    const [res, ms] = await time(() => proveStark({ air, instance: inst, options: segmentOptions, hash: "poseidon2", proverAddress: addr, backend }));
    segs.push({ proof: res.bytes, publicInputs: Uint32Array.from(inst.publicInputs), proverAddress: addr });
    steps.push({ step: "segment", index: seg.index, txs: seg.steps.length, proveMs: ms, bytes: res.bytes.length, load: load() });
    calls.push({ kind: "commitProof", r: await s.send(s.c.market.write.commitProof([1n, seg.index, proofHash(res.bytes), packRoot(seg.rootIn), packRoot(seg.rootOut)], { account: prover })) });
    log(`segment ${seg.index}: ${ms} ms`);
  }
  // The tree.
  const nodes = new Map<string, NodeProof>();
  for (let i = 0; i < S; i++) {
    const [leaf, ms] = await time(() => proveLeaf(plan, segs[i]!, { proverAddress: new Uint8Array(20).fill(0x20 + i), backend }));
    nodes.set(`${i},${i}`, leaf);
    steps.push({ step: "leaf", index: i, proveMs: ms, bytes: leaf.proof.length, load: load() });
    log(`leaf ${i}: ${ms} ms`);
  }
  const joinProver = new Map<string, Uint8Array>();
  for (const t of joinTasks(S)) {
    const [join, ms] = await time(() => proveJoin(plan, nodes.get(t.left.join())!, nodes.get(t.right.join())!, { proverAddress: new Uint8Array(20).fill(0x30 + t.slot), backend, segments: S }));
    nodes.set(`${t.first},${t.last}`, join);
    joinProver.set(`${t.first},${t.last}`, join.proverAddress);
    steps.push({ step: "join", span: [t.first, t.last], proveMs: ms, bytes: join.proof.length, load: load() });
    log(`join [${t.first}, ${t.last}]: ${ms} ms`);
  }
  const pre = joinTasks(S).sort((a, b) => a.slot - b.slot).map((t) => joinProver.get(`${t.first},${t.last}`)!);
  const agg = await electedAccount(s, 1n);
  const [wrap, wms] = await time(() => proveWrap(plan, nodes.get(`0,${S - 1}`)!, pre, { proverAddress: Buffer.from(agg.address.slice(2), "hex"), backend, segments: S }));
  const wrapHeights = decodeProof(wrap.proof, wrapAir).logHeights;
  steps.push({ step: "wrap", proveMs: wms, bytes: wrap.proof.length, logHeights: wrapHeights, load: load() });
  log(`wrap: ${wms} ms, ${wrap.proof.length} B, heights ${wrapHeights.join("/")}`);
  const joins = Array.from({ length: MAX_JOINS }, (_, k) => joinProverOf(wrap.publicValues, k)).filter((a): a is Address => a !== null);

  const meter = await deployGasMeter(createWalletClient({ chain: anvilChain, transport: http(s.anvil.rpcUrl), account: roles.deployer }), s.publicClient);
  const verify = await measureVerifyGas(s.publicClient, meter, s.deployment.addresses.aggregateVerifier, { airId: wrapAir.id, proof: wrap.proof, publicInputs: Array.from(wrap.publicValues), publicColumns: [], prover: agg.address });
  const before = await Promise.all(joins.map((a) => s.c.token.read.balanceOf([a])));
  const sub = await s.send(s.c.rollup.write.submitAggregate([1n, `0x${Buffer.from(wrap.proof).toString("hex")}`, Array.from(wrap.publicValues)], { account: agg }));
  calls.push({ kind: "submitAggregate", r: sub });
  if ((await s.c.rollup.read.stateRoot()) !== packRoot(batch.rootOut)) throw new Error("the batch did not finalize to its rootOut");
  const after = await Promise.all(joins.map((a) => s.c.token.read.balanceOf([a])));
  if (joins.some((_, j) => after[j]! <= before[j]!)) throw new Error("a join prover was not paid");
  const byKind: Record<string, { count: number; total: number; max: number }> = {};
  for (const { kind, r } of calls) {
    const g = Number(r.gasUsed);
    if (BigInt(g) > EIP7825_TX_GAS_CAP) throw new Error(`${kind} used ${g} gas, above EIP-7825's cap`);
    const k = (byKind[kind] ??= { count: 0, total: 0, max: 0 });
    k.count++;
    k.total += g;
    k.max = Math.max(k.max, g);
  }
  log(`finalized: ${JSON.stringify(byKind)}; wrap verification ${verify.execution} gas`);
  out = {
    bench: "wrap-l1", date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, threads, depth, logRows, segments: S, transactions: batch.transactions.length,
    options, segmentOptions, wrapOptions, wrapBits: estimateSecurity(wrapAir, wrapOptions, wrapHeights).conjecturedBits,
    plan: { id: plan.id, canonical: plan.canonical }, verifier: { buildMs, sizes }, steps, byKind, wrapVerification: verify, joinProvers: joins.map((a) => getAddress(a)),
  };
} finally {
  await sys.stop();
  await backend.close();
}
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/wrap-l1.json", JSON.stringify(out, null, 2));
log("wrote bench/results/wrap-l1.json");
