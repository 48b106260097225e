/**
 * Aggregation as network work (docs/aggregator.md, "Aggregation"): the proof tree of each batch, built
 * by whichever nodes get to it first.
 *
 * Per followed batch the coordinator keeps one verified proof per node of the canonical tree (leaves
 * over the batch's segment proofs, joins of adjacent nodes). A task (a leaf whose segment proof is
 * known, a join whose two children are held) is proven at once by its **assignee** (a leaf: the
 * segment's prover; a join: the left child's prover, who already holds it) and by anyone else once it
 * has been ready for `takeoverMs` without a valid proof on the mesh: a withheld join is re-proved by
 * another node. Every proof is announced (`announce`, the `joins` topic) and served by hash
 * (`proof/1`). An announced proof is fetched from its signer and checked with the plan's `verifyNode`
 * against the node it claims to be, bound to the signer's address; the first valid one is kept, and an
 * invalid one costs its signer a penalty. No join touches L1: the elected aggregator takes the top of
 * the tree and the join provers (`top`) into the wrap.
 */
import { toHex, bytesEqual } from "../stark/hash/keccak.js";
import { keccakHex } from "../util/keccak.js";
import type { Ext } from "../stark/field/extension.js";
import { hexToBytes, type Address, type Hex } from "viem";
import { AGG_PUBLIC_VALUES, L1_PUBLIC_VALUES } from "../recursion/aggregate.js";
import { isTreeNode, joinTasks, type AggregationPlan, type JoinTask, type NodeExpectation, type NodeProof, type SegmentProof } from "../recursion/plan.js";
import { type Logger, nullLogger } from "../util/logger.js";

// ---------------------------------------------------------------- the wire format of a tree node

const MAGIC = 0x314e4741; // "AGN1" little-endian

