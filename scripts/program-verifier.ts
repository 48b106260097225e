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
 * query phase, the evaluators and the verifier and prints its address.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { createPublicClient, createWalletClient, http, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { codeHashOf, evaluatorParts, generateEvaluatorSources, generateVerifierSource, QUERY_PHASE_CONTRACT, type VerifierSpec } from "../src/stark/air/solidity.js";
import { verificationKeyWith } from "../src/stark/vk.js";
import { DEFAULT_OPTIONS, OPTION_PRESETS } from "../src/stark/options.js";
import type { Air } from "../src/stark/air/air.js";
import type { ProverBackend } from "../src/stark/backend.js";
import { createWasmBackend } from "../src/backends/wasm/index.js";
import { recursionProgram, type RecursionDescriptor } from "../src/recursion/recurse.js";
import { deployStarkVerifier } from "../src/chain/stark-verifier.js";
import { collectSources, compile, loadSolc, pinnedCodeHashes, ROOT, withImports, type Artifact } from "./build-contracts.js";
import { standinAir } from "./aggregate-standin.js";
import type { AggregationPlan } from "../src/recursion/plan.js";
import { transferV2Plan } from "../src/aggregator/geometry.js";
import { transferV2Air } from "../src/rollup/air-v2/index.js";
import { L1_WRAP_OPTIONS, aggregateConfig } from "../src/chain/aggregate.js";

export const PROGRAM_VERIFIERS_DIR = join(ROOT, "build", "program-verifiers");

/**
 * The preprocessed caps of every fixed-height table of `air` at the given blowups and cap height `logCap`,
 * computed on the backend's kernels (the reference code is slow for 2^17-row tables).
 */
export async function programCaps(air: Air, blowups: readonly number[], logCap: number, backend: ProverBackend): Promise<NonNullable<VerifierSpec["caps"]>> {
  const heights = air.tables.map((t) => t.minLogRows);
  const byBlowup = new Map<number, readonly (readonly Uint8Array[] | null)[]>();
  for (const b of blowups) {
    byBlowup.set(b, (await verificationKeyWith(air, "keccak", { ...DEFAULT_OPTIONS, logBlowup: b, logCap }, heights, backend)).preprocessedCaps);
  }
  return (table, logRows, logBlowup) => (logRows === heights[table] ? byBlowup.get(logBlowup)?.[table] ?? undefined : undefined);
}

export interface ProgramVerifierBuild {
  readonly contractName: string;
  readonly dir: string;
  readonly artifacts: Artifact[];
}

/**
 * Generate and compile the verifier of `air` under `spec` (contractName required) into `<outDir>/<contractName>/`.
 * Evaluators compile on their own (their code hashes are pinned), then the verifier with the generic contracts.
 */
export function buildProgramVerifier(air: Air, spec: VerifierSpec & { contractName: string }, outDir = PROGRAM_VERIFIERS_DIR): ProgramVerifierBuild {
  const dir = join(outDir, spec.contractName);
  mkdirSync(dir, { recursive: true });
  const solc = loadSolc();
  const evaluators = generateEvaluatorSources(air, spec);
  const artifacts: Artifact[] = [];
  const hashes: Record<string, string> = { [QUERY_PHASE_CONTRACT]: pinnedCodeHashes()[QUERY_PHASE_CONTRACT]! };
  for (const [file, text] of Object.entries(evaluators)) {
    writeFileSync(join(dir, file), text);
    // the build's source key: an evaluator identical to a built one has its code hash (metadata included)
    const evKey = `verifier/generated/${file}`;
    const [a] = compile({ [evKey]: text }, solc).filter((x) => x.sourceName === evKey);
    if (!a) throw new Error(`program-verifier: ${file} compiled to nothing`);
    hashes[a.contractName] = codeHashOf(a.deployedBytecode);
    artifacts.push(a);
  }
  const file = `${spec.contractName}.sol`;
  const key = `verifier/generated/${file}`;
  const source = generateVerifierSource(air, hashes, spec);
  writeFileSync(join(dir, file), source);
  const sources = withImports([key], { ...collectSources(), [key]: source });
  artifacts.push(...compile(sources, solc).filter((a) => a.sourceName === key));
  for (const a of artifacts) writeFileSync(join(dir, `${a.contractName}.json`), `${JSON.stringify(a, null, 2)}\n`);
  return { contractName: spec.contractName, dir, artifacts };
}

/** Deploy a built program verifier (its evaluators and, unless given, a query phase) at policy `minSecurityBits`. */
export async function deployProgramVerifier(
  build: ProgramVerifierBuild,
  air: Air,
  spec: VerifierSpec,
  wallet: Parameters<typeof deployStarkVerifier>[0],
  client: PublicClient,
  minSecurityBits: number,
  queryPhase?: Address,
): Promise<Address> {
  const prefix = evaluatorParts(air, spec)[0]?.name.replace(/Constraints\d+$/, "");
  return deployStarkVerifier(wallet, client, air.name, minSecurityBits, {
    contractName: build.contractName,
    artifactsDir: build.dir,
    ...(prefix ? { evaluatorPrefix: prefix } : {}),
    ...(queryPhase ? { queryPhase } : {}),
  });
}

/**
 * The Solidity verifier of a plan's wrap program (docs/contracts.md, "Data batches"): caps baked for the
 * plan's wrap blowup and cap height, named `contractName`, built under `outDir`. Deploy it with
 * `deployProgramVerifier(build, air, spec, …)` and Rollup with `aggregateConfig(plan)` (src/chain/aggregate.ts).
 */
export async function buildWrapVerifier(
  plan: AggregationPlan,
  backend: ProverBackend,
  contractName = "AggWrapVerifier",
  outDir = PROGRAM_VERIFIERS_DIR,
): Promise<{ build: ProgramVerifierBuild; air: Air; spec: VerifierSpec & { contractName: string } }> {
  const air = plan.wrapAir();
  const o = plan.geometry.wrapOptions;
  const spec = { contractName, logBlowups: [o.logBlowup], logCap: o.logCap };
  const build = buildProgramVerifier(air, { ...spec, caps: await programCaps(air, spec.logBlowups, spec.logCap, backend) }, outDir);
  return { build, air, spec };
}

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
      console.log(`program-verifier: ${build.dir}: ${sizes}; wrap AIR id ${air.idHex}; key-set root ${cfg.keySetRoot}`);
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
