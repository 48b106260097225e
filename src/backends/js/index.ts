/** The reference backend: the plain-TypeScript code of src/stark behind the ProverBackend interface. */
import type { DeepInputs, ExtColumns, MerkleTreeData, ProverBackend, QuotientInputs } from "../interface.js";
import { intt, cosetLde } from "../../stark/poly/ntt.js";
import { buildMerkleTree } from "../../stark/merkle/tree.js";
import { evaluateQuotientReference } from "../../stark/quotient.js";
import { deepComposeReference } from "../../stark/deep.js";
import { friFoldReference } from "../../stark/fri.js";
import { grindPoseidon2Reference, grindReference } from "../../stark/grind.js";
import { hasherFor } from "../../stark/merkle/hasher.js";
import type { HashConfig } from "../../stark/hash/config.js";
import { checkCanonicalColumns, checkHashConfig, checkMerkleShape, grindPoseidon2Template } from "../shape.js";
import { evaluateAtPointsReference } from "../../stark/poly/eval.js";
import { poseidon2Permute16InPlace, poseidon2Permute24InPlace } from "../../stark/hash/poseidon2-bulk.js";

export class JsBackend implements ProverBackend {
  readonly name = "js" as const;

  async interpolate(columns: Uint32Array[]): Promise<void> {
    for (const c of columns) intt(c);
  }
  async evaluateOnCoset(coefficients: Uint32Array[], logBlowup: number, shift: number): Promise<Uint32Array[]> {
    return coefficients.map((c) => cosetLde(c, logBlowup, shift));
  }
  async merkleCommit(columns: Uint32Array[], leafArity: number, hash: HashConfig = "keccak"): Promise<MerkleTreeData> {
    // the same refusals, in the same words, as the other backends
    const config = checkHashConfig(hash);
    checkMerkleShape(columns, leafArity);
    if (config === "poseidon2") checkCanonicalColumns(columns, "merkleCommit");
    return buildMerkleTree(columns, leafArity, hasherFor(config));
  }
  async evaluateQuotient(inputs: QuotientInputs): Promise<ExtColumns> {
    return evaluateQuotientReference(inputs);
  }
  async deepCompose(inputs: DeepInputs): Promise<ExtColumns> {
    return deepComposeReference(inputs);
  }
  async friFold(values: ExtColumns, logArity: number, beta: Uint32Array, shift: number): Promise<ExtColumns> {
    return friFoldReference(values, logArity, beta, shift);
  }
  async grind(state: Uint8Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    return grindReference(state, bits, signal);
  }
  async grindPoseidon2(state: Uint32Array, pending: Uint32Array, bits: number, signal?: AbortSignal): Promise<bigint> {
    grindPoseidon2Template(state, pending, bits); // argument checks shared with the kernels
    return grindPoseidon2Reference(state, pending, bits, signal);
  }
  async evaluateAtPoints(coefficients: Uint32Array[], points: Uint32Array): Promise<Uint32Array> {
    return evaluateAtPointsReference(coefficients, points);
  }
  async poseidon2Permute16(states: Uint32Array): Promise<void> {
    poseidon2Permute16InPlace(states);
  }
  async poseidon2Permute24(states: Uint32Array): Promise<void> {
    poseidon2Permute24InPlace(states);
  }
  async close(): Promise<void> {}
}

export function createJsBackend(): JsBackend {
  return new JsBackend();
}
