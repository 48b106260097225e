/**
 * Recursive statements (docs/recursion.md §6): `recursion-v1` proofs that verify one or two
 * poseidon2 proofs of registered AIRs or of recursion programs.
 *
 * A program is described by a `RecursionDescriptor` (its children's shapes, the key-set depth and the
 * minimum table heights); the circuit, hence the recursion AIR's preprocessed columns and its
 * verification key, is a function of the descriptor alone. Statement (16 public values):
 *   [0, 8)  the allowed-key set's root (a recursion child must carry the same root);
 *   [8, 16) poseidon2Hash(for each child: its key ‖ its public-input count ‖ its public inputs ‖ its
 *           prover address as 10 u16 halves) — the children's statements, committed.
 */
import { airRegistry, type Air } from "../stark/air/air.js";
import { proveStark, type ProveResult } from "../stark/prover.js";
import { verifyStark, type VerifierPolicy, type VerifyResult } from "../stark/verifier.js";
import { decodeProof, type StarkProof } from "../stark/proof.js";
import { verificationKey, verificationKeyWith } from "../stark/vk.js";
import { digestWords, wordsDigest } from "../stark/merkle/hasher.js";
import { poseidon2Hash } from "../stark/hash/poseidon2.js";
import { bytesEqual, toHex } from "../stark/hash/keccak.js";
import { StarkError } from "../stark/errors.js";
import type { ProofOptions } from "../stark/options.js";
import type { HashConfig } from "../stark/hash/config.js";
import type { ProverBackend } from "../stark/backend.js";
import { Circuit, type Wire } from "./circuit.js";
import { compileProgram, buildInstance, type MinHeights, type Program } from "./program.js";
import { recursionAir, RECURSION_PUBLIC_VALUES } from "./air.js";
import { verifyChildCircuit, checkChildShape, type ChildShape } from "./verify-circuit.js";
import { hashWires, merklePath } from "./gadgets.js";
import { KeySet, DEFAULT_KEY_SET_DEPTH } from "./keys.js";
import { AGG_PUBLIC_VALUES, L1_PUBLIC_VALUES, buildJoin, buildLeaf, buildWrap, type SegmentLayout } from "./aggregate.js";
import { bytesToHalves } from "../stark/vk.js";
import { RecursionError } from "./errors.js";

export const RECURSION_AIR_NAME = "recursion-v1";

export interface ChildDescriptor {
  /** A registered AIR's name, or "recursion-v1". */
  readonly air: string;
  readonly options: ProofOptions;
  readonly logHeights: readonly number[];
  /** A recursion child's public-value count (default RECURSION_PUBLIC_VALUES). */
  readonly publicValues?: number;
}

export interface RecursionDescriptor {
  readonly version: 1;
  /**
   * The program: "generic" (default; the 16-value statement of §6), or an aggregation leaf or join
   * (aggregate.ts; 48 public values). A leaf names where its segment AIR keeps the statement fields.
   */
  readonly kind?: "generic" | "agg-leaf" | "agg-join" | "agg-wrap";
  readonly segmentLayout?: SegmentLayout;
  readonly children: readonly ChildDescriptor[];
  readonly keySetDepth: number;
  readonly minHeights: MinHeights;
}

/** A child to verify: its AIR (a recursion child: the AIR of its own program), proof and statement. */
export interface ChildInput {
  readonly air: Air;
  readonly proof: Uint8Array;
  readonly publicInputs: ArrayLike<number>;
  readonly proverAddress: Uint8Array;
}

/** The shape-only recursion AIR of given heights (what a parent circuit needs of a recursion child). */
export function recursionShapeAir(logHeights: readonly number[], numPublicValues = RECURSION_PUBLIC_VALUES): Air {
  const [inputs, pub, alu, poseidon2] = logHeights as [number, number, number, number];
  const shape: Program = {
    logHeights: { inputs, public: pub, alu, poseidon2 },
    numPublicValues,
    rows: { inputs: 0, public: 0, alu: 0, poseidon2: 0 },
    numWires: 0,
    preprocessed: () => {
      throw new RecursionError("CIRCUIT", "a shape-only recursion AIR has no preprocessed columns");
    },
  };
  return recursionAir(shape);
}

