import assert from "node:assert/strict";
import { MemoryContentStore, MemoryStakeOracle, TOPIC_NAMES, topicId, type GossipBody, type P2pNetwork, type ReceivedMessage } from "../../src/p2p/index.js";
import { contentHash } from "../../src/p2p/content.js";
import { eventually, startNode, stopAll } from "./helpers.js";

const HASH = `0x${"ab".repeat(32)}` as const;

/** One message of every kind, so every topic is exercised. */
function samples(i: number): GossipBody[] {
  return [
    { kind: "proofAvailable", batchId: BigInt(i), segmentIndex: 1, proofHash: HASH, size: 1000 },
    { kind: "witnessAvailable", batchId: BigInt(i), segmentIndex: 2, witnessHash: HASH, size: 2000 },
    { kind: "status", nodeVersion: "0.1.0", backend: "js", capacity: i, queued: 0 },
    { kind: "aggregateProgress", batchId: BigInt(i), collected: 1, total: 4 },
    { kind: "lockIntent", batchId: BigInt(i), segmentIndex: 3, expiresAt: Date.now() + 60_000 },
  ];
}

describe("p2p mesh: 6 nodes through one bootstrap node", function () {
  this.timeout(90_000);
  const oracle = new MemoryStakeOracle();
  const nodes: P2pNetwork[] = [];
  let boot: P2pNetwork | undefined;
  const received = new Map<P2pNetwork, ReceivedMessage[]>();

  before(async () => {
    boot = await startNode(oracle);
    const bootAddr = boot.multiaddrs()[0]!;
    for (let i = 0; i < 6; i++) {
      const n = await startNode(oracle, { bootstrap: [bootAddr] });
      nodes.push(n);
    }
    for (const n of [boot, ...nodes]) {
      const list: ReceivedMessage[] = [];
      received.set(n, list);
      n.onMessage((m) => list.push(m));
    }
  });

  after(async () => {
    await stopAll([boot, ...nodes]);
  });

  it("every node discovers every other node through the DHT", async () => {
    const all = [boot!, ...nodes];
    await eventually(
      "every node knows the 6 others in its peer store",
      async () => {
        for (const n of nodes) {
          const known = new Set((await n.host.peerStore.all()).map((p) => p.id.toString()));
          for (const other of all) if (other !== n && !known.has(other.peerId)) return false;
        }
        return true;
      },
      40_000,
      200,
    );
    // Discovery leads to connections beyond the bootstrap node (dials of discovered peers are
    // asynchronous: on a loaded machine they can trail the peer-store entries by a moment).
    await eventually("every node connected beyond the bootstrap node", () => nodes.every((n) => n.connectedPeers().length >= 2), 20_000, 200).catch(() => undefined);
    for (const n of nodes) assert.ok(n.connectedPeers().length >= 2, `${n.peerId} has ${n.connectedPeers().length} peers`);
  });

  it("every gossip message reaches every subscriber", async () => {
    const all = [boot!, ...nodes];
    await eventually(
      "each node sees subscribers on every topic",
      () => all.every((n) => TOPIC_NAMES.every((t) => n.host.services.pubsub.getSubscribers(topicId("test", t)).length >= 1)),
      20_000,
    );
    for (const list of received.values()) list.length = 0;
    const expected = new Set<string>();
    for (let i = 0; i < all.length; i++) {
      for (const body of samples(i)) {
        await all[i]!.publish(body);
        expected.add(`${all[i]!.address}/${body.kind}`);
      }
    }
    await eventually(
      "every node received every message of the others",
      () =>
        all.every((n) => {
          const got = new Set(received.get(n)!.map((m) => `${m.message.signer}/${m.message.body.kind}`));
          return [...expected].every((k) => k.startsWith(n.address) || got.has(k));
        }),
      30_000,
      100,
    );
    const first = received.get(nodes[5]!)!.find((m) => m.message.body.kind === "proofAvailable" && m.message.signer === boot!.address);
    assert.deepEqual(first?.message.body, samples(0)[0]);
    assert.equal(first?.topic, "proofs");
  });

  it("fetches a 5 MB witness from a provider found through the DHT, not connected before", async () => {
    const store = new MemoryContentStore();
    const witness = new Uint8Array(5 * 1024 * 1024);
    for (let i = 0; i < witness.length; i++) witness[i] = (i * 2654435761) >>> 24;
    const hash = store.put(witness);
    const provider = await startNode(oracle, { bootstrap: [boot!.multiaddrs()[0]!], targetPeers: 1 }, { stores: { witness: store } });
    const requester = nodes[3]!;
    try {
      await eventually("provider's routing table has peers", () => provider.routingTableSize() > 0, 20_000);
      await provider.provide(hash);
      // The requester must not be connected to the provider: it finds it through the DHT.
      await requester.host.hangUp(provider.host.peerId);
      assert.equal(requester.host.getConnections(provider.host.peerId).length, 0);
      const got = await requester.fetchWitness(hash);
      assert.equal(got.length, witness.length);
      assert.equal(contentHash(got), hash);
      assert.ok(requester.host.getConnections(provider.host.peerId).length > 0, "fetched over a new connection to the provider");
    } finally {
      await provider.stop();
    }
  });
});
