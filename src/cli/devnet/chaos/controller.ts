/**
 * `prover-node devnet --chaos <seed>`: brings a devnet up behind a flaky RPC proxy, with a hostile peer
 * in the mesh and every node under outside partition control, then — while batches flow, one after the
 * other — fires the seeded schedule of overlapping faults and checks the invariants (invariants.ts)
 * continuously and at the end. The first violation stops the run with the seed, the moment and the
 * evidence. Returns the report (report.ts) either way.
 */
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createTestClient, http } from "viem";
import { anvil as anvilChain } from "viem/chains";
import { BatchStatus } from "../../../chain/market-reader.js";
import { describeError } from "../../../util/errors.js";
import type { Logger } from "../../../util/logger.js";
import { sleep } from "../../../util/sleep.js";
import { Devnet, type DevnetOpts } from "../devnet.js";
import { ChainView } from "./chain-view.js";
import { FaultLog, type ProcessEnd } from "./fault-log.js";
import { HostilePeer } from "./hostile-peer.js";
import { ChaosChecker, ChaosViolation, type BatchFigures, type ConservationFigures } from "./invariants.js";
import { formatReport, perNodeResources, thinSamples, writeReport, type ChaosReport, type ViolationRecord } from "./report.js";
import { defaultResourceOpts, ResourceMonitor, type ResourceOpts } from "./resources.js";
import { FlakyRpcProxy, type RpcFaultRates } from "./rpc-proxy.js";
import { BEHAVIOUR_FAULTS, chaosSchedule, clock, formatSchedule, maxOverlap, type ChaosProfile, type ScheduledFault } from "./schedule.js";

export interface ChaosOpts {
  seed: number;
  profile: ChaosProfile;
  /** How long the chaos runs (soak), and the horizon the schedule is drawn over. */
  durationMs: number;
  /** Stop once this many batches are settled and every fault has run (ci); null: run `durationMs`. */
  batches: number | null;
  devnet: DevnetOpts;
  /** RPC fault rates all the time, and during storms. */
  rpcBaseline: RpcFaultRates;
  rpcStorm: RpcFaultRates;
  /** Hostile messages per second while flooding. */
  floodRate: number;
  /** Explanations: a node back less than this before a deadline could not make it. */
  restartGraceMs: number;
  /** A node's store may disagree with the chain this long. */
  persistMs: number;
  /** A batch may stay open this long past its timeout. */
  batchTimeoutMarginMs: number;
  /** How long after the last fault the run waits for the batch in flight to settle. */
  settleMs: number;
  resources: ResourceOpts;
  /** Where the JSON report goes (null: nowhere). */
  reportFile: string | null;
  /** A line for the operator (stdout). */
  print: (line: string) => void;
  logger: Logger;
  /** Aborts the run (Ctrl-C): faults are undone and the report written. */
  signal?: AbortSignal;
}

export const BASELINE_RPC_FAULTS: RpcFaultRates = { drop: 0.01, delay: 0.05, maxDelayMs: 800, error: 0.01, sentThenTimeout: 0.05 };
export const STORM_RPC_FAULTS: RpcFaultRates = { drop: 0.08, delay: 0.3, maxDelayMs: 2_500, error: 0.08, sentThenTimeout: 0.3 };

export function defaultChaosOpts(devnet: DevnetOpts, profile: ChaosProfile, seed: number): ChaosOpts {
  return {
    seed,
    profile,
    durationMs: 3_600_000,
    batches: null,
    devnet,
    rpcBaseline: BASELINE_RPC_FAULTS,
    rpcStorm: STORM_RPC_FAULTS,
    floodRate: 20,
    restartGraceMs: 20_000,
    persistMs: 60_000,
    batchTimeoutMarginMs: 60_000,
    settleMs: 240_000,
    resources: defaultResourceOpts,
    reportFile: null,
    print: (l) => process.stdout.write(l + "\n"),
    logger: devnet.logger,
  };
}

