/**
 * The chaos devnet's pure parts (docs/reliability.md): the seeded schedule, the slash explanations,
 * the resource trends and the report's per-node figures, the flaky RPC proxy against a fake upstream,
 * and the devnet's start-up patience.
 */
import { strict as assert } from "node:assert";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CI_PROFILE,
  SOAK_PROFILE,
  FaultLog,
  FlakyRpcProxy,
  NO_RPC_FAULTS,
  chaosSchedule,
  explainSlash,
  formatSchedule,
  maxOverlap,
} from "../../../src/cli/devnet/chaos/index.js";
import { perNodeResources } from "../../../src/cli/devnet/chaos/report.js";
import { ResourceMonitor, type ResourceSample } from "../../../src/cli/devnet/chaos/resources.js";
import { NODE_START_TIMEOUT_MS } from "../../../src/cli/devnet/devnet.js";
import { STARTUP_RPC_RETRY_MS } from "../../../src/node/node.js";

const T0 = 1_000_000;
const o = { restartGraceMs: 20_000, fetchTimeoutMs: 10_000 };

describe("chaos: schedule", () => {
  it("is reproducible from the seed and differs between seeds", () => {
    const p = { seed: 42, profile: SOAK_PROFILE, nodes: 3, durationMs: 3_600_000 };
    assert.deepEqual(formatSchedule(chaosSchedule(p)), formatSchedule(chaosSchedule({ ...p })));
    assert.notDeepEqual(formatSchedule(chaosSchedule(p)), formatSchedule(chaosSchedule({ ...p, seed: 43 })));
  });

  it("soak: many kinds over the hour, quiet in its last 10 %, one node fault per node at a time, never every node down", () => {
    for (const seed of [1, 2, 3]) {
      const s = chaosSchedule({ seed, profile: SOAK_PROFILE, nodes: 3, durationMs: 3_600_000 });
      assert.ok(s.length > 30, `seed ${seed}: ${s.length} faults`);
      assert.ok(new Set(s.map((f) => f.kind)).size >= 10, `seed ${seed}: kinds`);
      assert.ok(s.every((f) => f.atMs < 0.9 * 3_600_000));
      assert.deepEqual(s.map((f) => f.id), s.map((_, i) => i + 1));
      const downing = s.filter((f) => f.kind === "kill" || f.kind === "crash-mid-proof");
      for (const f of downing) {
        const othersDown = downing.filter((g) => g !== f && g.node !== f.node && g.atMs <= f.atMs && f.atMs < g.atMs + g.durationMs).map((g) => g.node);
        assert.ok(new Set(othersDown).size < 2, `seed ${seed}: fault #${f.id} would take the last node down`);
      }
      for (let node = 0; node < 3; node++) {
        const mine = s.filter((f) => f.node === node).sort((a, b) => a.atMs - b.atMs);
        for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.atMs >= mine[i - 1]!.atMs + mine[i - 1]!.durationMs, `seed ${seed}: node ${node} carries two faults at once`);
      }
    }
  });

  it("ci: eight kinds in the first minute, at least four of them at once", () => {
    for (const seed of [1, 7, 99]) {
      const s = chaosSchedule({ seed, profile: CI_PROFILE, nodes: 3, durationMs: 0 });
      assert.equal(new Set(s.map((f) => f.kind)).size, 8);
      assert.ok(s.every((f) => f.atMs < 60_000));
      assert.ok(maxOverlap(s).kinds.length >= 4, `seed ${seed}: ${maxOverlap(s).kinds.join(", ")}`);
    }
  });
});

