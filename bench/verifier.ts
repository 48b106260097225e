/**
 * `npx tsx bench/verifier.ts [--min-log 12] [--max-log 16] [--lookup-logs 12,16] [--snapshot]`: gas of the
 * on-chain STARK verifier (protocol v2, keccak configuration) — execution, calldata (EIP-2028 and the
 * EIP-7623 floor) and proof size — through `verify` (uint32[] public columns) and `verifyPacked` (u32 LE
 * bytes), for:
 *   - fib-v1 at 2^min…2^max rows (step 2), default options;
 *   - mix-v1 at 2^min…2^mix-max-log (one dense public column), default options;
 *   - lookup-v1 (two tables of different heights, a LogUp range check against a preprocessed 2^8 table)
 *     at the `sum` heights of --lookup-logs, default options;
 *   - transfer-v1 at 2^transfer-log rows, default options and test options (what devnets prove).
 * Proofs come from the js backend; verifiers are deployed with minSecurityBits 96 (0 for test options, on
 * anvil's local-devnet chain id). Writes bench/results/verifier.json; with --snapshot also the `verifier`
 * section of contracts/gas-snapshot.json (other sections are kept). Figures, never assertions.
 */
import "../src/util/polyfills.js";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { fibAir, mixAir, lookupAir } from "../src/stark/airs/index.js";
import { transferAir, buildTransferInstance } from "../src/rollup/air/index.js";
import { sampleBatch } from "../src/rollup/sample.js";
import { witnessFromSegment } from "../src/rollup/index.js";
import { proveStark } from "../src/stark/prover.js";
import { DEFAULT_OPTIONS, TEST_OPTIONS, type ProofOptions } from "../src/stark/options.js";
import { estimateSecurity } from "../src/stark/security.js";
import { JsBackend } from "../src/backends/js/index.js";
import { buildContracts } from "../scripts/build-contracts.js";
import { startAnvil } from "../src/chain/anvil.js";
import { deployGasMeter, deployQueryPhase, deployStarkVerifier, measureVerifyGas } from "../src/chain/stark-verifier.js";
import { loadArtifact } from "../src/chain/artifacts.js";
import type { Air, AirInstance } from "../src/stark/air/air.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const minLog = Number(flag("--min-log", "12"));
const maxLog = Number(flag("--max-log", "16"));
const mixMaxLog = Number(flag("--mix-max-log", "12"));
const transferLog = Number(flag("--transfer-log", "8"));
const lookupLogs = flag("--lookup-logs", "12,16").split(",").filter((x) => x.length > 0).map(Number);
const prover = new Uint8Array(20).fill(0x42);

buildContracts({ writeAbi: false });
const anvil = await startAnvil({ args: ["--gas-limit", "2000000000"] });
const transport = http(anvil.rpcUrl);
const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
const wallet = createWalletClient({ chain: anvilChain, transport, account: mnemonicToAccount("test test test test test test test test test test test junk") });
const meter = await deployGasMeter(wallet, publicClient);
const queryPhase = await deployQueryPhase(wallet, publicClient);
const results: Record<string, unknown>[] = [];

async function bench(air: Air, logRows: number, inst: AirInstance, preset: "default" | "test" = "default"): Promise<void> {
  const options: ProofOptions = preset === "default" ? DEFAULT_OPTIONS : TEST_OPTIONS;
  const t0 = performance.now();
  const { bytes, proof } = await proveStark({ air, instance: inst, options, hash: "keccak", proverAddress: prover, backend: new JsBackend() });
  const proveMs = performance.now() - t0;
  const verifier = await deployStarkVerifier(wallet, publicClient, air.name, preset === "default" ? 96 : 0, { queryPhase });
  const s = { airId: air.id, proof: bytes, publicInputs: inst.publicInputs, publicColumns: inst.publicColumns, prover };
  const abi = await measureVerifyGas(publicClient, meter, verifier, s, false);
  const packed = await measureVerifyGas(publicClient, meter, verifier, s, true);
  const row = {
    air: air.name,
    logRows,
    logHeights: proof.logHeights,
    options: preset,
    securityBits: estimateSecurity(air, options, proof.logHeights).conjecturedBits,
    proofBytes: bytes.length,
    proveMs: Math.round(proveMs),
    verify: abi,
    verifyPacked: packed,
  };
  results.push(row);
  console.log(JSON.stringify(row));
  writeResults();
}

try {
  for (let log = minLog; log <= maxLog; log += 2) await bench(fibAir, log, fibAir.sample(log, 7));
  for (let log = minLog; log <= mixMaxLog; log += 2) await bench(mixAir, log, mixAir.sample(log, 7));
  for (const log of lookupLogs) await bench(lookupAir, log, lookupAir.sample(log, 7));
  if (transferLog > 0) {
    const { batch } = sampleBatch({ accounts: 16, txs: 200, treeDepth: 6, logRows: transferLog, batchId: 1n, seed: 5 });
    const inst = buildTransferInstance(witnessFromSegment(batch.segments[0]!));
    await bench(transferAir, transferLog, inst, "test");
    await bench(transferAir, transferLog, inst, "default");
  }
} finally {
  await anvil.stop();
}

function writeResults(): void {
  const sizes = Object.fromEntries(
    readdirSync("build/contracts")
      .filter((f) => /V1(Verifier|Constraints\d+)\.json$/.test(f) || f === "StarkQueryPhase.json")
      .map((f) => f.replace(/\.json$/, ""))
      .map((n) => [n, (loadArtifact(n) as unknown as { deployedBytecode: string }).deployedBytecode.length / 2 - 1]),
  );
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/verifier.json", `${JSON.stringify({ results, deployedBytecodeBytes: sizes }, null, 2)}\n`);

  if (args.includes("--snapshot")) {
    const path = "contracts/gas-snapshot.json";
    const snap = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>) : {};
    snap.verifier = {
      note: "STARK verification (protocol v2, keccak) at default options (log_blowup 3, 28 queries, 16 PoW bits, arity 8, final poly <= 8, cap height 0) unless the case name ends in _test (test options: log_blowup 2, 8 queries, 4 PoW bits, arity 4, final poly <= 4; INSECURE). lookup-v1 rows are the sum table's (the bytes table has 2^8). execution = gas of the verify call (staticcall from VerifierGasMeter, including the StarkQueryPhase and evaluator calls); transaction = 21000 + max(calldata + execution, EIP-7623 floor). Proofs from the js backend. Regenerate with: npx tsx bench/verifier.ts --snapshot",
      deployedBytecodeBytes: sizes,
      cases: Object.fromEntries(
        results.map((r) => {
          const v = r.verify as { execution: number; calldataBytes: number; calldataStandard: number; calldataFloor: number; transaction: number };
          const p = r.verifyPacked as typeof v;
          return [
            `${r.air}_2^${r.logRows}${r.options === "test" ? "_test" : ""}`,
            { proofBytes: r.proofBytes, execution: v.execution, calldataBytes: v.calldataBytes, calldata: v.calldataStandard, calldataFloor: v.calldataFloor, transaction: v.transaction, packedExecution: p.execution, packedCalldataBytes: p.calldataBytes, packedTransaction: p.transaction },
          ];
        }),
      ),
    };
    writeFileSync(path, `${JSON.stringify(snap, null, 2)}\n`);
  }
}
