/**
 * The system with the wrap stand-in's generated verifier as the aggregate verifier (scripts/aggregate-standin.ts),
 * and real wrap proofs of a data batch's statement, bound to its submitter.
 */
import { hexToBytes, type Address, type Hex } from "viem";
import { deployStarkVerifier } from "../../src/chain/stark-verifier.js";
import { packRoot } from "../../src/chain/statement.js";
import type { ProofOptions } from "../../src/stark/options.js";
import type { ProverBackend } from "../../src/stark/backend.js";
import { digestWords } from "../../src/stark/merkle/hasher.js";
import { proveStandin, standinAir, standinBound, standinKeySet, type StandinChild } from "../../scripts/aggregate-standin.js";
import { statementFor, type DataBatch } from "./data-flows.js";
import { DEVNET_BLOCK_GAS_LIMIT, useSystem, type System } from "./system.js";

/** The stand-in's key-set root, packed like a state root (what Rollup is deployed with). */
export function standinKeySetRoot(): Hex {
  return packRoot(Array.from(digestWords(standinKeySet().root)));
}

/**
 * A system whose aggregate verifier is AggWrapStandinVerifier at `policy` bits, keyed to the stand-in's key set,
 * on an anvil with the devnet's 60 M block gas limit.
 */
export function useStandinSystem(keySetRoot: Hex, policy: number): () => System {
  return useSystem(
    { aggregate: { airId: standinAir().idHex as Hex, keySetRoot } },
    async (wallet, publicClient) => ({
      aggregateVerifier: await deployStarkVerifier(wallet as Parameters<typeof deployStarkVerifier>[0], publicClient, standinAir().name, policy, { contractName: "AggWrapStandinVerifier" }),
    }),
    { args: ["--gas-limit", String(DEVNET_BLOCK_GAS_LIMIT)] },
  );
}

export interface WrapProof {
  proof: Hex;
  publicInputs: number[];
  /** The statement's rootOut (the stand-in's children digest). */
  rootOut: Hex;
}

/** A wrap proof of the batch's statement (rootIn = `rootIn`), bound to `submitter`. */
export async function proveWrap(
  batch: DataBatch,
  f: { child: StandinChild; keySetRoot: Hex; rootIn: Hex; joinProvers: readonly Address[]; submitter: Address; options: ProofOptions; backend: ProverBackend },
): Promise<WrapProof> {
  const rootOut = packRoot(Array.from(standinBound(f.child).rootOut));
  const statement = statementFor(batch, { keySetRoot: f.keySetRoot, rootIn: f.rootIn, rootOut, joinProvers: f.joinProvers });
  const r = await proveStandin({ child: f.child, statement, options: f.options, proverAddress: hexToBytes(f.submitter), backend: f.backend });
  return { proof: `0x${Buffer.from(r.bytes).toString("hex")}`, publicInputs: Array.from(r.publicInputs), rootOut };
}