export function childAir(d: ChildDescriptor): Air {
  if (d.air === RECURSION_AIR_NAME) return recursionShapeAir(d.logHeights, d.publicValues);
  return airRegistry.resolve(d.air);
}

/** The descriptor of a program verifying these children (their shapes read from their proofs). */
export function describe(children: readonly { air: Air; proof: StarkProof }[], opts: { keySetDepth?: number; minHeights?: MinHeights } = {}): RecursionDescriptor {
  if (children.length < 1 || children.length > 2) throw new RecursionError("CHILD_REFUSED", `a recursion statement verifies one or two proofs, not ${children.length}`);
  return {
    version: 1,
    children: children.map((ch) => ({
      air: ch.air.name, options: ch.proof.options, logHeights: [...ch.proof.logHeights],
      ...(ch.air.name === RECURSION_AIR_NAME && ch.air.numPublicInputs !== RECURSION_PUBLIC_VALUES ? { publicValues: ch.air.numPublicInputs } : {}),
    })),
    keySetDepth: opts.keySetDepth ?? DEFAULT_KEY_SET_DEPTH,
    minHeights: opts.minHeights ?? {},
  };
}

/** The circuit of a descriptor; concrete when `inputs` are given. */
function buildCircuit(c: Circuit, desc: RecursionDescriptor, inputs: { children: readonly ChildInput[]; proofs: readonly StarkProof[]; keys: KeySet; joinProvers?: readonly Uint8Array[] } | null): void {
  if (desc.kind === "agg-wrap") {
    if (desc.children.length !== 1) throw new RecursionError("CIRCUIT", "the wrap verifies the top of one tree");
    const ch = inputs?.children[0];
    const shape: ChildShape = { air: ch ? ch.air : childAir(desc.children[0]!), options: desc.children[0]!.options, logHeights: desc.children[0]!.logHeights };
    const input = ch ? { air: ch.air, proof: inputs!.proofs[0]!, publicInputs: ch.publicInputs, proverAddress: ch.proverAddress, joinProvers: inputs!.joinProvers ?? [] } : null;
    buildWrap(c, shape, desc.keySetDepth, input, inputs?.keys ?? null);
    return;
  }
  if (desc.kind === "agg-leaf" || desc.kind === "agg-join") {
    const shapes = desc.children.map((d, i): ChildShape => ({ air: inputs ? inputs.children[i]!.air : childAir(d), options: d.options, logHeights: d.logHeights }));
    const agg = inputs ? inputs.children.map((ch, i) => ({ air: ch.air, proof: inputs.proofs[i]!, publicInputs: ch.publicInputs, proverAddress: ch.proverAddress })) : null;
    if (desc.kind === "agg-leaf") {
      if (!desc.segmentLayout || desc.children.length !== 1) throw new RecursionError("CIRCUIT", "an aggregation leaf verifies one segment and needs its layout");
      buildLeaf(c, shapes[0]!, desc.segmentLayout, desc.keySetDepth, agg ? agg[0]! : null, inputs?.keys ?? null);
    } else {
      if (desc.children.length !== 2) throw new RecursionError("CIRCUIT", "a join verifies two statements");
      buildJoin(c, [shapes[0]!, shapes[1]!], desc.keySetDepth, agg ? [agg[0]!, agg[1]!] : null, inputs?.keys ?? null);
    }
    return;
  }
  const keys = inputs?.keys;
  const rootBytes = keys ? digestWords(keys.root) : null;
  const root = Array.from({ length: 8 }, (_, j) => c.publicValue(j, () => rootBytes![j]!));
  const infos: Wire[] = [];
  desc.children.forEach((d, i) => {
    const input = inputs?.children[i];
    const shape: ChildShape = { air: input ? input.air : childAir(d), options: d.options, logHeights: d.logHeights };
    const data = input ? { proof: inputs!.proofs[i]!, publicInputs: input.publicInputs, proverAddress: input.proverAddress } : null;
    const child = verifyChildCircuit(c, shape, data, (vk) => {
      const path = () => keys!.path(wordsDigest(vk.map((w) => c.value(w)[0]!)));
      const bits = Array.from({ length: desc.keySetDepth }, (_, l) => {
        const b = c.witness(() => (path().index >> l) & 1, true);
        c.assertMac(b, b, c.zero, b, "key-set path bit is boolean");
        return b;
      });
      merklePath(c, bits, (l) => digestWords(path().siblings[l]!), root, `child ${i}: its verification key is in the allowed set`);
    });
    if (d.air === RECURSION_AIR_NAME) {
      for (let j = 0; j < 8; j++) c.assertEqual(child.publicInputs[j]!, root[j]!, `child ${i}: a recursion child carries the same key set`);
    }
    infos.push(...child.vk, c.constant(child.publicInputs.length), ...child.publicInputs, ...child.address);
  });
  const digest = hashWires(c, infos);
  digest.forEach((w, j) => c.assertEqual(c.publicValue(8 + j, () => c.value(w)[0]!), w, "the children's digest"));
}

