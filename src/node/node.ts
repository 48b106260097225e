/**
 * The composition root (docs/architecture.md): the only module that knows every other. `init` builds the
 * modules in dependency order — store → chain → prover pool → p2p → market → jobs → aggregator →
 * ingestion → api — each with an `(opts, modules)` constructor and the ports of the modules built before
 * it; `start()` starts the network and the loops; `stop()` aborts the one AbortController and closes
 * everything in reverse order. A job interrupted by `stop()` (or by a kill) stays in its persisted state
 * and is driven again on the next start (jobs/scheduler.ts, jobs/runner.ts).
 *
 * Loops: ingestion (every `chain.pollIntervalMs`: confirmed market blocks, each decoded once and handed to
 * the slash ledger, the job scheduler and the aggregator), the scheduler's sweep, the aggregator's tick.
 */
import { totalmem } from "node:os";
import { mkdir } from "node:fs/promises";
import { hexToBytes, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { Aggregator, MarketActions, SegmentVerifier, createAggregatorMetrics, defaultSegmentVerifierOpts } from "../aggregator/index.js";
import type { AggregatorTrees } from "../aggregator/aggregator.js";
import { aggregatePlanFor } from "../aggregator/geometry.js";
import { createJoinMetrics, joinMetricsSink, type JoinMetrics } from "../aggregator/metrics.js";
import { WrapSubmitter } from "../aggregator/wrap.js";
import { defaultJoinCoordinatorOpts, type JoinCoordinator } from "../aggregator/joins.js";
import { aggregateConfig } from "../chain/aggregate.js";
import { resolveBackendKind, selectBackend } from "../backends/select.js";
import type { ProverBackend } from "../stark/backend.js";
import { proveWrap, type AggregationPlan } from "../recursion/plan.js";
import { transferV2Name } from "../rollup/air-v2/air.js";
import type { ContentStore } from "../p2p/index.js";
import { joinNetwork } from "./join-network.js";
import { NodeError } from "./errors.js";
import { ApiServer } from "../api/index.js";
import { loadDeployment, type DeploymentInfo } from "../chain/deployment.js";
import { EventIngester } from "../chain/ingest.js";
import { MarketReader } from "../chain/market-reader.js";
import { connectChain, redactRpcUrl, withRpcRetry } from "../chain/rpc.js";
import { TxSender } from "../chain/sender.js";
import { ChainStakeOracle } from "../chain/stake-oracle.js";
import { StakingClient } from "../chain/staking.js";
import { JobRunner, JobScheduler, JobStateMachine, ProverPool, createJobsMetrics, logTransition, phaseFraction, type ProveProgress, type TransitionEvent } from "../jobs/index.js";
import { LockDecider, LockIntents, MarketAgent, createMarketMetrics, intentPriority, lockOutcome, type ProvingProfile } from "../market/index.js";
import { createP2pMetrics, createP2pNetwork, type P2pNetwork } from "../p2p/index.js";
import { TRANSFER_AIR_NAME, publicColumnsOf, statementOf } from "../rollup/air/index.js";
import { decodeWitness } from "../rollup/witness.js";
import { Store, WORK_STATES, type BatchOp } from "../store/index.js";
import type { Logger } from "../util/logger.js";
import { PromMetricsRegister } from "../util/metrics-prom.js";
import type { ProgressReporter } from "../util/progress.js";
import { segmentIdOf } from "../util/segment-id.js";
import { every } from "../util/sleep.js";
import { dataPath, loadProfile } from "./config.js";
import { FaultInjector, NO_FAULTS, type Faults } from "./faults.js";
import { ChainJobAdapter } from "./job-chain.js";
import { NodeJobNetwork, ProofContentStore, sequencerOf } from "./job-network.js";
import { aggregatorNetwork, marketFeed } from "./market-feed.js";
import type { NodeOpts } from "./options.js";
import { NodeStatusSource, nodeHeartbeat } from "./status.js";

export { NodeError } from "./errors.js";

/**
 * How long the start-up reads of L1 (chain id, the market's terms, the verifier's policy, our
 * registration) are retried while the RPC fails transiently, before the node gives up and exits. A
 * contract's refusal (a wrong deployment) fails at once.
 */
export const STARTUP_RPC_RETRY_MS = 120_000;
export { NODE_VERSION } from "./status.js";

export interface ProverNodeDeps {
  /** Unlocked staking key (0x…); never logged. */
  stakingKey: Hex;
  logger: Logger;
  /** Progress bars on a TTY or periodic lines; optional. */
  progress?: ProgressReporter;
  /** Test-only fault injection (node/faults.ts). */
  faults?: Faults;
  /** Measured profile; read from `<dataDir>/profile.json` when omitted. */
  profile?: ProvingProfile;
}

interface Modules {
  store: Store;
  reader: MarketReader;
  staking: StakingClient;
  p2p: P2pNetwork;
  pool: ProverPool;
  intents: LockIntents;
  machine: JobStateMachine;
  scheduler: JobScheduler;
  aggregator: Aggregator;
  ingester: EventIngester<BatchOp>;
  status: NodeStatusSource;
  api: ApiServer | null;
  faults: FaultInjector;
  /** Data batches (config `aggregate`): the join coordinator on the mesh, and the backend its proofs use. */
  joins: { coordinator: JoinCoordinator; detach: () => void; backend: ProverBackend; metrics: JoinMetrics } | null;
}

export class ProverNode {
  private readonly loops: Promise<void>[] = [];
  private started = false;
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly opts: NodeOpts,
    readonly address: Address,
    private readonly deps: ProverNodeDeps,
    private readonly deployment: DeploymentInfo,
    private readonly m: Modules,
    private readonly backendName: string,
    /** The one AbortController every module was built with. */
    private readonly controller: AbortController,
  ) {}

  /** Build every module (nothing is started, nothing is sent). */
  static async init(opts: NodeOpts, deps: ProverNodeDeps): Promise<ProverNode> {
    const log = deps.logger;
    const faults = new FaultInjector(deps.faults ?? NO_FAULTS, { logger: log });
    const deployment = await loadDeployment({ path: opts.chain.deploymentFile, overrides: opts.chain.contracts, chainId: opts.chain.chainId, require: ["token", "staking", "market", "election", "rollup", "verifier"] });
    const { addresses } = deployment;
    const profile = deps.profile ?? (await loadProfile(opts));
    const register = new PromMetricsRegister();
    const account = privateKeyToAccount(deps.stakingKey);
    const controller = new AbortController();
    const signal = controller.signal;

    await mkdir(dataPath(opts, "db"), { recursive: true, mode: 0o700 });
    const store = await Store.open({ path: dataPath(opts, "db") });
    try {
      // chain
      const pollingIntervalMs = Math.min(1000, opts.chain.pollIntervalMs);
      const conn = await withRpcRetry(
        () =>
          connectChain({
            urls: opts.chain.rpcUrls,
            expectedChainId: deployment.chainId,
            account,
            pollingIntervalMs,
            onSwitch: (s) => log.warn("RPC endpoint failed; switched", { from: s.from, to: s.to, reason: s.reason }),
          }),
        { timeoutMs: STARTUP_RPC_RETRY_MS, signal, onRetry: (err, attempt) => log.warn("L1 not reachable at start; retrying", { urls: opts.chain.rpcUrls.map(redactRpcUrl), attempt, error: (err as Error).message.split("\n")[0] }) },
      );
      const publicClient = conn.public;
      const sender = new TxSender({ pollIntervalMs: pollingIntervalMs }, { publicClient, account, chain: conn.chain });
      const reader = new MarketReader({ market: addresses.market, election: addresses.election, rollup: addresses.rollup }, { publicClient });
      const staking = new StakingClient({ token: addresses.token, staking: addresses.staking, fromBlock: deployment.block, txTimeoutMs: opts.jobs.txWaitMs }, { publicClient, sender });
      const oracle = new ChainStakeOracle({ staking: addresses.staking, rollup: addresses.rollup }, { publicClient });

      // data batches: the deployment's aggregation plan, checked against what the Rollup was deployed with
      let aggregate: { plan: AggregationPlan; treeDepth: number; backend: ProverBackend } | null = null;
      if (opts.aggregate) {
        const retry = { timeoutMs: STARTUP_RPC_RETRY_MS, signal, onRetry: (err: unknown, attempt: number) => log.warn("L1 read failed at start; retrying", { attempt, error: (err as Error).message.split("\n")[0] }) };
        const { treeDepth } = await withRpcRetry(() => reader.aggregatorParams(), retry);
        const backend = selectBackend(opts.backend.kind, opts.backend.threads > 0 ? { threads: opts.backend.threads } : {});
        try {
          const t0 = Date.now();
          const plan = await aggregatePlanFor({ treeDepth, ...opts.aggregate }, backend);
          const configured = aggregateConfig(plan);
          const deployed = await withRpcRetry(() => reader.aggregateDeployment(), retry);
          checkAggregateDeployment(configured, deployed);
          log.info("Aggregation plan matches the Rollup", { treeDepth, ...opts.aggregate, keySetRoot: configured.keySetRoot, ms: Date.now() - t0 });
          aggregate = { plan, treeDepth, backend };
        } catch (err) {
          await backend.close().catch(() => undefined);
          throw err;
        }
      }

      // prover pool
      const jobsMetrics = createJobsMetrics(register);
      const pool = new ProverPool({ workers: opts.provers.workers, backend: { kind: opts.backend.kind, threads: opts.backend.threads } }, { logger: log, metrics: jobsMetrics });
      const backendName = resolveBackendKind(opts.backend.kind);
      if (aggregate) requireProfile(profile, backendName, transferV2Name(aggregate.treeDepth), opts.aggregate!.segmentLogRows);

      // p2p: proof/1 serves tree nodes (the join coordinator's, once built) before segment proofs
      const segmentProofs = faults.proofStore(new ProofContentStore(store));
      let treeStore: ContentStore | null = null;
      const proofStore: ContentStore = { get: (hash) => (treeStore ?? segmentProofs).get(hash) };
      const p2p = createP2pNetwork(
        {
          network: opts.network,
          dataDir: opts.dataDir,
          peerKeyFile: dataPath(opts, opts.p2p.peerKeyFile),
          listenAddresses: opts.p2p.listenAddrs,
          bootstrap: opts.p2p.bootstrapPeers,
          mdns: opts.p2p.mdns,
          dhtAddresses: opts.p2p.privateAddresses ? "all" : "public",
        },
        {
          oracle,
          stakingKey: deps.stakingKey,
          stores: { proof: proofStore },
          connectionGater: faults.connectionGater(),
          status: nodeHeartbeat({ backend: backendName, workers: opts.provers.workers }, pool),
          logger: log,
          metrics: createP2pMetrics(register),
        },
      );

      // market
      const agent = new MarketAgent(opts.market, {
        clock: { now: () => Date.now() },
        profile,
        backend: backendName,
        workers: opts.provers.workers,
        memoryBytes: totalmem(),
        stake: () => staking.freeStakeAndGas(),
        activeJobs: () => store.jobs.listByState(...WORK_STATES),
        logger: log.child({ module: "market" }),
        metrics: createMarketMetrics(register),
      });
      const intents = new LockIntents({}, { self: account.address, announce: (i) => p2p.publish({ kind: "lockIntent", ...i }), logger: log });
      const decider = new LockDecider({ agent, intents, logger: log, signal });

      // jobs
      const onTransition = (e: TransitionEvent): void => {
        if (e.from === "observed") decider.release(e.job.segmentId);
        const outcome = lockOutcome(e.from, e.to);
        if (outcome) agent.recordOutcome(outcome);
        if (e.from === "proving" && e.to !== "proving") deps.progress?.done(`segment ${e.job.segmentId}`);
        logTransition(log, e);
        faults.onTransition(e);
      };
      const machine = new JobStateMachine({ store, logger: log.child({ module: "jobs" }), metrics: jobsMetrics, onTransition });
      const chain = new ChainJobAdapter({ reader, sender, slashes: store.slashes, finalityDepth: opts.chain.finalityDepth });
      const sequencer = sequencerOf(oracle, log);
      const network = faults.jobNetwork(new NodeJobNetwork({ fetchTimeoutMs: 30_000 }, { p2p, sequencer, logger: log }));
      const onProgress = (id: bigint, p: ProveProgress): void => deps.progress?.update(`segment ${id}`, p.phase, phaseFraction(p.phase));
      const runnerOpts = aggregate ? { ...opts.jobs, dataSegmentOptions: aggregate.plan.geometry.segmentOptions, dataSegmentLogRows: opts.aggregate!.segmentLogRows } : opts.jobs;
      const runner = new JobRunner(runnerOpts, { store, machine, chain, network, market: decider, prover: faults.prover(pool), signal, logger: log.child({ module: "runner" }), onProgress });
      const sweepIntervalMs = Math.max(1000, opts.chain.pollIntervalMs * 2);
      const priority = (id: bigint): bigint => intentPriority(id, account.address);
      const scheduler = new JobScheduler({ sweepIntervalMs, proofRetentionMs: opts.jobs.proofRetentionMs }, { store, machine, runner, lockability: (id) => chain.lockability(id), priority, signal, logger: log });

      // aggregator: verifies with the deployed verifier's policy, acts through MarketActions
      const verifier = new SegmentVerifier(defaultSegmentVerifierOpts, { policy: () => reader.verifierPolicy() });
      const aggregatorLog = log.child({ module: "aggregator" });
      const aggregatorMetrics = createAggregatorMetrics(register);
      const actions = new MarketActions({ txTimeoutMs: opts.jobs.txWaitMs }, { reader, publicClient, sender, logger: aggregatorLog, metrics: aggregatorMetrics, signal });
      const aggregatorActions = faults.aggregatorActions(actions, account.address);
      let joins: Modules["joins"] = null;
      let trees: AggregatorTrees | undefined;
      if (aggregate) {
        const { plan, backend } = aggregate;
        const joinMetrics = createJoinMetrics(register);
        const net = joinNetwork(
          defaultJoinCoordinatorOpts,
          { p2p, self: account.address, backend, fetchTimeoutMs: opts.aggregator.fetchTimeoutMs, logger: aggregatorLog, onEvent: joinMetricsSink(joinMetrics), signal },
        );
        treeStore = net.store(segmentProofs);
        joins = { coordinator: net.coordinator, detach: net.detach, backend, metrics: joinMetrics };
        const proverAddress = hexToBytes(account.address);
        const wrap = new WrapSubmitter({
          coordinator: net.coordinator,
          rights: async (batchId) => reader.submissionRights(account.address, (await reader.batch(batchId)).fullyCommittedBlock),
          proveWrap: (p, top, joinProvers, segments) => proveWrap(p, top, joinProvers, { proverAddress, backend, segments, signal }),
          submit: (req) => (aggregatorActions.submitWrap ? aggregatorActions.submitWrap(req) : actions.submitWrap(req)), // called on its object: MarketActions' methods use `this`
          logger: aggregatorLog,
        });
        trees = { plan, coordinator: net.coordinator, wrap };
      }
      const aggregator = new Aggregator(
        { fetchTimeoutMs: opts.aggregator.fetchTimeoutMs, refetchMs: Math.min(5_000, opts.aggregator.fetchTimeoutMs) },
        {
          reader,
          actions: aggregatorActions,
          self: account.address,
          network: aggregatorNetwork(p2p, sequencer),
          verifySegment: (s) => verifier.verify(s),
          publicColumnsOf: (w) => publicColumnsOf(statementOf(decodeWitness(w))),
          ownProof: faults.ownProof(async (batchId, index) => (await store.proofs.get(segmentIdOf(batchId, index)))?.bytes ?? null),
          logger: aggregatorLog,
          signal,
          metrics: aggregatorMetrics,
          ...(trees ? { trees } : {}),
        },
      );

      // ingestion: each confirmed block decoded once, for the slash ledger, the scheduler and the aggregator
      const ingester = new EventIngester<BatchOp>(
        { name: "market", address: addresses.market, confirmations: opts.chain.confirmations, fromBlock: deployment.block, pollIntervalMs: opts.chain.pollIntervalMs },
        {
          publicClient,
          cursors: store.chainCursor,
          commit: (ops) => store.batch(ops),
          handler: marketFeed({ market: addresses.market, air: TRANSFER_AIR_NAME, ...(aggregate ? { dataAir: transferV2Name(aggregate.treeDepth) } : {}) }, { reader, store, scheduler, aggregator, logger: log }),
          logger: log,
        },
      );

      // api
      const status = new NodeStatusSource({ network: opts.network, backend: backendName, workers: opts.provers.workers }, { address: account.address, store, staking, publicClient, p2p, breaker: () => agent.breaker.state, ...(joins ? { trees: () => joins.coordinator.snapshot() } : {}) });
      const providers = { status: () => status.status(), readiness: () => status.readiness(), jobs: () => status.jobs(), metrics: register };
      const api = opts.api.enabled ? new ApiServer(opts.api, { providers, logger: log }) : null;

      const modules: Modules = { store, reader, staking, p2p, pool, intents, machine, scheduler, aggregator, ingester, status, api, faults, joins };
      return new ProverNode(opts, account.address, deps, deployment, modules, backendName, controller);
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Start the network, resume unfinished jobs, and run the loops until stop(). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { m, log } = this;
    await m.p2p.start();
    m.faults.watchPartition(m.p2p);
    await m.api?.start();
    m.p2p.onMessage(({ message }) => {
      if (message.body.kind === "lockIntent") m.intents.record(segmentIdOf(message.body.batchId, message.body.segmentIndex), message.signer as Address, message.body.expiresAt);
    });
    // Read once, and fail the start if L1 refuses: the market's terms and the verifier's policy. An RPC
    // that fails for a while (a flaky provider) is waited for, up to STARTUP_RPC_RETRY_MS.
    const retry = { timeoutMs: STARTUP_RPC_RETRY_MS, signal: this.signal, onRetry: (err: unknown, attempt: number) => log.warn("L1 read failed at start; retrying", { attempt, error: (err as Error).message.split("\n")[0] }) };
    await withRpcRetry(() => m.reader.terms(), retry);
    const policy = await withRpcRetry(() => m.reader.verifierPolicy(), retry);
    await m.machine.refreshMetrics();
    await withRpcRetry(() => m.status.checkRegistration(log), retry);
    log.info("Prover node started", {
      address: this.address,
      peerId: m.p2p.peerId,
      listen: m.p2p.multiaddrs(),
      backend: this.backendName,
      workers: this.opts.provers.workers,
      options: this.opts.jobs.proofOptionsPreset,
      verifierMinSecurityBits: policy.minSecurityBits,
      market: this.deployment.addresses.market,
    });
    if (this.opts.jobs.proofOptionsPreset === "test") log.warn("Proof options \"test\": proofs are INSECURE (devnets and tests only)");
    await m.aggregator.recover().catch((err: Error) => log.warn("Aggregator recovery failed; it follows new blocks only", { error: err.message }));
    await m.scheduler.resume();
    const warn = (loop: string) => (err: unknown) => log.warn(`The ${loop} loop failed; retrying`, { error: (err as Error).message });
    this.loops.push(every(this.opts.chain.pollIntervalMs, this.signal, () => this.ingestAll(), warn("ingest")));
    this.loops.push(m.scheduler.run());
    const joins = m.joins;
    const aggregatorTick = (): Promise<void> => {
      // The aggregator's tick also ticks the join coordinator (takeovers are time-based).
      if (joins) joins.metrics.pending.set({}, joins.coordinator.snapshot().reduce((n, t) => n + t.ready.length, 0));
      return m.aggregator.tick();
    };
    this.loops.push(every(Math.max(1000, this.opts.chain.pollIntervalMs * 2), this.signal, aggregatorTick, warn("aggregator")));
  }

  /** Abort everything, wait for the loops and jobs to notice, close in reverse order. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { m, log } = this;
      log.info("Stopping prover node");
      this.controller.abort(new Error("node stopping"));
      m.faults.close();
      m.joins?.detach();
      m.aggregator.close();
      await Promise.allSettled([...this.loops, m.scheduler.idle(), m.aggregator.idle(), m.joins?.coordinator.idle()]);
      await m.joins?.coordinator.close();
      await m.joins?.backend.close().catch(() => undefined);
      await m.pool.close().catch(() => undefined);
      this.deps.progress?.close();
      await m.api?.stop().catch(() => undefined);
      if (this.started) await m.p2p.stop().catch(() => undefined);
      await m.store.close().catch(() => undefined);
      log.info("Prover node stopped");
    })();
    return this.stopping;
  }

  private get log(): Logger {
    return this.deps.logger;
  }

  /** Every confirmed block, then wait for the next poll. */
  private async ingestAll(): Promise<void> {
    while (!this.signal.aborted && (await this.m.ingester.poll()).processed > 0);
  }

}

/** The plan's key-set root and wrap AIR id must be the Rollup's: NODE_AGGREGATE_MISMATCH otherwise. */
export function checkAggregateDeployment(configured: { airId: Hex; keySetRoot: Hex }, deployed: { airId: Hex; keySetRoot: Hex }): void {
  for (const field of ["keySetRoot", "airId"] as const) {
    if (configured[field].toLowerCase() !== deployed[field].toLowerCase()) {
      throw new NodeError(
        { code: "NODE_AGGREGATE_MISMATCH", field, configured: configured[field], deployed: deployed[field] },
        `config \`aggregate\` gives ${field} ${configured[field]}, but the Rollup was deployed with ${deployed[field]}: this node's proofs would not be accepted (check segmentLogRows and the option presets against the deployment)`,
      );
    }
  }
}

/**
 * The market prices and schedules a segment from the measured time of its AIR: a node that proves data
 * batches needs a profile entry for transfer-v2 at the rollup's depth, or it would never lock one.
 */
export function requireProfile(profile: ProvingProfile, backend: string, air: string, logRows: number): void {
  if (profile.backends[backend]?.[air] !== undefined) return;
  throw new NodeError(
    { code: "NODE_PROFILE", detail: `no ${air} entry for backend ${backend}` },
    `the proving profile has no ${air} on backend ${backend}, and config \`aggregate\` makes this node prove data batches: run \`prover-node bench --air ${air} --log-rows ${logRows}\` first`,
  );
}
