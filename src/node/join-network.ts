/**
 * The join coordinator on the node's p2p network (docs/aggregator.md, "Aggregation by proof trees"):
 * proven tree nodes served over `proof/1` and announced on the `joins` topic, announcements fed to the
 * coordinator, fetches from the signer first, invalid nodes penalised through the signer's peer, and
 * the leaves and joins proven with this node's backend and address.
 */
import { hexToBytes, type Address, type Hex } from "viem";
import type { P2pNetwork, ContentStore, ReceivedMessage } from "../p2p/index.js";
import type { ProverBackend } from "../stark/backend.js";
import { JoinCoordinator, type JoinCoordinatorOpts, type JoinEvent } from "../aggregator/joins.js";
import { proveJoin, proveLeaf, verifyNode } from "../recursion/plan.js";
import type { Logger } from "../util/logger.js";

export interface JoinNetworkModules {
  readonly p2p: Pick<P2pNetwork, "publish" | "fetchProof" | "penalizeSigner" | "onMessage" | "provide">;
  readonly self: Address;
  readonly backend: ProverBackend;
  readonly fetchTimeoutMs: number;
  readonly logger?: Logger;
  readonly onEvent?: (e: JoinEvent) => void;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** A coordinator wired to the mesh, and the content store that serves its nodes (chain it before the proofs'). */
export function joinNetwork(opts: JoinCoordinatorOpts, m: JoinNetworkModules): { coordinator: JoinCoordinator; store: (inner: ContentStore) => ContentStore; detach: () => void } {
  const proverAddress = hexToBytes(m.self);
  const coordinator = new JoinCoordinator(opts, {
    self: m.self,
    proveLeaf: (plan, segment) => proveLeaf(plan, segment, { proverAddress, backend: m.backend, ...(m.signal ? { signal: m.signal } : {}) }),
    proveJoin: (plan, left, right, segments) => proveJoin(plan, left, right, { proverAddress, backend: m.backend, segments, ...(m.signal ? { signal: m.signal } : {}) }),
    verify: (plan, node, expect) => void verifyNode(plan, node, expect),
    announce: async (a, _bytes) => {
      await m.p2p.publish({ kind: "aggNodeAvailable", ...a });
      await m.p2p.provide(a.proofHash, m.signal).catch(() => undefined); // DHT: a late peer finds it without the signer
    },
    fetch: (hash, signer) => {
      const timeout = AbortSignal.timeout(m.fetchTimeoutMs);
      return m.p2p.fetchProof(hash, { signers: [signer], signal: m.signal ? AbortSignal.any([m.signal, timeout]) : timeout });
    },
    penalize: (signer, reason) => void m.p2p.penalizeSigner(signer, reason).catch(() => undefined),
    ...(m.logger ? { logger: m.logger } : {}),
    ...(m.onEvent ? { onEvent: m.onEvent } : {}),
    ...(m.now ? { now: m.now } : {}),
  });
  const detach = m.p2p.onMessage(({ message }: ReceivedMessage) => {
    const b = message.body;
    if (b.kind !== "aggNodeAvailable") return;
    void coordinator.onAnnouncement({ batchId: b.batchId, first: b.first, last: b.last, proofHash: b.proofHash, signer: message.signer as Address });
  });
  const store = (inner: ContentStore): ContentStore => ({
    async get(hash: Hex) {
      return coordinator.bytesOf(hash) ?? inner.get(hash);
    },
  });
  return { coordinator, store, detach };
}
