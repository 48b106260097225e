/**
 * A whole network on one machine (issue [devnet]): anvil (the npm binary), the contracts with the real
 * generated STARK verifiers, the in-process sequencer (which is also every node's bootstrap peer), and
 * N `prover-node start` processes, each with its own data directory, keystore, peer key, profile and log.
 *
 * Two paths (`DevnetOpts.path`): "bundle" (M1: transfer-v1 segments, one proof each on L1, anvil with a
 * 1 G block gas limit) and "aggregate" (issue 19: data batches, transfer-v2 segments aggregated by the
 * network into one wrap proof per batch, verified by the wrap program's generated verifier; anvil with a
 * 60 M block gas limit). The aggregate path writes its geometry into deployment.json and every node's config.
 *
 * Used by `prover-node devnet`, `npm run devnet`, scripts/devnet.ts and the end-to-end tests, which reach
 * into the handle (kill a node, restart it, read the chain) — nothing here is mocked.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { anvil as anvilChain } from "viem/chains";
import { generateKeyPair, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { startAnvil, type AnvilInstance } from "../../chain/anvil.js";
import { systemContracts, type AnyWalletClient, type SystemContracts } from "../../chain/contracts.js";
import { deploySystem, deploymentToJson, type Deployment } from "../../chain/deploy.js";
import { deployStarkVerifier } from "../../chain/stark-verifier.js";
import { peerIdToChain } from "../../chain/peer-id.js";
import { TxSender } from "../../chain/sender.js";
import type { P2pNetwork } from "../../p2p/index.js";
import { genesisFor, LevelSequencerStore, Sequencer, startSequencerNetwork, type PostedBatch, type SequencerStore } from "../../sequencer/index.js";
import { encryptKeystore } from "../../node/keystore.js";
import { STARTUP_RPC_RETRY_MS } from "../../node/node.js";
import { TRANSFER_AIR_NAME } from "../../rollup/air/index.js";
import type { BackendKind } from "../../backends/select.js";
import type { Logger } from "../../util/logger.js";
import { nullLogger } from "../../util/logger.js";
import { sleep } from "../../util/sleep.js";
import { measureProfile } from "../bench/run.js";
import { mergeProfile } from "../bench/profile.js";
import type { AggregateDeploymentParams } from "../../aggregator/geometry.js";
import { AGGREGATE_BLOCK_GAS_LIMIT, deployAggregatePath, measureDataSegmentProfile, devnetAggregateParams, nodeAggregateConfig, type AggregateDeployment } from "./aggregate.js";

export const DEVNET_PASSWORD = "devnet-insecure-password";
/** Light scrypt for devnet keystores (their keys guard nothing); `init` uses the standard cost. */
const DEVNET_SCRYPT = { n: 4096, r: 8, p: 1 } as const;
/** Devnet nodes treat a finalization as final 6 blocks deep: deeper than the chaos devnet's reorgs (2–5 blocks). */
export const DEVNET_FINALITY_DEPTH = 6;

export interface DevnetTiming {
  /** Seconds a locker has to commit. */
  lockTimeout: number;
  /** Seconds a reported prover has to publish its proof. */
  responseWindow: number;
  batchTimeout: number;
  rampPeriod: number;
  /** Blocks of each aggregator window. */
  aggregatorWindow: number;
  epochLength: number;
  /** anvil's block interval in seconds (interval mining, so time-based windows advance). */
  blockTime: number;
}

/**
 * The aggregate path's exclusive window per aggregator rank, in blocks (seconds at the devnet's 1 s
 * blocks): it starts when the batch is fully committed, and the primary needs the whole proof tree
 * (leaves, joins — proven by other nodes — and its wrap) before it can submit. 12 blocks cost an honest
 * primary the liveness penalty on a loaded 2-core machine (e2e happy path); a window must cover the
 * tree's latency (docs/aggregator.md, "The wrap").
 */
export const AGGREGATE_WINDOW_BLOCKS = 90;

export const DEFAULT_DEVNET_TIMING: DevnetTiming = { lockTimeout: 45, responseWindow: 15, batchTimeout: 900, rampPeriod: 10, aggregatorWindow: 12, epochLength: 32, blockTime: 1 };

/** "bundle": M1 (one transfer-v1 proof per segment on L1); "aggregate": data batches, one proof per batch (issue 19). */
export type DevnetPath = "aggregate" | "bundle";

