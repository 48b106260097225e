/**
 * The aggregation plan of a segment geometry (docs/recursion.md §10): everything a node needs to prove
 * or check any proof of a batch's tree, derived from the geometry alone.
 *
 * A geometry is the segment AIR (a poseidon2 segment proof of fixed table heights and options), where
 * its statement sits among its public inputs, the options of the leaves and joins (poseidon2) and of
 * the wrap (keccak, tuned for L1). From it the plan computes, deterministically:
 *
 * - the canonical recursion shape: the table heights to which the leaf and the join programs are both
 *   padded, so that one join program verifies leaves and joins at every level (the fixpoint of
 *   "a join of two canonical children fits the canonical heights");
 * - the leaf, join and wrap descriptors (hence their programs and verification keys);
 * - the allowed-key set {segment key, leaf key, join key} and its root, which every statement carries;
 *   the wrap's keccak key on demand (`wrapKey`).
 *
 * `proveLeaf`, `proveJoin` and `proveWrap` check their inputs against the plan and refuse anything else;
 * `verifyNode` rebuilds the descriptor and key of the node it is told to expect (kind, batch, segment
 * span in the canonical tree) and takes nothing from the prover but the proof, the statement and the
 * prover's address. Plans are cached per geometry.
 */
import type { Air } from "../stark/air/air.js";
import { decodeProof } from "../stark/proof.js";
import { verificationKeyWith, verificationKey } from "../stark/vk.js";
import { bytesEqual, keccak256, toHex } from "../stark/hash/keccak.js";
import { digestWords, wordsDigest } from "../stark/merkle/hasher.js";
import type { ProofOptions } from "../stark/options.js";
import type { ProverBackend } from "../stark/backend.js";
import type { Ext } from "../stark/field/extension.js";
import { treeSpan, type TreeNode } from "../util/batch-tree.js";
import { KeySet, DEFAULT_KEY_SET_DEPTH } from "./keys.js";
import type { MinHeights } from "./program.js";
import { recurse, recursionProgram, programHeights, verifyRecursion, stableStringify, RECURSION_AIR_NAME, type ChildInput, type RecursionDescriptor, type RecurseResult } from "./recurse.js";
import {
  AGG, AGG_PUBLIC_VALUES, KIND_JOIN, KIND_LEAF, L1, L1_PUBLIC_VALUES, MAX_JOINS, MAX_SEGMENTS, canonicalTree, decodeAggStatement, joinsPreOrder,
  type AggStatement, type SegmentLayout,
} from "./aggregate.js";
import { RecursionError } from "./errors.js";

/** What determines a batch's proof tree. */
export interface AggregationGeometry {
  /** The segment AIR (registered by name: a leaf's descriptor names it). */
  readonly segmentAir: Air;
  /** The segment proofs' options (poseidon2) and table heights. */
  readonly segmentOptions: ProofOptions;
  readonly segmentLogHeights: readonly number[];
  /** Where the segment AIR keeps the statement's fields. */
  readonly layout: SegmentLayout;
  /** Leaves and joins (poseidon2). */
  readonly options: ProofOptions;
  /** The wrap (keccak, verified on L1). */
  readonly wrapOptions: ProofOptions;
  readonly keySetDepth?: number;
}

/** The plan of one geometry (see the module comment). */
export interface AggregationPlan {
  readonly geometry: AggregationGeometry;
  /** A stable identifier of the geometry (hex): nodes that share it build the same tree. */
  readonly id: string;
  /** The canonical table heights of leaves and joins. */
  readonly canonical: Required<MinHeights>;
  readonly leaf: RecursionDescriptor;
  readonly join: RecursionDescriptor;
  readonly wrap: RecursionDescriptor;
  readonly keys: KeySet;
  readonly keySetRoot: Uint8Array;
  /** Poseidon2 keys of the segment AIR, the leaf program and the join program (the key set's members). */
  readonly segmentKey: Uint8Array;
  readonly leafKey: Uint8Array;
  readonly joinKey: Uint8Array;
  readonly leafAir: Air;
  readonly joinAir: Air;
  /** The wrap's AIR (its program is compiled on first use: most nodes never wrap). */
  readonly wrapAir: () => Air;
}