interface Compiled {
  readonly program: Program;
  readonly air: Air;
}
const compiled = new Map<string, Compiled>();

/** The program and recursion AIR of a descriptor (built symbolically, cached). */
export function recursionProgram(desc: RecursionDescriptor): Compiled {
  const key = JSON.stringify(desc);
  const hit = compiled.get(key);
  if (hit) return hit;
  for (const d of desc.children) checkChildShape({ air: childAir(d), options: d.options, logHeights: d.logHeights });
  const c = new Circuit(true);
  buildCircuit(c, desc, null);
  const program = compileProgram(c, desc.minHeights, desc.kind === "agg-wrap" ? L1_PUBLIC_VALUES : isAggregation(desc) ? AGG_PUBLIC_VALUES : RECURSION_PUBLIC_VALUES);
  const out = { program, air: recursionAir(program) };
  compiled.set(key, out);
  return out;
}

function isAggregation(desc: RecursionDescriptor): boolean {
  return desc.kind === "agg-leaf" || desc.kind === "agg-join";
}

export function programHeights(program: Program): number[] {
  const h = program.logHeights;
  return [h.inputs, h.public, h.alu, h.poseidon2];
}

/**
 * The verification key of a descriptor's program in a hash configuration (a poseidon2 key is what an
 * allowed set lists). With a backend, the preprocessed commitments run on its kernels (and land in the
 * verifier's cache).
 */
export async function recursionKey(desc: RecursionDescriptor, options: ProofOptions, hash: HashConfig = "poseidon2", backend?: ProverBackend): Promise<Uint8Array> {
  const { air, program } = recursionProgram(desc);
  const heights = programHeights(program);
  return (backend ? await verificationKeyWith(air, hash, options, heights, backend) : verificationKey(air, hash, options, heights)).digest;
}

/** The key of a child proof as the verifier derives it (with a backend: on its kernels, cached). */
export async function childKey(child: { air: Air; proof: StarkProof }, backend?: ProverBackend): Promise<Uint8Array> {
  const { hash, options, logHeights } = child.proof;
  return (backend ? await verificationKeyWith(child.air, hash, options, logHeights, backend) : verificationKey(child.air, hash, options, logHeights)).digest;
}

/** The statement's children digest, natively, from the children's keys and statements. */
export function childrenDigest(children: readonly { vk: Uint8Array; publicInputs: ArrayLike<number>; proverAddress: Uint8Array }[]): Uint8Array {
  const words: number[] = [];
  for (const ch of children) words.push(...digestWords(ch.vk), ch.publicInputs.length, ...Array.from(ch.publicInputs), ...bytesToHalves(ch.proverAddress));
  return wordsDigest(poseidon2Hash(words));
}

export interface RecurseParams {
  /** The program (default: the generic statement over the children's shapes). */
  readonly program?: Pick<RecursionDescriptor, "kind" | "segmentLayout">;
  /** The wrap: the join provers' addresses of the tree in pre-order. */
  readonly joinProvers?: readonly Uint8Array[];
  readonly children: readonly ChildInput[];
  readonly keys: KeySet;
  /** Options and hash of the recursion proof itself (keccak for L1). */
  readonly options: ProofOptions;
  readonly hash: HashConfig;
  readonly proverAddress: Uint8Array;
  readonly backend: ProverBackend;
  readonly minHeights?: MinHeights;
  /** Verify the children natively first and refuse on failure (default true; tests force false). */
  readonly check?: boolean;
  readonly signal?: AbortSignal;
}

