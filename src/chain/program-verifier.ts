/**
 * The on-chain verifier of a program that is not part of the build: a recursion program (the aggregation
 * wrap of a deployment's geometry, `plan.wrapAir()`) or another AIR whose tables are preprocessed at fixed
 * heights. Its verifier bakes the preprocessed caps for the blowups and cap height its proofs use only
 * (computed on a prover backend's kernels: the reference code is slow for 2^17-row tables), pins its
 * evaluators and the query phase by code hash like every generated verifier, and every part fits EIP-170.
 *
 * Generated and compiled at run time (the wrap's AIR is a function of the deployment's geometry), and
 * cached under build/program-verifiers/ by what determines the output (AIR id, blowups, cap height,
 * compiler): a second devnet start with the same geometry reuses the artifacts.
 * scripts/program-verifier.ts is the command-line front of this module.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Address, PublicClient } from "viem";
import { codeHashOf, evaluatorParts, generateEvaluatorSources, generateVerifierSource, QUERY_PHASE_CONTRACT, type VerifierSpec } from "../stark/air/solidity.js";
import { verificationKeyWith } from "../stark/vk.js";
import { DEFAULT_OPTIONS } from "../stark/options.js";
import type { Air } from "../stark/air/air.js";
import type { ProverBackend } from "../stark/backend.js";
import type { AggregationPlan } from "../recursion/plan.js";
import { ARTIFACTS_DIR, loadArtifact } from "./artifacts.js";
import { deployStarkVerifier } from "./stark-verifier.js";
import { collectSources, compile, GENERATED_PREFIX, loadSolc, PACKAGE_ROOT, withImports, type Artifact } from "./solc.js";

export const PROGRAM_VERIFIERS_DIR = join(PACKAGE_ROOT, "build", "program-verifiers");

/** Bump when the generated output changes for the same inputs, so cached builds are redone. */
const CACHE_VERSION = 1;

/**
 * The preprocessed caps of every fixed-height table of `air` at the given blowups and cap height `logCap`,
 * computed on the backend's kernels.
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
  /** True when the artifacts came from the cache (nothing generated or compiled). */
  readonly cached?: boolean;
}

/** The code hash of the build's StarkQueryPhase (build/contracts), which every generated verifier pins. */
function queryPhaseCodeHash(): string {
  const art = loadArtifact(QUERY_PHASE_CONTRACT, ARTIFACTS_DIR) as unknown as { deployedBytecode?: `0x${string}` };
  if (!art.deployedBytecode) throw new Error(`${QUERY_PHASE_CONTRACT}.json has no deployedBytecode: run npm run build:contracts`);
  return codeHashOf(art.deployedBytecode);
}

/**
 * Generate and compile the verifier of `air` under `spec` (contractName required) into `<outDir>/<contractName>/`.
 * Evaluators compile on their own (their code hashes are pinned), then the verifier with the generic contracts.
 */
export function buildProgramVerifier(air: Air, spec: VerifierSpec & { contractName: string }, outDir = PROGRAM_VERIFIERS_DIR, dirName = spec.contractName): ProgramVerifierBuild {
  const dir = join(outDir, dirName);
  mkdirSync(dir, { recursive: true });
  const solc = loadSolc();
  const evaluators = generateEvaluatorSources(air, spec);
  const artifacts: Artifact[] = [];
  const hashes: Record<string, string> = { [QUERY_PHASE_CONTRACT]: queryPhaseCodeHash() };
  for (const [file, text] of Object.entries(evaluators)) {
    writeFileSync(join(dir, file), text);
    // the build's source key: an evaluator identical to a built one has its code hash (metadata included)
    const evKey = `${GENERATED_PREFIX}${file}`;
    const [a] = compile({ [evKey]: text }, solc).filter((x) => x.sourceName === evKey);
    if (!a) throw new Error(`program-verifier: ${file} compiled to nothing`);
    hashes[a.contractName] = codeHashOf(a.deployedBytecode);
    artifacts.push(a);
  }
  const file = `${spec.contractName}.sol`;
  const key = `${GENERATED_PREFIX}${file}`;
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

export interface WrapVerifier {
  readonly build: ProgramVerifierBuild;
  readonly air: Air;
  readonly spec: VerifierSpec & { contractName: string };
}

interface CacheStamp {
  version: number;
  airId: string;
  contractName: string;
  logBlowups: number[];
  logCap: number;
  solc: string;
  queryPhase: string;
  artifacts: string[];
}

/**
 * The Solidity verifier of a plan's wrap program (docs/contracts.md, "Data batches"): caps baked for the
 * plan's wrap blowup and cap height, named `contractName`, built under
 * `<outDir>/wrap-<AIR id>-b<blowup>-c<cap>/` (by default; `dirName` overrides) and reused from there when nothing that determines it changed. Deploy
 * it with `deployProgramVerifier(build, air, spec, …)` and Rollup with `aggregateConfig(plan)`
 * (src/chain/aggregate.ts).
 */
export async function buildWrapVerifier(
  plan: AggregationPlan,
  backend: ProverBackend,
  contractName = "AggWrapVerifier",
  outDir = PROGRAM_VERIFIERS_DIR,
  dirName?: string,
): Promise<WrapVerifier> {
  const air = plan.wrapAir();
  const o = plan.geometry.wrapOptions;
  const spec = { contractName, logBlowups: [o.logBlowup], logCap: o.logCap };
  // One wrap AIR serves every wrap option preset; the caps baked (blowup, cap height) are per preset.
  const name = dirName ?? `wrap-${air.idHex.replace(/^0x/, "").slice(0, 16)}-b${o.logBlowup}-c${o.logCap}`;
  const dir = join(outDir, name);
  const stampFile = join(dir, "cache.json");
  const stamp: Omit<CacheStamp, "artifacts"> = { version: CACHE_VERSION, airId: air.idHex, contractName, logBlowups: spec.logBlowups, logCap: spec.logCap, solc: loadSolc().version(), queryPhase: queryPhaseCodeHash() };
  const hit = readStamp(stampFile);
  if (hit && JSON.stringify({ ...hit, artifacts: undefined }) === JSON.stringify({ ...stamp, artifacts: undefined }) && hit.artifacts.every((n) => existsSync(join(dir, `${n}.json`)))) {
    const artifacts = hit.artifacts.map((n) => JSON.parse(readFileSync(join(dir, `${n}.json`), "utf8")) as Artifact);
    return { build: { contractName, dir, artifacts, cached: true }, air, spec };
  }
  rmSync(dir, { recursive: true, force: true });
  const build = buildProgramVerifier(air, { ...spec, caps: await programCaps(air, spec.logBlowups, spec.logCap, backend) }, outDir, name);
  const full: CacheStamp = { ...stamp, artifacts: build.artifacts.map((a) => a.contractName) };
  writeFileSync(stampFile, `${JSON.stringify(full, null, 2)}\n`);
  return { build, air, spec };
}

function readStamp(file: string): CacheStamp | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as CacheStamp;
  } catch {
    return null;
  }
}