/** A node proof as served over `proof/1`: magic, public-value count, the values (u32 LE), the proof bytes. */
export function encodeNodeProof(n: Pick<NodeProof, "proof" | "publicValues">): Uint8Array {
  const out = new Uint8Array(8 + 4 * n.publicValues.length + n.proof.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint32(4, n.publicValues.length, true);
  n.publicValues.forEach((x, i) => v.setUint32(8 + 4 * i, x, true));
  out.set(n.proof, 8 + 4 * n.publicValues.length);
  return out;
}

/** Decode a served node; the prover address is the announcer's (the proof is bound to it). */
export function decodeNodeProof(bytes: Uint8Array, proverAddress: Uint8Array): NodeProof {
  if (bytes.length < 8) throw new RangeError(`a node proof is at least 8 bytes, not ${bytes.length}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint32(0, true) !== MAGIC) throw new RangeError("not a node proof (magic)");
  const count = v.getUint32(4, true);
  if (count !== AGG_PUBLIC_VALUES && count !== L1_PUBLIC_VALUES) throw new RangeError(`${count} public values: neither an aggregation nor an L1 statement`);
  if (bytes.length <= 8 + 4 * count) throw new RangeError("a node proof without proof bytes");
  const publicValues = new Uint32Array(count);
  for (let i = 0; i < count; i++) publicValues[i] = v.getUint32(8 + 4 * i, true);
  return { publicValues, proof: bytes.slice(8 + 4 * count), proverAddress };
}

export function nodeProofHash(bytes: Uint8Array): Hex {
  return keccakHex(bytes);
}

// ---------------------------------------------------------------- the coordinator

/** An announcement of a node of the tree (the `aggNodeAvailable` gossip, with its signer). */
export interface NodeAnnouncement {
  readonly batchId: bigint;
  readonly first: number;
  readonly last: number;
  readonly proofHash: Hex;
  readonly signer: Address;
}

export interface JoinCoordinatorOpts {
  /** A ready task nobody delivered in this time is proven by any node (the withheld-join fallback). */
  readonly takeoverMs: number;
  /** Most tasks proven at once by this node. */
  readonly maxConcurrent: number;
}

export const defaultJoinCoordinatorOpts: JoinCoordinatorOpts = Object.freeze({ takeoverMs: 60_000, maxConcurrent: 1 });

export interface JoinCoordinatorModules {
  readonly self: Address;
  /** Prove a leaf / a join (the plan's proveLeaf / proveJoin with this node's backend and address). */
  readonly proveLeaf: (plan: AggregationPlan, segment: SegmentProof) => Promise<NodeProof>;
  readonly proveJoin: (plan: AggregationPlan, left: NodeProof, right: NodeProof, segments: number) => Promise<NodeProof>;
  /** Check a node as a peer would (the plan's verifyNode). Throws on anything invalid. */
  readonly verify: (plan: AggregationPlan, node: NodeProof, expect: NodeExpectation) => void;
  /** Serve the encoded node by its hash and announce it on the mesh. */
  readonly announce: (a: { batchId: bigint; first: number; last: number; proofHash: Hex; size: number }, bytes: Uint8Array) => Promise<void>;
  /** Fetch an announced node's bytes (from its signer first), checked against the hash. */
  readonly fetch: (hash: Hex, signer: Address) => Promise<Uint8Array>;
  /** Penalise the signer of an invalid node. */
  readonly penalize: (signer: Address, reason: string) => void;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Called with (kind, outcome) for metrics. */
  readonly onEvent?: (e: JoinEvent) => void;
}

export type JoinEvent =
  | { readonly type: "proved"; readonly kind: "leaf" | "join"; readonly ms: number; readonly takeover: boolean }
  | { readonly type: "received"; readonly kind: "leaf" | "join"; readonly verdict: "valid" | "invalid" | "late" }
  | { readonly type: "failed"; readonly kind: "leaf" | "join"; readonly error: string };

interface Held {
  readonly node: NodeProof;
  readonly hash: Hex;
  readonly bytes: Uint8Array;
  readonly prover: Address;
}

interface BatchTree {
  readonly batchId: bigint;
  readonly plan: AggregationPlan;
  readonly segments: number;
  readonly r: Ext | undefined;
  /** span "first,last" → the first valid proof of that node. */
  readonly held: Map<string, Held>;
  readonly segmentProofs: Map<number, SegmentProof>;
  /** span → since when the task is ready (its inputs held). */
  readonly readySince: Map<string, number>;
  readonly proving: Set<string>;
  /**
   * Announcements being fetched or already checked, by hash and signer: a node's validity depends on
   * whom it is bound to, so another signer's copy of an honest proof must not shadow the honest one.
   */
  readonly seen: Set<string>;
}

/** What /status shows of one batch's tree. */
export interface TreeSnapshot {
  readonly batchId: string;
  readonly segments: number;
  readonly leaves: number;
  readonly joins: number;
  readonly joinsTotal: number;
  readonly proving: string[];
  readonly ready: string[];
  readonly top: boolean;
}

const key = (first: number, last: number): string => `${first},${last}`;

export class JoinCoordinator {
  private readonly trees = new Map<bigint, BatchTree>();
  private readonly log: Logger;
  private readonly now: () => number;
  private running = 0;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    private readonly opts: JoinCoordinatorOpts,
    private readonly m: JoinCoordinatorModules,
  ) {
    this.log = (m.logger ?? nullLogger).child({ module: "joins" });
    this.now = m.now ?? Date.now;
  }

  /** Follow a batch's tree (idempotent): its plan, segment count and randomness r (from L1's posting). */
  follow(batchId: bigint, plan: AggregationPlan, segments: number, r?: Ext): void {
    if (this.trees.has(batchId)) return;
    joinTasks(segments); // checks 1 ≤ S ≤ MAX_SEGMENTS
    this.trees.set(batchId, { batchId, plan, segments, r, held: new Map(), segmentProofs: new Map(), readySince: new Map(), proving: new Set(), seen: new Set() });
  }

  /** Stop following (finalized or timed out). */
  forget(batchId: bigint): void {
    this.trees.delete(batchId);
  }

  followed(): bigint[] {
    return [...this.trees.keys()];
  }

  /** A verified segment proof of a followed batch: its leaf becomes a task. */
  addSegment(batchId: bigint, index: number, segment: SegmentProof): void {
    const t = this.trees.get(batchId);
    if (!t || index < 0 || index >= t.segments || t.segmentProofs.has(index)) return;
    t.segmentProofs.set(index, segment);
    this.schedule();
  }

  /**
   * An announced node: ignored unless it is a node of a followed batch's canonical tree we do not hold
   * yet; else fetched from its signer, verified as that node bound to the signer, kept if valid
   * (the first valid wins), the signer penalised if not.
   */
  async onAnnouncement(a: NodeAnnouncement): Promise<"valid" | "invalid" | "ignored"> {
    const t = this.trees.get(a.batchId);
    if (!t) return "ignored";
    const kind = a.first <= a.last && a.last < t.segments ? isTreeNode(t.segments, a.first, a.last) : null;
    if (kind === null) {
      this.m.penalize(a.signer, `announced [${a.first}, ${a.last}], not a node of batch ${a.batchId}'s tree of ${t.segments}`);
      this.m.onEvent?.({ type: "received", kind: a.first === a.last ? "leaf" : "join", verdict: "invalid" });
      return "invalid";
    }
    const k = key(a.first, a.last);
    const hash = a.proofHash.toLowerCase() as Hex;
    const seenKey = `${hash}:${a.signer.toLowerCase()}`;
    if (t.held.has(k) || t.seen.has(seenKey)) return "ignored";
    t.seen.add(seenKey);
    let bytes: Uint8Array;
    try {
      bytes = await this.m.fetch(hash, a.signer);
    } catch (err) {
      t.seen.delete(seenKey); // a fetch failure is no verdict: a later announcement may be fetched
      this.log.debug("Tree node not fetched", { batchId: a.batchId.toString(), span: k, error: (err as Error).message });
      return "ignored";
    }
    let node: NodeProof;
    try {
      node = decodeNodeProof(bytes, hexToBytes(a.signer));
      this.m.verify(t.plan, node, { kind, batchId: a.batchId, segments: t.segments, first: a.first, last: a.last, ...(t.r ? { r: t.r } : {}) });
    } catch (err) {
      const reason = `invalid ${kind} [${a.first}, ${a.last}] of batch ${a.batchId}: ${(err as Error).message.slice(0, 200)}`;
      this.log.warn("Invalid tree node rejected", { signer: a.signer, reason });
      this.m.penalize(a.signer, reason);
      this.m.onEvent?.({ type: "received", kind, verdict: "invalid" });
      return "invalid";
    }
    if (this.trees.get(a.batchId) !== t || t.held.has(k)) {
      this.m.onEvent?.({ type: "received", kind, verdict: "late" });
      return "ignored";
    }
    t.held.set(k, { node, hash, bytes, prover: a.signer });
    this.m.onEvent?.({ type: "received", kind, verdict: "valid" });
    this.log.info("Tree node received", { batchId: a.batchId.toString(), kind, first: a.first, last: a.last, prover: a.signer });
    this.schedule();
    return "valid";
  }

  /** Start whatever tasks this node should prove now (call on a timer too: takeovers are time-based). */
  tick(): void {
    this.schedule();
  }

  /** The finished tree of a batch: its top (covering every segment) and the join provers in pre-order. */
  top(batchId: bigint): { top: NodeProof; joinProvers: Uint8Array[] } | null {
    const t = this.trees.get(batchId);
    if (!t) return null;
    const top = t.held.get(key(0, t.segments - 1));
    if (!top) return null;
    const joins = joinTasks(t.segments).sort((a, b) => a.slot - b.slot);
    const provers: Uint8Array[] = [];
    for (const j of joins) {
      const h = t.held.get(key(j.first, j.last));
      if (!h) return null;
      provers.push(h.node.proverAddress);
    }
    return { top: top.node, joinProvers: provers };
  }

  /** The held node of a span (own or received), for serving and tests. */
  held(batchId: bigint, first: number, last: number): { node: NodeProof; hash: Hex; prover: Address } | null {
    const h = this.trees.get(batchId)?.held.get(key(first, last));
    return h ? { node: h.node, hash: h.hash, prover: h.prover } : null;
  }

  snapshot(): TreeSnapshot[] {
    const now = this.now();
    return [...this.trees.values()].map((t) => {
      const joins = joinTasks(t.segments);
      const ready = [...t.readySince.entries()].filter(([k]) => !t.held.has(k)).map(([k, since]) => `[${k}] ${Math.round((now - since) / 1000)}s`);
      return {
        batchId: t.batchId.toString(), segments: t.segments,
        leaves: Array.from({ length: t.segments }, (_, i) => key(i, i)).filter((k) => t.held.has(k)).length,
        joins: joins.filter((j) => t.held.has(key(j.first, j.last))).length, joinsTotal: joins.length,
        proving: [...t.proving].map((k) => `[${k}]`), ready, top: t.held.has(key(0, t.segments - 1)),
      };
    });
  }

  /** Resolves when no proving is in flight. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    this.closed = true;
  }

  // ------------------------------------------------------------ internals

  private schedule(): void {
    if (this.closed) return;
    const now = this.now();
    for (const t of this.trees.values()) {
      for (const task of this.tasksOf(t)) {
        const k = key(task.first, task.last);
        if (t.held.has(k) || t.proving.has(k)) continue;
        if (!t.readySince.has(k)) t.readySince.set(k, now);
        const mine = bytesEqual(hexToBytes(task.assignee), hexToBytes(this.m.self));
        const takeover = !mine && now - t.readySince.get(k)! >= this.opts.takeoverMs;
        if (!mine && !takeover) continue;
        if (this.running >= this.opts.maxConcurrent) return;
        this.start(t, task, k, takeover);
      }
    }
  }

  /** Ready tasks of a tree: leaves over held segment proofs, joins over two held children. */
  private tasksOf(t: BatchTree): { first: number; last: number; assignee: Address; run: () => Promise<NodeProof> }[] {
    const out: { first: number; last: number; assignee: Address; run: () => Promise<NodeProof> }[] = [];
    for (const [i, seg] of t.segmentProofs) {
      out.push({ first: i, last: i, assignee: toHex(seg.proverAddress) as Address, run: () => this.m.proveLeaf(t.plan, seg) });
    }
    for (const j of joinTasks(t.segments) as JoinTask[]) {
      const l = t.held.get(key(j.left[0], j.left[1])), r = t.held.get(key(j.right[0], j.right[1]));
      if (l && r) out.push({ first: j.first, last: j.last, assignee: l.prover, run: () => this.m.proveJoin(t.plan, l.node, r.node, t.segments) });
    }
    return out;
  }

  private start(t: BatchTree, task: { first: number; last: number; run: () => Promise<NodeProof> }, k: string, takeover: boolean): void {
    const kind = task.first === task.last ? "leaf" : "join";
    t.proving.add(k);
    this.running++;
    const t0 = this.now();
    this.log.info(takeover ? "Proving a tree node nobody delivered" : "Proving a tree node", { batchId: t.batchId.toString(), kind, first: task.first, last: task.last });
    const p = (async () => {
      try {
        const node = await task.run();
        const ms = this.now() - t0;
        this.m.onEvent?.({ type: "proved", kind, ms, takeover });
        if (this.trees.get(t.batchId) !== t || t.held.has(k)) return; // someone was faster
        const bytes = encodeNodeProof(node);
        const hash = nodeProofHash(bytes);
        t.held.set(k, { node, hash, bytes, prover: this.m.self });
        t.seen.add(`${hash}:${this.m.self.toLowerCase()}`);
        this.log.info("Tree node proven", { batchId: t.batchId.toString(), kind, first: task.first, last: task.last, ms });
        await this.m.announce({ batchId: t.batchId, first: task.first, last: task.last, proofHash: hash, size: bytes.length }, bytes).catch((err: Error) =>
          this.log.warn("Tree node not announced", { error: err.message }),
        );
      } catch (err) {
        const error = (err as Error).message.slice(0, 300);
        this.m.onEvent?.({ type: "failed", kind, error });
        this.log.warn("Tree node not proven", { batchId: t.batchId.toString(), kind, first: task.first, last: task.last, error });
      } finally {
        t.proving.delete(k);
        this.running--;
        this.schedule();
      }
    })();
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** The encoded bytes of a held node by hash (what `proof/1` serves for the tree). */
  bytesOf(hash: Hex): Uint8Array | null {
    const h = hash.toLowerCase();
    for (const t of this.trees.values()) for (const held of t.held.values()) if (held.hash === h) return held.bytes;
    return null;
  }
}
