/**
 * jobs/'s JobNetwork over the p2p layer: witnesses are fetched from the sequencer (by its registered peer
 * id) or any DHT provider and checked against the hash posted on L1; our proofs are served over `proof/1`
 * straight from the store (by hash, through the store's proof index: nothing is loaded at start),
 * announced on the DHT and on the `proofs` gossip topic.
 */
import type { Address, Hex } from "viem";
import type { JobNetwork } from "../jobs/interface.js";
import type { ContentStore, P2pNetwork } from "../p2p/index.js";
import type { ProofRecord, SegmentRecord, Store } from "../store/index.js";
import type { Logger } from "../util/logger.js";
import { nullLogger } from "../util/logger.js";
import { splitSegmentId } from "../util/segment-id.js";

/** Serves our proofs by keccak256 from the store (a point read in the proof-hash index, then the proof). */
export class ProofContentStore implements ContentStore {
  constructor(private readonly store: Store) {}

  async get(hash: Hex): Promise<Uint8Array | null> {
    return (await this.store.proofs.getByHash(hash))?.bytes ?? null;
  }
}

export interface NodeJobNetworkOpts {
  /** Give up one witness fetch after this long (the runner retries the step later). */
  fetchTimeoutMs: number;
}

export interface NodeJobNetworkModules {
  p2p: P2pNetwork;
  /** The rollup's sequencer: asked first for witnesses. */
  sequencer: () => Promise<Address | null>;
  logger?: Logger;
}

export class NodeJobNetwork implements JobNetwork {
  private readonly log: Logger;

  constructor(
    private readonly opts: NodeJobNetworkOpts,
    private readonly m: NodeJobNetworkModules,
  ) {
    this.log = (m.logger ?? nullLogger).child({ module: "job-network" });
  }

  async fetchWitness(_job: unknown, segment: SegmentRecord, signal: AbortSignal): Promise<Uint8Array> {
    const sequencer = await this.m.sequencer();
    const timeout = AbortSignal.timeout(this.opts.fetchTimeoutMs);
    return this.m.p2p.fetchWitness(segment.witnessHash as Hex, { signers: sequencer ? [sequencer] : [], signal: AbortSignal.any([signal, timeout]) });
  }

  async publishProof(job: { segmentId: bigint }, proof: ProofRecord, signal: AbortSignal): Promise<void> {
    const { batchId, index } = splitSegmentId(job.segmentId);
    // Gossip first (fast path for aggregators); the DHT record helps peers that missed it.
    try {
      await this.m.p2p.publish({ kind: "proofAvailable", batchId, segmentIndex: index, proofHash: proof.proofHash as Hex, size: proof.bytes.length });
    } catch (err) {
      // No peers subscribed yet: the proof is still served on request and found through the DHT.
      this.log.debug("Proof announcement not delivered", { segmentId: job.segmentId, error: (err as Error).message });
    }
    this.m.p2p.provide(proof.proofHash as Hex, signal).catch((err: Error) => this.log.debug("DHT provide failed", { segmentId: job.segmentId, error: err.message }));
  }
}

/** The sequencer's address for witness fetches: the stake oracle's (read once from the Rollup), or null while unreadable. */
export function sequencerOf(oracle: { sequencer(): Promise<Address> }, log: Logger): () => Promise<Address | null> {
  return async () => {
    try {
      return await oracle.sequencer();
    } catch (err) {
      log.debug("Cannot read the sequencer address", { error: (err as Error).message });
      return null;
    }
  };
}