/** A proof of the tree: its bytes, its statement (public values) and the address it is bound to. */
export interface NodeProof {
  readonly proof: Uint8Array;
  readonly publicValues: Uint32Array;
  readonly proverAddress: Uint8Array;
}

/** What a verifier expects a node to be. Leaves and joins: the span must be a node of the batch's canonical tree. */
export type NodeExpectation =
  | { readonly kind: "leaf" | "join"; readonly batchId: bigint; readonly segments: number; readonly first: number; readonly last: number; readonly r?: Ext }
  | { readonly kind: "wrap"; readonly batchId: bigint; readonly segments: number; readonly r?: Ext };

function optionsOf(o: ProofOptions): ProofOptions {
  return { logBlowup: o.logBlowup, numQueries: o.numQueries, powBits: o.powBits, friLogArity: o.friLogArity, logFinalPolyLen: o.logFinalPolyLen, logCap: o.logCap };
}

function geometryKey(g: AggregationGeometry): string {
  return stableStringify({
    air: g.segmentAir.name, airId: g.segmentAir.idHex, segmentOptions: optionsOf(g.segmentOptions), segmentLogHeights: g.segmentLogHeights, layout: g.layout,
    options: optionsOf(g.options), wrapOptions: optionsOf(g.wrapOptions), keySetDepth: g.keySetDepth ?? DEFAULT_KEY_SET_DEPTH,
  });
}

const JOIN_CHILD = (options: ProofOptions, h: Required<MinHeights>) => ({ air: RECURSION_AIR_NAME, options, logHeights: [h.inputs, h.public, h.alu, h.poseidon2], publicValues: AGG_PUBLIC_VALUES });

/** The descriptors of a geometry at given minimum heights (key order as `recurse` builds them). */
function descriptors(g: AggregationGeometry, min: MinHeights) {
  const depth = g.keySetDepth ?? DEFAULT_KEY_SET_DEPTH;
  const options = optionsOf(g.options);
  const leaf: RecursionDescriptor = { version: 1, children: [{ air: g.segmentAir.name, options: optionsOf(g.segmentOptions), logHeights: [...g.segmentLogHeights] }], keySetDepth: depth, minHeights: min, kind: "agg-leaf", segmentLayout: g.layout };
  const h = min as Required<MinHeights>;
  const join: RecursionDescriptor = { version: 1, children: [JOIN_CHILD(options, h), JOIN_CHILD(options, h)], keySetDepth: depth, minHeights: min, kind: "agg-join" };
  const wrap: RecursionDescriptor = { version: 1, children: [JOIN_CHILD(options, h)], keySetDepth: depth, minHeights: {}, kind: "agg-wrap" };
  return { leaf, join, wrap };
}

const maxHeights = (a: Required<MinHeights>, b: Required<MinHeights>): Required<MinHeights> => ({
  inputs: Math.max(a.inputs, b.inputs), public: Math.max(a.public, b.public), alu: Math.max(a.alu, b.alu), poseidon2: Math.max(a.poseidon2, b.poseidon2),
});
const sameHeights = (a: Required<MinHeights>, b: Required<MinHeights>): boolean => a.inputs === b.inputs && a.public === b.public && a.alu === b.alu && a.poseidon2 === b.poseidon2;

/**
 * The canonical heights: start from the leaf's own heights; a join of two children of the current
 * heights may need more; pad both to the maximum and repeat until a join fits (the heights only grow,
 * and a join's verifier grows with the logarithm of its children's heights, so this ends in a few steps).
 */