export interface DevnetOpts {
  nodes: number;
  /** Default "aggregate" (one proof per data batch); "bundle" keeps M1's path (its fault scenarios and the chaos runs use it until the data path has validity disputes). */
  path?: DevnetPath;
  txsPerBatch: number;
  /** log2 rows per segment. */
  segmentLogRows: number;
  treeDepth: number;
  accounts: number;
  options: "test" | "default";
  backend: BackendKind;
  /** Where the data directories go (one per node, plus the deployment file). */
  baseDir: string;
  seed: number;
  timing: DevnetTiming;
  /** Stake each node bonds. */
  stake: bigint;
  minPrice: bigint;
  maxPrice: bigint;
  /** PROVER_NODE_FAULTS per node index (tests only). */
  faults: Record<number, string>;
  /** Extra addresses to fund with gas and 10 000 stake tokens (an operator's own node, by hand). */
  fund: Address[];
  /** Aggregator's proof fetch timeout (ms) before it reports a proof unavailable. */
  fetchTimeoutMs?: number;
  /**
   * Something to put in front of anvil for the nodes and the sequencer (the chaos devnet's flaky RPC
   * proxy): given anvil's URL, returns the URL they use instead. The devnet's own reads go to anvil.
   */
  rpcFront?: (anvilUrl: string) => Promise<RpcFront>;
  /** Extra `chain` options of every node's config (e.g. more confirmations). */
  nodeChain?: { confirmations?: number; finalityDepth?: number; pollIntervalMs?: number };
  /**
   * The compiled CLI entry (dist/cli/index.js) the nodes run, when this devnet runs from the sources
   * (a soak restarts nodes many times: booting compiled code costs far less CPU than tsx). Default: the
   * entry that matches this module (compiled when it is compiled, else the sources with tsx).
   */
  nodeEntry?: string;
  logger: Logger;
}

/** What `DevnetOpts.rpcFront` starts. */
export interface RpcFront {
  readonly url: string;
  stop(): Promise<void>;
}

export function defaultDevnetOpts(baseDir: string): DevnetOpts {
  return {
    nodes: 3,
    txsPerBatch: 16,
    segmentLogRows: 8,
    treeDepth: 20,
    accounts: 32,
    options: "test",
    backend: "auto",
    baseDir,
    seed: 1,
    timing: DEFAULT_DEVNET_TIMING,
    stake: parseEther("1000"),
    minPrice: parseEther("1"),
    maxPrice: parseEther("2"),
    faults: {},
    fund: [],
    logger: nullLogger,
  };
}

interface RunningSequencer {
  sequencer: Sequencer;
  network: P2pNetwork;
  store: SequencerStore;
}

export interface DevnetNode {
  readonly index: number;
  readonly address: Address;
  readonly dataDir: string;
  readonly logFile: string;
  /** The running process, or null. */
  process: ChildProcess | null;
  /** The running process's HTTP API port (from its log), or null. */
  apiPort: number | null;
  /** The running process's p2p listen multiaddrs with /p2p/<peer id> (from its log). */
  listen: string[];
  /** PROVER_NODE_FAULTS of the running process ("" when none). */
  faults: string;
}

/**
 * How long `startNode` waits for "Prover node started": the node's own patience with an unreachable
 * or flaky RPC at start (STARTUP_RPC_RETRY_MS) plus a minute for the process to boot on a loaded machine.
 */
export const NODE_START_TIMEOUT_MS = STARTUP_RPC_RETRY_MS + 60_000;

/** deployment.json: the deployment, and on the aggregate path its aggregation geometry (`aggregate`). */
export function devnetDeploymentJson(d: Deployment, aggregate: AggregateDeploymentParams | null): string {
  if (aggregate === null) return deploymentToJson(d);
  const json = JSON.parse(deploymentToJson(d)) as Record<string, unknown>;
  return `${JSON.stringify({ ...json, aggregate }, null, 2)}\n`;
}

/** How the CLI is spawned: the compiled entry when running compiled, else the TypeScript source with tsx. */
function cliCommand(entry?: string): { cmd: string; args: string[] } {
  if (entry) return { cmd: process.execPath, args: [entry] };
  const self = import.meta.url;
  if (self.endsWith(".js")) return { cmd: process.execPath, args: [fileURLToPath(new URL("../index.js", self))] };
  return { cmd: process.execPath, args: ["--import", "tsx", fileURLToPath(new URL("../index.ts", self))] };
}

