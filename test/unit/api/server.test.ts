import { strict as assert } from "node:assert";
import { ApiServer, type JobView, type NodeStatus, type Readiness } from "../../../src/api/index.js";
import { PromMetricsRegister } from "../../../src/util/metrics-prom.js";
import { createJobsMetrics } from "../../../src/jobs/index.js";
import { createMarketMetrics } from "../../../src/market/index.js";

describe("api: HTTP server on an ephemeral port", () => {
  const register = new PromMetricsRegister();
  const jobs = createJobsMetrics(register);
  const market = createMarketMetrics(register);
  let readiness: Readiness = { ready: false, checks: { rpc: "no RPC URL answered", store: true } };
  const status: NodeStatus = {
    version: "0.1.0", network: "devnet", address: "0x00000000000000000000000000000000000000aa", peerId: "12D3KooW…", peers: 3,
    stake: { bonded: 10n ** 21n, free: 5n * 10n ** 20n, locked: 5n * 10n ** 20n }, jobs: { proving: 1, finalized: 4 },
    earnings: { total: 123n, pending: 7n }, backend: { kind: "js", workers: 2 }, market: { breaker: "closed", minimumPrice: 600n }, uptimeSeconds: 12,
  };
  const jobView: JobView = { segmentId: (3n << 32n) | 1n, batchId: 3n, index: 1, state: "published", proofHash: "0xab", txs: { lock: "0x01", commit: "0x02" }, provingAttempts: 1, updatedAt: 5, history: [{ state: "observed", at: 1 }, { state: "published", at: 5 }] };
  const server = new ApiServer({ host: "127.0.0.1", port: 0 }, { providers: { status: () => status, readiness: () => readiness, jobs: () => [jobView], metrics: register } });
  const get = async (path: string) => fetch(`http://127.0.0.1:${server.port}${path}`);

  before(() => server.start());
  after(() => server.stop());

  it("/healthz answers 200", async () => {
    const r = await get("/healthz");
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "ok\n");
  });

  it("/readyz is 503 with the failing check, then 200", async () => {
    let r = await get("/readyz");
    assert.equal(r.status, 503);
    assert.deepEqual(await r.json(), readiness);
    readiness = { ready: true, checks: { rpc: true, store: true } };
    r = await get("/readyz");
    assert.equal(r.status, 200);
  });

  it("/status is JSON with peers, stake, jobs by state, earnings and backend (bigints as strings)", async () => {
    const r = await get("/status");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /application\/json/);
    const body = (await r.json()) as Record<string, unknown>;
    assert.equal(body.peers, 3);
    assert.deepEqual(body.stake, { bonded: "1000000000000000000000", free: "500000000000000000000", locked: "500000000000000000000" });
    assert.deepEqual(body.jobs, { proving: 1, finalized: 4 });
    assert.deepEqual(body.earnings, { total: "123", pending: "7" });
    assert.deepEqual(body.backend, { kind: "js", workers: 2 });
  });

  it("/jobs lists every job with its state, transactions and history (bigints as strings)", async () => {
    const r = await get("/jobs");
    assert.equal(r.status, 200);
    const body = (await r.json()) as { jobs: Record<string, unknown>[] };
    assert.deepEqual(body.jobs, [{ segmentId: String((3n << 32n) | 1n), batchId: "3", index: 1, state: "published", proofHash: "0xab", txs: { lock: "0x01", commit: "0x02" }, provingAttempts: 1, updatedAt: 5, history: [{ state: "observed", at: 1 }, { state: "published", at: 5 }] }]);
    const none = new ApiServer({ host: "127.0.0.1", port: 0 }, { providers: { status: () => status, readiness: () => readiness, metrics: register } });
    await none.start();
    try {
      assert.equal((await fetch(`http://127.0.0.1:${none.port}/jobs`)).status, 404, "no jobs provider, no /jobs");
    } finally {
      await none.stop();
    }
  });

  it("/metrics serves prom-client text with proving phases, jobs, locks and slashes", async () => {
    jobs.provingPhaseSeconds.observe({ phase: "fri", backend: "js" }, 0.2);
    jobs.jobsInState.set({ state: "proving" }, 1);
    market.locks.inc({ result: "success" });
    market.slashes.inc();
    const r = await get("/metrics");
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type")!, /text\/plain/);
    const text = await r.text();
    assert.match(text, /prover_jobs_proving_phase_seconds_bucket\{le="0.25",phase="fri",backend="js"\} 1/);
    assert.match(text, /prover_jobs_in_state_count\{state="proving"\} 1/);
    assert.match(text, /prover_market_locks_total\{result="success"\} 1/);
    assert.match(text, /prover_market_slashes_total 1/);
  });

  it("unknown paths are 404, other methods 405", async () => {
    assert.equal((await get("/nope")).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${server.port}/status`, { method: "POST" })).status, 405);
  });

  it("metric names follow prover_<module>_<what>_<unit>", async () => {
    const text = await register.metrics();
    const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
    assert.ok(names.length >= 10);
    for (const n of names) assert.match(n, /^prover_(jobs|market)_[a-z_]+_(total|count|seconds|units)$/, n);
  });
});
