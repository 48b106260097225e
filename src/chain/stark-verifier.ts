/**
 * The on-chain STARK verifier from TypeScript: which generated contract verifies an AIR, deploying it and its parts,
 * calling `verify` / `verifyPacked` with eth_call, decoding its refusals, and the gas figures
 * (execution, calldata with the EIP-7623 floor) that bench/verifier.ts and `verify --onchain` report.
 */
import {
  encodeFunctionData,
  getAddress,
  hexToBytes,
  toHex,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { verifierContractName } from "../stark/air/solidity.js";
import { ARTIFACTS_DIR, loadArtifact } from "./artifacts.js";
import { decodeRevert } from "./errors.js";

/** Contract name of the generated verifier of an AIR ("mix-v1" → "MixV1Verifier"): the generator's own rule. */
export { verifierContractName };

/** Whether the build holds a generated verifier for this AIR (scripts/gen-verifier.ts `VERIFIER_AIRS`). */
export function hasGeneratedVerifier(airName: string): boolean {
  return existsSync(join(ARTIFACTS_DIR, `${verifierContractName(airName)}.json`));
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

async function deployArtifact(wallet: Wallet, publicClient: PublicClient, name: string, args: readonly unknown[]): Promise<Address> {
  const art = loadArtifact(name);
  const hash = await wallet.deployContract({ abi: art.abi, bytecode: art.bytecode, args: args as unknown[], account: wallet.account, chain: wallet.chain });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`${name} deployment failed`);
  return getAddress(receipt.contractAddress);
}

/** The parts a generated verifier is constructed with, which it pins by their code hashes. */
export interface VerifierParts {
  /** A deployed StarkQueryPhase (stateless: one may serve every verifier). */
  readonly queryPhase?: Address;
  /** Deployed evaluator contracts `<Air>Constraints<i>`, in order. */
  readonly evaluators?: readonly Address[];
}

/** The constructor parameters of the generated verifier of `airName`. */
function verifierCtorInputs(airName: string): readonly { name?: string; type?: string }[] {
  const ctor = loadArtifact(verifierContractName(airName)).abi.find((x) => x.type === "constructor") as { inputs: readonly { name?: string; type?: string }[] } | undefined;
  return ctor?.inputs ?? [];
}

/**
 * Number of evaluator contracts the generated verifier of `airName` takes: its `evaluator<i>` constructor
 * parameters, or, for a verifier taking them as one `evaluators` array, the `<Air>Constraints<i>` artifacts
 * built for it (the constructor checks the count against its pinned code hashes).
 */
export function evaluatorCount(airName: string): number {
  const inputs = verifierCtorInputs(airName);
  if (!inputs.some((i) => i.name === "evaluators")) return inputs.filter((i) => i.name?.startsWith("evaluator")).length;
  const base = verifierContractName(airName).replace(/Verifier$/, "");
  let n = 0;
  while (existsSync(join(ARTIFACTS_DIR, `${base}Constraints${n}.json`))) n++;
  return n;
}

/** Deploy the generic StarkQueryPhase contract. */
export async function deployQueryPhase(wallet: Wallet, publicClient: PublicClient): Promise<Address> {
  return deployArtifact(wallet, publicClient, "StarkQueryPhase", []);
}

/**
 * Deploy the generated verifier of `airName`, accepting proofs of at least `minSecurityBits` (at least 80
 * outside a local devnet, chain id 31337: the constructor refuses less). Its query phase runs in a
 * StarkQueryPhase contract and large AIRs evaluate their constraints in evaluator contracts
 * (`<Air>Constraints<i>`, one per `evaluator<i>` constructor parameter); parts not given are deployed
 * first. The constructor checks every part's code hash against the generated constants.
 */
export async function deployStarkVerifier(wallet: Wallet, publicClient: PublicClient, airName: string, minSecurityBits: number, parts: VerifierParts = {}): Promise<Address> {
  const name = verifierContractName(airName);
  const queryPhase = parts.queryPhase ?? (await deployQueryPhase(wallet, publicClient));
  const evaluators: Address[] = [...(parts.evaluators ?? [])];
  const count = evaluatorCount(airName);
  for (let i = evaluators.length; i < count; i++) evaluators.push(await deployArtifact(wallet, publicClient, `${name.replace(/Verifier$/, "")}Constraints${i}`, []));
  const asArray = verifierCtorInputs(airName).some((i) => i.name === "evaluators");
  return deployArtifact(wallet, publicClient, name, asArray ? [BigInt(minSecurityBits), queryPhase, evaluators] : [BigInt(minSecurityBits), queryPhase, ...evaluators]);
}

export async function deployGasMeter(wallet: Wallet, publicClient: PublicClient): Promise<Address> {
  return deployArtifact(wallet, publicClient, "VerifierGasMeter", []);
}

export interface OnChainStatement {
  readonly airId: Uint8Array;
  readonly proof: Uint8Array;
  readonly publicInputs: ArrayLike<number>;
  readonly publicColumns: readonly ArrayLike<number>[];
  readonly prover: Uint8Array | Address;
}

/** The verifier's ABI (identical for every generated verifier). */
export function verifierAbi(): Abi {
  return loadArtifact("FibV1Verifier").abi;
}

function flatten(cols: readonly ArrayLike<number>[]): number[] {
  const out: number[] = [];
  for (const c of cols) for (let i = 0; i < c.length; i++) out.push(c[i]!);
  return out;
}

function packLE(cols: readonly ArrayLike<number>[]): Hex {
  const flat = flatten(cols);
  const b = new Uint8Array(4 * flat.length);
  const dv = new DataView(b.buffer);
  flat.forEach((v, i) => dv.setUint32(4 * i, v >>> 0, true));
  return toHex(b);
}

/** Calldata of `verify` (ABI uint32[] public column) or `verifyPacked` (u32 LE bytes). */
export function encodeVerifyCall(s: OnChainStatement, packed = false): Hex {
  const prover = typeof s.prover === "string" ? s.prover : getAddress(toHex(s.prover));
  const common = [toHex(s.airId), toHex(s.proof), Array.from(s.publicInputs)] as const;
  return packed
    ? encodeFunctionData({ abi: verifierAbi(), functionName: "verifyPacked", args: [...common, packLE(s.publicColumns), prover] })
    : encodeFunctionData({ abi: verifierAbi(), functionName: "verify", args: [...common, flatten(s.publicColumns), prover] });
}

export type OnChainVerdict = { valid: true } | { valid: false; error: string; args: readonly unknown[] };

/** eth_call the verifier; a revert is decoded into the custom error's name. */
export async function verifyOnChain(publicClient: PublicClient, verifier: Address, s: OnChainStatement, opts: { packed?: boolean; gas?: bigint } = {}): Promise<OnChainVerdict> {
  const data = encodeVerifyCall(s, opts.packed);
  try {
    const r = await publicClient.call({ to: verifier, data, gas: opts.gas });
    const ok = r.data !== undefined && BigInt(r.data) === 1n;
    return ok ? { valid: true } : { valid: false, error: "returned false", args: [] };
  } catch (err) {
    const d = decodeRevert(err);
    if (d) return { valid: false, error: d.errorName, args: d.args };
    throw err;
  }
}

/** Calldata cost of a transaction with this input (EIP-2028 and the EIP-7623 floor). */
export function calldataGas(data: Hex): { bytes: number; zeroBytes: number; tokens: number; standard: number; floor: number } {
  const b = hexToBytes(data);
  let zero = 0;
  for (const x of b) if (x === 0) zero++;
  const tokens = zero + 4 * (b.length - zero);
  return { bytes: b.length, zeroBytes: zero, tokens, standard: 4 * tokens, floor: 10 * tokens };
}

export interface GasFigures {
  /** Gas the verify call executes (measured by a staticcall from VerifierGasMeter). */
  readonly execution: number;
  readonly calldataBytes: number;
  /** 4 gas per zero byte + 16 per other byte (EIP-2028). */
  readonly calldataStandard: number;
  /** EIP-7623: a transaction pays at least 10 gas per calldata token. */
  readonly calldataFloor: number;
  /** Gas of a transaction calling verify directly: 21000 + max(standard + execution, floor). */
  readonly transaction: number;
}

/** Execution and calldata gas of one verification; throws if the proof is rejected. */
export async function measureVerifyGas(publicClient: PublicClient, meter: Address, verifier: Address, s: OnChainStatement, packed = false): Promise<GasFigures> {
  const data = encodeVerifyCall(s, packed);
  const meterAbi = loadArtifact("VerifierGasMeter").abi;
  const r = (await publicClient.readContract({ address: meter, abi: meterAbi, functionName: "measure", args: [verifier, data] })) as readonly [boolean, bigint, Hex];
  if (!r[0]) {
    const d = decodeRevert(r[2]);
    throw new Error(`verifier rejected the proof: ${d ? d.errorName : r[2]}`);
  }
  const cd = calldataGas(data);
  const execution = Number(r[1]);
  return {
    execution,
    calldataBytes: cd.bytes,
    calldataStandard: cd.standard,
    calldataFloor: cd.floor,
    transaction: 21000 + Math.max(cd.standard + execution, cd.floor),
  };
}

export { hexToBytes };
