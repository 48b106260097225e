/**
 * One proof per batch on L1 (issue 19): gas of every call of a finalized data batch at S = 2, 4, 8, 16
 * segments (postBatch with the transactions as calldata, lock and commitProof per segment, submitAggregate
 * with a wrap proof), the wrap's verification alone, L1 gas per transaction; and the wrap's L1 options at
 * equal conjectured security (blowup / queries / grinding) by prove time against verification gas.
 *
 * The wrap proof is the stand-in's (scripts/aggregate-standin.ts: the recursion program's four tables, the
 * 193-word L1 statement, keccak), verified by the generated AggWrapStandinVerifier. The stand-in's tables
 * are smaller than the real wrap's (it verifies a fib-v1 proof, the real one a join): read its verification
 * gas as the floor of the real wrap's. Writes bench/results/aggregate-l1.json.
 *
 *   npx tsx bench/aggregate-l1.ts [--segments 2,4,8,16] [--txs 93] [--sweep] [--threads 2]
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createWalletClient, getAddress, hexToBytes, http, type Address, type Hex, type TransactionReceipt } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { L1_WRAP_OPTIONS } from "../src/chain/aggregate.js";
import { deployGasMeter, deployStarkVerifier, measureVerifyGas } from "../src/chain/stark-verifier.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { estimateSecurity } from "../src/stark/security.js";
import type { ProofOptions } from "../src/stark/options.js";
import { decodeProof } from "../src/stark/proof.js";
import { proveStandin, proveStandinChild, standinAir, standinBound } from "../scripts/aggregate-standin.js";
import { packRoot } from "../src/chain/statement.js";
import { DEVNET_BLOCK_GAS_LIMIT, EIP7825_TX_GAS_CAP, TEST_GENESIS_ROOT, roles, startSystem } from "../test/utils/system.js";
import { addProver, electedAccount } from "../test/utils/flows.js";
import { commitDataBatch, postDataBatch, statementFor } from "../test/utils/data-flows.js";
import { standinKeySetRoot } from "../test/utils/wrap.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const segmentCounts = flag("--segments", "2,4,8,16").split(",").map(Number);
const txsPerSegment = Number(flag("--txs", "93"));
const threads = Number(flag("--threads", "2"));
const sweep = args.includes("--sweep");

/** L1 settings at 96 conjectured bits (queries·logBlowup + grinding), the blowups the stand-in's verifier bakes. */
const SETTINGS: ProofOptions[] = [
  { ...L1_WRAP_OPTIONS, logBlowup: 4, numQueries: 20, powBits: 16 },
  { ...L1_WRAP_OPTIONS, logBlowup: 5, numQueries: 16, powBits: 16 },
  { ...L1_WRAP_OPTIONS },
  { ...L1_WRAP_OPTIONS, logBlowup: 6, numQueries: 12, powBits: 24 },
];