export interface RecurseResult extends ProveResult {
  readonly descriptor: RecursionDescriptor;
  readonly publicValues: Uint32Array;
}

/**
 * Prove a recursion statement over one or two children. Each child is verified natively first: an
 * invalid child is refused with CHILD_REFUSED naming the check that failed; so is a key outside the
 * set, and a recursion child whose key set is another one.
 */
export async function recurse(p: RecurseParams): Promise<RecurseResult> {
  const check = p.check ?? true;
  const proofs = p.children.map((ch) => {
    try {
      return decodeProof(ch.proof, ch.air);
    } catch (err) {
      throw refused(0, err);
    }
  });
  proofs.forEach(checkRecursable);
  const desc: RecursionDescriptor = {
    ...describe(p.children.map((ch, i) => ({ air: ch.air, proof: proofs[i]! })), { keySetDepth: p.keys.depth, ...(p.minHeights ? { minHeights: p.minHeights } : {}) }),
    ...(p.program ?? {}),
  };
  const keys = await Promise.all(p.children.map((ch, i) => childKey({ air: ch.air, proof: proofs[i]! }, p.backend)));
  if (check) {
    p.children.forEach((ch, i) => {
      try {
        verifyStark({ air: ch.air, proof: ch.proof, publicInputs: ch.publicInputs, publicColumns: [], proverAddress: ch.proverAddress, policy: { minSecurityBits: 0 } });
      } catch (err) {
        throw refused(i, err);
      }
      const vk = keys[i]!;
      if (!p.keys.has(vk)) throw new RecursionError("CHILD_REFUSED", `child ${i}: its verification key ${toHex(vk)} is not in the allowed set`);
      if (ch.air.name === RECURSION_AIR_NAME && !bytesEqual(wordsDigest(Array.from(ch.publicInputs).slice(0, 8)), p.keys.root)) {
        // Both statement layouts keep the key-set root in public values 0..7.
        throw new RecursionError("CHILD_REFUSED", `child ${i}: a recursion proof over another key set`);
      }
    });
  }
  const { program, air } = recursionProgram(desc);
  await verificationKeyWith(air, p.hash, p.options, programHeights(program), p.backend);
  const c = new Circuit(false, !check);
  buildCircuit(c, desc, { children: p.children, proofs, keys: p.keys, ...(p.joinProvers ? { joinProvers: p.joinProvers } : {}) });
  const instance = buildInstance(c, program);
  const result = await proveStark({
    air, instance, options: p.options, hash: p.hash, proverAddress: p.proverAddress, backend: p.backend, checkConstraints: check,
    ...(p.signal ? { signal: p.signal } : {}),
  });
  return { ...result, descriptor: desc, publicValues: instance.publicInputs };
}

/** Refuse a child the recursive verifier cannot take (only poseidon2 proofs). */
export function checkRecursable(proof: StarkProof, i: number): void {
  if (proof.hash !== "poseidon2") throw new RecursionError("CHILD_REFUSED", `child ${i}: a ${proof.hash} proof (the recursive verifier takes poseidon2 proofs)`);
}

function refused(i: number, err: unknown): RecursionError {
  const detail = err instanceof StarkError && err.type.code === "VERIFY_FAILED" ? `${err.type.check}: ${err.type.detail}` : err instanceof Error ? err.message : String(err);
  return new RecursionError("CHILD_REFUSED", `child ${i} is invalid: ${detail}`);
}

/** Verify a recursion proof against the program of its descriptor. */
export function verifyRecursion(p: { descriptor: RecursionDescriptor; proof: Uint8Array; publicValues: ArrayLike<number>; proverAddress: Uint8Array; policy?: VerifierPolicy }): VerifyResult {
  const { air } = recursionProgram(p.descriptor);
  if (p.publicValues.length !== air.numPublicInputs) throw new RecursionError("CHILD_REFUSED", `this recursion statement has ${air.numPublicInputs} public values, not ${p.publicValues.length}`);
  return verifyStark({ air, proof: p.proof, publicInputs: p.publicValues, publicColumns: [], proverAddress: p.proverAddress, ...(p.policy ? { policy: p.policy } : {}) });
}
