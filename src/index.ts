/** prover-node public API. */
export { ProverNodeError, UsageError, AbortError } from "./util/errors.js";
export { poseidon2Permute16, poseidon2Permute24, poseidon2Hash, poseidon2Compress } from "./stark/hash/poseidon2.js";
