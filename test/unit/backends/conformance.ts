/**
 * The conformance suite every ProverBackend runs (js, wasm, later cuda): each operation against the
 * naive definitions in reference.ts, on random inputs and on edge values (0, 1, p − 1), for every
 * small power-of-two size; larger sizes are compared with the js backend in the backend's own file.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as F from "../../../src/stark/field/babybear.js";
import type { ExtColumns, ProverBackend } from "../../../src/backends/interface.js";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { fibAir, mixAir } from "../../../src/stark/airs/index.js";
import type { Air } from "../../../src/stark/air/air.js";
import * as R from "./reference.js";
import { evalBaseAtExt } from "../../../src/stark/poly/eval.js";
import { readExt } from "../../../src/stark/field/extension.js";
import { buildMerkleTree } from "../../../src/stark/merkle/tree.js";
import { poseidon2Hasher } from "../../../src/stark/merkle/hasher.js";
import { grindPoseidon2Reference } from "../../../src/stark/grind.js";
import { poseidon2Permute16 } from "../../../src/stark/hash/poseidon2.js";
import { powSampleOk } from "../../../src/stark/transcript.js";
import type { HashConfig } from "../../../src/stark/hash/config.js";

/** A deterministic u32 source (xorshift32), so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

export function randomColumn(next: () => number, n: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => F.randomElement(next));
}

/** Random values with the edge values 0, 1, p − 1 mixed in. */
export function edgyColumn(next: () => number, n: number): Uint32Array {
  const edges = [0, 1, F.P - 1, 2, F.P - 2];
  return Uint32Array.from({ length: n }, () => (next() % 3 === 0 ? edges[next() % edges.length]! : F.randomElement(next)));
}

export const extColumns = (next: () => number, n: number): ExtColumns =>
  [edgyColumn(next, n), edgyColumn(next, n), edgyColumn(next, n), edgyColumn(next, n)];

