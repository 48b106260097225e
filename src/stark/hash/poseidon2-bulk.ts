/**
 * Bulk Poseidon2 entry points for backends: the reference permutation of poseidon2.ts (Plonky3's
 * BabyBear instances) applied in place to every consecutive state.
 */
export { poseidon2Permute16Many as poseidon2Permute16InPlace, poseidon2Permute24Many as poseidon2Permute24InPlace } from "./poseidon2.js";