export function canonicalHeights(g: AggregationGeometry): Required<MinHeights> {
  let min = recursionProgram(descriptors(g, {}).leaf).program.logHeights as Required<MinHeights>;
  for (let step = 0; step < 16; step++) {
    const joinHeights = recursionProgram(descriptors(g, min).join).program.logHeights as Required<MinHeights>;
    if (sameHeights(maxHeights(min, joinHeights), min)) {
      const leafHeights = recursionProgram(descriptors(g, min).leaf).program.logHeights as Required<MinHeights>;
      if (sameHeights(leafHeights, min)) return { ...min };
    }
    min = maxHeights(min, joinHeights);
  }
  throw new RecursionError("CIRCUIT", "the leaf and join heights do not settle on a canonical shape");
}

const plans = new Map<string, Promise<AggregationPlan>>();

/** The plan of a geometry (cached; keys computed on the backend's kernels when one is given). */
export function aggregationPlan(g: AggregationGeometry, backend?: ProverBackend): Promise<AggregationPlan> {
  const key = geometryKey(g);
  let hit = plans.get(key);
  if (!hit) {
    hit = buildPlan(g, key, backend);
    plans.set(key, hit);
    hit.catch(() => plans.delete(key));
  }
  return hit;
}

async function buildPlan(g: AggregationGeometry, key: string, backend?: ProverBackend): Promise<AggregationPlan> {
  if (g.segmentAir.numPublicInputs <= Math.max(...Object.values(g.layout)) + 3) throw new RecursionError("CIRCUIT", `the layout does not fit ${g.segmentAir.name}'s ${g.segmentAir.numPublicInputs} public inputs`);
  if (g.segmentLogHeights.length !== g.segmentAir.tables.length) throw new RecursionError("CIRCUIT", `${g.segmentAir.name} has ${g.segmentAir.tables.length} tables, not ${g.segmentLogHeights.length} heights`);
  const canonical = canonicalHeights(g);
  const { leaf, join, wrap } = descriptors(g, canonical);
  const vk = async (air: Air, hash: "poseidon2" | "keccak", options: ProofOptions, heights: readonly number[]) =>
    (backend ? await verificationKeyWith(air, hash, options, heights, backend) : verificationKey(air, hash, options, heights)).digest;
  const leafC = recursionProgram(leaf), joinC = recursionProgram(join);
  const segmentKey = await vk(g.segmentAir, "poseidon2", g.segmentOptions, g.segmentLogHeights);
  const leafKey = await vk(leafC.air, "poseidon2", g.options, programHeights(leafC.program));
  const joinKey = await vk(joinC.air, "poseidon2", g.options, programHeights(joinC.program));
  const keys = new KeySet([segmentKey, leafKey, joinKey], g.keySetDepth ?? DEFAULT_KEY_SET_DEPTH);
  const id = toHex(keccak256(new TextEncoder().encode(key))).slice(0, 18);
  return {
    geometry: g, id, canonical, leaf, join, wrap, keys, keySetRoot: keys.root, segmentKey, leafKey, joinKey,
    leafAir: leafC.air, joinAir: joinC.air, wrapAir: () => recursionProgram(wrap).air,
  };
}

/** The wrap's keccak verification key (what L1's verifier is generated for; derived on first use). */
export async function wrapKey(plan: AggregationPlan, backend?: ProverBackend): Promise<Uint8Array> {
  const { air, program } = recursionProgram(plan.wrap);
  const heights = programHeights(program);
  const o = plan.geometry.wrapOptions;
  return (backend ? await verificationKeyWith(air, "keccak", o, heights, backend) : verificationKey(air, "keccak", o, heights)).digest;
}

// ---------------------------------------------------------------- the tree's nodes

/** A join of the canonical tree: its span and its children's spans. */
export interface JoinTask {
  readonly first: number;
  readonly last: number;
  readonly left: readonly [number, number];
  readonly right: readonly [number, number];
  /** Its slot among the join provers (pre-order). */
  readonly slot: number;
}

/** The joins of a batch of S segments, children before parents (the order in which they become ready). */
export function joinTasks(segments: number): JoinTask[] {
  checkSegments(segments);
  const tree = canonicalTree(segments);
  const slots = new Map(joinsPreOrder(tree).map((n, k) => [n, k]));
  const out: JoinTask[] = [];
  const walk = (n: TreeNode): void => {
    if ("leaf" in n) return;
    walk(n.left);
    walk(n.right);
    out.push({ first: n.first, last: n.last, left: treeSpan(n.left), right: treeSpan(n.right), slot: slots.get(n)! });
  };
  walk(tree);
  return out;
}