/** Run the chaos devnet; the report says whether every invariant held. */
export async function runChaos(o: ChaosOpts): Promise<ChaosReport> {
  const schedule = chaosSchedule({ seed: o.seed, profile: o.profile, nodes: o.devnet.nodes, durationMs: o.durationMs });
  const overlap = maxOverlap(schedule);
  o.print(`chaos seed ${o.seed}, profile ${o.profile.name}, ${o.devnet.nodes} nodes: ${schedule.length} faults, up to ${overlap.kinds.length} kinds at once (${overlap.kinds.join(", ")}) at +${clock(overlap.atMs)}`);
  for (const line of formatSchedule(schedule)) o.print(`  ${line}`);
  const run = new ChaosRun(o, schedule);
  return run.execute(overlap);
}

class ChaosRun {
  private d!: Devnet;
  private proxy: FlakyRpcProxy | null = null;
  private hostile!: HostilePeer;
  private view!: ChainView;
  private checker!: ChaosChecker;
  private readonly log = new FaultLog();
  private resources!: ResourceMonitor;
  private readonly abort = new AbortController();
  private startedAt = 0;
  private violation: ViolationRecord | null = null;
  private readonly tasks = new Set<Promise<unknown>>();
  /** Per node: process operations (kill, stop, start) take turns. */
  private readonly nodeTurn = new Map<number, Promise<unknown>>();
  /** Exits we caused: pid → how. */
  private readonly expected = new Map<number, ProcessEnd>();
  private readonly checks = { conservation: 0, slashes: 0, batches: 0, stores: 0, resources: 0 };
  private lastConservation: ConservationFigures | null = null;
  private lastBatches: BatchFigures = { posted: 0, finalized: 0, refunded: 0, open: 0 };
  private settled = 0;
  private faultsDone = false;
  private readonly active = new Map<number, { kind: string; untilMs: number }>();
  private observedOverlap: { kinds: string[]; atMs: number } = { kinds: [], atMs: 0 };
  private startedIso = "";
  private overlap: ChaosReport["maxOverlap"] = { kinds: [], atMs: 0 };

  constructor(
    private readonly o: ChaosOpts,
    private readonly schedule: ScheduledFault[],
  ) {
    o.signal?.addEventListener("abort", () => this.abort.abort(), { once: true });
  }

  private get signal(): AbortSignal {
    return this.abort.signal;
  }

  private partitionFile(i: number): string {
    return join(resolve(this.o.devnet.baseDir, `node-${i}`), "partition");
  }

  private faultsFor(i: number, behaviour?: string): string {
    return [...(behaviour ? [behaviour] : []), `partition-file:${this.partitionFile(i)}`].join(",");
  }

  async execute(overlap: ChaosReport["maxOverlap"]): Promise<ChaosReport> {
    const o = this.o;
    const devnetOpts: DevnetOpts = {
      ...o.devnet,
      faults: Object.fromEntries(Array.from({ length: o.devnet.nodes }, (_, i) => [i, this.faultsFor(i)])),
      rpcFront: async (url) => (this.proxy = await FlakyRpcProxy.start(url, o.seed)),
    };
    this.d = await Devnet.create(devnetOpts);
    const startedIso = new Date().toISOString();
    this.startedIso = startedIso;
    this.overlap = overlap;
    try {
      await this.d.startNodes();
      for (const n of this.d.nodes) this.watch(n.index);
      const { token, market, rollup } = this.d.deployment.addresses;
      this.view = new ChainView(this.d.publicClient, { token, market, rollup }, this.d.deployment.block);
      const t = o.devnet.timing;
      this.checker = new ChaosChecker(this.d, this.view, this.log, {
        restartGraceMs: o.restartGraceMs,
        fetchTimeoutMs: o.devnet.fetchTimeoutMs ?? 15_000,
        batchTimeoutMarginMs: o.batchTimeoutMarginMs,
        persistMs: o.persistMs,
        warmupMs: 20_000,
        responseWindowMs: t.responseWindow * 1000,
        aggregatorWindowMs: t.aggregatorWindow * t.blockTime * 1000,
      });
      this.hostile = new HostilePeer({ network: this.d.network, bootstrap: this.d.bootstrapAddrs(), seed: o.seed, ratePerSecond: o.floodRate }, o.logger.child({ module: "hostile" }));
      await this.hostile.start();
      this.hostile.setTargets(this.d.nodes.flatMap((n) => n.listen));
      this.proxy!.setRates(o.rpcBaseline);
      this.startedAt = Date.now();
      this.resources = new ResourceMonitor(o.resources, this.startedAt);
      o.print(`chaos started at ${new Date(this.startedAt).toISOString()} (devnet in ${o.devnet.baseDir}, RPC proxy ${this.proxy!.url} in front of ${this.d.anvil.rpcUrl})`);

      // The run is over once the faults have run and the batches are done (or on abort); the check and
      // print loops run until then (they never end by themselves: awaiting them kept a run going forever).
      const work = [this.faultLoop(), this.batchLoop()];
      const watchers = [this.checkLoop(), this.printLoop()];
      await Promise.race([Promise.all(work), new Promise((r) => this.signal.addEventListener("abort", r, { once: true }))]);
      this.abort.abort();
      await Promise.allSettled([...work, ...watchers, ...this.tasks]);
      await this.quiesce();
      if (this.violation === null && !(o.signal?.aborted ?? false)) await this.finalChecks();
    } catch (err) {
      if (!(err instanceof ChaosViolation) && this.violation === null) {
        this.violation = this.record(new ChaosViolation("processes", `the run failed: ${describeError(err)}`, { error: describeError(err) }));
      } else if (err instanceof ChaosViolation && this.violation === null) this.violation = this.record(err);
    } finally {
      this.abort.abort();
      await this.hostile?.stop().catch(() => undefined);
    }
    const report = this.report(startedIso, overlap);
    await this.d.stop().catch(() => undefined);
    if (o.reportFile) await writeReport(o.reportFile, report);
    for (const line of formatReport(report)) o.print(line);
    return report;
  }

