/**
 * The devnet's aggregate path (docs/aggregator.md, "Aggregation by proof trees"): the deployment's
 * aggregation geometry by preset names, its plan, the wrap program's generated verifier (built once per
 * geometry, cached under build/program-verifiers), the keccak transfer-v2 verifier that answers validity
 * disputes, and what Rollup and SegmentMarket are deployed with for them.
 */
import type { Address, Hex, PublicClient } from "viem";
import { aggregatePlanFor, segmentOptionsFor, type AggregateDeploymentParams } from "../../aggregator/geometry.js";
import type { ProfileEntry } from "../../market/pricing.js";
import { sampleBatch } from "../../rollup/sample.js";
import { witnessFromSegment } from "../../rollup/witness.js";
import { buildTransferV2Instance, pathsCapacity } from "../../rollup/air-v2/index.js";
import { proveStark } from "../../stark/prover.js";
import { aggregateConfig } from "../../chain/aggregate.js";
import { buildWrapVerifier, deployProgramVerifier } from "../../chain/program-verifier.js";
import { deployStarkVerifier, hasGeneratedVerifier } from "../../chain/stark-verifier.js";
import { transferV2Air, transferV2Name } from "../../rollup/air-v2/air.js";
import { selectBackend, type BackendKind } from "../../backends/select.js";
import type { Logger } from "../../util/logger.js";

/** The block gas limit of the aggregate path's anvil (issue 19: one proof per batch, every call under EIP-7825's cap). */
export const AGGREGATE_BLOCK_GAS_LIMIT = 60_000_000;
/** EIP-7825: the most gas one transaction may use. */
export const EIP7825_TX_GAS_CAP = 16_777_216;

/** The aggregation geometry of a devnet: `test` options everywhere (INSECURE), or default segments and tree with an `l1` wrap. */
export function devnetAggregateParams(o: { treeDepth: number; segmentLogRows: number; options: "test" | "default" }): AggregateDeploymentParams {
  return o.options === "test"
    ? { treeDepth: o.treeDepth, segmentLogRows: o.segmentLogRows, segmentOptions: "test", treeOptions: "test", wrapOptions: "test" }
    : { treeDepth: o.treeDepth, segmentLogRows: o.segmentLogRows, segmentOptions: "default", treeOptions: "default", wrapOptions: "l1" };
}

/** The `aggregate` section of a node's config.json: the geometry minus the tree depth (the rollup's). */
export function nodeAggregateConfig(p: AggregateDeploymentParams): { segmentLogRows: number; segmentOptions: string; treeOptions: string; wrapOptions: string } {
  return { segmentLogRows: p.segmentLogRows, segmentOptions: p.segmentOptions, treeOptions: p.treeOptions, wrapOptions: p.wrapOptions };
}

export interface AggregateDeployment {
  readonly params: AggregateDeploymentParams;
  /** Rollup's AggregateConfig: the wrap's AIR id and the key-set root. */
  readonly aggregate: { airId: Hex; keySetRoot: Hex };
  readonly aggregateVerifier: Address;
  /** The keccak transfer-v2 verifier of the tree depth, and its AIR id (SegmentMarket's dispute verifier); null when the build has none for this depth. */
  readonly disputeVerifier: Address | null;
  readonly disputeAirId: Hex | null;
  /** Milliseconds: the plan, the wrap verifier's generation and compilation (0 when cached), the deployments. */
  readonly timings: { planMs: number; verifierBuildMs: number; verifierCached: boolean; deployMs: number };
}

/**
 * Build the plan of `params`, generate + compile (or reuse) its wrap verifier and deploy it, and deploy
 * the dispute verifier, at policy `minSecurityBits`. The plan and the caps are computed on `backend`.
 */
export async function deployAggregatePath(
  params: AggregateDeploymentParams,
  wallet: Parameters<typeof deployStarkVerifier>[0],
  client: PublicClient,
  o: { backend: BackendKind; minSecurityBits: number; logger: Logger },
): Promise<AggregateDeployment> {
  const backend = selectBackend(o.backend === "cuda" ? "cuda" : "wasm");
  try {
    const t0 = Date.now();
    const plan = await aggregatePlanFor(params, backend);
    const t1 = Date.now();
    o.logger.info("Aggregation plan built", { ...params, ms: t1 - t0, wrapAir: plan.wrapAir().idHex });
    const wrap = await buildWrapVerifier(plan, backend);
    const t2 = Date.now();
    o.logger.info(wrap.build.cached ? "Wrap verifier reused" : "Wrap verifier generated and compiled", { dir: wrap.build.dir, ms: t2 - t1 });
    const aggregateVerifier = await deployProgramVerifier(wrap.build, wrap.air, wrap.spec, wallet, client, o.minSecurityBits);
    const disputeName = transferV2Name(params.treeDepth);
    const hasDispute = hasGeneratedVerifier(disputeName);
    const disputeVerifier = hasDispute ? await deployStarkVerifier(wallet, client, disputeName, o.minSecurityBits) : null;
    const t3 = Date.now();
    if (!hasDispute) o.logger.warn("No generated verifier of the dispute AIR at this tree depth: validity disputes on data batches cannot be answered", { air: disputeName });
    return {
      params,
      aggregate: aggregateConfig(plan),
      aggregateVerifier,
      disputeVerifier,
      disputeAirId: hasDispute ? (transferV2Air(params.treeDepth).idHex as Hex) : null,
      timings: { planMs: t1 - t0, verifierBuildMs: t2 - t1, verifierCached: wrap.build.cached ?? false, deployMs: t3 - t2 },
    };
  } finally {
    await backend.close();
  }
}

/**
 * One measured proof of a sample data segment of this geometry (transfer-v2, poseidon2, the plan's
 * segment options) as a profile entry for `transfer-v2-d<D>`: nodes that prove data batches price
 * them from it, and refuse to start without one.
 */
export async function measureDataSegmentProfile(p: AggregateDeploymentParams, backendKind: BackendKind): Promise<{ air: string; backend: string; entry: ProfileEntry }> {
  const air = transferV2Air(p.treeDepth);
  const { batch } = sampleBatch({ accounts: Math.min(2 ** p.treeDepth, 64), txs: pathsCapacity(p.treeDepth, p.segmentLogRows), treeDepth: p.treeDepth, logRows: p.segmentLogRows, batchId: 1n, seed: 1, geometry: "v2" });
  const backend = selectBackend(backendKind, { threads: 1 });
  try {
    const instance = buildTransferV2Instance(witnessFromSegment(batch.segments[0]!), air);
    const t0 = performance.now();
    await proveStark({ air, instance, options: segmentOptionsFor(p.treeDepth, p.segmentOptions), hash: "poseidon2", proverAddress: new Uint8Array(20), backend });
    const secondsPerSegment = Math.round(performance.now() - t0) / 1000;
    return { air: transferV2Name(p.treeDepth), backend: backend.name, entry: { secondsPerSegment, logRows: p.segmentLogRows, options: p.segmentOptions } };
  } finally {
    await backend.close();
  }
}
