/**
 * ProverNode with config `aggregate` on anvil: the plan it builds must be the one the Rollup was deployed
 * with (NODE_AGGREGATE_MISMATCH otherwise, before anything starts), and a matching node starts with the
 * tree path wired (the join coordinator on its p2p network, `/status` aggregation) and stops cleanly.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { aggregatePlanFor } from "../../src/aggregator/geometry.js";
import { aggregateConfig } from "../../src/chain/aggregate.js";
import { createWasmBackend } from "../../src/backends/wasm/index.js";
import { parseConfig } from "../../src/node/config.js";
import { NodeError, ProverNode } from "../../src/node/node.js";
import type { NodeStatusSource } from "../../src/node/status.js";
import { nullLogger } from "../../src/util/logger.js";
import { addProver } from "../utils/flows.js";
import { DEV_MNEMONIC, roles, startSystem, type System } from "../utils/system.js";

const D = 3;
const AGGREGATE = { segmentLogRows: 5, segmentOptions: "test", treeOptions: "test", wrapOptions: "test" } as const;
const PROFILE = { version: 1 as const, measuredAt: 0, backends: { wasm: { "transfer-v1": { secondsPerSegment: 1 }, [`transfer-v2-d${D}`]: { secondsPerSegment: 1 } } } };

describe("node: config `aggregate` against the deployed Rollup (anvil)", function () {
  this.timeout(120_000);
  let sys: System;
  let dir: string;
  const prover = roles.provers[0]!;
  const stakingKey = bytesToHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 }).getHdKey().privateKey!);

  before(async () => {
    assert.equal(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 }).address, prover.address);
    const backend = createWasmBackend({ threads: 1 });
    const plan = await aggregatePlanFor({ treeDepth: D, ...AGGREGATE }, backend);
    await backend.close();
    sys = await startSystem({ treeDepth: D, aggregate: aggregateConfig(plan) });
    await addProver(sys, prover);
  });
  after(async () => sys?.stop());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "prover-node-aggregate-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (aggregate: Record<string, unknown>) => {
    const { token, staking, market, election, rollup, verifier } = sys.deployment.addresses;
    return parseConfig({
      dataDir: dir,
      network: "aggtest",
      chain: { rpcUrls: [sys.anvil.rpcUrl], chainId: 31337, deploymentFile: null, contracts: { token, staking, market, election, rollup, verifier }, confirmations: 0, finalityDepth: 0, pollIntervalMs: 200 },
      p2p: { listenAddrs: ["/ip4/127.0.0.1/tcp/0"], bootstrapPeers: [], mdns: false },
      backend: { kind: "wasm", threads: 1 },
      provers: { workers: 1 },
      api: { enabled: false },
      aggregate,
    });
  };

  it("refuses to start when its plan's key set is not the Rollup's", async () => {
    await assert.rejects(
      ProverNode.init(config({ ...AGGREGATE, segmentLogRows: 6 }), { stakingKey, logger: nullLogger, profile: PROFILE }),
      (e: unknown) => e instanceof NodeError && e.type.code === "NODE_AGGREGATE_MISMATCH" && e.type.field === "keySetRoot",
    );
  });

  it("starts with the tree path wired when the plan matches, and stops", async () => {
    const node = await ProverNode.init(config(AGGREGATE), { stakingKey, logger: nullLogger, profile: PROFILE });
    try {
      await node.start();
      const status = await (node as unknown as { m: { status: NodeStatusSource } }).m.status.status();
      assert.deepEqual(status.aggregation, [], "no data batch followed yet");
    } finally {
      await node.stop();
    }
  });
});