  // ------------------------------------------------------------------ loops

  private async faultLoop(): Promise<void> {
    for (const f of this.schedule) {
      const wait = this.startedAt + f.atMs - Date.now();
      if (wait > 0) await sleep(wait, this.signal).catch(() => undefined);
      if (this.signal.aborted) return;
      this.track(this.fire(f));
    }
    await Promise.allSettled([...this.tasks]);
    this.faultsDone = true;
    this.o.print(`+${clock(Date.now() - this.startedAt)} every scheduled fault has run`);
  }

  private async batchLoop(): Promise<void> {
    const o = this.o;
    const deadline = this.startedAt + o.durationMs;
    while (!this.signal.aborted) {
      const enough = o.batches !== null ? this.settled >= o.batches && this.faultsDone : Date.now() >= deadline && this.faultsDone;
      if (enough) return;
      let batchId: bigint;
      try {
        batchId = (await this.d.postBatch()).batchId;
      } catch (err) {
        o.logger.warn("Batch not posted; retrying", { error: describeError(err) });
        await sleep(2_000, this.signal).catch(() => undefined);
        continue;
      }
      let lastReconcile = 0;
      for (;;) {
        if (this.signal.aborted) return;
        await sleep(1_000, this.signal).catch(() => undefined);
        if (Date.now() - lastReconcile > 3_000) {
          lastReconcile = Date.now();
          await this.d.reconcileSequencer().catch((err: Error) => o.logger.warn("Sequencer reconcile failed", { error: describeError(err) }));
        }
        const rec = this.d.sequencer.batchRecords().find((r) => r.batchId === batchId);
        const status = await this.d.contracts.market.read.getBatch([batchId]).then((b) => b.status, () => null);
        if (status === BatchStatus.Finalized || status === BatchStatus.TimedOut || rec?.status === "dropped" || rec?.status === "timedOut" || rec?.status === "orphaned") {
          if (status === BatchStatus.Finalized || status === BatchStatus.TimedOut) this.settled++;
          o.print(`+${clock(Date.now() - this.startedAt)} batch ${batchId} ${status === BatchStatus.Finalized ? "finalized" : status === BatchStatus.TimedOut ? "timed out (refunded)" : rec?.status}`);
          break;
        }
      }
    }
  }

