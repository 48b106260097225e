/**
 * p2p benchmark (not a test): gossip propagation latency over 6 and 12 local nodes, request/response
 * throughput of a 5 MB object, and the memory of an idle node (measured in a child process).
 *
 *   npx tsx bench/p2p.ts            → bench/results/p2p.json
 *
 * Every node runs in this one process on 127.0.0.1, so latencies include the CPU contention of N
 * nodes sharing the machine's cores (each hop verifies a secp256k1 signature).
 */
import "../src/util/polyfills.js";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { contentHash, createP2pNetwork, MemoryContentStore, MemoryStakeOracle, topicId, type P2pNetwork, type P2pOptsInput } from "../src/p2p/index.js";

const oracle = new MemoryStakeOracle();

function opts(extra: P2pOptsInput = {}): P2pOptsInput {
  return {
    network: "bench",
    listenAddresses: ["/ip4/127.0.0.1/tcp/0"],
    dhtAddresses: "all",
    inboundConnectionsPerSecond: 100,
    maintainIntervalMs: 1000,
    ...extra,
    // Production mesh parameters except a faster first DHT walk.
    gossip: { scoreProfile: "small", ...extra.gossip },
    dht: { initialQuerySelfIntervalMs: 100, querySelfIntervalMs: 5000 },
  };
}

async function node(extra: P2pOptsInput = {}, stores?: { witness?: MemoryContentStore }): Promise<P2pNetwork> {
  const stakingKey = generatePrivateKey();
  const net = createP2pNetwork(opts(extra), { oracle, stakingKey, stores });
  await net.start();
  oracle.set(privateKeyToAccount(stakingKey).address, { peerId: net.peerId, stake: 1n });
  return net;
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("bench setup timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function gossipLatency(n: number, messages: number) {
  const boot = await node();
  const nodes = [boot];
  for (let i = 1; i < n; i++) nodes.push(await node({ bootstrap: [boot.multiaddrs()[0]!] }));
  const topic = topicId("bench", "proofs");
  try {
    await until(() => nodes.every((x) => x.host.services.pubsub.getSubscribers(topic).length >= Math.min(n - 1, 4)), 30_000);
    await sleep(3000); // let meshes settle through a few heartbeats
    const sentAt = new Map<bigint, number>();
    const latencies: number[] = [];
    let delivered = 0;
    for (const x of nodes) {
      x.onMessage((m) => {
        if (m.message.body.kind !== "proofAvailable") return;
        const t0 = sentAt.get(m.message.body.batchId);
        if (t0 !== undefined) {
          latencies.push(performance.now() - t0);
          delivered++;
        }
      });
    }
    for (let i = 0; i < messages; i++) {
      const from = nodes[i % n]!;
      const batchId = BigInt(i + 1);
      sentAt.set(batchId, performance.now());
      await from.publish({ kind: "proofAvailable", batchId, segmentIndex: 0, proofHash: `0x${"ab".repeat(32)}`, size: 1000 });
      await sleep(100);
    }
    await sleep(2000);
    latencies.sort((a, b) => a - b);
    return {
      nodes: n,
      messages,
      deliveries: delivered,
      expectedDeliveries: messages * (n - 1),
      medianMs: round(quantile(latencies, 0.5)),
      p99Ms: round(quantile(latencies, 0.99)),
      maxMs: round(latencies[latencies.length - 1] ?? NaN),
    };
  } finally {
    await Promise.all(nodes.map((x) => x.stop()));
  }
}

async function reqRespThroughput(sizeBytes: number, rounds: number) {
  const store = new MemoryContentStore();
  const data = new Uint8Array(sizeBytes);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const hash = store.put(data);
  const server = await node({ reqresp: { rateLimitBurst: 1000 } }, { witness: store });
  const client = await node({ bootstrap: [server.multiaddrs()[0]!] });
  try {
    await until(() => client.connectedPeers().length > 0, 10_000);
    await client.fetchWitness(hash, { peers: [server.peerId] }); // warm-up
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      const got = await client.fetchWitness(hash, { peers: [server.peerId] });
      times.push(performance.now() - t0);
      if (got.length !== sizeBytes) throw new Error("short read");
    }
    // The same transfer without the keccak256 check, and the check alone.
    const reqresp = (client as unknown as { reqresp: { request(p: unknown, n: string, h: string): Promise<Uint8Array> } }).reqresp;
    const raw: number[] = [];
    const hashing: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t0 = performance.now();
      await reqresp.request(server.host.peerId, "witness", hash);
      raw.push(performance.now() - t0);
      t0 = performance.now();
      contentHash(data);
      hashing.push(performance.now() - t0);
    }
    for (const a of [times, raw, hashing]) a.sort((x, y) => x - y);
    const median = quantile(times, 0.5);
    const rawMedian = quantile(raw, 0.5);
    return {
      sizeBytes,
      rounds,
      fetch: { medianMs: round(median), minMs: round(times[0]!), medianMBps: round(sizeBytes / 1e6 / (median / 1000)) },
      transferOnly: { medianMs: round(rawMedian), minMs: round(raw[0]!), medianMBps: round(sizeBytes / 1e6 / (rawMedian / 1000)) },
      keccakCheckMedianMs: round(quantile(hashing, 0.5)),
      note: "fetch = request + 5 MB streamed in 256 KiB frames over Noise/Yamux + keccak256 check (@noble/hashes) on arrival",
    };
  } finally {
    await Promise.all([client.stop(), server.stop()]);
  }
}

/** Child process: one node connected to one peer, idle, then report memory. */
async function idleChild(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  const peer = await node();
  const n = await node({ bootstrap: [peer.multiaddrs()[0]!] });
  await sleep(10_000);
  await peer.stop();
  await sleep(2_000);
  gc?.();
  const after = process.memoryUsage();
  await n.stop();
  const mb = (x: number) => round(x / 2 ** 20, 1);
  process.stdout.write(
    JSON.stringify({
      note: "process with one started node, idle for 12 s (its one peer stopped 2 s before measuring), after GC",
      rssMiB: mb(after.rss),
      heapUsedMiB: mb(after.heapUsed),
      heapTotalMiB: mb(after.heapTotal),
      baselineRssMiB: mb(before.rss),
      baselineHeapUsedMiB: mb(before.heapUsed),
    }),
  );
}

async function idleMemory(): Promise<unknown> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", self, "--idle-child"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  await new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve(null) : reject(new Error(`idle child exited ${code}`)))));
  return JSON.parse(out);
}

async function main(): Promise<void> {
  if (process.argv.includes("--idle-child")) return idleChild();
  const started = new Date().toISOString();
  const gossip6 = await gossipLatency(6, 60);
  console.log("gossip 6", gossip6);
  const gossip12 = await gossipLatency(12, 60);
  console.log("gossip 12", gossip12);
  const reqresp = await reqRespThroughput(5 * 1024 * 1024, 10);
  console.log("req/resp", reqresp);
  const idle = await idleMemory();
  console.log("idle", idle);
  const result = {
    started,
    machine: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model },
    gossipPropagation: [gossip6, gossip12],
    reqrespThroughput: reqresp,
    idleNodeMemory: idle,
  };
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}p2p.json`, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${dir}p2p.json`);
}

await main();
