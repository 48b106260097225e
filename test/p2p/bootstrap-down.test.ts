/**
 * Regression (chaos seed 1, ci): a node whose bootstrap peer cannot be reached redials it from the
 * maintenance task and logs the failure at debug level. That log call lost its `this` and threw inside
 * the dial's catch handler — an unhandled rejection that killed the node process as soon as a bootstrap
 * dial failed (the chaos run's partitioned node, a node whose sequencer restarts).
 */
import { strict as assert } from "node:assert";
import { Writable } from "node:stream";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { freePort } from "../../src/chain/anvil.js";
import { createPinoLogger } from "../../src/util/logger-pino.js";
import { MemoryStakeOracle, type P2pNetwork } from "../../src/p2p/index.js";
import { startNode } from "./helpers.js";

describe("p2p: an unreachable bootstrap peer", function () {
  this.timeout(30_000);

  it("is redialled and logged with a real (pino) logger, without an unhandled rejection", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString("utf8")), done()) });
    const logger = createPinoLogger({ level: "debug", pretty: false, destination: sink as never });
    const rejections: unknown[] = [];
    const onRejection = (r: unknown): void => void rejections.push(r);
    process.on("unhandledRejection", onRejection);
    const gone = `/ip4/127.0.0.1/tcp/${await freePort()}/p2p/${peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString()}`;
    let net: P2pNetwork | undefined;
    try {
      net = await startNode(new MemoryStakeOracle(), { bootstrap: [gone], maintainIntervalMs: 200 }, { logger });
      await new Promise((r) => setTimeout(r, 2_000));
      const failures = lines.filter((l) => l.includes("Bootstrap dial failed"));
      assert.ok(failures.some((l) => l.includes('"level":20')), `a quiet (debug) redial failure was logged: ${failures.length} lines`);
      assert.deepEqual(rejections.map(String), [], "no unhandled rejection");
    } finally {
      process.off("unhandledRejection", onRejection);
      await net?.stop();
    }
  });
});