  private async checkLoop(): Promise<void> {
    let lastStores = 0;
    let lastResources = 0;
    while (!this.signal.aborted) {
      try {
        await this.checkOnce(Date.now() - lastStores > 15_000, Date.now() - lastResources > 10_000);
        if (Date.now() - lastStores > 15_000) lastStores = Date.now();
        if (Date.now() - lastResources > 10_000) lastResources = Date.now();
      } catch (err) {
        if (err instanceof ChaosViolation) {
          this.fail(err);
          return;
        }
        this.o.logger.warn("Invariant check failed to read; retrying", { error: describeError(err) });
      }
      await sleep(5_000, this.signal).catch(() => undefined);
    }
  }

  private async checkOnce(stores: boolean, resources: boolean): Promise<void> {
    await this.view.refresh();
    this.lastConservation = await this.checker.conservation();
    this.checks.conservation++;
    await this.checker.checkSlashes();
    this.checks.slashes++;
    this.lastBatches = await this.checker.checkBatches();
    this.checks.batches++;
    if (stores) {
      await this.checker.checkStores();
      this.checks.stores++;
    }
    if (resources) {
      this.resources.sample(this.d.nodes.flatMap((n) => (n.process?.pid !== undefined && !this.d.exited(n.index) ? [{ node: n.index, pid: n.process.pid }] : [])));
      this.resources.sample([{ node: -1, pid: process.pid }]);
      this.checks.resources++;
      const bad = this.resources.trends().find((t) => t.problem !== null);
      if (bad) throw new ChaosViolation("resources", `node ${bad.trend.node} (pid ${bad.trend.pid}): ${bad.problem}`, { trend: bad.trend });
    }
  }

  private async printLoop(): Promise<void> {
    const every = this.o.profile.name === "ci" ? 15_000 : 60_000;
    while (!this.signal.aborted) {
      await sleep(every, this.signal).catch(() => undefined);
      if (this.signal.aborted) return;
      const b = this.lastBatches;
      const slashes = this.checker.slashes;
      if (this.o.reportFile) await writeReport(this.o.reportFile, this.report(this.startedIso, this.overlap, false)).catch(() => undefined);
      this.o.print(
        `+${clock(Date.now() - this.startedAt)} batches finalized ${b.finalized}, refunded ${b.refunded}, open ${b.open} | faults ${Object.entries(this.log.countsByKind()).map(([k, n]) => `${k} ${n}`).join(", ") || "none yet"} | slashes ${slashes.length} (unexplained 0) | nodes up ${this.d.nodes.filter((n) => !this.d.exited(n.index) && n.process).length}/${this.d.nodes.length}`,
      );
    }
  }

  // ------------------------------------------------------------------ faults

  private track(p: Promise<unknown>): void {
    const t = p.catch((err: unknown) => {
      if (err instanceof ChaosViolation) this.fail(err);
      else if (!this.signal.aborted) this.o.logger.warn("Fault failed", { error: describeError(err) });
    });
    this.tasks.add(t);
    void t.finally(() => this.tasks.delete(t));
  }

