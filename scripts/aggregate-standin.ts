/**
 * The stand-in for the aggregation wrap program ("agg-wrap", issue 19) until the recursion side lands it:
 * the recursion program that verifies one fib-v1 poseidon2 proof, `recursionProgram(standinDescriptor())`
 * unchanged (its circuit, tables, constraints and preprocessed wiring), with its statement laid out as the
 * L1 statement of a data batch (src/recursion/aggregate.ts, L1): 193 public values, the program's own 16 at
 * [0, 8) (the key-set root, where the wrap has it) and [19, 27) (its children digest, in the rootOut slot).
 * The other 177 are bound by the proof's transcript only: the stand-in does not check the batch, the data
 * or the joins in its circuit — the real agg-wrap does. It lets the contracts, the generated verifier and
 * the gas be built against the wrap's shape: the four preprocessed tables of the recursion AIR, a keccak
 * proof, 193 public inputs, the proof bound to the submitter.
 *
 * Used by the build (its generated verifier, AggWrapStandinVerifier), the contract tests and bench/aggregate-l1.ts.
 */
import { defineAir, type Air, type AirInstance, airRegistry } from "../src/stark/air/air.js";
import "../src/stark/airs/index.js";
import { proveStark } from "../src/stark/prover.js";
import { decodeProof } from "../src/stark/proof.js";
import { TEST_OPTIONS, type ProofOptions } from "../src/stark/options.js";
import { verificationKey } from "../src/stark/vk.js";
import { digestWords, wordsDigest } from "../src/stark/merkle/hasher.js";
import type { ProverBackend } from "../src/stark/backend.js";
import { Circuit } from "../src/recursion/circuit.js";
import { verifyChildCircuit } from "../src/recursion/verify-circuit.js";
import { hashWires, merklePath } from "../src/recursion/gadgets.js";
import { KeySet, DEFAULT_KEY_SET_DEPTH } from "../src/recursion/keys.js";
import { buildInstance } from "../src/recursion/program.js";
import { RECURSION_PUBLIC_VALUES, WIRE_BUS } from "../src/recursion/air.js";
import { childrenDigest, recursionProgram, type RecursionDescriptor } from "../src/recursion/recurse.js";
import type { MinHeights } from "../src/recursion/program.js";
import { L1, L1_PUBLIC_VALUES } from "../src/recursion/aggregate.js";

export const STANDIN_AIR_NAME = "agg-wrap-standin";
/** The child the stand-in verifies: a fib-v1 poseidon2 proof of 2^5 rows at the test options. */
export const STANDIN_CHILD = { air: "fib-v1", logRows: 5, options: TEST_OPTIONS } as const;
/** Where the program's 16 public values sit in the 193 of the L1 statement. */
export const STANDIN_PUBLIC_MAP: readonly number[] = [...Array.from({ length: 8 }, (_, j) => L1.keySet + j), ...Array.from({ length: 8 }, (_, j) => L1.rootOut + j)];

/** The stand-in's recursion descriptor; `minHeights` pads the program to a taller (the real wrap's) shape. */
export function standinDescriptor(minHeights: MinHeights = {}): RecursionDescriptor {
  return { version: 1, children: [{ air: STANDIN_CHILD.air, options: STANDIN_CHILD.options, logHeights: [STANDIN_CHILD.logRows] }], keySetDepth: DEFAULT_KEY_SET_DEPTH, minHeights };
}

const airs = new Map<string, Air>();

/** The stand-in AIR: the recursion program's tables, its public table binding row j to public input MAP[j]. */
export function standinAir(minHeights: MinHeights = {}): Air {
  const key = JSON.stringify(minHeights);
  const hit = airs.get(key);
  if (hit) return hit;
  const { air: recursion } = recursionProgram(standinDescriptor(minHeights));
  const tables = recursion.tables.map((t) => {
    const { numPublicInputs: _n, ...def } = t.definition;
    if (t.name !== "public") return def;
    return {
      ...def,
      constraints: (g: Parameters<typeof def.constraints>[0]) => {
        const v = g.cur(0);
        let bound = g.constant(0);
        for (let j = 0; j < RECURSION_PUBLIC_VALUES; j++) bound = bound.add(g.preprocessed(2 + j).mul(v.sub(g.publicInput(STANDIN_PUBLIC_MAP[j]!))));
        g.assert(bound, "everyRow");
        g.send(WIRE_BUS, [g.preprocessed(0), v, 0, 0, 0], g.preprocessed(1));
      },
    };
  });
  const air = defineAir({ name: STANDIN_AIR_NAME, version: 1, numPublicInputs: L1_PUBLIC_VALUES, tables });
  airs.set(key, air);
  return air;
}