export class Devnet {
  readonly nodes: DevnetNode[] = [];
  private logs = new Map<number, WriteStream>();
  private stopped = false;
  private seq: RunningSequencer | null = null;
  private lastSequencer: Sequencer | null = null;
  /** The sequencer's listen address: fixed after the first start, so a restarted sequencer is still every node's bootstrap peer. */
  private sequencerListen = "/ip4/127.0.0.1/tcp/0";
  private bootstrap: string[] = [];
  /** Posts and sequencer restarts take turns. */
  private sequencerTurn: Promise<unknown> = Promise.resolve();
  /** Sequencer (re)starts so far. */
  sequencerStarts = 0;

  private constructor(
    readonly opts: DevnetOpts,
    readonly anvil: AnvilInstance,
    readonly publicClient: PublicClient,
    readonly contracts: SystemContracts,
    readonly deployment: Deployment,
    readonly deploymentFile: string,
    private readonly sequencerKey: Hex,
    private readonly nodeKeys: Hex[],
    /** The p2p network name (part of every topic): the nodes' `network` option. */
    readonly network: string,
    /** The RPC URL the nodes and the sequencer use (anvil's, or what `rpcFront` put in front of it). */
    readonly nodeRpcUrl: string,
    private readonly front: RpcFront | null,
    /** The aggregate path's geometry and verifiers (null on the bundle path). */
    readonly aggregate: AggregateDeployment | null,
  ) {}

  get path(): DevnetPath {
    return this.opts.path ?? "aggregate";
  }

  /** The running sequencer; while it restarts, the one before (its records stay readable; posts wait for the restart). */
  get sequencer(): Sequencer {
    const s = this.seq?.sequencer ?? this.lastSequencer;
    if (s === null) throw new Error("the devnet's sequencer never started");
    return s;
  }

  get sequencerNet(): P2pNetwork {
    if (this.seq === null) throw new Error("the devnet's sequencer is not running");
    return this.seq.network;
  }

  /** Batches the sequencer posted (or is posting), from its store. */
  get posted(): PostedBatch[] {
    return (this.seq?.sequencer ?? this.lastSequencer)?.postedBatches() ?? [];
  }

  /** The sequencer's TCP multiaddrs: every node's bootstrap peers. */
  bootstrapAddrs(): string[] {
    return this.bootstrap;
  }

  /** Directory of the sequencer's database and peer key. */
  get sequencerDir(): string {
    return join(this.opts.baseDir, "sequencer");
  }

