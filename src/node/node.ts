/**
 * The composition root (DESIGN §2: only node/ knows every module). `ProverNode.init(opts, deps)` builds
 * the modules in dependency order — store → chain → p2p → prover pool → market → jobs → aggregator → api —
 * each with an `(opts, modules)` constructor; `start()` starts the network and the loops; `stop()` aborts
 * the one AbortController and closes everything in reverse order. A job interrupted by `stop()` (or by a
 * kill) stays in its persisted state and resumes on the next start (jobs/runner.ts recovery rules).
 *
 * Loops:
 *   ingest  every `chain.pollIntervalMs`: confirmed market blocks → new auctions observed and driven,
 *           changed segments driven, the aggregator fed;
 *   sweep   every few seconds: jobs waiting on chain state are stepped again (nothing depends on catching
 *           one event), and segments this node gave up on are reconsidered when they are open again
 *           (price ramped up, capacity freed, a competitor's lock expired or was slashed).
 */
import { readFile } from "node:fs/promises";
import { mkdir } from "node:fs/promises";
import { getAddress, hexToBytes, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { Store } from "../store/index.js";
import type { BatchOp, JobRecord, SegmentRecord } from "../store/index.js";
import { connectChain, type ChainConnection } from "../chain/rpc.js";
import { TxSender } from "../chain/sender.js";
import { ChainJobAdapter, splitSegmentId } from "../chain/job-adapter.js";
import { EventIngester, type IngestedBlock } from "../chain/ingest.js";
import { decodeMarketBlock, readMarketTerms, type MarketTerms } from "../chain/market-events.js";
import { proverStakingAbi, rollupAbi } from "../chain/abi/index.js";
import type { SystemAddresses } from "../chain/contracts.js";
import { ChainStakeOracle } from "../chain/stake-oracle.js";
import { createP2pNetwork, createP2pMetrics, type P2pNetwork, type ReceivedMessage } from "../p2p/index.js";
import { ProverPool, type Prover, type ProveOutcome } from "../jobs/pool.js";
import { JobStateMachine, type PersistedJob, type TransitionEvent } from "../jobs/machine.js";
import { JobRunner } from "../jobs/runner.js";
import { createJobsMetrics } from "../jobs/metrics.js";
import { phaseFraction } from "../jobs/progress.js";
import { isTerminal, LOCK_HELD_STATES } from "../jobs/transitions.js";
import { MarketAgent, LockDecider, LockIntents, intentPriority, createMarketMetrics, lockOutcome, parseProfile, type ProvingProfile } from "../market/index.js";
import { Aggregator, createAggregatorMetrics } from "../aggregator/index.js";
import { ApiServer } from "../api/index.js";
import type { NodeStatus, Readiness } from "../api/interface.js";
import { PromMetricsRegister } from "../util/metrics-prom.js";
import { resolveBackendKind } from "../backends/select.js";
import type { Logger } from "../util/logger.js";
import type { ProgressReporter } from "../util/progress.js";
import { sleep } from "../util/sleep.js";
import { NO_FAULTS, anyFault, describeFaults, type Faults } from "../util/faults.js";
import { ProverNodeError } from "../util/errors.js";
import { verifyStark } from "../stark/verifier.js";
import { airRegistry } from "../stark/air/air.js";
import { decodeWitness } from "../rollup/witness.js";
import { publicColumnsOf, statementOf, TRANSFER_AIR_NAME } from "../rollup/air/index.js";
import { dataPath } from "./config.js";
import type { NodeOpts } from "./options.js";
import { NodeJobNetwork, ProofContentStore } from "./job-network.js";

export const NODE_VERSION = "0.1.0";

export class NodeError extends ProverNodeError<{ code: "NODE_DEPLOYMENT"; detail: string } | { code: "NODE_PROFILE"; detail: string } | { code: "NODE_STATE"; detail: string }> {}

/** The deployment file (written by the deploy script / devnet): the node needs addresses and the start block. */
export interface DeploymentInfo {
  chainId: number | null;
  block: bigint;
  addresses: SystemAddresses;
}

export async function loadDeployment(opts: NodeOpts): Promise<DeploymentInfo> {
  let fromFile: Partial<SystemAddresses> = {};
  let block = 0n;
  let chainId: number | null = opts.chain.chainId;
  if (opts.chain.deploymentFile !== null) {
    const path = dataPath(opts, opts.chain.deploymentFile);
    let raw: { chainId?: number; block?: string | number; addresses?: Partial<SystemAddresses> };
    try {
      raw = JSON.parse(await readFile(path, "utf8")) as typeof raw;
    } catch (err) {
      throw new NodeError({ code: "NODE_DEPLOYMENT", detail: `cannot read ${path}: ${(err as Error).message}` }, `cannot read the deployment file ${path}: ${(err as Error).message}`);
    }
    fromFile = raw.addresses ?? {};
    block = BigInt(raw.block ?? 0);
    if (chainId === null && typeof raw.chainId === "number") chainId = raw.chainId;
  }
  const merged = { ...fromFile, ...opts.chain.contracts } as Partial<SystemAddresses>;
  for (const k of ["token", "staking", "market", "election", "rollup", "verifier"] as const) {
    const a = merged[k];
    if (typeof a !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(a)) {
      throw new NodeError({ code: "NODE_DEPLOYMENT", detail: `no address for ${k}` }, `no address for the ${k} contract: set chain.deploymentFile or chain.contracts.${k}`);
    }
  }
  return { chainId, block, addresses: merged as SystemAddresses };
}

export async function loadProfile(opts: NodeOpts): Promise<ProvingProfile> {
  const path = dataPath(opts, "profile.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new NodeError({ code: "NODE_PROFILE", detail: `${path} missing` }, `no proving profile at ${path}: run \`prover-node bench\` first (pricing and capacity come from measured proving times)`);
  }
  return parseProfile(JSON.parse(text));
}

export interface ProverNodeDeps {
  /** Unlocked staking key (0x…); never logged. */
  stakingKey: Hex;
  logger: Logger;
  /** Progress bars on a TTY or periodic lines; optional. */
  progress?: ProgressReporter;
  /** Test-only fault injection (util/faults.ts). */
  faults?: Faults;
  /** Measured profile; read from `<dataDir>/profile.json` when omitted. */
  profile?: ProvingProfile;
}

/** Failure reasons after which the segment is worth another look once it is open again. */
const RETRYABLE = /^(DECLINED_(PRICE_TOO_LOW|NO_CAPACITY|MAX_CONCURRENT_JOBS|BREAKER_OPEN|INSUFFICIENT_FREE_STAKE|INSUFFICIENT_GAS_BALANCE|INTENT_YIELDED)|LOCK_LOST|LOCK_REVERTED|LOCK_TX_DROPPED|SLASHED)$/;

interface Modules {
  store: Store;
  conn: ChainConnection;
  sender: TxSender;
  chain: ChainJobAdapter;
  oracle: ChainStakeOracle;
  p2p: P2pNetwork;
  proofs: ProofContentStore;
  pool: ProverPool;
  agent: MarketAgent;
  decider: LockDecider;
  intents: LockIntents;
  machine: JobStateMachine;
  runner: JobRunner;
  ingester: EventIngester<BatchOp>;
  aggregator: Aggregator;
  api: ApiServer | null;
  register: PromMetricsRegister;
}

export class ProverNode {
  readonly address: Address;
  private readonly driving = new Map<bigint, Promise<void>>();
  private readonly again = new Set<bigint>();
  /** Batches known finalized or timed out: their failed jobs are never reconsidered. */
  private readonly closedBatches = new Set<bigint>();
  private readonly loops: Promise<void>[] = [];
  private readonly startedAt = Date.now();
  private terms: MarketTerms | null = null;
  private sequencerAddress: Address | null = null;
  private started = false;
  private killed = false;
  /** FAULT withhold-proof applies to the first proof of this process only. */
  private withholdUsed = false;
  private stopping: Promise<void> | null = null;

  private constructor(
    readonly opts: NodeOpts,
    private readonly deps: ProverNodeDeps,
    private readonly deployment: DeploymentInfo,
    private readonly m: Modules,
    private readonly faults: Faults,
    private readonly withheld: Set<bigint>,
    private readonly backendName: string,
    /** The one AbortController every module was built with. */
    private readonly controller: AbortController,
  ) {
    this.address = m.sender.address;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Build every module (nothing is started, nothing is sent). */
  static async init(opts: NodeOpts, deps: ProverNodeDeps): Promise<ProverNode> {
    const log = deps.logger;
    const faults = deps.faults ?? NO_FAULTS;
    if (anyFault(faults)) log.warn("FAULT INJECTION ENABLED (tests only): this node misbehaves on purpose", { faults: describeFaults(faults) });
    const deployment = await loadDeployment(opts);
    const profile = deps.profile ?? (await loadProfile(opts));
    const register = new PromMetricsRegister();
    const account = privateKeyToAccount(deps.stakingKey);

    await mkdir(dataPath(opts, "db"), { recursive: true, mode: 0o700 });
    const store = await Store.open({ path: dataPath(opts, "db") });
    try {
      const conn = await connectChain({
        urls: opts.chain.rpcUrls,
        expectedChainId: deployment.chainId,
        account,
        pollingIntervalMs: Math.min(1000, opts.chain.pollIntervalMs),
        onSwitch: (s) => log.warn("RPC endpoint failed; switched", { from: s.from, to: s.to, reason: s.reason }),
      });
      const publicClient = conn.public;
      const sender = new TxSender({ pollIntervalMs: Math.min(1000, opts.chain.pollIntervalMs) }, { publicClient, account, chain: conn.chain });
      const chain = new ChainJobAdapter({ market: deployment.addresses.market, fromBlock: deployment.block }, { publicClient, sender });
      const oracle = new ChainStakeOracle({ staking: deployment.addresses.staking, rollup: deployment.addresses.rollup }, { publicClient });

      const withheld = new Set<bigint>();
      const proofs = new ProofContentStore(store, withheld);
      await proofs.load();
      let nodeRef: ProverNode | null = null;
      const p2p = createP2pNetwork(
        {
          network: opts.network,
          dataDir: opts.dataDir,
          listenAddresses: opts.p2p.listenAddrs,
          bootstrap: opts.p2p.bootstrapPeers,
          mdns: opts.p2p.mdns,
          dhtAddresses: opts.p2p.privateAddresses ? "all" : "public",
        },
        {
          oracle,
          stakingKey: deps.stakingKey,
          stores: { proof: proofs },
          status: () => nodeRef?.p2pStatus() ?? { nodeVersion: NODE_VERSION, backend: "?", capacity: 0, queued: 0 },
          logger: log,
          metrics: createP2pMetrics(register),
        },
      );

      const jobsMetrics = createJobsMetrics(register);
      const backend = { kind: opts.backend.kind, threads: opts.backend.threads };
      const pool = new ProverPool({ workers: opts.provers.workers, backend }, { logger: log, metrics: jobsMetrics });
      const backendName = resolveBackendKind(opts.backend.kind);

      const decider0: { d: LockDecider | null } = { d: null };
      const agent = new MarketAgent(opts.market, {
        clock: { now: () => Date.now() },
        profile,
        backend: backendName,
        workers: opts.provers.workers,
        stake: async () => {
          const [freeStake, gasBalance] = await Promise.all([
            publicClient.readContract({ address: deployment.addresses.staking, abi: proverStakingAbi, functionName: "freeStake", args: [account.address] }),
            publicClient.getBalance({ address: account.address }),
          ]);
          return { freeStake, gasBalance };
        },
        activeJobs: async () => [...(await store.jobs.values()), ...(decider0.d?.reserved() ?? [])],
        logger: log.child({ module: "market" }),
        metrics: createMarketMetrics(register),
      });
      const intents = new LockIntents(
        {},
        {
          self: account.address,
          announce: (i) => p2p.publish({ kind: "lockIntent", ...i }),
          logger: log,
        },
      );
      const controller = new AbortController();
      const decider = new LockDecider({ agent, intents, logger: log, signal: controller.signal });
      decider0.d = decider;

      const machine = new JobStateMachine({
        store,
        logger: log.child({ module: "jobs" }),
        metrics: jobsMetrics,
        onTransition: (e) => nodeRef?.onTransition(e),
      });
      const network = new NodeJobNetwork({ fetchTimeoutMs: 30_000 }, { p2p: () => p2p, store, proofs, withheld, sequencer: () => nodeRef!.sequencer(), logger: log });
      const node0 = { prover: null as Prover | null };
      const runner = new JobRunner(opts.jobs, {
        store,
        machine,
        chain,
        network,
        market: decider,
        prover: { prove: (req, o) => node0.prover!.prove(req, o) },
        signal: controller.signal,
        logger: log.child({ module: "runner" }),
        onProgress: (id, p) => deps.progress?.update(`segment ${id}`, p.phase, phaseFraction(p.phase)),
      });
      const ingester = new EventIngester<BatchOp>(
        { name: "market", address: deployment.addresses.market, confirmations: opts.chain.confirmations, fromBlock: deployment.block, pollIntervalMs: opts.chain.pollIntervalMs },
        {
          publicClient,
          cursors: store.chainCursor,
          commit: (ops) => store.batch(ops),
          handler: { onBlock: (b) => nodeRef!.onBlock(b), onReorg: (a, d) => log.warn("Chain reorganisation: re-ingesting", { ancestor: a.blockNumber, depth: d }) },
          logger: log,
        },
      );
      const policy = { minSecurityBits: opts.jobs.proofOptionsPreset === "test" ? 0 : 96 };
      const aggregator = new Aggregator(
        { fetchTimeoutMs: opts.aggregator.fetchTimeoutMs, refetchMs: Math.min(5_000, opts.aggregator.fetchTimeoutMs), txTimeoutMs: opts.jobs.txWaitMs, silentAsPrimary: faults.silentAggregator, respondToReports: !faults.withholdProof },
        {
          publicClient,
          sender,
          addresses: { market: deployment.addresses.market, election: deployment.addresses.election, rollup: deployment.addresses.rollup },
          network: {
            fetchProof: (hash: Hex, o: { signers?: Address[]; signal?: AbortSignal }) => p2p.fetchProof(hash, o),
            fetchWitness: (hash: Hex, o: { signers?: Address[]; signal?: AbortSignal }) => p2p.fetchWitness(hash, { ...o, signers: [...(o.signers ?? []), ...(nodeRef?.sequencerAddress ? [nodeRef.sequencerAddress] : [])] }),
            publishProgress: async (pr: { batchId: bigint; collected: number; total: number }) => {
              await p2p.publish({ kind: "aggregateProgress", ...pr }).catch(() => 0);
            },
          },
          verifySegment: async (s: { proof: Uint8Array; publicInputs: number[] | Uint32Array; publicColumns: Uint32Array[]; prover: Address }) => {
            try {
              verifyStark({ air: airRegistry.resolve(TRANSFER_AIR_NAME), proof: s.proof, publicInputs: Uint32Array.from(s.publicInputs), publicColumns: s.publicColumns, proverAddress: hexToBytes(s.prover), policy });
              return true;
            } catch {
              return false;
            }
          },
          publicColumnsOf: (w: Uint8Array) => publicColumnsOf(statementOf(decodeWitness(w))),
          ownProof: async (batchId: bigint, index: number) => {
            const id = (batchId << 32n) | BigInt(index);
            if (withheld.has(id)) return null;
            return (await store.proofs.get(id))?.bytes ?? null;
          },
          logger: log.child({ module: "aggregator" }),
          signal: controller.signal,
          metrics: createAggregatorMetrics(register),
        },
      );
      const api = opts.api.enabled
        ? new ApiServer(opts.api, {
            providers: {
              status: () => nodeRef!.status(),
              readiness: () => nodeRef!.readiness(),
              metrics: register,
            },
            logger: log,
          })
        : null;

      const modules: Modules = { store, conn, sender, chain, oracle, p2p, proofs, pool, agent, decider, intents, machine, runner, ingester, aggregator, api, register };
      const node = new ProverNode(opts, deps, deployment, modules, faults, withheld, backendName, controller);
      node0.prover = node.faultyProver(pool);
      nodeRef = node;
      return node;
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  private get log(): Logger {
    return this.deps.logger;
  }

  get p2p(): P2pNetwork {
    return this.m.p2p;
  }

  get apiPort(): number | null {
    return this.m.api?.port ?? null;
  }

  /** Start the network, resume unfinished jobs, and run the ingest and sweep loops until stop(). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { m } = this;
    await m.p2p.start();
    await m.api?.start();
    m.p2p.onMessage((msg) => this.onGossip(msg));
    this.terms = await readMarketTerms(m.conn.public, this.deployment.addresses.market);
    await m.machine.refreshMetrics();
    await this.checkRegistration();
    this.log.info("Prover node started", {
      address: this.address,
      peerId: m.p2p.peerId,
      listen: m.p2p.multiaddrs(),
      backend: this.backendName,
      workers: this.opts.provers.workers,
      options: this.opts.jobs.proofOptionsPreset,
      market: this.deployment.addresses.market,
    });
    if (this.opts.jobs.proofOptionsPreset === "test") this.log.warn("Proof options \"test\": proofs are INSECURE (devnets and tests only)");
    await m.aggregator.recover().catch((err: Error) => this.log.warn("Aggregator recovery failed; it follows new blocks only", { error: err.message }));
    for (const job of await m.machine.list(...(["observed", "decided", "lockSent", "locked", "witnessFetched", "proving", "proven", "committed", "published"] as const))) {
      this.drive(job.segmentId);
    }
    this.loops.push(this.loop("ingest", this.opts.chain.pollIntervalMs, () => this.ingestOnce()));
    this.loops.push(this.loop("sweep", Math.max(1000, this.opts.chain.pollIntervalMs * 2), () => this.sweep()));
  }

  /** Abort everything, wait for the loops and jobs to notice, close in reverse order. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info("Stopping prover node");
      this.controller.abort(new Error("node stopping"));
      this.m.aggregator.close();
      await Promise.allSettled([...this.loops, ...this.driving.values(), this.m.aggregator.idle()]);
      await this.m.pool.close().catch(() => undefined);
      this.deps.progress?.close();
      await this.m.api?.stop().catch(() => undefined);
      if (this.started) await this.m.p2p.stop().catch(() => undefined);
      await this.m.store.close().catch(() => undefined);
      this.log.info("Prover node stopped");
    })();
    return this.stopping;
  }

  private async loop(name: string, intervalMs: number, body: () => Promise<unknown>): Promise<void> {
    while (!this.signal.aborted) {
      try {
        await body();
      } catch (err) {
        if (this.signal.aborted) break;
        this.log.warn(`The ${name} loop failed; retrying`, { error: (err as Error).message });
      }
      await sleep(intervalMs, this.signal).catch(() => undefined);
    }
  }

  private async ingestOnce(): Promise<void> {
    // Drain: process every confirmed block, then wait.
    for (;;) {
      const r = await this.m.ingester.poll();
      if (r.processed === 0 || this.signal.aborted) return;
    }
  }

  /** Ingestion handler: runs once per confirmed block (and again after a reorg: everything here is idempotent). */
  private async onBlock(block: IngestedBlock): Promise<BatchOp[]> {
    const terms = this.terms ?? (this.terms = await readMarketTerms(this.m.conn.public, this.deployment.addresses.market));
    const ev = decodeMarketBlock(block, this.deployment.addresses.market, terms, TRANSFER_AIR_NAME);
    for (const b of [...ev.finalizedBatches, ...ev.timedOutBatches]) this.closedBatches.add(b);
    // Our own preference order: different nodes try different segments first.
    const fresh = [...ev.auctioned].sort((a, b) => (intentPriority(a.segmentId, this.address) < intentPriority(b.segmentId, this.address) ? -1 : 1));
    for (const seg of fresh) {
      const record: SegmentRecord = { ...seg };
      const existing = await this.m.machine.get(seg.segmentId);
      if (!existing) {
        await this.m.runner.observe(record);
        this.log.info("Segment auctioned", { segmentId: seg.segmentId, batchId: seg.batchId, index: seg.index, maxPrice: seg.maxPrice });
      }
      this.drive(seg.segmentId);
    }
    for (const id of ev.changed) {
      const job = await this.m.machine.get(id);
      if (job && !isTerminal(job.state)) this.drive(id);
    }
    for (const b of ev.finalizedBatches) {
      for (const job of await this.m.machine.list("committed", "published")) if (splitSegmentId(job.segmentId).batchId === b) this.drive(job.segmentId);
    }
    await this.m.aggregator.onBlock(block).catch((err: Error) => this.log.warn("Aggregator failed on a block", { block: block.number, error: err.message }));
    return [];
  }

  /** Drive a job in the background; one drive per segment at a time (a second request re-runs it after). */
  private drive(segmentId: bigint): void {
    if (this.signal.aborted) return;
    if (this.driving.has(segmentId)) {
      this.again.add(segmentId);
      return;
    }
    const run = (async () => {
      do {
        this.again.delete(segmentId);
        const job = await this.m.machine.get(segmentId);
        if (!job || isTerminal(job.state)) break;
        await this.m.runner.drive(job);
      } while (this.again.has(segmentId) && !this.signal.aborted);
    })()
      .catch((err: Error) => {
        if (this.signal.aborted) return;
        this.log.warn("Job step failed; will retry", { segmentId, error: err.message });
      })
      .finally(() => this.driving.delete(segmentId));
    this.driving.set(segmentId, run);
  }

  private onTransition(e: TransitionEvent): void {
    const { job, from, to } = e;
    if (from === "observed") this.m.decider.release(job.segmentId);
    // A new attempt at a segment is a new proof: the withhold fault applied to the old one only.
    if (to === "observed" && from !== null) this.withheld.delete(job.segmentId);
    if (to === "proven" && this.faults.withholdProof && !this.withholdUsed) {
      this.withholdUsed = true;
      this.withheld.add(job.segmentId);
      this.log.warn("FAULT withhold-proof: this proof will be committed but never served", { segmentId: job.segmentId });
    }
    if (to === "proven") void this.m.store.proofs.get(job.segmentId).then((p) => p && this.m.proofs.add(p)).catch(() => undefined);
    const outcome = lockOutcome(from, to);
    if (outcome) this.m.agent.recordOutcome(outcome);
    if (from === "proving" && to !== "proving") this.deps.progress?.done(`segment ${job.segmentId}`);
    const ctx = { segmentId: job.segmentId, from, to, ...(job.failureReason ? { reason: job.failureReason } : {}) };
    if (this.faults.killAfter === to && !this.killed) {
      this.killed = true;
      this.log.error("FAULT kill-after: killing this process right after a persisted transition", ctx);
      process.kill(process.pid, "SIGKILL");
    }
    if (to === "slashed") this.log.error("Slashed for a segment", ctx);
    else if (to === "failed") {
      const passed = job.failureReason?.startsWith("DECLINED_") || job.failureReason === "LOCK_LOST";
      // A segment reconsidered every sweep would log the same decline again and again: once at info is enough.
      const again = job.history.filter((h) => h.state === "observed").length > 1;
      if (passed && again) this.log.debug("Segment passed", ctx);
      else this.log.info(passed ? "Segment passed" : "Job failed", ctx);
    }
    else if (["locked", "proven", "committed", "published", "finalized"].includes(to)) this.log.info(`Segment ${to}`, ctx);
  }

  private onGossip(msg: ReceivedMessage): void {
    const body = msg.message.body;
    if (body.kind === "lockIntent") {
      const id = (body.batchId << 32n) | BigInt(body.segmentIndex);
      this.m.intents.record(id, msg.message.signer as Address, body.expiresAt);
    }
  }

  /** Re-step waiting jobs; reconsider segments we gave up on that are open again. */
  private async sweep(): Promise<void> {
    void this.m.aggregator.tick();
    const jobs = await this.m.store.jobs.values();
    for (const job of jobs) {
      if (this.signal.aborted) return;
      if (!isTerminal(job.state)) {
        if (!this.driving.has(job.segmentId)) this.drive(job.segmentId);
        continue;
      }
      if (job.state === "finalized" || !RETRYABLE.test(job.failureReason ?? "")) continue;
      const { batchId } = splitSegmentId(job.segmentId);
      if (this.closedBatches.has(batchId)) continue;
      const state = await this.m.chain.lockability(job.segmentId);
      if (state === "closed") {
        this.closedBatches.add(batchId);
        continue;
      }
      if (state !== "lockable") continue;
      const reopened = await this.m.machine.reopen(job as PersistedJob, job.failureReason?.startsWith("DECLINED_") ? "RECONSIDER" : "REOPENED");
      this.log.debug("Segment reconsidered", { segmentId: reopened.segmentId, previous: job.failureReason });
      this.drive(reopened.segmentId);
    }
  }

  /** The rollup's sequencer (asked first for witnesses), read once. */
  async sequencer(): Promise<Address | null> {
    if (this.sequencerAddress) return this.sequencerAddress;
    try {
      const s = await this.m.conn.public.readContract({ address: this.deployment.addresses.rollup, abi: rollupAbi, functionName: "sequencer" });
      this.sequencerAddress = getAddress(s);
    } catch (err) {
      this.log.debug("Cannot read the sequencer address", { error: (err as Error).message });
    }
    return this.sequencerAddress;
  }

  private async checkRegistration(): Promise<void> {
    const c = this.m.conn.public;
    const staking = this.deployment.addresses.staking;
    const [registered, active, free] = await Promise.all([
      c.readContract({ address: staking, abi: proverStakingAbi, functionName: "isRegistered", args: [this.address] }),
      c.readContract({ address: staking, abi: proverStakingAbi, functionName: "isActive", args: [this.address] }),
      c.readContract({ address: staking, abi: proverStakingAbi, functionName: "freeStake", args: [this.address] }),
    ]);
    if (!registered) this.log.warn("This address is not registered as a prover: it will not lock segments (run `prover-node register`)", { address: this.address });
    else if (!active) this.log.warn("Stake below the minimum: this node will not lock segments (run `prover-node stake bond <amount>`)", { address: this.address, freeStake: free });
  }

  /** Wrap the prover with the test-only faults. */
  private faultyProver(pool: ProverPool): Prover {
    const f = this.faults;
    let proofs = 0;
    return {
      prove: async (req, o) => {
        const n = proofs++;
        const onProgress = o?.onProgress;
        const outcome: ProveOutcome = await pool.prove(req, {
          ...o,
          onProgress: (p) => {
            onProgress?.(p);
            if (f.crashMidProof && n === 0 && p.phase === "trace") {
              this.log.error("FAULT crash-mid-proof: killing this process");
              process.kill(process.pid, "SIGKILL");
            }
          },
        });
        if (f.invalidProof && n === 0) {
          const bytes = new Uint8Array(outcome.bytes);
          const at = Math.floor(bytes.length / 2);
          bytes[at] = bytes[at]! ^ 0x01;
          this.log.warn("FAULT invalid-proof: corrupting this proof before it is committed");
          return { ...outcome, bytes, proofHash: "0x" + Buffer.from(keccak_256(bytes)).toString("hex") };
        }
        return outcome;
      },
    };
  }

  private p2pStatus(): { nodeVersion: string; backend: string; capacity: number; queued: number } {
    return { nodeVersion: NODE_VERSION, backend: this.backendName, capacity: this.opts.provers.workers, queued: this.driving.size };
  }

  async status(): Promise<NodeStatus> {
    const c = this.m.conn.public;
    const staking = this.deployment.addresses.staking;
    const jobs = await this.m.store.jobs.countByState();
    let stake: NodeStatus["stake"] = null;
    try {
      const [bonded, free] = await Promise.all([
        c.readContract({ address: staking, abi: proverStakingAbi, functionName: "selfStake", args: [this.address] }),
        c.readContract({ address: staking, abi: proverStakingAbi, functionName: "freeStake", args: [this.address] }),
      ]);
      stake = { bonded, free, locked: bonded > free ? bonded - free : 0n };
    } catch {
      stake = null;
    }
    const all: JobRecord[] = await this.m.store.jobs.values();
    let total = 0n;
    let pending = 0n;
    for (const j of all) {
      if (j.state === "finalized") total += j.price ?? 0n;
      else if ((LOCK_HELD_STATES as readonly string[]).includes(j.state) || j.state === "committed" || j.state === "published") pending += j.price ?? 0n;
    }
    let peers = 0;
    let peerId: string | null = null;
    try {
      peers = this.m.p2p.connectedPeers().length;
      peerId = this.m.p2p.peerId;
    } catch {
      /* not started */
    }
    return {
      version: NODE_VERSION,
      network: this.opts.network,
      address: this.address,
      peerId,
      peers,
      stake,
      jobs,
      earnings: { total, pending },
      backend: { kind: this.backendName, workers: this.opts.provers.workers },
      market: { breaker: this.m.agent.breaker.state },
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
    };
  }

  async readiness(): Promise<Readiness> {
    const checks: Record<string, true | string> = {};
    try {
      await this.m.conn.public.getBlockNumber({ cacheTime: 0 });
      checks.rpc = true;
    } catch (err) {
      checks.rpc = `RPC unreachable: ${(err as Error).message.split("\n")[0]}`;
    }
    try {
      checks.p2p = this.m.p2p.connectedPeers().length > 0 ? true : "no peers connected";
    } catch {
      checks.p2p = "p2p not started";
    }
    checks.store = true;
    checks.keystore = true;
    return { ready: Object.values(checks).every((v) => v === true), checks };
  }
}



export type { PublicClient };
