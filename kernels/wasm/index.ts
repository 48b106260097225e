// Entry of build/kernels/prover.wasm. Every export works on raw pointers into the shared memory that
// the host (src/backends/wasm) lays out; nothing here allocates, so one module instance per thread can
// share the same memory safely.

import { montMul, vMontMul } from "./field";

export { twiddleTop, twiddleDerive, bitrevScale, ditStage, ditBlocks, ditColumn, interpolateColumns, ldeScatter, ldeColumns } from "./ntt";
export { merkleLeaves, merkleNodes, merkleLeaves2, merkleNodes2, keccak256, grindRange } from "./merkle";
export { poseidon2Permute } from "./poseidon2";
export { poseidon2Leaves, poseidon2Nodes, poseidon2GrindRange } from "./poseidon2-merkle";
export { friFold2 } from "./fri";
export { deepCompose, deepComposeVec } from "./deep";
export { quotientRows } from "./quotient";
export { evalAtExtBatch } from "./eval";

/** First byte after the module's static data: the host lays out its regions from here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Benchmark: `rounds` passes of Montgomery multiplications over len words (len multiple of 16). */
export function benchMontMul(a: usize, len: u32, rounds: u32): u32 {
  let acc = i32x4.splat(0x0ffffffe);
  for (let r: u32 = 0; r < rounds; r++) {
    for (let i: u32 = 0; i < len; i += 16) {
      const p = a + (<usize>i << 2);
      // four independent chains hide the multiplication latency
      v128.store(p, vMontMul(v128.load(p), acc));
      v128.store(p, vMontMul(v128.load(p, 16), acc), 16);
      v128.store(p, vMontMul(v128.load(p, 32), acc), 32);
      v128.store(p, vMontMul(v128.load(p, 48), acc), 48);
    }
  }
  return montMul(<u32>i32x4.extract_lane(acc, 0), 1);
}
