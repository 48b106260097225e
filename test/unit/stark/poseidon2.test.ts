import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { P, pow, fromInt } from "../../../src/stark/field/babybear.js";
import {
  POSEIDON2_16,
  POSEIDON2_24,
  type Poseidon2Params,
  poseidon2Compress,
  poseidon2Hash,
  poseidon2Permute16,
  poseidon2Permute16Many,
  poseidon2Permute24,
  poseidon2Permute24Many,
  poseidon2PermuteInPlace,
} from "../../../src/stark/hash/poseidon2.js";

interface Vector {
  name: string;
  input: number[];
  output: number[];
}
interface VectorFile {
  width: number;
  rounds_full: number;
  rounds_partial: number;
  external_initial_constants: number[][];
  external_final_constants: number[][];
  internal_constants: number[];
  internal_diagonal: number[];
  internal_diagonal_rational: string[];
  external_mds_4x4: number[][];
  test_vectors: Vector[];
  rng_constants_test_vectors: Vector[];
}

function load(width: number): VectorFile {
  const url = new URL(`../../vectors/poseidon2-babybear-${width}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as VectorFile;
}

/** rand_xoshiro Xoroshiro128Plus::seed_from_u64 (state filled by SplitMix64), next_u32 = upper half. */
function xoroshiro128PlusFromU64(seed: bigint): () => number {
  const M = (1n << 64n) - 1n;
  let x = seed;
  const splitmix = (): bigint => {
    x = (x + 0x9e3779b97f4a7c15n) & M;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  let s0 = splitmix();
  let s1 = splitmix();
  const rotl = (v: bigint, k: bigint): bigint => ((v << k) | (v >> (64n - k))) & M;
  return () => {
    const r = (s0 + s1) & M;
    s1 ^= s0;
    s0 = rotl(s0, 24n) ^ s1 ^ ((s1 << 16n) & M);
    s1 = rotl(s1, 37n);
    return Number(r >> 32n);
  };
}

/** Plonky3's Distribution<BabyBear>: next_u32() >> 1 as a Montgomery value, rejected if >= p. */
function montgomerySampler(next: () => number): () => number {
  const rInv = pow(fromInt(2n ** 32n), P - 2);
  return () => {
    for (;;) {
      const v = next() >>> 1;
      if (v < P) return fromInt(BigInt(v) * BigInt(rInv));
    }
  };
}

describe("stark/hash/poseidon2", () => {
  for (const width of [16, 24] as const) {
    const file = load(width);
    const params = width === 16 ? POSEIDON2_16 : POSEIDON2_24;
    const permute = width === 16 ? poseidon2Permute16 : poseidon2Permute24;

    it(`width ${width}: the runtime constants equal the vector file's`, () => {
      assert.deepEqual(params.externalInitial, file.external_initial_constants);
      assert.deepEqual(params.externalFinal, file.external_final_constants);
      assert.deepEqual(params.internal, file.internal_constants);
      assert.deepEqual(params.internalDiagonal, file.internal_diagonal);
      assert.equal(params.externalInitial.length + params.externalFinal.length, file.rounds_full);
      assert.equal(params.internal.length, file.rounds_partial);
    });

    it(`width ${width}: the internal diagonal matches its rational form`, () => {
      const parse = (s: string): number => {
        const neg = s.startsWith("-");
        const body = neg ? s.slice(1) : s;
        const [num, den] = body.split("/");
        let v = fromInt(BigInt(num!));
        if (den !== undefined) {
          const d = den.startsWith("2^") ? pow(2, Number(den.slice(2))) : fromInt(BigInt(den));
          v = fromInt(BigInt(v) * BigInt(pow(d, P - 2)));
        }
        return neg ? fromInt(-BigInt(v)) : v;
      };
      assert.deepEqual(file.internal_diagonal_rational.map(parse), file.internal_diagonal);
    });

    for (const v of file.test_vectors) {
      it(`width ${width}: known answer ${v.name}`, () => {
        assert.deepEqual(permute(v.input), v.output);
        const bulk = new Uint32Array([...v.input, ...v.output.map(() => 0)]);
        bulk.set(v.input, width);
        (width === 16 ? poseidon2Permute16Many : poseidon2Permute24Many)(bulk);
        assert.deepEqual(Array.from(bulk.subarray(0, width)), v.output);
        assert.deepEqual(Array.from(bulk.subarray(width)), v.output);
      });
    }

    for (const v of file.rng_constants_test_vectors) {
      it(`width ${width}: known answer ${v.name} (constants from Xoroshiro128Plus seed 1)`, () => {
        const sample = montgomerySampler(xoroshiro128PlusFromU64(1n));
        const row = (): number[] => Array.from({ length: width }, sample);
        const externalInitial = [row(), row(), row(), row()];
        const externalFinal = [row(), row(), row(), row()];
        const internal = Array.from({ length: file.rounds_partial }, sample);
        const rngParams: Poseidon2Params = { width, externalInitial, externalFinal, internal, internalDiagonal: params.internalDiagonal };
        const state = v.input.slice();
        poseidon2PermuteInPlace(rngParams, state);
        assert.deepEqual(state, v.output);
      });
    }

    it(`width ${width}: does not mutate its input and rejects non-canonical or wrong-length states`, () => {
      const input = file.test_vectors[0]!.input.slice();
      const copy = input.slice();
      permute(input);
      assert.deepEqual(input, copy);
      assert.throws(() => permute(input.slice(1)), RangeError);
      const bad = input.slice();
      bad[3] = P;
      assert.throws(() => permute(bad), RangeError);
    });
  }

  it("sponge: deterministic, length-separated, 8-element canonical digests", () => {
    const a = poseidon2Hash([1, 2, 3]);
    assert.equal(a.length, 8);
    assert.deepEqual(poseidon2Hash([1, 2, 3]), a);
    assert.notDeepEqual(poseidon2Hash([1, 2, 3, 0]), a);
    assert.notDeepEqual(poseidon2Hash([]), poseidon2Hash([0]));
    // Ten inputs = two permutations: the second overwrites state[0..2) of the first's output.
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const s = new Array<number>(16).fill(0);
    s[8] = 10;
    for (let i = 0; i < 8; i++) s[i] = ten[i]!;
    const first = poseidon2Permute16(s);
    first[0] = 9;
    first[1] = 10;
    assert.deepEqual(poseidon2Hash(ten), poseidon2Permute16(first).slice(0, 8));
  });

  it("compression: the truncated width-16 permutation of left ‖ right", () => {
    const l = [1, 2, 3, 4, 5, 6, 7, 8];
    const r = [9, 10, 11, 12, 13, 14, 15, 16];
    assert.deepEqual(poseidon2Compress(l, r), poseidon2Permute16([...l, ...r]).slice(0, 8));
    assert.notDeepEqual(poseidon2Compress(r, l), poseidon2Compress(l, r));
  });
});

describe("public API: Poseidon2 and the rollup from 'prover-node'", () => {
  it("exports poseidon2Permute16/24 and registers transfer-v1", async () => {
    const api = await import("prover-node");
    const v16 = load(16).test_vectors[0]!;
    const v24 = load(24).test_vectors[0]!;
    assert.deepEqual(api.poseidon2Permute16(v16.input), v16.output);
    assert.deepEqual(api.poseidon2Permute24(v24.input), v24.output);
    assert.equal(api.airRegistry.getByName("transfer-v1")?.idHex, api.transferAir.idHex);
    assert.equal(typeof api.rollup.decodeWitness, "function");
  });
});
