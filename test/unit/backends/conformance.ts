/**
 * The conformance suite every ProverBackend runs (js, wasm, later cuda): each operation against the
 * naive definitions in reference.ts, on random inputs and on edge values (0, 1, p − 1), for every
 * small power-of-two size; larger sizes are compared with the js backend in the backend's own file.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as F from "../../../src/stark/field/babybear.js";
import { residentColumns, type Column, type ExtColumns, type ProverBackend } from "../../../src/backends/interface.js";
import { createJsBackend } from "../../../src/backends/js/index.js";
import { fibAir, mixAir } from "../../../src/stark/airs/index.js";
import { defineAir, type Air } from "../../../src/stark/air/air.js";
import { tablePrograms } from "../../../src/stark/air/programs.js";
import { buildAuxTrace, type TableRows } from "../../../src/stark/air/lookup-trace.js";
import { assertTableConstraints } from "../../../src/stark/prover.js";
import { extPowers } from "../../../src/stark/deep.js";
import { StarkError } from "../../../src/stark/errors.js";
import { flattenExt, fromBase, subE, type Ext } from "../../../src/stark/field/extension.js";
import * as R from "./reference.js";
import { evalBaseAtExt } from "../../../src/stark/poly/eval.js";
import { readExt, addE, mulE } from "../../../src/stark/field/extension.js";
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

/**
 * A table with a constraint of every selector and a public column, so the pre-check's rule of which
 * rows a constraint applies to is exercised: col 0 counts up from π_0 to π_1, col 1 is a bit, col 2
 * equals the public column.
 */
export const checkAir = defineAir({
  name: "conformance-check",
  version: 1,
  numPublicInputs: 2,
  numPublicColumns: 1,
  width: 3,
  constraints(g) {
    g.assert(g.cur(0).sub(g.publicInput(0)), "firstRow");
    g.assert(g.cur(0).sub(g.publicInput(1)), "lastRow");
    g.assert(g.next(0).sub(g.cur(0)).sub(1), "transition");
    g.assert(g.cur(1).mul(g.cur(1).sub(1)), "everyRow");
    g.assert(g.cur(2).sub(g.publicColumn(0)), "everyRow");
  },
});

/** A valid trace of checkAir with 2^logN rows: [columns, public inputs, public column]. */
export function checkTrace(logN: number, next: () => number): { trace: Uint32Array[]; publicInputs: Uint32Array; publicColumn: Uint32Array } {
  const n = 1 << logN;
  const start = F.randomElement(next);
  const c0 = Uint32Array.from({ length: n }, (_, r) => F.add(start, r));
  const c1 = Uint32Array.from({ length: n }, () => next() & 1);
  const pub = edgyColumn(next, n);
  return { trace: [c0, c1, pub.slice()], publicInputs: Uint32Array.of(start, c0[n - 1]!), publicColumn: pub };
}

/**
 * A table whose interactions read every kind of leaf (next row, preprocessed, public input and column,
 * constants) in tuples of 1–3 values, sends and receives, multiplicities that are expressions, cut into
 * helpers of 2: LogUp's program against the reference buildAuxTrace.
 */
