/**
 * The chaos devnet's p2p partition (node/faults.ts `partition-file:<path>`), on real libp2p hosts: while
 * the file exists the node holds no connection, its dials fail and its peers' dials are refused; once
 * the file is gone it joins the mesh again and gossip flows both ways.
 */
import { strict as assert } from "node:assert";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { FaultInjector, NO_FAULTS } from "../../src/node/faults.js";
import { MemoryStakeOracle, type GossipBody, type P2pNetwork } from "../../src/p2p/index.js";
import { nullLogger } from "../../src/util/logger.js";
import { eventually, startNode, stopAll } from "./helpers.js";

const status = (capacity: number): GossipBody => ({ kind: "status", nodeVersion: "0.1.0", backend: "js", capacity, queued: 0 });

describe("p2p partition fault (partition-file)", function () {
  this.timeout(60_000);

  it("cuts a node off while the file exists and lets it rejoin afterwards", async () => {
    const dir = await mkdtemp(join(tmpdir(), "partition-"));
    const file = join(dir, "partition");
    const oracle = new MemoryStakeOracle();
    const injector = new FaultInjector({ ...NO_FAULTS, partitionFile: file }, { logger: nullLogger });
    let a: P2pNetwork | undefined, b: P2pNetwork | undefined, c: P2pNetwork | undefined;
    try {
      b = await startNode(oracle, { maintainIntervalMs: 500 });
      const bootstrap = [b.multiaddrs()[0]!];
      const key = generatePrivateKey();
      a = await startNode(oracle, { bootstrap, maintainIntervalMs: 500 }, { stakingKey: key, connectionGater: injector.connectionGater() });
      injector.watchPartition(a);
      c = await startNode(oracle, { bootstrap, maintainIntervalMs: 500 });
      const [A, B, C] = [a, b, c];
      const fromA: number[] = [];
      C.onMessage((m) => {
        if (m.message.signer === privateKeyToAccount(key).address && m.message.body.kind === "status") fromA.push(m.message.body.capacity);
      });
      await eventually("A is connected", () => A.connectedPeers().length >= 1);
      await eventually("C hears A", async () => (await A.publish(status(1)).catch(() => 0), fromA.includes(1)), 15_000, 300);

      await writeFile(file, "");
      await eventually("A dropped every connection", () => A.connectedPeers().length === 0, 5_000);
      await assert.rejects(A.host.dial(B.host.peerId, { force: true }), "A's dials are refused while partitioned");
      await B.host.dial(A.host.peerId, { force: true }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1500)); // several maintain rounds: A keeps refusing
      assert.equal(A.connectedPeers().length, 0, "A accepted or kept a connection while partitioned");
      await A.publish(status(2)).catch(() => 0);
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(!fromA.includes(2), "a message got out of the partition");

      await rm(file);
      await eventually("A reconnected after the partition", () => A.connectedPeers().length >= 1, 15_000);
      await eventually("C hears A again", async () => (await A.publish(status(3)).catch(() => 0), fromA.includes(3)), 20_000, 500);
    } finally {
      injector.close();
      await stopAll([a, b, c]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
