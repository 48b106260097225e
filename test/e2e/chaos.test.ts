/**
 * Issue [chaos], the CI-sized run: `devnet --chaos` with the `ci` profile — three `prover-node start`
 * processes against anvil behind the flaky RPC proxy, a hostile peer in the mesh, and eight fault kinds
 * fired early and overlapping (hostile flood, RPC storm, an invalid prover, a partition, a kill, a
 * sequencer restart, a reorg, the primary aggregator killed) while batches flow. The run checks its
 * invariants continuously (token conservation to the wei, every slash explained by a fault of the slashed
 * node, every batch finalized with the sequencer's root or refunded in time, stores agree with the chain
 * after restarts, flat RSS and descriptors); any violation fails this test with the report's evidence.
 *
 * Sizes: tree depth 8, segments of 2^6 rows, 12 transfers per batch (4 segments), seed 7; a few minutes
 * on 2 cores. The long version is `npm run soak` (docs/reliability.md).
 */
import { strict as assert } from "node:assert";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CI_PROFILE, chaosDevnetOpts, defaultChaosOpts, formatReport, runChaos } from "../../src/cli/devnet/chaos/index.js";
import { createPinoLogger } from "../../src/util/logger-pino.js";
import { ensureBuilt } from "../utils/system.js";

const SEED = 7;
const BATCHES = 3;
/** The chaos phase's budget; the devnet takes about a minute to come up before it. */
const RUN_LIMIT_MS = 330_000;

describe("e2e: chaos devnet (ci profile, 3 nodes, overlapping faults)", function () {
  this.timeout(420_000);
  before(() => ensureBuilt());

  it(`seed ${SEED}: ${BATCHES} batches settle while ≥ 4 fault kinds overlap, and every invariant holds`, async () => {
    const dir = await mkdtemp(join(tmpdir(), "prover-chaos-"));
    const lines: string[] = [];
    const logger = createPinoLogger({ level: "warn", pretty: false, destination: createWriteStream(join(dir, "chaos.log")) });
    const opts = defaultChaosOpts(chaosDevnetOpts(dir, CI_PROFILE, { nodes: 3, logger }), CI_PROFILE, SEED);
    opts.batches = BATCHES;
    opts.durationMs = 240_000;
    opts.settleMs = 180_000;
    opts.print = (l) => lines.push(l);
    // Stop (faults undone, devnet torn down, report written) before mocha's timeout would leave it running.
    const stop = new AbortController();
    opts.signal = stop.signal;
    const timer = setTimeout(() => stop.abort(), RUN_LIMIT_MS);
    let ok = false;
    try {
      const r = await runChaos(opts);
      clearTimeout(timer);
      assert.ok(!stop.signal.aborted, `the run did not finish within ${RUN_LIMIT_MS / 1000} s:${["", ...lines].join("\n      ")}`);
      const why = ["", ...lines].join("\n      ");
      assert.ok(r.ok, `the chaos run failed:${why}`);
      assert.equal(r.violations.length, 0, why);
      assert.equal(r.slashes.unexplained, 0, why);
      // Faults really ran, and several kinds at the same moment.
      const kinds = Object.keys(r.faults.byKind).filter((k) => !k.startsWith("rpc-") && r.faults.byKind[k]! > 0);
      assert.ok(kinds.length >= 6, `fault kinds fired: ${kinds.join(", ")}${why}`);
      assert.ok(r.observedOverlap.kinds.length >= 4, `most kinds at once: ${r.observedOverlap.kinds.join(", ")}${why}`);
      assert.ok(r.faults.rpc.faults.drop + r.faults.rpc.faults.error + r.faults.rpc.faults.sentThenTimeout > 0, "the RPC proxy injected faults");
      assert.ok(Object.values(r.faults.hostile.published).reduce((a, b) => a + b, 0) > 0, "the hostile peer published");
      // The books: batches settled, nothing left open, tokens conserved at the end.
      assert.ok(r.batches.settledInRun >= BATCHES, `settled ${r.batches.settledInRun}${why}`);
      assert.ok(r.batches.finalized >= 1, `finalized ${r.batches.finalized}${why}`);
      assert.equal(r.batches.open, 0, why);
      const c = r.conservation!;
      assert.equal(c.balances + c.stake + c.escrow + c.burned, c.minted, "conservation at the end");
      // Every slash that happened sits beside the fault that explains it.
      for (const s of r.slashes.list) assert.ok(s.explanation !== null, `slash ${JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`);
      assert.ok(r.checks.conservation > 3 && r.checks.stores > 0 && r.checks.resources > 0, "the invariants were checked during the run");
      ok = true;
      for (const l of formatReport(r)) console.log(`      ${l}`);
    } finally {
      clearTimeout(timer);
      if (ok) await rm(dir, { recursive: true, force: true });
      else console.log(`      chaos devnet logs kept in ${dir}`);
    }
  });
});
