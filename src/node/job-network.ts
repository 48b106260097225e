/**
 * jobs/'s JobNetwork over the p2p layer: witnesses are fetched from the sequencer (by its registered peer
 * id) or any DHT provider and checked against the hash posted on L1; our proofs are served over `proof/1`
 * straight from the store, announced on the DHT and on the `proofs` gossip topic.
 */
import type { Address, Hex } from "viem";
import type { P2pNetwork } from "../p2p/index.js";
import type { ProofRecord, SegmentRecord, Store } from "../store/index.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import { splitSegmentId } from "../chain/job-adapter.js";

export interface NodeJobNetworkOpts {
  /** Give up one witness fetch after this long (the runner retries the step later). */
  fetchTimeoutMs: number;
}

export interface NodeJobNetworkModules {
  p2p: () => P2pNetwork;
  store: Store;
  /** The rollup's sequencer: asked first for witnesses. */
  sequencer: () => Promise<Address | null>;
  /** Segments whose proof this node does not serve (fault injection only; shared with the proof store). */
  withheld: Set<bigint>;
  logger?: Logger;
}

/** Serves proofs by keccak256 from the store (an index rebuilt at start, kept current on publish). */
export class ProofContentStore {
  private readonly byHash = new Map<string, bigint>();

  constructor(
    private readonly store: Store,
    private readonly withheld: ReadonlySet<bigint> = new Set(),
  ) {}

  async load(): Promise<void> {
    for (const p of await this.store.proofs.values()) this.byHash.set(p.proofHash.toLowerCase(), p.segmentId);
  }

  add(proof: ProofRecord): void {
    this.byHash.set(proof.proofHash.toLowerCase(), proof.segmentId);
  }

  async get(hash: Hex): Promise<Uint8Array | null> {
    const id = this.byHash.get(hash.toLowerCase());
    if (id === undefined || this.withheld.has(id)) return null;
    const p = await this.store.proofs.get(id);
    return p && p.proofHash.toLowerCase() === hash.toLowerCase() ? p.bytes : null;
  }
}

export class NodeJobNetwork {
  private readonly log: Logger;

  constructor(
    private readonly opts: NodeJobNetworkOpts,
    private readonly m: NodeJobNetworkModules & { proofs: ProofContentStore },
  ) {
    this.log = (m.logger ?? nullLogger).child({ module: "job-network" });
  }

  async fetchWitness(_job: unknown, segment: SegmentRecord, signal: AbortSignal): Promise<Uint8Array> {
    const sequencer = await this.m.sequencer();
    const timeout = AbortSignal.timeout(this.opts.fetchTimeoutMs);
    return this.m.p2p().fetchWitness(segment.witnessHash as Hex, { signers: sequencer ? [sequencer] : [], signal: AbortSignal.any([signal, timeout]) });
  }

  async publishProof(job: { segmentId: bigint }, proof: ProofRecord, signal: AbortSignal): Promise<void> {
    if (this.m.withheld.has(job.segmentId)) {
      this.log.warn("FAULT withhold-proof: not publishing the proof", { segmentId: job.segmentId });
      return;
    }
    this.m.proofs.add(proof);
    const { batchId, index } = splitSegmentId(job.segmentId);
    const p2p = this.m.p2p();
    // Gossip first (fast path for aggregators); the DHT record helps peers that missed it.
    try {
      await p2p.publish({ kind: "proofAvailable", batchId, segmentIndex: index, proofHash: proof.proofHash as Hex, size: proof.bytes.length });
    } catch (err) {
      // No peers subscribed yet: the proof is still served on request and found through the DHT.
      this.log.debug("Proof announcement not delivered", { segmentId: job.segmentId, error: (err as Error).message });
    }
    p2p.provide(proof.proofHash as Hex, signal).catch((err: Error) => this.log.debug("DHT provide failed", { segmentId: job.segmentId, error: err.message }));
  }
}