  /** Start the sequencer from its store (its database survives restarts), on the same peer key and port. */
  private async startSequencer(): Promise<void> {
    const log = this.log;
    const account = privateKeyToAccount(this.sequencerKey);
    await mkdir(join(this.sequencerDir, "p2p"), { recursive: true, mode: 0o700 });
    const store = await LevelSequencerStore.open(join(this.sequencerDir, "db"));
    try {
      // The sequencer's RPC goes through the same front as the nodes'.
      const client = createPublicClient({ chain: anvilChain, transport: http(this.nodeRpcUrl, { retryCount: 0, timeout: 10_000 }), pollingInterval: 100 }) as PublicClient;
      const sender = new TxSender({ pollIntervalMs: 100 }, { publicClient: client, account, chain: anvilChain });
      const { network } = await startSequencerNetwork(
        {
          p2p: { network: this.network, dataDir: null, peerKeyFile: join(this.sequencerDir, "p2p", "peer-key"), listenAddresses: [this.sequencerListen], bootstrap: [], mdns: false, dhtAddresses: "all" },
        },
        { publicClient: client, sender, addresses: this.deployment.addresses, stakingKey: this.sequencerKey, store, logger: log.child({ module: "sequencer-p2p" }) },
      );
      const o = this.opts;
      const sequencer = new Sequencer(
        {
          accounts: o.accounts,
          txsPerBatch: o.txsPerBatch,
          segmentLogRows: o.segmentLogRows,
          treeDepth: o.treeDepth,
          seed: o.seed,
          minPrice: o.minPrice,
          maxPrice: o.maxPrice,
          txTimeoutMs: 20_000,
          finalityDepth: o.nodeChain?.finalityDepth ?? DEVNET_FINALITY_DEPTH,
          batchKind: this.path === "aggregate" ? "data" : "bundle",
        },
        { publicClient: client, sender, addresses: this.deployment.addresses, network, store, logger: log },
      );
      await sequencer.load();
      const tcp = network.multiaddrs().filter((a) => a.includes("/tcp/") && !a.includes("/ws"));
      if (this.bootstrap.length === 0) {
        this.bootstrap = tcp;
        const port = /\/tcp\/(\d+)/.exec(tcp[0] ?? "")?.[1];
        if (port) this.sequencerListen = `/ip4/127.0.0.1/tcp/${port}`;
      }
      this.seq = { sequencer, network, store };
      this.lastSequencer = sequencer;
      this.sequencerStarts++;
    } catch (err) {
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  private async stopSequencer(): Promise<void> {
    const s = this.seq;
    this.seq = null;
    if (!s) return;
    await s.network.stop().catch(() => undefined);
    await s.store.close().catch(() => undefined);
  }

  /** Stop the sequencer (its p2p host and database) and start it again from its store. Waits for a post in flight. */
  restartSequencer(downMs = 0): Promise<void> {
    return this.sequencerTurnOf(async () => {
      await this.stopSequencer();
      this.log.info("Sequencer stopped", { downMs });
      if (downMs > 0) await sleep(downMs);
      await this.startSequencer();
      this.log.info("Sequencer restarted", { batches: this.seq!.sequencer.batchRecords().length, stateRoot: this.seq!.sequencer.stateRoot() });
    });
  }

  private sequencerTurnOf<T>(f: () => Promise<T>): Promise<T> {
    const run = this.sequencerTurn.then(f);
    this.sequencerTurn = run.catch(() => undefined);
    return run;
  }

  get log(): Logger {
    return this.opts.logger;
  }

  /** Bring the chain, contracts and sequencer up, prepare every node's data directory (nodes not started). */
  static async create(opts: DevnetOpts): Promise<Devnet> {
    const log = opts.logger;
    const t = opts.timing;
    await mkdir(opts.baseDir, { recursive: true });
    const path = opts.path ?? "aggregate";
    if (path !== "aggregate" && path !== "bundle") throw new Error(`devnet path must be "aggregate" or "bundle", got ${JSON.stringify(path)}`);
    const gasLimit = path === "aggregate" ? AGGREGATE_BLOCK_GAS_LIMIT : 1_000_000_000;
    log.info("Starting anvil", { path, gasLimit });
    const anvil = await startAnvil({ args: ["--gas-limit", String(gasLimit), "--block-time", String(t.blockTime)] });
    let front: RpcFront | null = null;
    try {
      const transport = http(anvil.rpcUrl);
      const publicClient = createPublicClient({ chain: anvilChain, transport, pollingInterval: 100 }) as PublicClient;
      const testClient = createTestClient({ chain: anvilChain, transport, mode: "anvil" });
      const deployerKey = generatePrivateKey();
      const deployer = privateKeyToAccount(deployerKey);
      // The sequencer has its own key (Rollup.sequencer): its transactions never share a nonce with the deployer's.
      const sequencerKey = generatePrivateKey();
      const sequencerAccount = privateKeyToAccount(sequencerKey);
      const nodeKeys = Array.from({ length: opts.nodes }, () => generatePrivateKey());
      for (const a of [deployer.address, sequencerAccount.address, ...nodeKeys.map((k) => privateKeyToAccount(k).address)]) {
        await testClient.setBalance({ address: a, value: parseEther("10000") });
      }
      const wallet = createWalletClient({ chain: anvilChain, transport, account: deployer });
      const { root } = genesisFor({ accounts: opts.accounts, treeDepth: opts.treeDepth, seed: opts.seed });
      const minSecurityBits = opts.options === "test" ? 0 : 96;
      log.info("Deploying the contracts with the transfer-v1 STARK verifier", { options: opts.options });
      const verifier = await deployStarkVerifier(wallet, publicClient, TRANSFER_AIR_NAME, minSecurityBits);
      let aggregate: AggregateDeployment | null = null;
      if (path === "aggregate") {
        const params = devnetAggregateParams(opts);
        log.info("Deploying the aggregate path: the plan, the wrap verifier, the dispute verifier", { ...params });
        aggregate = await deployAggregatePath(params, wallet, publicClient, { backend: opts.backend, minSecurityBits, logger: log });
        log.info("Aggregate path deployed", { ...aggregate.timings, aggregateVerifier: aggregate.aggregateVerifier, wrapAirId: aggregate.aggregate.airId });
      }
      const deployment = await deploySystem(
        wallet,
        publicClient,
        {
          genesisRoot: root,
          treeDepth: opts.treeDepth,
          sequencer: sequencerAccount.address,
          market: {
            lockTimeout: BigInt(t.lockTimeout),
            responseWindow: BigInt(t.responseWindow),
            batchTimeout: BigInt(t.batchTimeout),
            rampPeriod: BigInt(t.rampPeriod),
            ...(aggregate?.disputeAirId ? { disputeAirId: aggregate.disputeAirId } : {}),
          },
          election: { aggregatorWindow: BigInt(path === "aggregate" ? Math.max(t.aggregatorWindow, AGGREGATE_WINDOW_BLOCKS) : t.aggregatorWindow), epochLength: BigInt(t.epochLength) },
          ...(aggregate ? { aggregate: aggregate.aggregate } : {}),
        },
        {
          verifier,
          pollingIntervalMs: 100,
          ...(aggregate ? { aggregateVerifier: aggregate.aggregateVerifier } : {}),
          ...(aggregate?.disputeVerifier ? { disputeVerifier: aggregate.disputeVerifier } : {}),
        },
      );
      const deploymentFile = join(opts.baseDir, "deployment.json");
      await writeFile(deploymentFile, devnetDeploymentJson(deployment, aggregate?.params ?? null));
      const contracts = systemContracts(deployment.addresses, { public: publicClient, wallet: wallet as unknown as AnyWalletClient });

      // The sequencer escrows maxPrice × segments per batch.
      await publicClient.waitForTransactionReceipt({ hash: await contracts.token.write.mint([sequencerAccount.address, parseEther("1000000000")], { account: deployer } as never), pollingInterval: 100 });
      const network = `devnet-${process.pid}-${Date.now() % 100000}`;
      for (const a of opts.fund) {
        await testClient.setBalance({ address: a, value: parseEther("100") });
        const r = await publicClient.waitForTransactionReceipt({ hash: await contracts.token.write.mint([a, parseEther("10000")], { account: deployer } as never), pollingInterval: 100 });
        if (r.status !== "success") throw new Error(`minting for ${a} reverted`);
        log.info("Funded", { address: a, gas: "100 ETH", tokens: "10000" });
      }
      front = opts.rpcFront ? await opts.rpcFront(anvil.rpcUrl) : null;
      const devnet = new Devnet(opts, anvil, publicClient, contracts, deployment, deploymentFile, sequencerKey, nodeKeys, network, front?.url ?? anvil.rpcUrl, front, aggregate);
      await rm(devnet.sequencerDir, { recursive: true, force: true });
      try {
        // The sequencer: its own p2p host (every node's bootstrap peer), registered so its gossip is accepted.
        await devnet.startSequencer();
        await devnet.prepareNodes();
      } catch (err) {
        await devnet.stopSequencer();
        throw err;
      }
      return devnet;
    } catch (err) {
      await front?.stop().catch(() => undefined);
      await anvil.stop().catch(() => undefined);
      throw err;
    }
  }

  /** Data directories, keys, configs, profiles; registration and stake on chain. */
  private async prepareNodes(): Promise<void> {
    const network = this.network;
    if (this.opts.nodes === 0) return;
    const o = this.opts;
    this.log.info("Measuring proving speed for the node profiles", { backend: o.backend, logRows: o.segmentLogRows });
    let profile = await measureProfile({ backend: o.backend, threads: 1, air: TRANSFER_AIR_NAME, logRows: o.segmentLogRows, options: o.options, runs: 1 });
    if (this.aggregate) {
      // Data segments (transfer-v2-d<D>, poseidon2): the nodes price them from this entry.
      const data = await measureDataSegmentProfile(this.aggregate.params, o.backend);
      profile = mergeProfile(profile, data.backend, data.air, data.entry, Date.now());
    }
    const bootstrap = this.bootstrapAddrs();
    const token = this.contracts.token;
    for (let i = 0; i < o.nodes; i++) {
      const key = this.nodeKeys[i]!;
      const account = privateKeyToAccount(key);
      const dataDir = resolve(o.baseDir, `node-${i}`);
      await rm(dataDir, { recursive: true, force: true });
      await mkdir(join(dataDir, "p2p"), { recursive: true, mode: 0o700 });
      await mkdir(join(dataDir, "db"), { recursive: true, mode: 0o700 });
      await writeFile(join(dataDir, "keystore.json"), JSON.stringify(await encryptKeystore(key, DEVNET_PASSWORD, { scrypt: DEVNET_SCRYPT })), { mode: 0o600 });
      const peerKey = await generateKeyPair("Ed25519");
      await writeFile(join(dataDir, "p2p", "peer-key"), privateKeyToProtobuf(peerKey), { mode: 0o600 });
      const peerId = peerIdFromPrivateKey(peerKey).toString();
      await writeFile(join(dataDir, "profile.json"), JSON.stringify(profile, null, 2));
      const config = {
        dataDir,
        network,
        keystoreFile: "keystore.json",
        chain: { rpcUrls: [this.nodeRpcUrl], chainId: this.deployment.chainId, deploymentFile: this.deploymentFile, contracts: {}, confirmations: o.nodeChain?.confirmations ?? 0, finalityDepth: o.nodeChain?.finalityDepth ?? DEVNET_FINALITY_DEPTH, pollIntervalMs: o.nodeChain?.pollIntervalMs ?? 500 },
        p2p: { listenAddrs: ["/ip4/127.0.0.1/tcp/0"], bootstrapPeers: bootstrap, mdns: false, privateAddresses: true, peerKeyFile: "p2p/peer-key" },
        backend: { kind: o.backend, threads: 1 },
        provers: { workers: 1 },
        jobs: { proofOptionsPreset: o.options, txWaitMs: 20_000 },
        market: {
          costPerHour: "0",
          marginBps: 0,
          maxConcurrentJobs: 1,
          safetyFactor: 1.5,
          overheadSeconds: 5,
          breakerFailures: 3,
          breakerCooldownSeconds: 30,
          warnFreeStake: "0",
          minGasBalance: "1000000000000000",
          warnGasBalance: "10000000000000000",
        },
        aggregator: { fetchTimeoutMs: o.fetchTimeoutMs ?? 15_000 },
        api: { enabled: true, host: "127.0.0.1", port: 0 },
        log: { level: "info", format: "json" },
        // The aggregate path: the geometry every node proves segments and joins with (node config `aggregate`).
        ...(this.aggregate ? { aggregate: nodeAggregateConfig(this.aggregate.params) } : {}),
      };
      await writeFile(join(dataDir, "config.json"), JSON.stringify(config, null, 2));

      // Fund, register, bond (as an operator would with `prover-node register` and `stake bond`).
      const w = createWalletClient({ chain: anvilChain, transport: http(this.anvil.rpcUrl), account });
      await this.wait(this.contracts.token.write.mint([account.address, o.stake * 2n], {} as never));
      await this.wait(w.writeContract({ address: token.address, abi: token.abi, functionName: "approve", args: [this.contracts.staking.address, o.stake] }));
      await this.wait(w.writeContract({ address: this.contracts.staking.address, abi: this.contracts.staking.abi, functionName: "register", args: [peerIdToChain(peerId)] }));
      await this.wait(w.writeContract({ address: this.contracts.staking.address, abi: this.contracts.staking.abi, functionName: "bond", args: [o.stake] }));
      this.nodes.push({ index: i, address: account.address, dataDir, logFile: join(dataDir, "node.log"), process: null, apiPort: null, listen: [], faults: "" });
      this.log.info("Node prepared", { node: i, address: account.address, peerId, stake: o.stake });
    }
  }

  private async wait(hash: Promise<Hex> | Hex): Promise<void> {
    const r = await this.publicClient.waitForTransactionReceipt({ hash: await hash, pollingInterval: 100 });
    if (r.status !== "success") throw new Error(`devnet transaction ${r.transactionHash} reverted`);
  }

  /** Start node `i` as a child process (its output appended to `<dataDir>/node.log`); resolves once it is up. */
  async startNode(i: number, faults: string | undefined = this.opts.faults[i]): Promise<void> {
    const node = this.nodes[i]!;
    if (node.process && node.process.exitCode === null && node.process.signalCode === null) throw new Error(`node ${i} is already running`);
    const { cmd, args } = cliCommand(this.opts.nodeEntry);
    let out = this.logs.get(i);
    if (!out) this.logs.set(i, (out = createWriteStream(node.logFile, { flags: "a" })));
    const env: NodeJS.ProcessEnv = { ...process.env, PROVER_NODE_PASSWORD: DEVNET_PASSWORD };
    delete env.PROVER_NODE_FAULTS;
    if (faults) env.PROVER_NODE_FAULTS = faults;
    const child = spawn(cmd, [...args, "start", "--data-dir", node.dataDir], { env, stdio: ["ignore", "pipe", "pipe"] });
    node.process = child;
    node.apiPort = null;
    node.listen = [];
    node.faults = faults ?? "";
    const started = new Promise<void>((resolveStart, reject) => {
      let buffered = "";
      let up = false;
      const onData = (chunk: Buffer): void => {
        out!.write(chunk);
        if (up) return;
        buffered += chunk.toString("utf8");
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.includes("API listening")) node.apiPort = Number(/"port":(\d+)/.exec(line)?.[1] ?? 0) || null;
          if (line.includes("Prover node started")) {
            try {
              const rec = JSON.parse(line) as { listen?: string[]; peerId?: string };
              node.listen = (rec.listen ?? []).filter((a) => a.includes("/tcp/") && !a.includes("/ws")).map((a) => (a.includes("/p2p/") ? a : `${a}/p2p/${rec.peerId}`));
            } catch {
              // a pretty (non-JSON) log: no addresses
            }
            up = true;
            resolveStart();
          }
        }
        if (buffered.length > 65_536) buffered = buffered.slice(-4096);
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (c: Buffer) => out!.write(c));
      child.once("exit", (code, sig) => reject(new Error(`node ${i} exited before starting (code ${code}, signal ${sig}); see ${node.logFile}`)));
    });
    // As patient as the node itself: it waits out a flaky RPC at start for STARTUP_RPC_RETRY_MS.
    const gaveUp = new AbortController();
    try {
      await Promise.race([
        started,
        sleep(NODE_START_TIMEOUT_MS, gaveUp.signal).then(() => Promise.reject(new Error(`node ${i} did not start within ${NODE_START_TIMEOUT_MS / 1000} s; see ${node.logFile}`))),
      ]);
    } finally {
      gaveUp.abort();
    }
    this.log.info("Node started", { node: i, pid: child.pid, faults: faults ?? "none" });
  }

