/**
 * Aggregation statements (docs/recursion.md §7): the leaf and join programs of a batch's proof tree.
 *
 * A leaf verifies one segment proof and exposes its statement in the aggregation layout; a join
 * verifies two aggregation statements (leaves or joins, of one canonical recursion shape) and exposes
 * their union, checking continuity. Statement (AGG_PUBLIC_VALUES public values):
 *   [0,8) key-set root · 8, 9 batch id (lo30, hi30) · 10, 11 first and last segment (inclusive) ·
 *   [12,20) rootIn · [20,28) rootOut · [28,36) txRoot · [36,44) provers digest · 44 kind (1 leaf, 2 join) ·
 *   45 transaction count · [46,50) r · [50,54) E.
 * r is the batch's randomness (docs/aggregation.md): equal across the tree. E is Horner at r over the
 * transactions' K elements in order: a leaf's is its segment's E; a join's E_left·r^(2·count_right) + E_right.
 * txRoot: a leaf's is its segment's txCommitment; a join's is poseidon2Hash(left.txRoot ‖ right.txRoot).
 * provers digest: a leaf's is zero; a join's is poseidon2Hash(left.pd ‖ addr(left) ‖ right.pd ‖ addr(right)),
 * addr(X) being X's prover address (10 u16 halves) when X is a join, else zero — every join prover
 * of the subtree, committed in tree order, so the wrap can pay them.
 */
import { digestWords, wordsDigest } from "../stark/merkle/hasher.js";
import { type Ext, addE, mulE, powE } from "../stark/field/extension.js";
import { inv as invBase } from "../stark/field/babybear.js";
import { poseidon2Hash } from "../stark/hash/poseidon2.js";
import { bytesToHalves } from "../stark/vk.js";
import type { Air } from "../stark/air/air.js";
import type { StarkProof } from "../stark/proof.js";
import type { ProofOptions } from "../stark/options.js";
import type { Circuit, Wire } from "./circuit.js";
import { verifyChildCircuit, type ChildShape } from "./verify-circuit.js";
import { hashWires, merklePath } from "./gadgets.js";
import type { KeySet } from "./keys.js";
import { RecursionError } from "./errors.js";
import { type TreeNode, canonicalTree, joinsPreOrder } from "../util/batch-tree.js";

export { type TreeNode, canonicalTree, joinsPreOrder };

export const AGG_PUBLIC_VALUES = 54;
export const AGG = { keySet: 0, batchLo: 8, batchHi: 9, first: 10, last: 11, rootIn: 12, rootOut: 20, txRoot: 28, provers: 36, kind: 44, txCount: 45, r: 46, e: 50 } as const;
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
  /** The batch's randomness r (4) and the segment's E (4). */
  readonly r: number;
  readonly e: number;
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
  readonly r: Ext;
  readonly e: Ext;
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
  v.set(s.r, AGG.r);
  v.set(s.e, AGG.e);
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
    r: at(AGG.r, 4) as unknown as Ext,
    e: at(AGG.e, 4) as unknown as Ext,
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
    r: left.r,
    e: addE(mulE(left.e, powE(left.r, 2 * right.txCount)), right.e),
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

/** A circuit error prefixed with where it happened. */
function annotate(err: unknown, where: string): unknown {
  if (err instanceof RecursionError) return new RecursionError(err.code, `${where}: ${err.type.detail}`);
  return err;
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
  expose(c, AGG.r, [...pi.slice(layout.r, layout.r + 4), ...pi.slice(layout.e, layout.e + 4)], "leaf: r and E");
}

/**
 * The join program: verify two adjacent aggregation statements and expose their union. The children
 * have one canonical shape; each is verified against its own program (`shapes[i].air`, which in
 * concrete mode carries the child's preprocessed columns).
 */
