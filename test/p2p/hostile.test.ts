import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  createP2pMetrics,
  encodeSigned,
  MemoryStakeOracle,
  P2pError,
  topicId,
  type GossipBody,
  type P2pNetwork,
  type VerdictEvent,
} from "../../src/p2p/index.js";
import { eventually, MemoryMetrics, startNode, stopAll } from "./helpers.js";

const status = (capacity: number): GossipBody => ({ kind: "status", nodeVersion: "0.1.0", backend: "js", capacity, queued: 0 });

describe("p2p hostile peer", function () {
  this.timeout(90_000);

  it("rejects and does not forward its messages, rate-limits, scores, disconnects and bans it; honest traffic flows", async () => {
    const oracle = new MemoryStakeOracle();
    const metrics = new MemoryMetrics();
    let a: P2pNetwork | undefined, b: P2pNetwork | undefined, c: P2pNetwork | undefined, h: P2pNetwork | undefined;
    let honestTimer: NodeJS.Timeout | undefined;
    try {
      b = await startNode(
        oracle,
        { reqresp: { rateLimitBurst: 5, rateLimitPerSecond: 1 }, scoring: { rateLimitedPenalty: -5 } },
        { metrics: createP2pMetrics(metrics) },
      );
      const bootstrap = [b.multiaddrs()[0]!];
      a = await startNode(oracle, { bootstrap });
      c = await startNode(oracle, { bootstrap });
      const hostileKey = generatePrivateKey();
      h = await startNode(oracle, { bootstrap }, { stakingKey: hostileKey });
      const [A, B, C, H] = [a, b, c, h];
      const hId = H.peerId;

      const atB: VerdictEvent[] = [];
      const atC: VerdictEvent[] = [];
      B.onVerdict((e) => atB.push(e));
      C.onVerdict((e) => atC.push(e));
      const honestAtC: number[] = [];
      C.onMessage((m) => {
        if (m.message.signer === A.address && m.message.body.kind === "status") honestAtC.push(m.message.body.capacity);
      });

      const statusTopic = topicId("test", "status");
      await eventually("B sees A, C and H subscribed", () => B.host.services.pubsub.getSubscribers(statusTopic).length >= 3);
      await eventually("H has B as a topic peer", () => H.host.services.pubsub.getSubscribers(statusTopic).some((p) => p.equals(B.host.peerId)));

      // Honest traffic all along.
      let sent = 0;
      honestTimer = setInterval(() => {
        A.publish(status(++sent)).catch(() => {});
      }, 150);

      // Phase 1: junk gossip straight from H's gossipsub, bypassing its own signing.
      const raw = (bytes: Uint8Array): Promise<unknown> => H.host.services.pubsub.publish(statusTopic, bytes);
      const good = await encodeSigned("test", status(7), hostileKey, H.address, Date.now());
      const badSignature = good.slice();
      badSignature[good.length - 65 - 3] ^= 0x01; // payload changed after signing
      const stranger = generatePrivateKey();
      const unregistered = await encodeSigned("test", status(8), stranger, privateKeyToAccount(stranger).address, Date.now());
      const oversized = new Uint8Array(4096).fill(1);
      const malformed = Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 0xff);
      const truncated = good.subarray(0, good.length - 1);
      const wrongTopic = await encodeSigned(
        "test",
        { kind: "lockIntent", batchId: 1n, segmentIndex: 0, expiresAt: Date.now() + 60_000 },
        hostileKey,
        H.address,
        Date.now(),
      );

      for (const bytes of [badSignature, unregistered, malformed]) await raw(bytes);
      await eventually("B rejected the first three", () => atB.filter((e) => e.from === hId && e.verdict === "reject").length >= 3);
      await eventually("H's gossipsub score at B is negative", () => B.gossipScore(hId) < 0);
      const appScore = B.scores.score(hId);
      assert.ok(appScore < -29 && appScore > -50, `app score ${appScore}`);

      for (const bytes of [oversized, truncated, wrongTopic]) await raw(bytes);
      await eventually("B rejected all six", () => atB.filter((e) => e.from === hId && e.verdict === "reject").length >= 6);
      const reasons = new Set(atB.filter((e) => e.from === hId).map((e) => e.reason));
      for (const r of ["bad_signature", "unregistered", "malformed", "too_large", "wrong_topic"]) assert.ok(reasons.has(r), `reason ${r} in ${[...reasons]}`);
      await eventually("B disconnected H", () => B.host.getConnections(H.host.peerId).length === 0, 10_000);
      assert.equal(B.isBanned(hId), false, "disconnected, not yet banned");

      // Phase 2: a request flood. H keeps redialling; B answers RATE_LIMITED, penalises, then bans.
      let rateLimited = 0;
      let refused = 0;
      for (let i = 0; i < 60 && !B.isBanned(hId); i++) {
        try {
          await H.requestStatus(B.peerId);
        } catch (err) {
          assert.ok(err instanceof P2pError);
          if ((err.type as { reason?: string }).reason === "rate_limited") rateLimited++;
          else refused++;
        }
      }
      assert.ok(rateLimited >= 1, `rate limited ${rateLimited} times (refused ${refused})`);
      await eventually("B banned H", () => B.isBanned(hId), 10_000);
      assert.ok(B.scores.score(hId) <= -100);
      await eventually("H is not connected to B", () => B.host.getConnections(H.host.peerId).length === 0, 10_000);
      await H.host.dial(B.host.peerId, { force: true }).catch(() => {});
      // The dial may complete on H's side before B's connection gater closes it: what matters is
      // that B never holds a connection to H and H's ends up closed.
      for (let i = 0; i < 10; i++) {
        assert.equal(B.host.getConnections(H.host.peerId).length, 0, "B accepted a banned peer");
        await new Promise((r) => setTimeout(r, 50));
      }
      await eventually("H's redial was closed by B", () => H.host.getConnections(B.host.peerId).length === 0, 10_000);

      // Nothing H sent was forwarded by B to C.
      assert.equal(atC.filter((e) => e.from === B.peerId && e.verdict === "reject").length, 0, "B forwarded junk to C");
      // Honest traffic kept flowing, including after the ban.
      const sentBeforeCheck = sent;
      await eventually("C received A's status messages up to now", () => honestAtC.includes(sentBeforeCheck), 15_000);
      assert.ok(honestAtC.length >= sentBeforeCheck * 0.9, `C got ${honestAtC.length} of ${sentBeforeCheck}`);

      assert.ok(metrics.get("prover_p2p_gossip_messages_total", { topic: "status", verdict: "reject" }) >= 5);
      assert.ok(metrics.get("prover_p2p_gossip_messages_total", { topic: "status", verdict: "accept" }) >= 1);
      assert.ok(metrics.get("prover_p2p_score_actions_total", { action: "ban" }) >= 1);
      assert.ok(metrics.get("prover_p2p_reqresp_requests_total", { protocol: "status", direction: "inbound", outcome: "rate_limited" }) >= 1);
    } finally {
      clearInterval(honestTimer);
      await stopAll([a, b, c, h]);
    }
  });
});