  private async fire(f: ScheduledFault): Promise<void> {
    const now = Date.now();
    const begin = (node: number | null, detail?: string): void => {
      this.log.fire({ id: f.id, kind: f.kind, node, atMs: now - this.startedAt, durationMs: f.durationMs, ...(detail ? { detail } : {}) });
      this.o.print(`+${clock(now - this.startedAt)} fault #${f.id} ${f.kind}${node !== null ? ` node ${node}` : ""}${detail ? ` (${detail})` : ""}${f.durationMs > 0 ? ` for ${(f.durationMs / 1000).toFixed(1)} s` : ""}`);
      this.active.set(f.id, { kind: f.kind, untilMs: now - this.startedAt + Math.max(f.durationMs, 1_000) });
      this.noteOverlap(now - this.startedAt);
    };
    const skip = (why: string): void => {
      this.log.fire({ id: f.id, kind: f.kind, node: f.node, atMs: now - this.startedAt, durationMs: f.durationMs, skipped: why });
      this.o.print(`+${clock(now - this.startedAt)} fault #${f.id} ${f.kind} skipped: ${why}`);
    };
    const hold = (ms: number): Promise<void> => sleep(ms, this.signal).catch(() => undefined);
    switch (f.kind) {
      case "kill": {
        if (!this.running(f.node!)) return skip(`node ${f.node} is not running`);
        begin(f.node);
        await this.killAndRestart(f.node!, f.durationMs);
        return;
      }
      case "kill-aggregator": {
        const target = await this.primaryAggregator();
        if (target === null) return skip("no primary aggregator among the running nodes");
        begin(target.node, target.why);
        await this.killAndRestart(target.node, f.durationMs);
        return;
      }
      case "crash-mid-proof":
      case "invalid-proof":
      case "withhold-proof":
      case "silent-aggregator": {
        const i = f.node!;
        if (!this.running(i)) return skip(`node ${i} is not running`);
        begin(i);
        await this.restartWith(i, f.kind);
        await hold(f.durationMs);
        if (this.signal.aborted) return;
        // Still the faulty process (crash-mid-proof may have crashed and been restarted clean already)?
        const life = this.currentLife(i);
        if (life && life.faults.includes(f.kind)) await this.restartWith(i, undefined);
        return;
      }
      case "rpc-storm":
        begin(null);
        this.proxy!.setRates(this.o.rpcStorm);
        await hold(f.durationMs);
        this.proxy!.setRates(this.signal.aborted ? { drop: 0, delay: 0, maxDelayMs: 0, error: 0, sentThenTimeout: 0 } : this.o.rpcBaseline);
        return;
      case "partition": {
        begin(f.node);
        await writeFile(this.partitionFile(f.node!), "");
        this.log.partitionStarted(f.node!);
        await hold(f.durationMs);
        await rm(this.partitionFile(f.node!), { force: true });
        this.log.partitionEnded(f.node!);
        return;
      }
      case "hostile-flood":
        begin(null);
        this.hostile.startFlood();
        await hold(f.durationMs);
        this.hostile.stopFlood();
        return;
      case "sequencer-restart":
        begin(null);
        await this.d.restartSequencer(f.durationMs);
        return;
      case "reorg":
        begin(null, `${f.depth} blocks`);
        await this.reorg(f.depth ?? 2);
        return;
      case "scale-to-zero": {
        begin(null, "every node stopped");
        await Promise.all(this.d.nodes.map((n) => this.turn(n.index, () => this.stop(n.index, "SIGTERM"))));
        await hold(f.durationMs);
        if (this.signal.aborted) return;
        await Promise.all(this.d.nodes.map((n) => this.turn(n.index, () => this.start(n.index, undefined))));
        return;
      }
    }
  }

  private noteOverlap(atMs: number): void {
    const kinds = new Set<string>();
    for (const [, a] of this.active) if (a.untilMs >= atMs) kinds.add(a.kind);
    if (kinds.size > this.observedOverlap.kinds.length) this.observedOverlap = { kinds: [...kinds], atMs };
  }

  private running(i: number): boolean {
    const n = this.d.nodes[i]!;
    return n.process !== null && !this.d.exited(i);
  }

  private currentLife(i: number) {
    const pid = this.d.nodes[i]!.process?.pid;
    return this.log.lives.find((l) => l.node === i && l.pid === pid && l.endMs === null) ?? null;
  }

  private turn<T>(i: number, f: () => Promise<T>): Promise<T> {
    const run = (this.nodeTurn.get(i) ?? Promise.resolve()).then(f);
    this.nodeTurn.set(i, run.catch(() => undefined));
    return run;
  }

  private async killAndRestart(i: number, downMs: number): Promise<void> {
    await this.turn(i, () => this.stop(i, "SIGKILL"));
    await sleep(downMs, this.signal).catch(() => undefined);
    if (this.signal.aborted) return;
    await this.turn(i, () => (this.running(i) ? Promise.resolve() : this.start(i, undefined)));
  }

  private async restartWith(i: number, behaviour: string | undefined): Promise<void> {
    await this.turn(i, async () => {
      await this.stop(i, "SIGTERM");
      if (!this.signal.aborted) await this.start(i, behaviour);
    });
  }

  private async stop(i: number, signal: "SIGKILL" | "SIGTERM"): Promise<void> {
    const pid = this.d.nodes[i]!.process?.pid;
    if (pid === undefined || !this.running(i)) return;
    this.expected.set(pid, signal === "SIGKILL" ? "killed" : "stopped");
    await this.d.stopNode(i, signal);
  }

