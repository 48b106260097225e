/**
 * Generates, compiles and optionally deploys the on-chain verifier of a program that is not part of the
 * build: a recursion program given by its descriptor (the aggregation wrap: `recursionProgram(descriptor)`,
 * src/recursion/recurse.ts) or the wrap's stand-in at other heights. The program's tables are preprocessed
 * at fixed heights (up to 2^17 rows and more), so its verifier bakes their caps for the blowups and the cap
 * height its proofs use only, computed on a prover backend's kernels; the verifier pins its evaluators and
 * the query phase by code hash like every generated verifier, and every part fits EIP-170.
 *
 *   npx tsx scripts/program-verifier.ts --name AggWrap (--descriptor wrap.json | --standin '{"alu":17}')
 *       --blowup 3[..4] [--cap 2] [--evaluator-prefix RecursionV1] [--out build/program-verifiers]
 *       [--rpc URL (--private-key HEX | env DEPLOYER_PRIVATE_KEY) --min-security 96]
 *
 * Writes <out>/<Name>/*.sol and *.json (artifacts: abi, bytecode, deployedBytecode); with --rpc deploys the
 * query phase, the evaluators and the verifier and prints its address. With --transfer-v2 the wrap's build
 * goes to <out>/wrap-<AIR id>-b<blowup>-c<cap>/ and is reused when current (the cache the devnet shares).
 *
 * The generator, compiler and cache live in src/chain/program-verifier.ts (the devnet uses them); this is
 * its command line.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { createPublicClient, createWalletClient, http, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { OPTION_PRESETS } from "../src/stark/options.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { recursionProgram, type RecursionDescriptor } from "../src/recursion/recurse.js";
import { standinAir } from "./aggregate-standin.js";
import { transferV2Plan } from "../src/aggregator/geometry.js";
import { transferV2Air } from "../src/rollup/air-v2/index.js";
import { L1_WRAP_OPTIONS, aggregateConfig } from "../src/chain/aggregate.js";
import { buildProgramVerifier, buildWrapVerifier, deployProgramVerifier, programCaps, PROGRAM_VERIFIERS_DIR } from "../src/chain/program-verifier.js";

export { buildProgramVerifier, buildWrapVerifier, deployProgramVerifier, programCaps, PROGRAM_VERIFIERS_DIR, type ProgramVerifierBuild } from "../src/chain/program-verifier.js";

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: "string" },
      descriptor: { type: "string" },
      standin: { type: "string" },
      "transfer-v2": { type: "string" },
      blowup: { type: "string" },
      cap: { type: "string", default: "2" },
      "evaluator-prefix": { type: "string" },
      out: { type: "string" },
      rpc: { type: "string" },
      "private-key": { type: "string" },
      "min-security": { type: "string", default: "96" },
    },
  });
  const usage =
    "usage: program-verifier --name NAME (--descriptor FILE | --standin JSON) --blowup B[..B2] [--cap C] [--evaluator-prefix P] [--out DIR] [--rpc URL --private-key HEX --min-security BITS]\n" +
    "       program-verifier --name NAME --transfer-v2 DEPTH,LOGROWS,OPTIONS [--out DIR] [--rpc …]   (the wrap of transfer-v2's aggregation plan, L1 options)";
  if (values["transfer-v2"] !== undefined) {
    const [depth, logRows, preset] = values["transfer-v2"].split(",");
    const options = OPTION_PRESETS[(preset ?? "default") as keyof typeof OPTION_PRESETS];
    if (!values.name || !options || !Number.isInteger(Number(depth)) || !Number.isInteger(Number(logRows))) throw new Error(usage);
    const segAir = transferV2Air(Number(depth));
    const quotient = Math.max(...segAir.tables.map((t) => t.numQuotientChunks));
    const segmentOptions = { ...options, logBlowup: Math.max(options.logBlowup, Math.ceil(Math.log2(quotient))) };
    const backend = createWasmBackend();
    try {
      const plan = await transferV2Plan({ treeDepth: Number(depth), logRows: Number(logRows), segmentOptions, options, wrapOptions: L1_WRAP_OPTIONS }, backend);
      const { build, air } = await buildWrapVerifier(plan, backend, values.name.endsWith("Verifier") ? values.name : `${values.name}Verifier`, values.out ? resolve(values.out) : PROGRAM_VERIFIERS_DIR);
      const sizes = build.artifacts.map((a) => `${a.contractName} ${(a.deployedBytecode.length - 2) / 2} B`).join(", ");
      const cfg = aggregateConfig(plan);
      console.log(`program-verifier: ${build.dir}${build.cached ? " (cached)" : ""}: ${sizes}; wrap AIR id ${air.idHex}; key-set root ${cfg.keySetRoot}`);
    } finally {
      await backend.close();
    }
    return;
  }
  if (!values.name || !values.blowup || (values.descriptor === undefined) === (values.standin === undefined)) throw new Error(usage);
  const air = values.descriptor
    ? recursionProgram(JSON.parse(readFileSync(values.descriptor, "utf8")) as RecursionDescriptor).air
    : standinAir(JSON.parse(values.standin!) as Record<string, number>);
  const m = /^(\d)(?:\.\.(\d))?$/.exec(values.blowup);
  if (!m) throw new Error(`bad --blowup ${values.blowup}: B or B..B2`);
  const blowups = Array.from({ length: Number(m[2] ?? m[1]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
  const logCap = Number(values.cap);
  const backend = createWasmBackend();
  try {
    const spec = { contractName: values.name.endsWith("Verifier") ? values.name : `${values.name}Verifier`, logBlowups: blowups, logCap, caps: await programCaps(air, blowups, logCap, backend), ...(values["evaluator-prefix"] ? { evaluatorPrefix: values["evaluator-prefix"] } : {}) };
    const build = buildProgramVerifier(air, spec, values.out ? resolve(values.out) : PROGRAM_VERIFIERS_DIR);
    const sizes = build.artifacts.map((a) => `${a.contractName} ${(a.deployedBytecode.length - 2) / 2} B`).join(", ");
    console.log(`program-verifier: ${build.dir}: ${sizes}; AIR id ${air.idHex}`);
    if (values.rpc) {
      const key = (values["private-key"] ?? process.env.DEPLOYER_PRIVATE_KEY) as Hex | undefined;
      if (!key) throw new Error("--rpc needs --private-key or DEPLOYER_PRIVATE_KEY");
      const transport = http(values.rpc);
      const client = createPublicClient({ transport }) as PublicClient;
      const chain = { id: await client.getChainId(), name: "target", nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [values.rpc] } } };
      const wallet = createWalletClient({ chain, transport, account: privateKeyToAccount(key) });
      const address = await deployProgramVerifier(build, air, spec, wallet, client, Number(values["min-security"]));
      console.log(`program-verifier: ${build.contractName} deployed at ${address}`);
    }
  } finally {
    await backend.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