describe("chaos: which fault explains a slash", () => {
  function log(): FaultLog {
    const l = new FaultLog();
    l.processStarted(0, 100, "", T0);
    l.processStarted(1, 101, "", T0);
    return l;
  }

  it("an honest node (no fault of its own) is never explained, whatever else happened", () => {
    const l = log();
    l.partitionStarted(0, T0 + 1_000);
    l.partitionEnded(0, T0 + 11_000); // shorter than the window
    l.processEnded(1, 101, "killed", T0 + 2_000); // another node's kill
    const now = T0 + 200_000;
    assert.equal(explainSlash(l, { kind: "expired", node: 0, lockMs: T0, deadlineMs: T0 + 45_000 }, o, now), null);
    assert.equal(explainSlash(l, { kind: "challenged", node: 0, committedMs: T0 + 10_000 }, o, now), null);
    assert.equal(explainSlash(l, { kind: "unavailable", node: 0, committedMs: T0 + 10_000, reportedMs: T0 + 20_000, deadlineMs: T0 + 35_000 }, o, now), null);
    assert.equal(explainSlash(l, { kind: "liveness", node: 0, windowStartMs: T0, windowEndMs: T0 + 30_000 }, o, now), null);
  });

  it("a kill explains an expired lock only when the node came back too late for the deadline", () => {
    const l = log();
    l.processEnded(0, 100, "killed", T0 + 5_000);
    l.processStarted(0, 200, "", T0 + 10_000); // back 35 s before the deadline: should have made it
    assert.equal(explainSlash(l, { kind: "expired", node: 0, lockMs: T0, deadlineMs: T0 + 45_000 }, o, T0 + 100_000), null);
    const l2 = log();
    l2.processEnded(0, 100, "killed", T0 + 5_000);
    l2.processStarted(0, 200, "", T0 + 80_000); // a long kill, past the deadline
    assert.match(explainSlash(l2, { kind: "expired", node: 0, lockMs: T0, deadlineMs: T0 + 45_000 }, o, T0 + 100_000) ?? "", /node 0 was down/);
  });

  it("behaviour faults explain only their own kind of slash, in the process that ran them", () => {
    const l = log();
    l.processEnded(0, 100, "stopped", T0 + 1_000);
    l.processStarted(0, 300, "invalid-proof", T0 + 2_000);
    l.processEnded(0, 300, "stopped", T0 + 60_000);
    l.processStarted(0, 301, "", T0 + 61_000);
    const now = T0 + 200_000;
    assert.match(explainSlash(l, { kind: "challenged", node: 0, committedMs: T0 + 30_000 }, o, now) ?? "", /invalid-proof \(pid 300/);
    // committed by the clean process after the fault: not explained
    assert.equal(explainSlash(l, { kind: "challenged", node: 0, committedMs: T0 + 90_000 }, o, now), null);
    // invalid-proof does not explain a withheld proof
    assert.equal(explainSlash(l, { kind: "unavailable", node: 0, committedMs: T0 + 30_000, reportedMs: T0 + 40_000, deadlineMs: T0 + 55_000 }, o, now), null);
  });

  it("a partition explains a liveness penalty only when it outlasts the whole window", () => {
    const short = log();
    short.partitionStarted(0, T0);
    short.partitionEnded(0, T0 + 15_000);
    assert.equal(explainSlash(short, { kind: "liveness", node: 0, windowStartMs: T0 + 2_000, windowEndMs: T0 + 32_000 }, o, T0 + 100_000), null);
    const long = log();
    long.partitionStarted(0, T0);
    long.partitionEnded(0, T0 + 40_000);
    assert.match(explainSlash(long, { kind: "liveness", node: 0, windowStartMs: T0 + 2_000, windowEndMs: T0 + 32_000 }, o, T0 + 100_000) ?? "", /partitioned/);
  });
});

describe("chaos: resources", () => {
  const sample = (t: number, node: number, pid: number, mib: number, fds: number): ResourceSample => ({ t, node, pid, rssBytes: mib * 2 ** 20, fds });

  it("flags a process whose RSS keeps growing, not a flat one, and not a young one", () => {
    const opts = { warmupMs: 60_000, windowMs: 120_000, minLifeMs: 600_000, maxRssGrowth: 0.5, minRssGrowthBytes: 64 * 2 ** 20, maxFdGrowth: 50 };
    const m = new ResourceMonitor(opts, 0);
    for (let t = 0; t <= 900_000; t += 10_000) {
      m.samples.push(sample(t, 0, 10, 200 + (t % 30_000 === 0 ? 5 : 0), 40)); // flat with noise
      m.samples.push(sample(t, 1, 11, 200 + t / 3_000, 40)); // +300 MiB over 15 min
      if (t <= 300_000) m.samples.push(sample(t, 2, 12, 200 + t / 1_000, 40)); // grows, but lived 5 min only
      m.samples.push(sample(t, 0, 13, 100, 40 + Math.floor(t / 5_000))); // leaks descriptors
    }
    const byPid = new Map(m.trends().map((x) => [x.trend.pid, x]));
    assert.equal(byPid.get(10)!.problem, null);
    assert.match(byPid.get(11)!.problem ?? "", /RSS grew/);
    assert.equal(byPid.get(12)!.problem, null);
    assert.match(byPid.get(13)!.problem ?? "", /descriptors grew/);
    assert.ok(byPid.get(11)!.trend.rssSlopeMiBPerHour > 1000);
  });

  it("per node across restarts: lives, first/last/min/max and the longest life", () => {
    const samples = [sample(0, 0, 10, 100, 30), sample(10_000, 0, 10, 150, 35), sample(20_000, 0, 20, 90, 28), sample(30_000, 0, 20, 120, 31), sample(0, 1, 11, 200, 40)];
    const m = new ResourceMonitor({ warmupMs: 0, windowMs: 10_000, minLifeMs: 1e9, maxRssGrowth: 1, minRssGrowthBytes: 0, maxFdGrowth: 1e9 }, 0);
    m.samples.push(...samples);
    const [n0, n1] = perNodeResources(samples, m.trends().map((t) => t.trend));
    assert.equal(n0!.lives, 2);
    assert.deepEqual(n0!.rssMiB, { first: 100, last: 120, min: 90, max: 150 });
    assert.deepEqual(n0!.fds, { first: 30, last: 31, min: 28, max: 35 });
    assert.equal(n1!.lives, 1);
    assert.ok(n0!.longestLife !== null);
  });
});

describe("chaos: the flaky RPC proxy", () => {
  let upstream: Server;
  let received: string[];
  before(async () => {
    received = [];
    upstream = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push(body);
        const { id } = JSON.parse(body) as { id: number };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x1" }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  });
  after(() => new Promise<void>((r) => upstream.close(() => r())));

  const call = (url: string, method: string, id: number) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id, method, params: [] }) });

  it("forwards unchanged when quiet; sent-then-timeout forwards the transaction and never answers", async () => {
    const proxy = await FlakyRpcProxy.start(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, 1);
    try {
      proxy.setRates(NO_RPC_FAULTS);
      const r = await call(proxy.url, "eth_blockNumber", 1);
      assert.deepEqual(await r.json(), { jsonrpc: "2.0", id: 1, result: "0x1" });
      proxy.setRates({ ...NO_RPC_FAULTS, sentThenTimeout: 1 });
      received.length = 0;
      await assert.rejects(call(proxy.url, "eth_sendRawTransaction", 2));
      assert.equal(received.length, 1, "the transaction reached the upstream");
      assert.equal(proxy.stats.faults.sentThenTimeout, 1);
      proxy.setRates({ ...NO_RPC_FAULTS, error: 1 });
      received.length = 0;
      const e = await call(proxy.url, "eth_call", 3);
      assert.ok(e.status === 503 || e.status === 429 || ((await e.json()) as { error?: unknown }).error !== undefined);
      assert.equal(received.length, 0, "an error is answered without forwarding");
    } finally {
      await proxy.stop();
    }
  });
});

describe("devnet: start-up patience", () => {
  it("waits for a node at least as long as the node waits out a flaky RPC at start (chaos seed 1: a restarted node was declared dead after 60 s while it was still retrying)", () => {
    assert.ok(NODE_START_TIMEOUT_MS > STARTUP_RPC_RETRY_MS, `${NODE_START_TIMEOUT_MS} ≤ ${STARTUP_RPC_RETRY_MS}`);
  });
});
