import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { multiaddr } from "@multiformats/multiaddr";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { generatePrivateKey } from "viem/accounts";
import { createP2pNetwork, MemoryStakeOracle, P2pError, topicId, type P2pNetwork } from "../../src/p2p/index.js";
import { loadOrCreatePeerKey } from "../../src/p2p/identity.js";
import { eventually, startNode, stopAll, testOpts } from "./helpers.js";

describe("p2p restart with the same data directory", function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "p2p-restart-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps its peer id and rejoins the mesh", async () => {
    const oracle = new MemoryStakeOracle();
    const stakingKey = generatePrivateKey();
    let boot: P2pNetwork | undefined, other: P2pNetwork | undefined, node: P2pNetwork | undefined;
    try {
      boot = await startNode(oracle);
      const bootstrap = [boot.multiaddrs()[0]!];
      other = await startNode(oracle, { bootstrap });
      const statusTopic = topicId("test", "status");
      const capacities: number[] = [];
      other.onMessage((m) => {
        if (m.message.body.kind === "status") capacities.push(m.message.body.capacity);
      });

      node = await startNode(oracle, { bootstrap, dataDir: dir }, { stakingKey });
      const firstId = node.peerId;
      await eventually("mesh before restart", () => other!.host.services.pubsub.getSubscribers(statusTopic).length >= 2);
      await node.publish({ kind: "status", nodeVersion: "0.1.0", backend: "js", capacity: 1, queued: 0 });
      await eventually("message before restart", () => capacities.includes(1));
      const known = (await node.host.peerStore.all()).map((p) => p.id.toString());
      assert.ok(known.includes(other.peerId));
      await node.stop();

      // Restart with WebSockets as well, and check a peer can reach it over them.
      const listenAddresses = ["/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"];
      node = createP2pNetwork(testOpts({ bootstrap, dataDir: dir, listenAddresses }), { oracle, stakingKey });
      await node.start();
      assert.equal(node.peerId, firstId, "same peer id after restart");
      const ws = node.multiaddrs().find((a) => a.includes("/ws/"));
      assert.ok(ws !== undefined, `a WebSocket address in ${node.multiaddrs().join(" ")}`);
      await boot.host.hangUp(node.host.peerId);
      const conn = await boot.host.dial(multiaddr(ws));
      assert.ok(conn.remoteAddr.toString().includes("/ws"));
      const remembered = (await node.host.peerStore.all()).map((p) => p.id.toString());
      assert.ok(remembered.includes(other.peerId), "peer store persisted in the data directory");
      await eventually("rejoined the mesh", () =>
        other!.host.services.pubsub.getSubscribers(statusTopic).some((p) => p.toString() === firstId),
      );
      await node.publish({ kind: "status", nodeVersion: "0.1.0", backend: "js", capacity: 2, queued: 0 });
      await eventually("message after restart", () => capacities.includes(2));
    } finally {
      await stopAll([node, other, boot]);
    }
  });

  it("takes its identity from peerKeyFile when given (the node's p2p.peerKeyFile), else from the data directory", async () => {
    const oracle = new MemoryStakeOracle();
    const keyDir = await mkdtemp(join(tmpdir(), "p2p-keyfile-"));
    let node: P2pNetwork | undefined;
    try {
      const file = join(keyDir, "elsewhere", "my-peer-key");
      const { key } = await loadOrCreatePeerKey(file);
      const expected = peerIdFromPrivateKey(key).toString();
      node = createP2pNetwork(testOpts({ dataDir: keyDir, peerKeyFile: file }), { oracle, stakingKey: generatePrivateKey() });
      await node.start();
      assert.equal(node.peerId, expected);
      await node.stop();
      // Without peerKeyFile: <dataDir>/p2p/peer-key, created on first start — another identity.
      node = createP2pNetwork(testOpts({ dataDir: keyDir }), { oracle, stakingKey: generatePrivateKey() });
      await node.start();
      assert.notEqual(node.peerId, expected);
      assert.equal(node.peerId, peerIdFromPrivateKey((await loadOrCreatePeerKey(join(keyDir, "p2p", "peer-key"))).key).toString());
    } finally {
      await stopAll([node]);
      await rm(keyDir, { recursive: true, force: true });
    }
  });

  it("refuses a key file it cannot read instead of making a new identity", async () => {
    const path = join(dir, "bad-key");
    await writeFile(path, new Uint8Array([1, 2, 3]));
    await assert.rejects(loadOrCreatePeerKey(path), (err: unknown) => err instanceof P2pError && err.code === "P2P_IDENTITY");
  });
});