const backend = createWasmBackend({ threads });
const keySetRoot = standinKeySetRoot();
const air = standinAir();
const sys = await startSystem(
  { genesisRoot: TEST_GENESIS_ROOT, aggregate: { airId: air.idHex as Hex, keySetRoot } },
  async (wallet, publicClient) => ({ aggregateVerifier: await deployStarkVerifier(wallet as Parameters<typeof deployStarkVerifier>[0], publicClient, air.name, 96, { contractName: "AggWrapStandinVerifier" }) }),
  { args: ["--gas-limit", String(DEVNET_BLOCK_GAS_LIMIT)] },
);
const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, threads, wrap: "stand-in (scripts/aggregate-standin.ts)", txsPerSegment };
try {
  const s = sys;
  const provers = roles.provers.slice(0, 4);
  for (const p of provers) await addProver(s, p);
  const meter = await deployGasMeter(createWalletClient({ chain: anvilChain, transport: http(s.anvil.rpcUrl), account: roles.deployer }), s.publicClient);
  const child = await proveStandinChild(9, new Uint8Array(20).fill(0x22), backend);
  const rootOut = packRoot(Array.from(standinBound(child).rootOut));

  /** A wrap proof of the batch's statement at `options`, bound to `submitter`, and its verification gas. */
  async function wrap(batch: Awaited<ReturnType<typeof postDataBatch>>, joins: Address[], submitter: Address, options: ProofOptions) {
    const statement = statementFor(batch, { keySetRoot, rootIn: await s.c.rollup.read.stateRoot(), rootOut, joinProvers: joins });
    const t0 = performance.now();
    const p = await proveStandin({ child, statement, options, proverAddress: hexToBytes(submitter), backend });
    const proveMs = Math.round(performance.now() - t0);
    const gas = await measureVerifyGas(s.publicClient, meter, s.deployment.addresses.aggregateVerifier, { airId: air.id, proof: p.bytes, publicInputs: Array.from(p.publicInputs), publicColumns: [], prover: submitter });
    const heights = decodeProof(p.bytes, air).logHeights;
    return { p, proveMs, gas, bits: estimateSecurity(air, options, heights).conjecturedBits, proofBytes: p.bytes.length };
  }

  const perS: Record<string, unknown>[] = [];
  for (const S of segmentCounts) {
    const batch = await postDataBatch(s, Array.from({ length: S }, () => txsPerSegment), { finalRoot: "unspecified" });
    const calls: { kind: string; r: TransactionReceipt }[] = [{ kind: "postBatch", r: batch.receipt }];
    const rs = await commitDataBatch(s, batch, provers);
    rs.forEach((r, i) => calls.push({ kind: i % 2 === 0 ? "lock" : "commitProof", r }));
    const agg = await electedAccount(s, batch.batchId);
    const joins = Array.from({ length: S - 1 }, (_, j) => getAddress(`0x${(0xc0 + j).toString(16).repeat(20)}`));
    const w = await wrap(batch, joins, agg.address, L1_WRAP_OPTIONS);
    const sub = await s.send(s.c.rollup.write.submitAggregate([batch.batchId, `0x${Buffer.from(w.p.bytes).toString("hex")}`, Array.from(w.p.publicInputs)], { account: agg }));
    if ((await s.c.rollup.read.stateRoot()) !== rootOut) throw new Error("the batch did not finalize");
    calls.push({ kind: "submitAggregate", r: sub });
    const byKind: Record<string, { count: number; total: number; max: number }> = {};
    for (const { kind, r } of calls) {
      const g = Number(r.gasUsed);
      if (BigInt(g) > EIP7825_TX_GAS_CAP) throw new Error(`${kind} at S = ${S} used ${g} gas, above EIP-7825's cap`);
      const k = (byKind[kind] ??= { count: 0, total: 0, max: 0 });
      k.count++;
      k.total += g;
      k.max = Math.max(k.max, g);
    }
    const total = calls.reduce((a, c) => a + Number(c.r.gasUsed), 0);
    const txs = S * txsPerSegment;
    const row = {
      segments: S,
      transactions: txs,
      calldataBytes: 16 * txs,
      byKind,
      wrapVerification: w.gas.execution,
      wrapProofBytes: w.proofBytes,
      wrapProveMs: w.proveMs,
      totalGas: total,
      gasPerTransaction: Math.round(total / txs),
      postBatchPerTransaction: Math.round(byKind.postBatch!.total / txs),
    };
    console.log(JSON.stringify(row));
    perS.push(row);
  }
  results.perSegments = perS;

  if (sweep) {
    const rows: Record<string, unknown>[] = [];
    const batch = await postDataBatch(s, [txsPerSegment, txsPerSegment], { finalRoot: "unspecified" });
    await commitDataBatch(s, batch, provers);
    const agg = await electedAccount(s, batch.batchId);
    for (const o of SETTINGS) {
      const w = await wrap(batch, [getAddress(`0x${"c0".repeat(20)}`)], agg.address, o);
      const row = { logBlowup: o.logBlowup, numQueries: o.numQueries, powBits: o.powBits, conjecturedBits: w.bits, proveMs: w.proveMs, proofBytes: w.proofBytes, verifyGas: w.gas.execution, verifyTxGas: w.gas.transaction };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
    results.settings = rows;
  }
} finally {
  await sys.stop();
  await backend.close();
}
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/aggregate-l1.json", JSON.stringify(results, null, 2));
console.log("wrote bench/results/aggregate-l1.json");