export function buildJoin(c: Circuit, shapes: readonly [ChildShape, ChildShape], keySetDepth: number, inputs: readonly [AggChildInput, AggChildInput] | null, keys: KeySet | null): void {
  const ks = keySetCheck(c, keys, keySetDepth);
  const kids = [0, 1].map((i) => {
    const input = inputs?.[i];
    const data = input ? { proof: input.proof, publicInputs: input.publicInputs, proverAddress: input.proverAddress } : null;
    let v: ReturnType<typeof verifyChildCircuit>;
    try {
      v = verifyChildCircuit(c, shapes[i]!, data, (vk) => ks.member(vk, `join child ${i}: its verification key is in the allowed set`));
    } catch (err) {
      throw annotate(err, `join child ${i}`);
    }
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
  // r equal across the tree; E = E_left·r^(2·count_right) + E_right
  const rl = c.pack(pvAt(l, AGG.r, 4)), rr = c.pack(pvAt(r, AGG.r, 4));
  c.assertEqual(rl, rr, "join: one batch randomness");
  const shift = powVariable(c, c.mul(rl, rl), r.pv[AGG.txCount]!, COUNT_BITS);
  const e = c.mac(c.pack(pvAt(l, AGG.e, 4)), shift, c.pack(pvAt(r, AGG.e, 4)));
  expose(c, AGG.r, [...pvAt(l, AGG.r, 4), ...c.unpack(e)], "join: r and E");
}

/** Transaction counts fit 20 bits (a batch holds far fewer; the exponent's bits are checked canonical). */
export const COUNT_BITS = 20;

/** x^k for a base wire k < 2^bits: square and multiply over k's bits. */
function powVariable(c: Circuit, x: Wire, k: Wire, bits: number): Wire {
  const b = c.bits31(k);
  for (let i = bits; i < 31; i++) c.assertZero(b[i]!, "exponent below 2^" + bits);
  let acc = c.one;
  let sq = x;
  for (let i = 0; i < bits; i++) {
    acc = c.select(b[i]!, c.mul(acc, sq), acc);
    if (i + 1 < bits) sq = c.mul(sq, sq);
  }
  return acc;
}

export type { ProofOptions };

// ---------------------------------------------------------------- the canonical tree and the wrap

export const MAX_SEGMENTS = 16;
export const MAX_JOINS = MAX_SEGMENTS - 1;
/** The L1 statement: what the wrap proves and `Rollup.submitAggregate` checks (docs/aggregation.md). */
export const L1 = { keySet: 0, batchLo: 8, batchHi: 9, segments: 10, rootIn: 11, rootOut: 19, txRoot: 27, r: 35, e: 39, provers: 43 } as const;
export const L1_PUBLIC_VALUES = L1.provers + 10 * MAX_JOINS;

/** The join provers' addresses of a finished tree in pre-order, padded to MAX_JOINS (zero address). */
export function proverSlots(addresses: readonly Uint8Array[]): Uint8Array[] {
  if (addresses.length > MAX_JOINS) throw new RangeError(`${addresses.length} joins exceed ${MAX_JOINS}`);
  return [...addresses, ...Array.from({ length: MAX_JOINS - addresses.length }, () => new Uint8Array(20))];
}

/**
 * The wrap program: verify the top of a batch's tree (an aggregation statement covering segments
 * 0..S−1) and expose the L1 statement, with the join provers' addresses, checked against the top's
 * provers digest for the canonical tree of S (S read from the statement, 1 ≤ S ≤ MAX_SEGMENTS).
 */
export function buildWrap(c: Circuit, shape: ChildShape, keySetDepth: number, input: (AggChildInput & { joinProvers: readonly Uint8Array[] }) | null, keys: KeySet | null): void {
  const ks = keySetCheck(c, keys, keySetDepth);
  const data = input ? { proof: input.proof, publicInputs: input.publicInputs, proverAddress: input.proverAddress } : null;
  const top = verifyChildCircuit(c, shape, data, (vk) => ks.member(vk, "the top of the tree: its verification key is in the allowed set"));
  const pv = top.publicInputs;
  for (let j = 0; j < 8; j++) c.assertEqual(pv[AGG.keySet + j]!, ks.root[j]!, "the top carries the key set");
  c.assertZero(pv[AGG.first]!, "the tree starts at segment 0");
  const segments = c.add(pv[AGG.last]!, c.one);
  expose(c, L1.batchLo, [pv[AGG.batchLo]!, pv[AGG.batchHi]!, segments], "wrap: batch and segment count");
  expose(c, L1.rootIn, pv.slice(AGG.rootIn, AGG.rootIn + 8), "wrap: rootIn");
  expose(c, L1.rootOut, pv.slice(AGG.rootOut, AGG.rootOut + 8), "wrap: rootOut");
  expose(c, L1.txRoot, pv.slice(AGG.txRoot, AGG.txRoot + 8), "wrap: txRoot");
  expose(c, L1.r, pv.slice(AGG.r, AGG.r + 8), "wrap: r and E");
  // The join provers: 15 slots of 10 halves, checked against the provers digest of the tree of S.
  const slotBytes = input ? proverSlots(input.joinProvers).map((a) => bytesToHalves(a)) : null;
  const slots = Array.from({ length: MAX_JOINS }, (_, k) => Array.from({ length: 10 }, (_, h) => c.witness(() => slotBytes![k]![h]!, true)));
  slots.forEach((slot, k) => expose(c, L1.provers + 10 * k, slot, `wrap: join prover ${k}`));
  const zero10 = Array.from({ length: 10 }, () => c.zero);
  let matched = c.zero;
  for (let s = 1; s <= MAX_SEGMENTS; s++) {
    const isS = isEqualConst(c, segments, s);
    matched = c.add(matched, isS);
    const tree = canonicalTree(s);
    const joins = joinsPreOrder(tree);
    const slotOf = new Map(joins.map((j, k) => [j, k]));
    // pd(node) and addr(node) over the slots
    const pd = (n: TreeNode): Wire[] => {
      if ("leaf" in n) return new Array(8).fill(c.zero);
      const addr = (x: TreeNode) => ("leaf" in x ? zero10 : slots[slotOf.get(x)!]!);
      return hashWires(c, [...pd(n.left), ...addr(n.left), ...pd(n.right), ...addr(n.right)]);
    };
    const digest = pd(tree);
    for (let j = 0; j < 8; j++) c.assertMac(isS, c.sub(digest[j]!, pv[AGG.provers + j]!), c.zero, c.zero, `wrap: the join provers of a tree of ${s} segments`);
    // the top join's slot holds the top's own prover address; slots past the joins are empty
    if (joins.length > 0) for (let h = 0; h < 10; h++) c.assertMac(isS, c.sub(slots[0]![h]!, top.address[h]!), c.zero, c.zero, "wrap: the top join's prover");
    for (let k = joins.length; k < MAX_JOINS; k++) for (let h = 0; h < 10; h++) c.assertMac(isS, slots[k]![h]!, c.zero, c.zero, "wrap: unused prover slots are empty");
  }
  c.assertEqual(matched, c.one, `wrap: a batch has 1..${MAX_SEGMENTS} segments`);
}

/** [x = k] for a base wire x and a constant k: 1 − d·d⁻¹ with d = x − k (d⁻¹ a witness, 0 when d = 0). */
function isEqualConst(c: Circuit, x: Wire, k: number): Wire {
  const d = c.sub(x, c.constant(k));
  const dInv = c.witness(() => {
    const v = c.value(d)[0]!;
    return v === 0 ? 0 : invBase(v);
  }, true);
  const eq = c.sub(c.one, c.mul(d, dInv));
  c.assertMac(d, eq, c.zero, c.zero, "is-equal: d·[d = 0] = 0");
  return eq;
}
