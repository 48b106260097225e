/**
 * Aggregation statements (docs/recursion.md §7): the leaf and join programs of a batch's proof tree.
 *
 * A leaf verifies one segment proof and exposes its statement in the aggregation layout; a join
 * verifies two aggregation statements (leaves or joins, of one canonical recursion shape) and exposes
 * their union, checking continuity. Statement (AGG_PUBLIC_VALUES public values):
 *   [0,8) key-set root · 8, 9 batch id (lo30, hi30) · 10, 11 first and last segment (inclusive) ·
 *   [12,20) rootIn · [20,28) rootOut · [28,36) txRoot · [36,44) provers digest · 44 kind (1 leaf, 2 join) ·
 *   45 transaction count · 46, 47 zero.
 * txRoot: a leaf's is its segment's txCommitment; a join's is poseidon2Hash(left.txRoot ‖ right.txRoot).
 * provers digest: a leaf's is zero; a join's is poseidon2Hash(left.pd ‖ addr(left) ‖ right.pd ‖ addr(right)),
 * addr(X) being X's prover address (10 u16 halves) when X is a join, else zero — every join prover
 * of the subtree, committed in tree order, so the wrap can pay them.
 */
import { digestWords, wordsDigest } from "../stark/merkle/hasher.js";
import { poseidon2Hash } from "../stark/hash/poseidon2.js";
import { bytesToHalves } from "../stark/vk.js";
import type { Air } from "../stark/air/air.js";
import type { StarkProof } from "../stark/proof.js";
import type { ProofOptions } from "../stark/options.js";
import type { Circuit, Wire } from "./circuit.js";
import { verifyChildCircuit, type ChildShape } from "./verify-circuit.js";
import { hashWires, merklePath } from "./gadgets.js";
import type { KeySet } from "./keys.js";

export const AGG_PUBLIC_VALUES = 48;
export const AGG = { keySet: 0, batchLo: 8, batchHi: 9, first: 10, last: 11, rootIn: 12, rootOut: 20, txRoot: 28, provers: 36, kind: 44, txCount: 45 } as const;
export const KIND_LEAF = 1;
export const KIND_JOIN = 2;

/** Where a segment AIR keeps the statement fields among its public inputs. */
export interface SegmentLayout {
  readonly batchLo: number;
  readonly batchHi: number;
  readonly segmentIndex: number;
  readonly rootIn: number;
  readonly rootOut: number;
  readonly txCount: number;
  readonly txCommitment: number;
}

/** An aggregation statement natively. */
export interface AggStatement {
  readonly keySetRoot: Uint8Array;
  readonly batchId: bigint;
  readonly first: number;
  readonly last: number;
  readonly rootIn: readonly number[];
  readonly rootOut: readonly number[];
  readonly txRoot: readonly number[];
  readonly provers: readonly number[];
  readonly kind: number;
  readonly txCount: number;
}

export function encodeAggStatement(s: AggStatement): Uint32Array {
  const v = new Uint32Array(AGG_PUBLIC_VALUES);
  v.set(digestWords(s.keySetRoot), AGG.keySet);
  v[AGG.batchLo] = Number(s.batchId & 0x3fffffffn);
  v[AGG.batchHi] = Number((s.batchId >> 30n) & 0x3fffffffn);
  v[AGG.first] = s.first;
  v[AGG.last] = s.last;
  v.set(s.rootIn, AGG.rootIn);
  v.set(s.rootOut, AGG.rootOut);
  v.set(s.txRoot, AGG.txRoot);
  v.set(s.provers, AGG.provers);
  v[AGG.kind] = s.kind;
  v[AGG.txCount] = s.txCount;
  return v;
}

export function decodeAggStatement(v: ArrayLike<number>): AggStatement {
  const at = (i: number, n: number) => Array.from({ length: n }, (_, k) => v[i + k]!);
  return {
    keySetRoot: wordsDigest(at(AGG.keySet, 8)),
    batchId: BigInt(v[AGG.batchLo]!) | (BigInt(v[AGG.batchHi]!) << 30n),
    first: v[AGG.first]!,
    last: v[AGG.last]!,
    rootIn: at(AGG.rootIn, 8),
    rootOut: at(AGG.rootOut, 8),
    txRoot: at(AGG.txRoot, 8),
    provers: at(AGG.provers, 8),
    kind: v[AGG.kind]!,
    txCount: v[AGG.txCount]!,
  };
}

/** Natively: the combination of two adjacent statements (what a join exposes). */
export function joinStatements(left: AggStatement, right: AggStatement, leftProver: Uint8Array, rightProver: Uint8Array): AggStatement {
  const addr = (s: AggStatement, a: Uint8Array) => (s.kind === KIND_JOIN ? bytesToHalves(a) : new Array(10).fill(0));
  return {
    keySetRoot: left.keySetRoot,
    batchId: left.batchId,
    first: left.first,
    last: right.last,
    rootIn: left.rootIn,
    rootOut: right.rootOut,
    txRoot: poseidon2Hash([...left.txRoot, ...right.txRoot]),
    provers: poseidon2Hash([...left.provers, ...addr(left, leftProver), ...right.provers, ...addr(right, rightProver)]),
    kind: KIND_JOIN,
    txCount: left.txCount + right.txCount,
  };
}

/** A child of an aggregation program, concrete mode. */
export interface AggChildInput {
  readonly air: Air;
  readonly proof: StarkProof;
  readonly publicInputs: ArrayLike<number>;
  readonly proverAddress: Uint8Array;
}

