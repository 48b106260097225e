import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { createP2pNetwork, MemoryStakeOracle, type P2pModules, type P2pNetwork, type P2pOptsInput } from "../../src/p2p/index.js";
import type { Counter, Gauge, Histogram, MetricsRegister } from "../../src/util/metrics.js";

/** Options that make a local mesh converge in a second or two. */
export function testOpts(extra: P2pOptsInput = {}): P2pOptsInput {
  return {
    network: "test",
    listenAddresses: ["/ip4/127.0.0.1/tcp/0"],
    dhtAddresses: "all",
    targetPeers: 16,
    inboundConnectionsPerSecond: 100,
    maintainIntervalMs: 1000,
    statusIntervalMs: 0,
    ...extra,
    gossip: { heartbeatIntervalMs: 100, scoreProfile: "small", D: 4, Dlo: 2, Dhi: 8, ...extra.gossip },
    dht: { querySelfIntervalMs: 1500, initialQuerySelfIntervalMs: 100, findProvidersTimeoutMs: 15_000, ...extra.dht },
    reqresp: { ...extra.reqresp },
    scoring: { ...extra.scoring },
  };
}

export interface TestNode {
  net: P2pNetwork;
  stakingKey: Hex;
}

/** A started node whose staking key is registered with `stake` in the oracle (unless stake is null). */
export async function startNode(
  oracle: MemoryStakeOracle,
  opts: P2pOptsInput = {},
  modules: Partial<P2pModules> = {},
  stake: bigint | null = 100n,
): Promise<P2pNetwork> {
  const stakingKey = modules.stakingKey ?? generatePrivateKey();
  const net = createP2pNetwork(testOpts(opts), { oracle, ...modules, stakingKey });
  await net.start();
  if (stake !== null) oracle.set(privateKeyToAccount(stakingKey).address, { peerId: net.peerId, stake });
  return net;
}

export async function stopAll(nodes: Array<P2pNetwork | undefined>): Promise<void> {
  await Promise.all(nodes.map((n) => n?.stop().catch(() => {})));
}

/** Poll `check` until it returns true (or a non-false value); fail with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A MetricsRegister keeping counter values in memory, to assert on. */
export class MemoryMetrics implements MetricsRegister {
  readonly values = new Map<string, number>();
  private key(name: string, labels: Record<string, string | number | undefined> = {}): string {
    const l = Object.entries(labels)
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    return `${name}{${l}}`;
  }
  get(name: string, labels: Record<string, string | number> = {}): number {
    return this.values.get(this.key(name, labels)) ?? 0;
  }
  counter<L extends string>(name: string): Counter<L> {
    return {
      inc: (labels = {}, value = 1) => this.values.set(this.key(name, labels), (this.values.get(this.key(name, labels)) ?? 0) + value),
    };
  }
  gauge<L extends string>(name: string): Gauge<L> {
    const c = this.counter<L>(name);
    return {
      set: (labels, value) => this.values.set(this.key(name, labels), value),
      inc: c.inc,
      dec: (labels = {}, value = 1) => c.inc(labels, -value),
    };
  }
  histogram<L extends string>(name: string): Histogram<L> {
    return {
      observe: (labels) => this.values.set(this.key(`${name}_count`, labels), (this.values.get(this.key(`${name}_count`, labels)) ?? 0) + 1),
      startTimer: () => () => 0,
    };
  }
}