/** Whether [first, last] is a leaf or a join of the canonical tree of S segments (null: neither). */
export function isTreeNode(segments: number, first: number, last: number): "leaf" | "join" | null {
  checkSegments(segments);
  if (first === last) return first >= 0 && first < segments ? "leaf" : null;
  return joinTasks(segments).some((t) => t.first === first && t.last === last) ? "join" : null;
}

function checkSegments(segments: number): void {
  if (!Number.isInteger(segments) || segments < 1 || segments > MAX_SEGMENTS) throw new RecursionError("CHILD_REFUSED", `a batch has 1..${MAX_SEGMENTS} segments, not ${segments}`);
}

function refuse(detail: string): never {
  throw new RecursionError("CHILD_REFUSED", detail);
}

/** Check a proof's header against the plan: hash configuration, options and heights (before anything else). */
function checkHeader(air: Air, bytes: Uint8Array, hash: "poseidon2" | "keccak", options: ProofOptions, logHeights: readonly number[], what: string): void {
  let p;
  try {
    p = decodeProof(bytes, air);
  } catch (err) {
    refuse(`${what}: undecodable proof: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (p.hash !== hash) refuse(`${what}: a ${p.hash} proof, not ${hash}`);
  if (stableStringify(optionsOf(p.options)) !== stableStringify(optionsOf(options))) refuse(`${what}: options ${stableStringify(optionsOf(p.options))} are not the plan's ${stableStringify(optionsOf(options))}`);
  if (p.logHeights.join(",") !== logHeights.join(",")) refuse(`${what}: table heights 2^[${p.logHeights.join(",")}] are not the plan's 2^[${logHeights.join(",")}]`);
}

/**
 * Verify a node of the tree against the plan and what the verifier expects: the program (leaf, join
 * or wrap) rebuilt from the plan, the proof's options, the statement's key set, kind, batch, span,
 * randomness. Returns the statement (leaf, join) or the L1 public values (wrap). Throws
 * RecursionError CHILD_REFUSED naming the check.
 */
export function verifyNode(plan: AggregationPlan, node: NodeProof, expect: NodeExpectation): AggStatement | Uint32Array {
  if (expect.kind === "wrap") {
    checkSegments(expect.segments);
    if (node.publicValues.length !== L1_PUBLIC_VALUES) refuse(`wrap: ${node.publicValues.length} public values, not ${L1_PUBLIC_VALUES}`);
    checkHeader(plan.wrapAir(), node.proof, "keccak", plan.geometry.wrapOptions, programHeights(recursionProgram(plan.wrap).program), "wrap");
    const pv = node.publicValues;
    if (!bytesEqual(wordsDigest(Array.from(pv.subarray(L1.keySet, L1.keySet + 8))), plan.keySetRoot)) refuse("wrap: another key set");
    if (BigInt(pv[L1.batchLo]!) + (BigInt(pv[L1.batchHi]!) << 30n) !== expect.batchId) refuse(`wrap: batch ${pv[L1.batchLo]} + ${pv[L1.batchHi]}·2^30, not ${expect.batchId}`);
    if (pv[L1.segments] !== expect.segments) refuse(`wrap: ${pv[L1.segments]} segments, not ${expect.segments}`);
    if (expect.r && Array.from(pv.subarray(L1.r, L1.r + 4)).join() !== expect.r.join()) refuse("wrap: another batch randomness r");
    verify(plan, plan.wrap, node, "wrap");
    return pv;
  }
  const shape = isTreeNode(expect.segments, expect.first, expect.last);
  if (shape !== expect.kind) refuse(`[${expect.first}, ${expect.last}] is not a ${expect.kind} of the canonical tree of ${expect.segments} segments`);
  if (node.publicValues.length !== AGG_PUBLIC_VALUES) refuse(`${expect.kind}: ${node.publicValues.length} public values, not ${AGG_PUBLIC_VALUES}`);
  const desc = expect.kind === "leaf" ? plan.leaf : plan.join;
  const air = expect.kind === "leaf" ? plan.leafAir : plan.joinAir;
  const what = `${expect.kind} [${expect.first}, ${expect.last}]`;
  checkHeader(air, node.proof, "poseidon2", plan.geometry.options, programHeights(recursionProgram(desc).program), what);
  const st = decodeAggStatement(node.publicValues);
  if (!bytesEqual(st.keySetRoot, plan.keySetRoot)) refuse(`${what}: another key set`);
  if (st.kind !== (expect.kind === "leaf" ? KIND_LEAF : KIND_JOIN)) refuse(`${what}: statement kind ${st.kind}`);
  if (st.batchId !== expect.batchId) refuse(`${what}: batch ${st.batchId}, not ${expect.batchId}`);
  if (st.first !== expect.first || st.last !== expect.last) refuse(`${what}: the statement covers [${st.first}, ${st.last}]`);
  if (expect.r && st.r.join() !== expect.r.join()) refuse(`${what}: another batch randomness r`);
  verify(plan, desc, node, what);
  return st;
}

function verify(plan: AggregationPlan, desc: RecursionDescriptor, node: NodeProof, what: string): void {
  try {
    verifyRecursion({ descriptor: desc, proof: node.proof, publicValues: node.publicValues, proverAddress: node.proverAddress, policy: { minSecurityBits: 0 } });
  } catch (err) {
    refuse(`${what} is invalid: ${err instanceof Error ? err.message : String(err)}`);
  }
  void plan;
}

export interface ProveNodeParams {
  readonly proverAddress: Uint8Array;
  readonly backend: ProverBackend;
  readonly signal?: AbortSignal;
}

/** A segment proof to aggregate (poseidon2, of the plan's segment AIR, options and heights). */
export interface SegmentProof {
  readonly proof: Uint8Array;
  readonly publicInputs: ArrayLike<number>;
  readonly proverAddress: Uint8Array;
}

function sameDescriptor(a: RecursionDescriptor, b: RecursionDescriptor, what: string): void {
  if (stableStringify(a) !== stableStringify(b)) throw new RecursionError("CIRCUIT", `${what}: the program proven is not the plan's`);
}

/** Prove the leaf of one segment proof (verified natively first; refused unless of the plan's shape and key). */
export async function proveLeaf(plan: AggregationPlan, segment: SegmentProof, p: ProveNodeParams): Promise<NodeProof & { result: RecurseResult }> {
  const g = plan.geometry;
  checkHeader(g.segmentAir, segment.proof, "poseidon2", g.segmentOptions, g.segmentLogHeights, "segment");
  if (segment.publicInputs.length !== g.segmentAir.numPublicInputs) refuse(`segment: ${segment.publicInputs.length} public inputs, not ${g.segmentAir.numPublicInputs}`);
  const result = await recurse({
    program: { kind: "agg-leaf", segmentLayout: g.layout }, children: [{ air: g.segmentAir, proof: segment.proof, publicInputs: segment.publicInputs, proverAddress: segment.proverAddress }],
    keys: plan.keys, options: g.options, hash: "poseidon2", proverAddress: p.proverAddress, backend: p.backend, minHeights: plan.canonical, ...(p.signal ? { signal: p.signal } : {}),
  });
  sameDescriptor(result.descriptor, plan.leaf, "leaf");
  return { proof: result.bytes, publicValues: result.publicValues, proverAddress: p.proverAddress, result };
}

/**
 * Prove the join of two adjacent nodes of a batch of `segments` segments. Each child is verified
 * against the plan as the node of the canonical tree it claims to be, and the pair must be the two
 * children of one join of that tree.
 */
export async function proveJoin(plan: AggregationPlan, left: NodeProof, right: NodeProof, p: ProveNodeParams & { segments: number }): Promise<NodeProof & { result: RecurseResult }> {
  const [l, r] = [left, right].map((n, i) => {
    if (n.publicValues.length !== AGG_PUBLIC_VALUES) refuse(`join child ${i}: ${n.publicValues.length} public values, not ${AGG_PUBLIC_VALUES}`);
    return decodeAggStatement(n.publicValues);
  }) as [AggStatement, AggStatement];
  const task = joinTasks(p.segments).find((t) => t.left[0] === l.first && t.left[1] === l.last && t.right[0] === r.first && t.right[1] === r.last);
  if (!task) refuse(`[${l.first}, ${l.last}] and [${r.first}, ${r.last}] are not the two children of a join of the canonical tree of ${p.segments} segments`);
  const kindOf = (s: AggStatement) => (s.first === s.last ? "leaf" : "join") as "leaf" | "join";
  verifyNode(plan, left, { kind: kindOf(l), batchId: l.batchId, segments: p.segments, first: l.first, last: l.last });
  verifyNode(plan, right, { kind: kindOf(r), batchId: l.batchId, segments: p.segments, first: r.first, last: r.last, r: l.r });
  const child = (n: NodeProof, s: AggStatement): ChildInput => ({ air: kindOf(s) === "leaf" ? plan.leafAir : plan.joinAir, proof: n.proof, publicInputs: n.publicValues, proverAddress: n.proverAddress });
  const result = await recurse({
    program: { kind: "agg-join" }, children: [child(left, l), child(right, r)], keys: plan.keys, options: plan.geometry.options, hash: "poseidon2",
    proverAddress: p.proverAddress, backend: p.backend, minHeights: plan.canonical, ...(p.signal ? { signal: p.signal } : {}),
  });
  sameDescriptor(result.descriptor, plan.join, "join");
  return { proof: result.bytes, publicValues: result.publicValues, proverAddress: p.proverAddress, result };
}

/**
 * Prove the wrap (keccak) of the top of a finished tree: `top` covers every segment of the batch
 * (a leaf when S = 1); `joinProvers` are the join provers' addresses in pre-order (the top's first).
 */
export async function proveWrap(plan: AggregationPlan, top: NodeProof, joinProvers: readonly Uint8Array[], p: ProveNodeParams & { segments: number }): Promise<NodeProof & { result: RecurseResult }> {
  checkSegments(p.segments);
  if (top.publicValues.length !== AGG_PUBLIC_VALUES) refuse(`the top: ${top.publicValues.length} public values, not ${AGG_PUBLIC_VALUES}`);
  const st = decodeAggStatement(top.publicValues);
  const kind = p.segments === 1 ? "leaf" : "join";
  verifyNode(plan, top, { kind, batchId: st.batchId, segments: p.segments, first: 0, last: p.segments - 1 });
  const joins = joinTasks(p.segments).length;
  if (joinProvers.length !== joins) refuse(`a tree of ${p.segments} segments has ${joins} joins, not ${joinProvers.length} join provers`);
  if (joins > 0 && !bytesEqual(joinProvers[0]!, top.proverAddress)) refuse("the top join's prover comes first among the join provers");
  if (joins > MAX_JOINS) refuse(`${joins} joins exceed ${MAX_JOINS}`);
  const result = await recurse({
    program: { kind: "agg-wrap" }, children: [{ air: kind === "leaf" ? plan.leafAir : plan.joinAir, proof: top.proof, publicInputs: top.publicValues, proverAddress: top.proverAddress }],
    joinProvers, keys: plan.keys, options: plan.geometry.wrapOptions, hash: "keccak", proverAddress: p.proverAddress, backend: p.backend, minHeights: {},
    ...(p.signal ? { signal: p.signal } : {}),
  });
  sameDescriptor(result.descriptor, plan.wrap, "wrap");
  return { proof: result.bytes, publicValues: result.publicValues, proverAddress: p.proverAddress, result };
}

/** The key-set root as the 8 words statements carry. */
export function keySetWords(plan: AggregationPlan): number[] {
  return Array.from(digestWords(plan.keySetRoot));
}

export { AGG, L1 };