  async startNodes(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.startNode(n.index)));
  }

  /** Kill node `i` (SIGKILL: no cleanup, like a power cut) or stop it (SIGTERM: graceful). Resolves on exit. */
  async stopNode(i: number, signal: "SIGKILL" | "SIGTERM" = "SIGTERM"): Promise<void> {
    const child = this.nodes[i]!.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(signal);
    await Promise.race([exited, sleep(20_000).then(() => child.kill("SIGKILL"))]);
    await exited;
  }

  /** Whether node `i` has exited (e.g. a crash fault killed it). */
  exited(i: number): boolean {
    const c = this.nodes[i]!.process;
    return c !== null && (c.exitCode !== null || c.signalCode !== null);
  }

  async postBatch(): Promise<PostedBatch> {
    const b = await this.sequencerTurnOf(() => this.sequencer.postNextBatch());
    this.log.info("Batch posted", { batchId: b.batchId, segments: b.segments.length });
    return b;
  }

  /** The sequencer's reconcile (records finalized / timed-out / vanished batches, times out overdue ones), between posts and restarts. */
  reconcileSequencer(): ReturnType<Sequencer["reconcile"]> {
    return this.sequencerTurnOf(() => this.sequencer.reconcile());
  }

  /** Poll until `check` returns a value (not undefined/false), or throw after `timeoutMs`. */
  async until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > end) throw new Error(`devnet: timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(500);
    }
  }

  async lastFinalizedBatch(): Promise<bigint> {
    return this.contracts.rollup.read.lastFinalizedBatch();
  }

  async waitFinalized(batchId: bigint, timeoutMs: number): Promise<void> {
    await this.until(`batch ${batchId} finalized`, timeoutMs, async () => (await this.lastFinalizedBatch()) >= batchId);
  }

  /** Stop every node, the sequencer's host and anvil. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.nodes.map((n) => this.stopNode(n.index, "SIGTERM").catch(() => undefined)));
    for (const s of this.logs.values()) s.end();
    await this.sequencerTurnOf(() => this.stopSequencer()).catch(() => undefined);
    await this.front?.stop().catch(() => undefined);
    await this.anvil.stop().catch(() => undefined);
  }
}

