/**
 * Issue [node], job state machine with real pieces: one `prover-node start` process against anvil and
 * the real verifier is SIGKILLed right after it persisted each job state in turn, restarted, and must
 * finish the segment: no slash, exactly one commitment per segment (nothing committed is proven and
 * committed twice), paid, and the L1 root moves as the sequencer says.
 */
import { strict as assert } from "node:assert";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getAddress } from "viem";
import { segmentMarketAbi } from "../../src/chain/abi/index.js";
import { Devnet, defaultDevnetOpts, DEFAULT_DEVNET_TIMING } from "../../src/cli/devnet/devnet.js";
import { summarize } from "../../src/cli/devnet/summary.js";
import { ensureBuilt } from "../utils/system.js";

const STATES = ["observed", "decided", "lockSent", "locked", "witnessFetched", "proving", "proven", "committed", "published"];

describe("e2e: a prover node killed after every persisted transition", function () {
  this.timeout(600_000);
  before(() => ensureBuilt());

  it("resumes each time and finishes without a slash or a second commitment", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prover-crash-"));
    const d = await Devnet.create({
      ...defaultDevnetOpts(dir),
      path: "bundle",
      nodes: 1,
      treeDepth: 8,
      segmentLogRows: 6,
      txsPerBatch: 3, // one segment per batch
      accounts: 8,
      backend: "wasm",
      timing: { ...DEFAULT_DEVNET_TIMING, lockTimeout: 60 },
    });
    let ok = false;
    try {
      const node = d.nodes[0]!;
      for (const state of STATES) {
        await d.startNode(0, `kill-after:${state}`);
        const b = await d.postBatch();
        await d.until(`the node to die after persisting "${state}"`, 60_000, async () => d.exited(0));
        await d.startNode(0, "");
        await d.waitFinalized(b.batchId, 90_000);
        await d.stopNode(0, "SIGTERM");
      }
      const s = await summarize(d);
      assert.equal(s.slashes.length, 0, "never slashed");
      assert.equal(s.batchesFinalized, STATES.length);
      assert.ok(s.rootsMatch, "L1 root = sequencer's");
      const commits = await d.publicClient.getContractEvents({ address: d.deployment.addresses.market, abi: segmentMarketAbi, eventName: "ProofCommitted", fromBlock: d.deployment.block });
      assert.equal(commits.length, STATES.length, "exactly one commitment per segment");
      for (const c of commits) assert.equal(getAddress(c.args.prover!), getAddress(node.address));
      assert.equal(s.nodes[0]!.segmentsPaid, STATES.length);
      ok = true;
    } finally {
      await d.stop();
      if (ok) await rm(dir, { recursive: true, force: true });
      else console.log(`      devnet logs kept in ${dir}`);
    }
  });
});