  private async start(i: number, behaviour: string | undefined): Promise<void> {
    if (this.running(i)) return;
    try {
      await this.d.startNode(i, this.faultsFor(i, behaviour));
    } catch (err) {
      throw new ChaosViolation("processes", `node ${i} did not come back: ${describeError(err)}`, { node: i, log: await tailLog(this.d.nodes[i]!.logFile) });
    }
    this.watch(i);
  }

  /** Record the node's process; an exit nobody caused is a violation (unless it is the crash fault). */
  private watch(i: number): void {
    const n = this.d.nodes[i]!;
    const child = n.process!;
    const pid = child.pid!;
    const faults = n.faults.split(",").filter((f) => !f.startsWith("partition-file:")).join(",");
    this.log.processStarted(i, pid, faults);
    child.once("exit", (code, sig) => {
      const expected = this.expected.get(pid);
      this.expected.delete(pid);
      if (expected) return this.log.processEnded(i, pid, expected);
      if (this.signal.aborted) return this.log.processEnded(i, pid, "stopped");
      if (faults.includes("crash-mid-proof")) {
        this.log.processEnded(i, pid, "crashed");
        this.o.print(`+${clock(Date.now() - this.startedAt)} node ${i} crashed on purpose (crash-mid-proof); restarting it`);
        this.track(this.turn(i, async () => (await sleep(3_000, this.signal).catch(() => undefined), this.signal.aborted ? undefined : this.start(i, undefined))));
        return;
      }
      this.log.processEnded(i, pid, "exited");
      this.track(tailLog(n.logFile).then((log) => {
        throw new ChaosViolation("processes", `node ${i} (pid ${pid}) exited by itself (code ${code}, signal ${sig})`, { node: i, code, signal: sig, log });
      }));
    });
  }

  /** The rank-0 aggregator of the open, fully committed batch (waits up to 30 s for one), among running nodes. */
  private async primaryAggregator(): Promise<{ node: number; why: string } | null> {
    const end = Date.now() + 30_000;
    const election = this.d.contracts.election;
    while (!this.signal.aborted && Date.now() < end) {
      for (const b of [...this.d.posted].reverse()) {
        const batch = await this.d.contracts.market.read.getBatch([b.batchId]).catch(() => null);
        if (!batch || batch.status !== BatchStatus.Open || batch.fullyCommittedBlock === 0n) continue;
        const ranked = await election.read.rankedAggregators([await election.read.epochOf([batch.fullyCommittedBlock]), 1]);
        const node = this.d.nodes.findIndex((n) => n.address.toLowerCase() === ranked[0]?.toLowerCase());
        if (node >= 0 && this.running(node)) return { node, why: `primary of batch ${b.batchId}` };
      }
      await sleep(1_000, this.signal).catch(() => undefined);
    }
    const head = await this.d.publicClient.getBlockNumber();
    const ranked = await election.read.rankedAggregators([await election.read.epochOf([head]), 1]);
    const node = this.d.nodes.findIndex((n) => n.address.toLowerCase() === ranked[0]?.toLowerCase());
    return node >= 0 && this.running(node) ? { node, why: "primary of the current epoch (no batch fully committed)" } : null;
  }

  /** evm_snapshot, `depth` blocks, evm_revert; then anvil's clock is moved back to wall time. */
  private async reorg(depth: number): Promise<void> {
    const test = createTestClient({ chain: anvilChain, transport: http(this.d.anvil.rpcUrl), mode: "anvil" });
    const from = await this.d.publicClient.getBlockNumber({ cacheTime: 0 });
    const id = await test.snapshot();
    while (!this.signal.aborted && (await this.d.publicClient.getBlockNumber({ cacheTime: 0 })) < from + BigInt(depth)) await sleep(250);
    await test.revert({ id });
    // The revert also rewinds anvil's clock: the new fork's blocks carry the current time, as a real reorg's would.
    const head = await this.d.publicClient.getBlock({ blockTag: "latest" });
    const behind = Math.floor(Date.now() / 1000) - Number(head.timestamp);
    if (behind > 0) await test.increaseTime({ seconds: behind });
    this.o.logger.info("Reorg", { from: String(from), depth, behindSeconds: behind });
  }

  // ------------------------------------------------------------------ end

