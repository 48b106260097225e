/**
 * The deployment file (written by `deploySystem` through the deploy script and the devnet): chain id,
 * deployment block and contract addresses. One parser for the node (`chain.deploymentFile` plus
 * `chain.contracts` overrides) and for the chain-facing CLI commands (`--deployment`).
 */
import { readFile } from "node:fs/promises";
import type { Address } from "viem";
import { ChainError } from "./chain-error.js";
import type { SystemAddresses } from "./contracts.js";

/** The contracts every deployment has had since M1. */
export const CORE_CONTRACT_NAMES = ["token", "staking", "market", "election", "rollup", "verifier"] as const satisfies readonly (keyof SystemAddresses)[];
export type CoreContractName = (typeof CORE_CONTRACT_NAMES)[number];
/** Every address a deployment file may hold: the core and the verifiers of data batches (disputes, aggregate). */
export const CONTRACT_NAMES = [...CORE_CONTRACT_NAMES, "disputeVerifier", "aggregateVerifier"] as const satisfies readonly (keyof SystemAddresses)[];
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** A deployment with the addresses `K` checked present. */
export interface DeploymentInfo<K extends ContractName = CoreContractName> {
  chainId: number | null;
  /** Block of the deployment: event ingestion starts here. */
  block: bigint;
  addresses: Pick<SystemAddresses, K> & Partial<SystemAddresses>;
}

export interface DeploymentSource<K extends ContractName> {
  /** The deployment file, or null when every address comes from `overrides`. */
  path: string | null;
  /** Addresses that win over the file's (the node's `chain.contracts`). */
  overrides?: Partial<Record<ContractName, Address>>;
  /** Chain id expected regardless of the file (the node's `chain.chainId`); null: the file's. */
  chainId?: number | null;
  /** The contracts the caller needs. */
  require: readonly K[];
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Read, merge and check a deployment; a missing file, bad JSON or a missing address is DEPLOYMENT_INVALID. */
export async function loadDeployment<K extends ContractName>(src: DeploymentSource<K>): Promise<DeploymentInfo<K>> {
  let file: { chainId?: unknown; block?: unknown; addresses?: Partial<Record<string, unknown>> } = {};
  if (src.path !== null) {
    try {
      file = JSON.parse(await readFile(src.path, "utf8")) as typeof file;
    } catch (err) {
      throw invalid(src.path, `cannot read the deployment file ${src.path}: ${(err as Error).message}`);
    }
  }
  const merged: Partial<Record<string, unknown>> = { ...(file.addresses ?? {}), ...(src.overrides ?? {}) };
  for (const name of src.require) {
    const a = merged[name];
    if (typeof a !== "string" || !ADDRESS.test(a)) {
      throw invalid(src.path, src.path === null ? `no address for the ${name} contract: set chain.deploymentFile or chain.contracts.${name}` : `the deployment file ${src.path} has no valid addresses.${name}`);
    }
  }
  let block = 0n;
  if (file.block !== undefined) {
    if ((typeof file.block !== "string" && typeof file.block !== "number") || !/^\d+$/.test(String(file.block))) throw invalid(src.path, `the deployment file ${src.path} has an invalid block`);
    block = BigInt(file.block);
  }
  const chainId = src.chainId ?? (typeof file.chainId === "number" ? file.chainId : null);
  return { chainId, block, addresses: merged as DeploymentInfo<K>["addresses"] };
}

function invalid(path: string | null, detail: string): ChainError {
  return new ChainError({ code: "DEPLOYMENT_INVALID", path, detail }, detail);
}