/** Key-set root wires (public values 0..8) and the membership check of a child's key. */
function keySetCheck(c: Circuit, keys: KeySet | null, depth: number): { root: Wire[]; member: (vk: Wire[], what: string) => void } {
  const rootWords = keys ? digestWords(keys.root) : null;
  const root = Array.from({ length: 8 }, (_, j) => c.publicValue(AGG.keySet + j, () => rootWords![j]!));
  return {
    root,
    member(vk, what) {
      const path = () => keys!.path(wordsDigest(vk.map((w) => c.value(w)[0]!)));
      const bits = Array.from({ length: depth }, (_, l) => {
        const b = c.witness(() => (path().index >> l) & 1, true);
        c.assertMac(b, b, c.zero, b, "key-set path bit is boolean");
        return b;
      });
      merklePath(c, bits, (l) => digestWords(path().siblings[l]!), root, what);
    },
  };
}

/** Expose wires as public values [at, at + n). */
function expose(c: Circuit, at: number, wires: readonly Wire[], what: string): void {
  wires.forEach((w, k) => c.assertEqual(c.publicValue(at + k, () => c.value(w)[0]!), w, what));
}

/** The leaf program: verify one segment proof of `shape` and expose its statement. */
export function buildLeaf(c: Circuit, shape: ChildShape, layout: SegmentLayout, keySetDepth: number, input: AggChildInput | null, keys: KeySet | null): void {
  const ks = keySetCheck(c, keys, keySetDepth);
  const data = input ? { proof: input.proof, publicInputs: input.publicInputs, proverAddress: input.proverAddress } : null;
  const child = verifyChildCircuit(c, shape, data, (vk) => ks.member(vk, "segment: its verification key is in the allowed set"));
  const pi = child.publicInputs;
  expose(c, AGG.batchLo, [pi[layout.batchLo]!, pi[layout.batchHi]!, pi[layout.segmentIndex]!, pi[layout.segmentIndex]!], "leaf: batch and segment");
  expose(c, AGG.rootIn, pi.slice(layout.rootIn, layout.rootIn + 8), "leaf: rootIn");
  expose(c, AGG.rootOut, pi.slice(layout.rootOut, layout.rootOut + 8), "leaf: rootOut");
  expose(c, AGG.txRoot, pi.slice(layout.txCommitment, layout.txCommitment + 8), "leaf: txRoot");
  expose(c, AGG.provers, new Array(8).fill(c.zero), "leaf: no join provers");
  expose(c, AGG.kind, [c.constant(KIND_LEAF), pi[layout.txCount]!], "leaf: kind and transaction count");
}

/** The join program: verify two adjacent aggregation statements (children of `shape`) and expose their union. */
export function buildJoin(c: Circuit, shape: ChildShape, keySetDepth: number, inputs: readonly [AggChildInput, AggChildInput] | null, keys: KeySet | null): void {
  const ks = keySetCheck(c, keys, keySetDepth);
  const kids = [0, 1].map((i) => {
    const input = inputs?.[i];
    const data = input ? { proof: input.proof, publicInputs: input.publicInputs, proverAddress: input.proverAddress } : null;
    const v = verifyChildCircuit(c, shape, data, (vk) => ks.member(vk, `join child ${i}: its verification key is in the allowed set`));
    const pv = v.publicInputs;
    for (let j = 0; j < 8; j++) c.assertEqual(pv[AGG.keySet + j]!, ks.root[j]!, `join child ${i}: the same key set`);
    // kind ∈ {1, 2}: (kind − 1)·(kind − 2) = 0
    const kind = pv[AGG.kind]!;
    c.assertMac(c.sub(kind, c.one), c.sub(kind, c.constant(2)), c.zero, c.zero, `join child ${i}: a leaf or a join`);
    // addr(X): X's prover address when X is a join (kind − 1 = 1), else zero
    const isJoin = c.sub(kind, c.one);
    const addr = v.address.map((h) => c.mul(isJoin, h));
    return { pv, addr };
  });
  const [l, r] = kids as [(typeof kids)[0], (typeof kids)[0]];
  const pvAt = (x: typeof l, at: number, n: number) => x.pv.slice(at, at + n);
  c.assertEqual(l.pv[AGG.batchLo]!, r.pv[AGG.batchLo]!, "join: one batch (lo)");
  c.assertEqual(l.pv[AGG.batchHi]!, r.pv[AGG.batchHi]!, "join: one batch (hi)");
  c.assertEqual(c.add(l.pv[AGG.last]!, c.one), r.pv[AGG.first]!, "join: adjacent segments");
  for (let j = 0; j < 8; j++) c.assertEqual(l.pv[AGG.rootOut + j]!, r.pv[AGG.rootIn + j]!, "join: roots continue");
  expose(c, AGG.batchLo, [l.pv[AGG.batchLo]!, l.pv[AGG.batchHi]!, l.pv[AGG.first]!, r.pv[AGG.last]!], "join: batch and range");
  expose(c, AGG.rootIn, pvAt(l, AGG.rootIn, 8), "join: rootIn");
  expose(c, AGG.rootOut, pvAt(r, AGG.rootOut, 8), "join: rootOut");
  expose(c, AGG.txRoot, hashWires(c, [...pvAt(l, AGG.txRoot, 8), ...pvAt(r, AGG.txRoot, 8)]), "join: txRoot");
  expose(c, AGG.provers, hashWires(c, [...pvAt(l, AGG.provers, 8), ...l.addr, ...pvAt(r, AGG.provers, 8), ...r.addr]), "join: provers digest");
  expose(c, AGG.kind, [c.constant(KIND_JOIN), c.add(l.pv[AGG.txCount]!, r.pv[AGG.txCount]!)], "join: kind and transaction count");
}

export type { ProofOptions };