/** The allowed-key set of the stand-in: the child's key (a function of its AIR, options and height). */
export function standinKeySet(): KeySet {
  const fib = airRegistry.resolve(STANDIN_CHILD.air);
  return new KeySet([verificationKey(fib, "poseidon2", STANDIN_CHILD.options, [STANDIN_CHILD.logRows]).digest]);
}

/** A child proof for the stand-in. */
export interface StandinChild {
  readonly proof: Uint8Array;
  readonly publicInputs: ArrayLike<number>;
  readonly proverAddress: Uint8Array;
}

/** Prove the child: fib-v1 at 2^5 rows (seed picks its start values), poseidon2, the test options. */
export async function proveStandinChild(seed: number, proverAddress: Uint8Array, backend: ProverBackend): Promise<StandinChild> {
  const fib = airRegistry.resolve(STANDIN_CHILD.air);
  const instance = fib.sample!(STANDIN_CHILD.logRows, seed);
  const r = await proveStark({ air: fib, instance, options: STANDIN_CHILD.options, hash: "poseidon2", proverAddress, backend });
  return { proof: r.bytes, publicInputs: instance.publicInputs, proverAddress };
}

/** The values the stand-in's circuit fixes: the key-set root and the children digest (its rootOut), 8 words each. */
export function standinBound(child: StandinChild): { keySetRoot: Uint32Array; rootOut: Uint32Array } {
  const fib = airRegistry.resolve(STANDIN_CHILD.air);
  const vk = verificationKey(fib, "poseidon2", STANDIN_CHILD.options, [STANDIN_CHILD.logRows]).digest;
  return { keySetRoot: digestWords(standinKeySet().root), rootOut: digestWords(childrenDigest([{ vk, publicInputs: child.publicInputs, proverAddress: child.proverAddress }])) };
}

/**
 * The concrete circuit of the stand-in's program: recurse's circuit for one non-recursion child (the key's
 * path into the allowed set, the child's verifier, the children digest as public values 8..15).
 */
function standinCircuit(child: StandinChild, keys: KeySet): Circuit {
  const fib = airRegistry.resolve(STANDIN_CHILD.air);
  const c = new Circuit(false);
  const rootWords = digestWords(keys.root);
  const root = Array.from({ length: 8 }, (_, j) => c.publicValue(j, () => rootWords[j]!));
  const proof = decodeProof(child.proof, fib);
  const shape = { air: fib, options: STANDIN_CHILD.options, logHeights: [STANDIN_CHILD.logRows] };
  const verified = verifyChildCircuit(c, shape, { proof, publicInputs: child.publicInputs, proverAddress: child.proverAddress }, (vk) => {
    const path = () => keys.path(wordsDigest(vk.map((w) => c.value(w)[0]!)));
    const bits = Array.from({ length: keys.depth }, (_, l) => {
      const b = c.witness(() => (path().index >> l) & 1, true);
      c.assertMac(b, b, c.zero, b, "key-set path bit is boolean");
      return b;
    });
    merklePath(c, bits, (l) => digestWords(path().siblings[l]!), root, "child 0: its verification key is in the allowed set");
  });
  const digest = hashWires(c, [...verified.vk, c.constant(verified.publicInputs.length), ...verified.publicInputs, ...verified.address]);
  digest.forEach((w, j) => c.assertEqual(c.publicValue(8 + j, () => c.value(w)[0]!), w, "the children's digest"));
  return c;
}

export interface StandinProof {
  readonly bytes: Uint8Array;
  /** The 193 public inputs: the given statement with the key-set root and rootOut the circuit fixes. */
  readonly publicInputs: Uint32Array;
}

/**
 * Prove the stand-in over `child` in the keccak configuration, bound to `proverAddress` (the submitter),
 * for `statement` (193 words; its key-set root and rootOut are replaced by the values the circuit fixes).
 */
export async function proveStandin(p: {
  child: StandinChild;
  statement: ArrayLike<number>;
  options: ProofOptions;
  proverAddress: Uint8Array;
  backend: ProverBackend;
  minHeights?: MinHeights;
}): Promise<StandinProof> {
  if (p.statement.length !== L1_PUBLIC_VALUES) throw new Error(`the L1 statement has ${L1_PUBLIC_VALUES} words, got ${p.statement.length}`);
  const keys = standinKeySet();
  const c = standinCircuit(p.child, keys);
  const { program } = recursionProgram(standinDescriptor(p.minHeights ?? {}));
  const inst = buildInstance(c, program);
  const publicInputs = Uint32Array.from(p.statement);
  STANDIN_PUBLIC_MAP.forEach((at, j) => (publicInputs[at] = inst.publicInputs[j]!));
  const instance: AirInstance = { ...inst, publicInputs };
  const r = await proveStark({ air: standinAir(p.minHeights ?? {}), instance, options: p.options, hash: "keccak", proverAddress: p.proverAddress, backend: p.backend });
  return { bytes: r.bytes, publicInputs };
}