export const logUpAir = defineAir({
  name: "conformance-logup",
  version: 1,
  numPublicInputs: 1,
  numPublicColumns: 1,
  width: 4,
  numPreprocessed: 1,
  preprocessed: (logRows) => [Uint32Array.from({ length: 2 ** logRows }, (_, r) => (r * 7) % 11)],
  lookupBatch: 2,
  constraints(g) {
    g.assert(g.cur(0).mul(g.cur(1)).sub(g.cur(2)).sub(g.cur(3)), "everyRow"); // anything: the columns are what is tested
    g.send(7, [g.cur(0)]);
    g.send(7, [g.next(1).mul(g.cur(2)).add(g.publicColumnNext(0)), g.preprocessed(0), 5], g.cur(3));
    g.receive(7, [g.cur(1), g.publicInput(0).mul(g.preprocessedNext(0))], g.cur(0).add(1));
    g.receive(9, [g.publicColumn(0), g.cur(3)]);
    g.send(9, [g.cur(2)], 3);
  },
});

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

    it("interpolateCoset: evaluations over shift·<w_n> -> coefficients, sizes 2^0..2^7, batched", async () => {
      const next = rng(15);
      for (const shift of [F.GENERATOR, 7, 1]) {
        const coeffs = Array.from({ length: 8 }, (_, k) => edgyColumn(next, 1 << k));
        const cols = coeffs.map((c) => R.naiveCoset(c, 0, shift));
        await be.interpolateCoset(cols, shift);
        cols.forEach((c, i) => sameWords(c, coeffs[i]!, `shift ${shift}, n = ${c.length}`));
      }
    });

    it("resident matrices: upload, interpolate in place, extend, read rows, download; the same values as on host arrays", async () => {
      const next = rng(16);
      for (const [logN, width, logBlowup] of [[0, 1, 2], [3, 5, 1], [6, 3, 3], [10, 2, 2]] as const) {
        const evals = Array.from({ length: width }, () => edgyColumn(next, 1 << logN));
        const m = await be.upload(evals);
        assert.equal(m.width, width);
        assert.equal(m.height, 1 << logN);
        (await be.download(m)).forEach((c, i) => sameWords(c, evals[i]!, `2^${logN} download ${i}`));
        await be.interpolateResident(m);
        const coeffs = evals.map(R.naiveInterpolate);
        (await be.download(m)).forEach((c, i) => sameWords(c, coeffs[i]!, `2^${logN} interpolated ${i}`));
        const lde = await be.extend(m, logBlowup, F.GENERATOR);
        assert.equal(lde.height, 1 << (logN + logBlowup));
        const want = coeffs.map((c) => R.naiveCoset(c, logBlowup, F.GENERATOR));
        (await be.download(lde)).forEach((c, i) => sameWords(c, want[i]!, `2^${logN} extended ${i}`));
        // rows of resident and host columns side by side
        const host = edgyColumn(next, lde.height);
        const rows = [0, lde.height - 1, Math.floor(lde.height / 3)].filter((r, i, a) => a.indexOf(r) === i);
        const cols: Column[] = [...residentColumns(lde), host, { matrix: lde, index: 0 }];
        const got = await be.readRows(cols, rows);
        const expect = rows.flatMap((r) => [...want.map((c) => c[r]!), host[r]!, want[0]![r]!]);
        sameWords(got, expect, `2^${logN} readRows`);
        await be.release(lde);
        await be.release(m);
        await be.release(m); // a second release is a no-op
        await assert.rejects(be.download(m), RangeError, "a released matrix is refused");
      }
    });

    it("upload: refuses a word that is not a field element, naming it; a matrix of another backend is refused", async () => {
      const next = rng(17);
      const cols = Array.from({ length: 3 }, () => randomColumn(next, 64));
      cols[2]![17] = F.P;
      await assert.rejects(be.upload(cols), (e: Error) => e instanceof RangeError && e.message === `upload: column 2, row 17 holds ${F.P}, not a canonical BabyBear element`);
      await assert.rejects(be.upload([new Uint32Array(4), new Uint32Array(8)]), RangeError);
      const foreign = { width: 1, height: 4 };
      await assert.rejects(be.readRows([{ matrix: foreign, index: 0 }], [0]), RangeError);
    });

    it("commitTree: the same levels as merkleCommit, readable while later jobs run, until releaseTree", async () => {
      const next = rng(24);
      for (const hash of ["keccak", "poseidon2"] as const) {
        for (const [logH, width, arity] of [[0, 1, 1], [5, 3, 2], [11, 4, 8]] as const) {
          const cols = Array.from({ length: width }, () => edgyColumn(next, 1 << logH));
          const kept = await be.commitTree(cols, arity, hash);
          const other = await be.commitTree([edgyColumn(next, 1 << logH)], 1, hash); // another job's memory
          await be.evaluateOnCoset(cols, 2, F.GENERATOR);
          const want = await be.merkleCommit(cols, arity, hash);
          assert.equal(kept.levels.length, want.levels.length);
          kept.levels.forEach((l, i) => sameWords(l, want.levels[i]!, `${hash} 2^${logH} × ${width} / ${arity} level ${i}`));
          await be.releaseTree(other);
          await be.releaseTree(kept);
          await be.releaseTree(kept); // a second release is a no-op
        }
      }
    });

    it("merkleCommit, evaluateAtPoints and deepCompose read resident columns as they read host arrays", async () => {
      const next = rng(18);
      const cols = Array.from({ length: 5 }, () => edgyColumn(next, 1 << 9));
      const m = await be.upload(cols.slice(0, 3));
      const mixed: Column[] = [{ matrix: m, index: 2 }, cols[3]!, ...residentColumns(m, 0, 2), cols[4]!];
      const plain = [cols[2]!, cols[3]!, cols[0]!, cols[1]!, cols[4]!];
      for (const hash of ["keccak", "poseidon2"] as const) {
        for (const arity of [1, 4]) {
          const a = await be.merkleCommit(mixed, arity, hash);
          const b = await be.merkleCommit(plain, arity, hash);
          a.levels.forEach((l, i) => sameWords(l, b.levels[i]!, `${hash} arity ${arity} level ${i}`));
          if (hash === "keccak") R.naiveMerkle(plain, arity).forEach((l, i) => sameWords(a.levels[i]!, l, `keccak arity ${arity} level ${i} (naive)`));
        }
      }
      const points = randomColumn(next, 8);
      const got = await be.evaluateAtPoints(mixed, points);
      const want: number[] = [];
      for (let j = 0; j < 2; j++) for (const c of plain) want.push(...evalBaseAtExt(c, readExt(points, j)));
      sameWords(got, want, "evaluateAtPoints");
      const claims = {
        claimColumn: Uint32Array.from([0, 1, 2, 3, 4, 0, 2]), claimPoint: Uint32Array.from([0, 0, 0, 0, 0, 1, 1]),
        values: randomColumn(next, 28), points: randomColumn(next, 8), gamma: randomColumn(next, 4), logHeight: 9, shift: F.GENERATOR,
      };
      sameExt(await be.deepCompose({ columns: mixed, ...claims }), R.naiveDeep({ columns: plain, ...claims }), "deepCompose");
      await be.release(m);
    });

    it("evaluateQuotient on the quotient domain: every q ≤ logBlowup gives the full-domain values at stride 2^(b − q), host or resident columns", async () => {
      const js = createJsBackend();
      const next = rng(19);
      for (const air of [fibAir, mixAir]) {
        for (const [logN, logBlowup] of [[2, 2], [5, 3], [7, 1]] as const) {
          const inp = quotientInputs(air, logN, logBlowup, next);
          const full = await js.evaluateQuotient(inp);
          const resident = await be.upload(inp.trace);
          for (let q = 0; q <= logBlowup; q++) {
            for (const trace of [inp.trace, residentColumns(resident)]) {
              const got = await be.evaluateQuotient({ ...inp, trace, logQuotientBlowup: q });
              const stride = 1 << (logBlowup - q);
              const want = full.map((c) => c.filter((_, i) => i % stride === 0)) as ExtColumns;
              sameExt(got, want, `${air.name} 2^${logN} blowup 2^${logBlowup} q = ${q}`);
            }
          }
          await be.release(resident);
        }
      }
      await assert.rejects(be.evaluateQuotient({ ...quotientInputs(fibAir, 2, 1, next), logQuotientBlowup: 2 }), RangeError);
    });

    it("firstConstraintViolation: −1 on a valid trace, else the first row where a constraint applies and fails (every selector, the wrap ignored)", async () => {
      const next = rng(20);
      const t = checkAir.tables[0]!;
      const { check } = tablePrograms(t);
      for (const logN of [2, 3, 9]) {
        const n = 1 << logN;
        const base = checkTrace(logN, next);
        const cases: [string, (c: Uint32Array[]) => void][] = [
          ["valid", () => undefined],
          ["not a bit in the middle", (c) => (c[1]![n >> 1] = 2)],
          ["not a bit at the last row", (c) => (c[1]![n - 1] = F.P - 1)],
          ["first row", (c) => (c[0]![0] = F.add(c[0]![0]!, 5))],
          ["last row only", (c) => (c[0]![n - 1] = F.add(c[0]![n - 1]!, 1))],
          ["public column", (c) => (c[2]![1] = F.add(c[2]![1]!, 1))],
        ];
        for (const [what, edit] of cases) {
          const trace = base.trace.map((c) => c.slice());
          edit(trace);
          const rows: TableRows = { table: t, main: trace, pre: [], publicInputs: base.publicInputs, publicColumns: [base.publicColumn] };
          let expected = -1;
          try {
            assertTableConstraints(rows);
          } catch (e) {
            if (!(e instanceof StarkError) || e.type.code !== "CONSTRAINT_VIOLATED") throw e;
            expected = e.type.row;
          }
          if (what === "valid") assert.equal(expected, -1);
          const resident = await be.upload(trace);
          for (const cols of [trace, residentColumns(resident)]) {
            const got = await be.firstConstraintViolation({ bytecode: check!, trace: cols, publicColumns: [base.publicColumn], publicInputs: base.publicInputs });
            assert.equal(got, expected, `2^${logN} ${what}`);
          }
          await be.release(resident);
        }
      }
      // the sample traces of the repository's AIRs pass
      for (const air of [fibAir, mixAir]) {
        const inst = air.sample(6, 3);
        const got = await be.firstConstraintViolation({ bytecode: tablePrograms(air.tables[0]!).check!, trace: inst.trace, publicColumns: inst.publicColumns, publicInputs: inst.publicInputs });
        assert.equal(got, -1, air.name);
      }
    });

    it("logUpAux: helper and running-sum columns and the terminal equal buildAuxTrace; a vanishing denominator is refused naming its row", async () => {
      const next = rng(21);
      const t = logUpAir.tables[0]!;
      const { logUp, maxTuple } = tablePrograms(t);
      for (const logN of [2, 5, 8]) {
        const n = 1 << logN;
        const main = Array.from({ length: 4 }, () => edgyColumn(next, n));
        const pre = t.preprocessedColumns(logN);
        const pubCol = edgyColumn(next, n);
        const publicInputs = randomColumn(next, 1);
        const lambda = readExt(randomColumn(next, 4), 0), mu = readExt(randomColumn(next, 4), 0);
        const rows: TableRows = { table: t, main, pre, publicInputs, publicColumns: [pubCol] };
        const ref = buildAuxTrace(rows, lambda, mu);
        const inputs = (l: Ext) => ({
          program: logUp!, trace: [...main, ...pre] as Column[], publicColumns: [pubCol] as Column[], publicInputs,
          weights: flattenExt(extPowers(mu, maxTuple + 1)), offsets: flattenExt(t.interactions.map((it) => subE(l, fromBase(it.bus)))),
          sends: Uint8Array.from(t.interactions, (it) => (it.kind === "send" ? 1 : 0)), batch: t.lookupBatch,
        });
        const got = await be.logUpAux(inputs(lambda));
        assert.equal(got.columns.length, ref.columns.length);
        got.columns.forEach((c, i) => sameWords(c, ref.columns[i]!, `2^${logN} aux column ${i}`));
        sameWords(got.terminal, ref.terminal, `2^${logN} terminal`);
        // resident trace columns give the same
        const resident = await be.upload([...main, ...pre]);
        const again = await be.logUpAux({ ...inputs(lambda), trace: residentColumns(resident) });
        sameWords(again.terminal, ref.terminal, `2^${logN} terminal (resident)`);
        await be.release(resident);
        // λ equal to interaction 0's fingerprint 7 + μ·v at a row where column 0 holds v: d_0 = 0 there
        const v = main[0]![n - 1 - (next() % n)]!;
        const phi: Ext = [F.add(7, F.mul(mu[0], v)), F.mul(mu[1], v), F.mul(mu[2], v), F.mul(mu[3], v)];
        await assert.rejects(be.logUpAux(inputs(phi)), (e: Error) => {
          const m = /^logUpAux: a denominator vanished at row (\d+)$/.exec(e.message);
          return e instanceof RangeError && m !== null && main[0]![Number(m[1])] === v;
        });
      }
    });

    it("linearCombination: Σ_k w_k·col_k in K over host and resident columns; deepCompose with explicit claim weights", async () => {
      const next = rng(23);
      for (const n of [1, 2, 4, 300, 1024]) {
        const cols = Array.from({ length: 6 }, () => edgyColumn(next, n));
        const m = await be.upload(cols.slice(0, 3));
        const mixed: Column[] = [...residentColumns(m), ...cols.slice(3)];
        const weights = edgyColumn(next, 4 * cols.length);
        const got = await be.linearCombination(mixed, weights);
        assert.equal(got.width, 4);
        assert.equal(got.height, n);
        const out = await be.download(got);
        for (let i = 0; i < n; i++) {
          let want: Ext = [0, 0, 0, 0];
          cols.forEach((c, k) => (want = addE(want, mulE(readExt(weights, k), [c[i]!, 0, 0, 0]))));
          for (let e = 0; e < 4; e++) assert.equal(out[e]![i], want[e], `n = ${n} row ${i} coordinate ${e}`);
        }
        await be.release(got);
        await be.release(m);
      }
      const columns = Array.from({ length: 4 }, () => edgyColumn(next, 1 << 6));
      const inp = {
        columns, claimColumn: Uint32Array.from([0, 1, 2, 3, 1]), claimPoint: Uint32Array.from([0, 0, 1, 1, 1]), values: randomColumn(next, 20),
        points: randomColumn(next, 8), gamma: randomColumn(next, 4), weights: edgyColumn(next, 20), logHeight: 6, shift: F.GENERATOR,
      };
      sameExt(await be.deepCompose(inp), R.naiveDeep(inp), "explicit weights");
    });

    it("addScaledExt: a + c·b in K", async () => {
      const next = rng(22);
      for (const n of [1, 4, 7, 1024]) {
        const a = extColumns(next, n), b = extColumns(next, n), c = randomColumn(next, 4);
        const got = await be.addScaledExt(a, b, c);
        const k = readExt(c, 0);
        for (let i = 0; i < n; i++) {
          const want = addE([a[0][i]!, a[1][i]!, a[2][i]!, a[3][i]!], mulE(k, [b[0][i]!, b[1][i]!, b[2][i]!, b[3][i]!]));
          for (let e = 0; e < 4; e++) assert.equal(got[e]![i], want[e], `n = ${n} index ${i}`);
        }
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