  private fail(err: ChaosViolation): void {
    if (this.violation !== null) return;
    this.violation = this.record(err);
    this.o.print(`+${clock(this.violation.atMs)} VIOLATION ${err.message} — stopping (seed ${this.o.seed})`);
    this.abort.abort();
  }

  private record(err: ChaosViolation): ViolationRecord {
    const now = Date.now();
    return { invariant: err.type.invariant, message: err.message, atMs: now - (this.startedAt || now), at: new Date(now).toISOString(), block: this.view?.head ?? null, evidence: err.type.evidence };
  }

  /** Undo every fault: heal partitions, quiet the RPC and the hostile peer, bring every node back. */
  private async quiesce(): Promise<void> {
    this.proxy?.setRates({ drop: 0, delay: 0, maxDelayMs: 0, error: 0, sentThenTimeout: 0 });
    this.hostile?.stopFlood();
    for (const n of this.d.nodes) {
      if (existsSync(this.partitionFile(n.index))) {
        await rm(this.partitionFile(n.index), { force: true });
        this.log.partitionEnded(n.index);
      }
    }
    if (this.violation !== null || (this.o.signal?.aborted ?? false)) return;
    for (const n of this.d.nodes) if (!this.running(n.index)) await this.start(n.index, undefined);
  }

  /** The batch in flight settles (finalized or refunded), then every invariant once more. */
  private async finalChecks(): Promise<void> {
    const end = Date.now() + this.o.settleMs;
    for (;;) {
      await this.d.reconcileSequencer().catch(() => undefined);
      await this.view.refresh();
      const fig = await this.checker.checkBatches();
      if (fig.open === 0 || Date.now() > end) break;
      await sleep(2_000);
    }
    await this.checkOnce(true, true).catch((err: unknown) => {
      if (err instanceof ChaosViolation) this.violation = this.record(err);
      else throw err;
    });
  }

  private report(startedAt: string, overlap: ChaosReport["maxOverlap"], finished = true): ChaosReport {
    const trends = this.resources?.trends() ?? [];
    const slashes = this.checker?.slashes ?? [];
    const records = this.d?.sequencer ? safe(() => this.d.sequencer.batchRecords(), []) : [];
    return {
      seed: this.o.seed,
      profile: this.o.profile.name,
      nodes: this.o.devnet.nodes,
      startedAt,
      durationMs: this.startedAt ? Date.now() - this.startedAt : 0,
      schedule: formatSchedule(this.schedule),
      maxOverlap: overlap,
      observedOverlap: this.observedOverlap,
      faults: {
        byKind: { ...this.log.countsByKind(), ...Object.fromEntries(Object.entries(this.proxy?.stats.faults ?? {}).map(([k, v]) => [`rpc-${k}`, v])) },
        fired: this.log.fired,
        rpc: this.proxy?.stats ?? { requests: 0, forwarded: 0, faults: { drop: 0, delay: 0, error: 0, sentThenTimeout: 0 } },
        hostile: this.hostile?.stats ?? { published: { malformed: 0, truncated: 0, oversized: 0, badSignature: 0, unregistered: 0, wrongTopic: 0, replay: 0 }, requests: 0, identities: 0 },
      },
      batches: { ...this.lastBatches, reposted: records.filter((r) => r.repostOf !== undefined).length, settledInRun: this.settled },
      slashes: { explained: slashes.filter((s) => s.explanation !== null).length, unexplained: this.violation?.invariant === "slashes" ? 1 : 0, list: slashes },
      checks: { ...this.checks, storeCleanAfterRestart: Object.fromEntries([...(this.checker?.cleanAfterRestart ?? new Map()).entries()].map(([k, v]) => [String(k), v])) },
      conservation: this.lastConservation,
      violations: this.violation ? [this.violation] : [],
      resources: { trends: trends.map((t) => t.trend), perNode: perNodeResources(this.resources?.samples ?? [], trends.map((t) => t.trend)), samples: thinSamples(this.resources?.samples ?? [], 30_000) },
      ok: this.violation === null,
      finished,
    };
  }
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

async function tailLog(file: string, lines = 30): Promise<string[]> {
  const { readFile } = await import("node:fs/promises");
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines);
}

export { BEHAVIOUR_FAULTS };
