/**
 * `npx tsx bench/verifier-levers.ts [--log 14]`: proof size and verification gas of fib-v1 at one height
 * under option variants around `default` that keep >= 96 conjectured bits — the proof-size levers
 * (blowup, FRI arity, final polynomial). Writes bench/results/verifier-levers.json. Figures only.
 */
import "../src/util/polyfills.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { fibAir } from "../src/stark/airs/index.js";
import { proveStark } from "../src/stark/prover.js";
import { DEFAULT_OPTIONS, type ProofOptions } from "../src/stark/options.js";
import { estimateSecurity } from "../src/stark/security.js";
import { JsBackend } from "../src/backends/js/index.js";
import { buildContracts } from "../scripts/build-contracts.js";
import { startAnvil } from "../src/chain/anvil.js";
import { deployGasMeter, deployStarkVerifier, measureVerifyGas } from "../src/chain/stark-verifier.js";

const args = process.argv.slice(2);
const i = args.indexOf("--log");
const log = i >= 0 ? Number(args[i + 1]) : 14;
const prover = new Uint8Array(20).fill(0x42);

const variants: [string, ProofOptions][] = [
  ["default (blowup 8, 28 q, arity 8, final 8)", DEFAULT_OPTIONS],
  ["blowup 16, 21 queries", { ...DEFAULT_OPTIONS, logBlowup: 4, numQueries: 21 }],
  ["blowup 4, 42 queries", { ...DEFAULT_OPTIONS, logBlowup: 2, numQueries: 42 }],
  ["arity 16", { ...DEFAULT_OPTIONS, friLogArity: 4 }],
  ["arity 4", { ...DEFAULT_OPTIONS, friLogArity: 2 }],
  ["final polynomial 64", { ...DEFAULT_OPTIONS, logFinalPolyLen: 6 }],
  ["final polynomial 256", { ...DEFAULT_OPTIONS, logFinalPolyLen: 8 }],
  ["blowup 16, 21 q, arity 16, final 64", { ...DEFAULT_OPTIONS, logBlowup: 4, numQueries: 21, friLogArity: 4, logFinalPolyLen: 6 }],
  ["20 PoW bits, 26 queries", { ...DEFAULT_OPTIONS, powBits: 20, numQueries: 26 }],
];

buildContracts({ writeAbi: false });
const anvil = await startAnvil({ args: ["--gas-limit", "2000000000"] });
const rows: Record<string, unknown>[] = [];
try {
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 }) as PublicClient;
  const wallet = createWalletClient({ chain: anvilChain, transport, account: mnemonicToAccount("test test test test test test test test test test test junk") });
  const meter = await deployGasMeter(wallet, publicClient);
  const verifier = await deployStarkVerifier(wallet, publicClient, "fib-v1", 96);
  const inst = fibAir.sample(log, 7);
  for (const [name, options] of variants) {
    const t0 = performance.now();
    const { bytes } = await proveStark({ air: fibAir, instance: inst, options, proverAddress: prover, backend: new JsBackend() });
    const proveMs = Math.round(performance.now() - t0);
    const gas = await measureVerifyGas(publicClient, meter, verifier, { airId: fibAir.id, proof: bytes, publicInputs: inst.publicInputs, publicColumns: [], prover });
    const row = { variant: name, options, bits: estimateSecurity(fibAir, options, log).conjecturedBits, proofBytes: bytes.length, proveMs, ...gas };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await anvil.stop();
}
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/verifier-levers.json", `${JSON.stringify({ air: "fib-v1", logRows: log, rows }, null, 2)}\n`);