const sameWords = (actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) assert.fail(`${what}: index ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
};

export const sameExt = (a: ExtColumns, b: ExtColumns, what: string): void => [0, 1, 2, 3].forEach((c) => sameWords(a[c]!, b[c]!, `${what} coefficient ${c}`));

export interface Poseidon2Vectors extends R.Poseidon2Vectors {}

export function loadVectors(width: 16 | 24): R.Poseidon2Vectors {
  return JSON.parse(readFileSync(new URL(`../../vectors/poseidon2-babybear-${width}.json`, import.meta.url), "utf8")) as R.Poseidon2Vectors;
}

/** Quotient inputs for an AIR's bytecode over random LDE columns (the formula does not need a valid trace). */
export function quotientInputs(air: Air, logTraceHeight: number, logBlowup: number, next: () => number) {
  const bigN = 1 << (logTraceHeight + logBlowup);
  const alphaPowers = new Uint32Array(4 * air.numConstraints);
  for (let i = 0; i < alphaPowers.length; i++) alphaPowers[i] = F.randomElement(next);
  return {
    bytecode: air.bytecode,
    trace: Array.from({ length: air.width }, () => edgyColumn(next, bigN)),
    publicColumns: Array.from({ length: air.numPublicColumns }, () => edgyColumn(next, bigN)),
    publicInputs: randomColumn(next, air.numPublicInputs),
    alphaPowers,
    logTraceHeight,
    logBlowup,
    shift: F.GENERATOR,
  };
}

/** One reference result per case for the whole run: the js reference is slow, and every backend's suite compares with it. */
const referenceCache = new Map<string, unknown>();
function cachedReference<T>(key: string, make: () => T): T {
  if (!referenceCache.has(key)) referenceCache.set(key, make());
  return referenceCache.get(key) as T;
}

const POSEIDON2_WIDTHS = [1, 7, 8, 9, 16, 33];
const LEAF_ARITIES = [1, 2, 4, 8, 16];

/**
 * Poseidon2 Merkle shapes [log2 height, width, leaf arity]: every width with every arity at 2^4 rows
 * (leaves of 1 to 528 words: partial, exactly full and several sponge chunks; 16 down to 1 leaves,
 * so leaf groups smaller than a vector of 4), then every height 2^0 .. 2^12 with the widths and arities
 * in turn, and the widest leaves over the tallest matrix.
 */
function poseidon2MerkleShapes(): Array<[number, number, number]> {
  const shapes: Array<[number, number, number]> = [];
  for (const width of POSEIDON2_WIDTHS) for (const arity of LEAF_ARITIES) shapes.push([4, width, arity]);
  for (let logH = 0; logH <= 12; logH++) shapes.push([logH, POSEIDON2_WIDTHS[logH % 6]!, Math.min(LEAF_ARITIES[logH % 5]!, 1 << logH)]);
  shapes.push([12, 33, 1], [12, 9, 16]);
  return shapes;
}

interface Poseidon2MerkleCase {
  label: string;
  columns: Uint32Array[];
  arity: number;
  levels: Uint8Array[];
}

function poseidon2MerkleCases(): Poseidon2MerkleCase[] {
  return cachedReference("poseidon2 merkle", () => {
    const next = rng(12);
    return poseidon2MerkleShapes().map(([logH, width, arity]) => {
      const columns = Array.from({ length: width }, () => edgyColumn(next, 1 << logH));
      return { label: `2^${logH} × ${width} / ${arity}`, columns, arity, levels: buildMerkleTree(columns, arity, poseidon2Hasher).levels };
    });
  });
}

interface Poseidon2GrindCase {
  state: Uint32Array;
  pending: Uint32Array;
  bits: number;
  nonce: bigint;
}

/** One case per number of pending inputs (0 … 7), from 0 to 12 bits, states with edge values mixed in. */
function poseidon2GrindCases(): Poseidon2GrindCase[] {
  return cachedReference("poseidon2 grind", () => {
    const next = rng(13);
    return [0, 1, 4, 7, 9, 12, 10, 12].map((bits, len) => {
      const state = edgyColumn(next, 16);
      const pending = edgyColumn(next, len);
      return { state, pending, bits, nonce: grindPoseidon2Reference(state, pending, bits) };
    });
  });
}

export function describeBackend(name: string, make: () => ProverBackend): void {
  describe(`backend conformance: ${name}`, function () {
    let be: ProverBackend;
    before(() => {
      be = make();
    });
    after(async () => {
      await be.close();
    });

    it("interpolate: natural-order evaluations -> coefficients, sizes 2^0..2^7, batched", async () => {
      const next = rng(1);
      const cols = Array.from({ length: 8 }, (_, k) => edgyColumn(next, 1 << k));
      cols.push(new Uint32Array(16), new Uint32Array(16).fill(1), new Uint32Array(16).fill(F.P - 1));
      const expected = cols.map(R.naiveInterpolate);
      await be.interpolate(cols);
      cols.forEach((c, i) => sameWords(c, expected[i]!, `column ${i} (n = ${c.length})`));
    });

    it("evaluateOnCoset: coefficients -> evaluations over shift·<w_N>, blowups 2^0..2^3", async () => {
      const next = rng(2);
      for (const logBlowup of [0, 1, 2, 3]) {
        const cols = Array.from({ length: 7 }, (_, k) => edgyColumn(next, 1 << k));
        const input = cols.map((c) => c.slice());
        for (const shift of [F.GENERATOR, 1, 7]) {
          const out = await be.evaluateOnCoset(input, logBlowup, shift);
          out.forEach((o, i) => sameWords(o, R.naiveCoset(cols[i]!, logBlowup, shift), `blowup 2^${logBlowup} shift ${shift} n = ${cols[i]!.length}`));
        }
        input.forEach((c, i) => sameWords(c, cols[i]!, "input unchanged"));
      }
    });

    it("interpolate then evaluateOnCoset round-trips at 2^12 and 2^16", async () => {
      const next = rng(3);
      for (const logN of [12, 16]) {
        const values = edgyColumn(next, 1 << logN);
        const cols = [values.slice()];
        await be.interpolate(cols);
        for (const i of [0, 1, 777, (1 << logN) - 1]) {
          // the coefficients evaluate back to the value at w^i
          assert.equal(R.evalPoly(cols[0]!, F.pow(F.twoAdicGenerator(logN), i)), values[i], `2^${logN}: coefficient check at ${i}`);
        }
        const [back] = await be.evaluateOnCoset(cols, 0, 1);
        sameWords(back!, values, `2^${logN} round trip`);
      }
    });

    it("merkleCommit: leaves, strided leaf groups and nodes match keccak256", async () => {
      const next = rng(4);
      const shapes: Array<[number, number, number]> = [
        [1, 1, 1], [2, 1, 2], [4, 3, 1], [8, 34, 1], [8, 35, 2], [16, 1, 16], [64, 9, 4], [256, 40, 8], [1024, 4, 1],
      ];
      for (const [height, width, arity] of shapes) {
        const cols = Array.from({ length: width }, () => edgyColumn(next, height));
        const tree = await be.merkleCommit(cols, arity);
        const expected = R.naiveMerkle(cols, arity);
        assert.equal(tree.levels.length, expected.length, `${height}×${width}/${arity}: levels`);
        tree.levels.forEach((l, i) => sameWords(l, expected[i]!, `${height}×${width}/${arity} level ${i}`));
      }
    });

    it("grind: the smallest nonce, for several difficulties", async () => {
      const next = rng(5);
      for (const bits of [0, 1, 3, 8, 12]) {
        const state = Uint8Array.from({ length: 32 }, () => next() & 0xff);
        assert.equal(await be.grind(state, bits), R.naiveGrind(state, bits), `${bits} bits`);
      }
    });

    it("grind: an aborted signal stops the search", async () => {
      const ctl = new AbortController();
      ctl.abort();
      await assert.rejects(be.grind(new Uint8Array(32), 60, ctl.signal), (e: Error) => e.name === "AbortError");
    });

    it("merkleCommit (poseidon2): equals the reference for widths 1–33, leaf groups of 1–16 rows, heights 2^0–2^12", async () => {
      for (const c of poseidon2MerkleCases()) {
        const tree = await be.merkleCommit(c.columns, c.arity, "poseidon2");
        assert.equal(tree.levels.length, c.levels.length, `${c.label}: levels`);
        tree.levels.forEach((l, i) => sameWords(l, c.levels[i]!, `${c.label} level ${i}`));
      }
    });

    it("merkleCommit (poseidon2): refuses a word that is not a field element, naming it; keccak still hashes any word", async () => {
      const next = rng(14);
      for (const [height, width, arity, col, row] of [[4, 3, 1, 2, 3], [64, 9, 4, 0, 0], [8, 1, 8, 0, 7]] as const) {
        const cols = Array.from({ length: width }, () => randomColumn(next, height));
        for (const bad of [F.P, 0xffffffff]) {
          cols[col]![row] = bad;
          await assert.rejects(be.merkleCommit(cols, arity, "poseidon2"), (e: Error) =>
            e instanceof RangeError && e.message === `merkleCommit: column ${col}, row ${row} holds ${bad}, not a canonical BabyBear element`);
        }
        const tree = await be.merkleCommit(cols, arity, "keccak");
        R.naiveMerkle(cols, arity).forEach((l, i) => sameWords(tree.levels[i]!, l, `keccak ${height}×${width}/${arity} level ${i}`));
      }
    });

    it("merkleCommit: refuses bad shapes and an unknown hash with RangeError, for either hash", async () => {
      const col = (n: number) => new Uint32Array(n);
      const bad: Array<[Uint32Array[], number, RegExp]> = [
        [[], 1, /no columns/],
        [[col(8), col(4)], 1, /different heights/],
        [[col(6)], 1, /height 6 is not a power of two/],
        [[col(8)], 3, /leafArity 3 is not a power of two/],
        [[col(8)], 16, /leafArity 16 > height 8/],
      ];
      for (const hash of ["keccak", "poseidon2"] as const) {
        for (const [cols, arity, msg] of bad) await assert.rejects(be.merkleCommit(cols, arity, hash), (e: Error) => e instanceof RangeError && msg.test(e.message), `${hash}: ${msg}`);
      }
      await assert.rejects(be.merkleCommit([col(4)], 1, "sha256" as HashConfig), (e: Error) => e instanceof RangeError && /hash must be "keccak" or "poseidon2", got sha256/.test(e.message));
    });

    it("grindPoseidon2: the reference's (smallest) nonce for 0–7 pending inputs and 0–12 bits", async () => {
      for (const c of poseidon2GrindCases()) {
        const nonce = await be.grindPoseidon2(c.state, c.pending, c.bits);
        assert.equal(nonce, c.nonce, `${c.pending.length} pending, ${c.bits} bits`);
        // the nonce passes the transcript's own check, so the grinding input is the one the transcript uses
        const t = c.state.slice();
        for (let i = 0; i < 8; i++) t[i] = i < c.pending.length ? c.pending[i]! : i === c.pending.length ? Number(nonce) : 0;
        t[15] = (c.state[15]! + c.pending.length + 1) % F.P;
        assert.ok(powSampleOk(poseidon2Permute16(t)[0]!, c.bits), `${c.pending.length} pending, ${c.bits} bits: the nonce passes`);
      }
    });

    it("grindPoseidon2: an aborted signal stops the search", async () => {
      const ctl = new AbortController();
      ctl.abort();
      await assert.rejects(be.grindPoseidon2(new Uint32Array(16), new Uint32Array(3), 27, ctl.signal), (e: Error) => e.name === "AbortError");
    });

    it("grindPoseidon2: refuses bad arguments with RangeError", async () => {
      const state = new Uint32Array(16);
      const bad: Array<[Uint32Array, Uint32Array, number, RegExp]> = [
        [new Uint32Array(15), new Uint32Array(0), 4, /state must have 16 elements, got 15/],
        [state, new Uint32Array(8), 4, /at most 7 pending inputs, got 8/],
        [state, new Uint32Array(0), 28, /bits must be an integer in \[0, 27\], got 28/],
        [state, new Uint32Array(0), -1, /bits must be an integer in \[0, 27\], got -1/],
        [state, new Uint32Array(0), 2.5, /bits must be an integer in \[0, 27\], got 2.5/],
        [Uint32Array.from({ length: 16 }, (_, i) => (i === 9 ? F.P : 0)), new Uint32Array(0), 4, /state\[9\] = 2013265921 is not a canonical BabyBear element/],
        [state, Uint32Array.of(1, 0xffffffff), 4, /pending\[1\] = 4294967295 is not a canonical BabyBear element/],
      ];
      for (const [st, pending, bits, msg] of bad) {
        await assert.rejects(be.grindPoseidon2(st, pending, bits), (e: Error) => e instanceof RangeError && msg.test(e.message), String(msg));
      }
    });

    for (const width of [16, 24] as const) {
      it(`poseidon2Permute${width}: known-answer vector and a batch with a ragged tail`, async function () {
        const v = loadVectors(width);
        const tv = v.test_vectors[0]!;
        const next = rng(6 + width);
        const count = 7; // not a multiple of 4: exercises the tail path of lane-parallel kernels
        const states = new Uint32Array(count * width);
        const expected: number[] = [];
        for (let s = 0; s < count; s++) {
          const input = s === 0 || s === count - 1 ? tv.input : Array.from(edgyColumn(next, width));
          states.set(input, s * width);
          expected.push(...(s === 0 || s === count - 1 ? tv.output : R.naivePoseidon2(input, v)));
        }
        const permute = (x: Uint32Array) => (width === 16 ? be.poseidon2Permute16(x) : be.poseidon2Permute24(x));
        await permute(states);
        sameWords(states, expected, `width ${width}`);
      });
    }

    it("friFold: arity 2^1..2^4 equals the interpolant at beta", async () => {
      const next = rng(7);
      for (const logArity of [1, 2, 3, 4]) {
        for (const logM of [logArity, logArity + 1, logArity + 3, 8]) {
          const values = extColumns(next, 1 << logM);
          const beta = randomColumn(next, 4);
          for (const shift of [F.GENERATOR, F.pow(F.GENERATOR, 4)]) {
            const out = await be.friFold(values, logArity, beta, shift);
            sameExt(out, R.naiveFriFold(values, logArity, beta, shift), `arity 2^${logArity}, M = 2^${logM}`);
          }
        }
      }
    });

    it("deepCompose: Σ gamma^k (P_k(x) − v_k)/(x − z_k), two points, sizes 2^0..2^9", async () => {
      const next = rng(8);
      for (const logHeight of [0, 2, 5, 9]) {
        const n = 1 << logHeight;
        const columns = Array.from({ length: 5 }, () => edgyColumn(next, n));
        const claimColumn = Uint32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 4]);
        const claimPoint = Uint32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0]);
        const inp = {
          columns, claimColumn, claimPoint,
          values: randomColumn(next, 4 * claimColumn.length),
          points: randomColumn(next, 8),
          gamma: randomColumn(next, 4),
          logHeight, shift: F.GENERATOR,
        };
        sameExt(await be.deepCompose(inp), R.naiveDeep(inp), `2^${logHeight}`);
      }
      // A point that no claim names contributes nothing, even where it lies on the domain.
      const columns = [edgyColumn(next, 8)];
      const inp = {
        columns, claimColumn: Uint32Array.of(0), claimPoint: Uint32Array.of(0), values: randomColumn(next, 4),
        points: Uint32Array.from([...randomColumn(next, 4), F.GENERATOR, 0, 0, 0]), gamma: randomColumn(next, 4), logHeight: 3, shift: F.GENERATOR,
      };
      sameExt(await be.deepCompose(inp), R.naiveDeep(inp), "unused point on the domain");
    });

    it("evaluateAtPoints: every column at every point of K equals Horner's rule, sizes 2^0..2^12", async () => {
      const next = rng(10);
      for (const logN of [0, 1, 2, 3, 7, 12]) {
        const cols = Array.from({ length: 5 }, () => edgyColumn(next, 1 << logN));
        const points = randomColumn(next, 12);
        const got = await be.evaluateAtPoints(cols, points);
        const want: number[] = [];
        for (let j = 0; j < 3; j++) for (const c of cols) want.push(...evalBaseAtExt(c, readExt(points, j)));
        assert.deepEqual(Array.from(got), want, `2^${logN}`);
      }
    });

    it("evaluateQuotient: fib-v1 and mix-v1 bytecode agree with the js reference", async () => {
      const js = createJsBackend();
      const next = rng(9);
      for (const air of [fibAir, mixAir]) {
        for (const [logN, logBlowup] of [[2, 1], [3, 2], [6, 3], [8, 1]] as const) {
          const inp = quotientInputs(air, logN, logBlowup, next);
          sameExt(await be.evaluateQuotient(inp), await js.evaluateQuotient(inp), `${air.name} 2^${logN} blowup 2^${logBlowup}`);
        }
      }
    });
  });
}
